//! Committed expectations (`--expect FILE`, house style 25): the grade of every case that does
//! not PASS against a given server, each with a reason. A run with expectations succeeds when
//! every outcome matches, and fails on any change in either direction — including a listed
//! failure that now passes, so the files stay true.
//!
//! ```json
//! {
//!   "testee": "python-socketio",
//!   "expectations": [
//!     { "case": "SIO5-NS-005/auth-after-connect-*", "grade": "FAIL",
//!       "reason": "python-socketio emits events from the connect handler before the CONNECT reply" }
//!   ]
//! }
//! ```
//!
//! `case` is an exact case ID or a `*` glob; the first matching entry wins; unlisted cases are
//! expected to PASS. No durations are stored.
//!
//! A server whose outcome depends on timing (it handles one connection's packets concurrently,
//! say) gets `"grades": ["FAIL", "PASS"]` instead of `grade`: every grade of the set matches. Such
//! an entry's reason must say `Flaky` and why, and the set must hold two grades or more; it is a
//! finding about the server, not a way to quiet the runner.

use std::path::Path;

use serde::Deserialize;

use crate::case::{Case, Grade};
use crate::runner::{CaseResult, matches_pattern};

#[derive(Debug, Deserialize)]
struct File {
    #[allow(dead_code)] // documentation for readers of the file
    testee: Option<String>,
    expectations: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    case: String,
    grade: Option<String>,
    grades: Option<Vec<String>>,
    reason: String,
}

/// Loaded expectations.
pub(crate) struct Expectations {
    entries: Vec<(String, Vec<Grade>, String)>,
}

/// A case whose outcome differs from its expectation.
pub(crate) struct Mismatch {
    pub(crate) id: &'static str,
    /// The grades that would have matched (one, or the set of a flaky entry).
    pub(crate) expected: Vec<Grade>,
    pub(crate) got: Grade,
    pub(crate) reason: Option<String>,
}

impl Mismatch {
    /// The expected grades as text: `FAIL`, or `FAIL or PASS`.
    pub(crate) fn expected_label(&self) -> String {
        let labels: Vec<&str> = self.expected.iter().map(|g| g.label()).collect();
        labels.join(" or ")
    }
}

impl Expectations {
    /// Reads and checks a file: every entry has a known grade, a non-empty reason, and matches
    /// at least one case of the catalogue.
    pub(crate) fn load(path: &Path, catalogue: &[&'static Case]) -> Result<Expectations, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not an expectations file: {e}", path.display()))?;
        let mut entries = Vec::new();
        for e in file.expectations {
            let where_ = format!("{}: `{}`", path.display(), e.case);
            let labels = match (e.grade, e.grades) {
                (Some(one), None) => vec![one],
                (None, Some(set)) if set.len() >= 2 => {
                    if !e.reason.contains("Flaky") {
                        return Err(format!(
                            "{where_} has a set of grades but its reason does not say `Flaky`"
                        ));
                    }
                    set
                }
                (None, Some(_)) => {
                    return Err(format!(
                        "{where_}: a set of grades needs two grades or more"
                    ));
                }
                _ => {
                    return Err(format!(
                        "{where_} needs exactly one of `grade` and `grades`"
                    ));
                }
            };
            let mut grades = Vec::new();
            for label in &labels {
                let grade = Grade::from_label(label)
                    .ok_or_else(|| format!("{where_} has unknown grade `{label}`"))?;
                if grades.contains(&grade) {
                    return Err(format!("{where_} lists `{label}` twice"));
                }
                grades.push(grade);
            }
            if e.reason.trim().is_empty() {
                return Err(format!("{where_} has no reason"));
            }
            if !catalogue.iter().any(|c| matches_pattern(&e.case, c.id)) {
                return Err(format!(
                    "{}: `{}` matches no case of the catalogue",
                    path.display(),
                    e.case
                ));
            }
            entries.push((e.case, grades, e.reason));
        }
        Ok(Expectations { entries })
    }

    /// The expected grades of a case, and the reason when it is listed.
    pub(crate) fn expected(&self, id: &str) -> (&[Grade], Option<&str>) {
        self.entries
            .iter()
            .find(|(pattern, _, _)| matches_pattern(pattern, id))
            .map_or((&[Grade::Pass][..], None), |(_, g, r)| {
                (g.as_slice(), Some(r.as_str()))
            })
    }

    /// Every result whose grade differs from its expectation.
    pub(crate) fn mismatches(&self, results: &[CaseResult]) -> Vec<Mismatch> {
        results
            .iter()
            .filter_map(|r| {
                let (expected, reason) = self.expected(r.case.id);
                (!expected.contains(&r.verdict.grade)).then(|| Mismatch {
                    id: r.case.id,
                    expected: expected.to_vec(),
                    got: r.verdict.grade,
                    reason: reason.map(str::to_owned),
                })
            })
            .collect()
    }
}
