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
struct Entry {
    case: String,
    grade: String,
    reason: String,
}

/// Loaded expectations.
pub(crate) struct Expectations {
    entries: Vec<(String, Grade, String)>,
}

/// A case whose outcome differs from its expectation.
pub(crate) struct Mismatch {
    pub(crate) id: &'static str,
    pub(crate) expected: Grade,
    pub(crate) got: Grade,
    pub(crate) reason: Option<String>,
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
            let grade = Grade::from_label(&e.grade).ok_or_else(|| {
                format!(
                    "{}: `{}` has unknown grade `{}`",
                    path.display(),
                    e.case,
                    e.grade
                )
            })?;
            if e.reason.trim().is_empty() {
                return Err(format!("{}: `{}` has no reason", path.display(), e.case));
            }
            if !catalogue.iter().any(|c| matches_pattern(&e.case, c.id)) {
                return Err(format!(
                    "{}: `{}` matches no case of the catalogue",
                    path.display(),
                    e.case
                ));
            }
            entries.push((e.case, grade, e.reason));
        }
        Ok(Expectations { entries })
    }

    /// The expected grade of a case, and the reason when it is listed.
    pub(crate) fn expected(&self, id: &str) -> (Grade, Option<&str>) {
        self.entries
            .iter()
            .find(|(pattern, _, _)| matches_pattern(pattern, id))
            .map_or((Grade::Pass, None), |(_, g, r)| (*g, Some(r.as_str())))
    }

    /// Every result whose grade differs from its expectation.
    pub(crate) fn mismatches(&self, results: &[CaseResult]) -> Vec<Mismatch> {
        results
            .iter()
            .filter_map(|r| {
                let (expected, reason) = self.expected(r.case.id);
                (expected != r.verdict.grade).then(|| Mismatch {
                    id: r.case.id,
                    expected,
                    got: r.verdict.grade,
                    reason: reason.map(str::to_owned),
                })
            })
            .collect()
    }
}
