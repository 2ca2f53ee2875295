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
pub(crate) fn human(results: &[CaseResult], trace: bool, rerun: &str) -> String {
    let mut out = String::new();
    let mut section = "";
    for r in results {
        let area = r.case.id.split('/').next().unwrap_or("");
        let area = area.rsplit_once('-').map_or(area, |(a, _)| a);
        if area != section {
            section = area;
            let _ = writeln!(out, "{area}");
        }
        let _ = writeln!(
            out,
            "  {:<13} {}  {}  ({} ms)",
            r.verdict.grade.label(),
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
