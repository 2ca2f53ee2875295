//! Reports: a human tree by section, and versioned JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::json;

use crate::case::Grade;
use crate::runner::CaseResult;

/// The JSON report's schema version; bump on any incompatible change.
pub(crate) const JSON_SCHEMA_VERSION: u32 = 1;

/// Counts per grade.
pub(crate) fn tally(results: &[CaseResult]) -> BTreeMap<Grade, usize> {
    let mut t = BTreeMap::new();
    for r in results {
        *t.entry(r.verdict.grade).or_insert(0) += 1;
    }
    t
}

/// The human report: cases grouped by requirement area, details for every non-PASS verdict, and
/// a last summary line.
pub(crate) fn human(results: &[CaseResult], trace: bool, rerun: &str, color: bool) -> String {
    let mut out = String::new();
    let mut section = "";
    for r in results {
        let area = area_of(r.case.id);
        if area != section {
            section = area;
            let _ = writeln!(out, "{area}");
        }
        let label = format!("{:<13}", r.verdict.grade.label());
        let _ = writeln!(
            out,
            "  {} {}  {}  ({} ms)",
            paint(&label, r.verdict.grade, color),
            r.case.id,
            r.case.title,
            r.duration.as_millis()
        );
        if r.verdict.grade != Grade::Pass || trace {
            for id in r.case.requirements {
                let text =
                    socketio_spec::requirement(id).map_or("(unknown requirement)", |q| &q.text);
                let _ = writeln!(out, "      {id}: {text}");
            }
            let _ = writeln!(out, "      expected: {}", r.verdict.expected);
            let _ = writeln!(out, "      seen:     {}", r.verdict.seen);
            for line in r.transcript.render().lines() {
                let _ = writeln!(out, "      | {line}");
            }
            let _ = writeln!(out, "      re-run:   {rerun} {}", r.case.id);
        }
    }
    let _ = writeln!(out, "{}", summary(results));
    out
}

/// ANSI colour for a grade label (only on a terminal).
fn paint(label: &str, grade: Grade, color: bool) -> String {
    if !color {
        return label.to_owned();
    }
    let code = match grade {
        Grade::Pass => "32",
        Grade::NonStrict | Grade::Informational => "33",
        Grade::Unsupported => "36",
        Grade::Fail | Grade::Error => "31;1",
    };
    format!("\x1b[{code}m{label}\x1b[0m")
}

/// `N passed, N failed, N skipped`, with the other grades named when present.
pub(crate) fn summary(results: &[CaseResult]) -> String {
    let t = tally(results);
    let n = |g| t.get(&g).copied().unwrap_or(0);
    let mut s = format!(
        "{} passed, {} failed, {} skipped",
        n(Grade::Pass),
        n(Grade::Fail) + n(Grade::Error),
        n(Grade::Unsupported)
    );
    for (label, g) in [
        ("non-strict", Grade::NonStrict),
        ("informational", Grade::Informational),
        ("errors", Grade::Error),
    ] {
        if n(g) > 0 {
            let _ = write!(s, " ({} {label})", n(g));
        }
    }
    s
}

/// The JUnit XML report: one suite per requirement area, one test case per case; FAIL is a
/// failure, ERROR an error, UNSUPPORTED a skip, and the other grades pass with the grade in
/// their output.
pub(crate) fn junit(results: &[CaseResult], target: &str) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

    let mut report = Report::new(format!("socketio-conformance {target}"));
    let mut suites: Vec<TestSuite> = Vec::new();
    for r in results {
        let area = area_of(r.case.id);
        if suites.last().is_none_or(|s| s.name.as_str() != area) {
            suites.push(TestSuite::new(area));
        }
        let details = details(r);
        let mut status = match r.verdict.grade {
            Grade::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Grade::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
            Grade::Unsupported => TestCaseStatus::skipped(),
            _ => TestCaseStatus::success(),
        };
        status.set_message(format!("{}: {}", r.verdict.grade.label(), r.verdict.seen));
        status.set_description(details.clone());
        let mut case = TestCase::new(r.case.id, status);
        case.set_time(r.duration);
        case.set_classname(area);
        if !matches!(
            r.verdict.grade,
            Grade::Fail | Grade::Error | Grade::Unsupported
        ) {
            case.set_system_out(format!("{}\n{details}", r.verdict.grade.label()));
        }
        if let Some(suite) = suites.last_mut() {
            suite.add_test_case(case);
        }
    }
    report.add_test_suites(suites);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot serialise the JUnit report: {e} -->"))
}

fn area_of(id: &str) -> &str {
    let req = id.split('/').next().unwrap_or(id);
    req.rsplit_once('-').map_or(req, |(a, _)| a)
}

/// Requirement texts, expected, seen and the transcript, as plain text.
fn details(r: &CaseResult) -> String {
    let mut out = String::new();
    for id in r.case.requirements {
        let text = socketio_spec::requirement(id).map_or("(unknown requirement)", |q| &q.text);
        let _ = writeln!(out, "{id}: {text}");
    }
    let _ = writeln!(out, "expected: {}", r.verdict.expected);
    let _ = writeln!(out, "seen:     {}", r.verdict.seen);
    out.push_str(&r.transcript.render());
    out
}

/// The JSON report.
pub(crate) fn json(results: &[CaseResult], target: &str) -> serde_json::Value {
    let cases: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            json!({
                "id": r.case.id,
                "title": r.case.title,
                "grade": r.verdict.grade.label(),
                "requirements": r.case.requirements.iter().map(|id| json!({
                    "id": id,
                    "text": socketio_spec::requirement(id).map(|q| q.text.clone()),
                })).collect::<Vec<_>>(),
                "features": r.case.features,
                "expected": r.verdict.expected,
                "seen": r.verdict.seen,
                "duration_ms": r.duration.as_millis() as u64,
                "transcript": r.transcript.to_json(),
            })
        })
        .collect();
    let t = tally(results);
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "target": target,
        "summary": t.iter().map(|(g, n)| (g.label().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "cases": cases,
    })
}
