//! A conformance case: what it checks, what it needs, and how its result is graded.
//!
//! Cases are data (house style 21): an ID built from the requirement it checks
//! (`EIO4-HS-005/polling-open-fields`), a title, the requirement IDs, the testee-contract features
//! it needs, and an async function that drives the server and returns a [`Verdict`].

use std::future::Future;
use std::pin::Pin;

use crate::ctx::Ctx;

/// The future a case function returns.
pub(crate) type CaseFuture = Pin<Box<dyn Future<Output = Verdict> + Send>>;

/// One conformance case.
pub(crate) struct Case {
    /// Stable ID: `<requirement>/<slug>`.
    pub(crate) id: &'static str,
    /// One line saying what is checked.
    pub(crate) title: &'static str,
    /// The requirements it checks (printed with their text on every non-PASS verdict).
    pub(crate) requirements: &'static [&'static str],
    /// Testee-contract features the case needs (`core`, `broadcast`, …); empty for Engine.IO.
    pub(crate) features: &'static [&'static str],
    /// Drives the server.
    pub(crate) run: fn(Ctx) -> CaseFuture,
}

/// How a case ended (house style 22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Grade {
    /// The server did what the requirement says.
    Pass,
    /// A SHOULD was not met.
    NonStrict,
    /// Reported for information: a MAY, or behaviour the spec leaves open.
    Informational,
    /// The server lacks an optional feature the case needs.
    Unsupported,
    /// The server broke a MUST.
    Fail,
    /// The runner itself could not complete the case.
    Error,
}

impl Grade {
    /// The label used in every report.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Grade::Pass => "PASS",
            Grade::NonStrict => "NON-STRICT",
            Grade::Informational => "INFORMATIONAL",
            Grade::Unsupported => "UNSUPPORTED",
            Grade::Fail => "FAIL",
            Grade::Error => "ERROR",
        }
    }

    /// Parses a label back (expectation files).
    pub(crate) fn from_label(label: &str) -> Option<Grade> {
        [
            Grade::Pass,
            Grade::NonStrict,
            Grade::Informational,
            Grade::Unsupported,
            Grade::Fail,
            Grade::Error,
        ]
        .into_iter()
        .find(|g| g.label() == label)
    }
}

/// The result of one case: the grade, what was expected and what was seen.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub(crate) grade: Grade,
    /// The acceptable outcome set, in words.
    pub(crate) expected: String,
    /// What the server did.
    pub(crate) seen: String,
}

impl Verdict {
    /// A verdict. A FAIL or ERROR whose `seen` says the server does not offer a transport the
    /// case needs ([`crate::ctx::UNSUPPORTED_TRANSPORT`]) becomes UNSUPPORTED: the runner falls
    /// back the way a real client does, and the case says nothing about conformance.
    pub(crate) fn new(grade: Grade, expected: impl Into<String>, seen: impl Into<String>) -> Self {
        let seen = seen.into();
        let marker = crate::ctx::UNSUPPORTED_TRANSPORT;
        if matches!(grade, Grade::Fail | Grade::Error) && seen.contains(marker) {
            return Verdict {
                grade: Grade::Unsupported,
                expected: "a server offering the transports this case uses".to_owned(),
                seen: seen.replace(marker, ""),
            };
        }
        Verdict {
            grade,
            expected: expected.into(),
            seen,
        }
    }

    pub(crate) fn pass(expected: impl Into<String>, seen: impl Into<String>) -> Self {
        Self::new(Grade::Pass, expected, seen)
    }

    pub(crate) fn fail(expected: impl Into<String>, seen: impl Into<String>) -> Self {
        Self::new(Grade::Fail, expected, seen)
    }

    /// The runner could not complete the case (UNSUPPORTED when the reason is a transport the
    /// server does not offer; see [`Verdict::new`]).
    pub(crate) fn error(what: impl Into<String>) -> Self {
        Self::new(Grade::Error, "the runner completes the case", what)
    }

    /// PASS when `ok`, else FAIL, with the same words.
    pub(crate) fn check(ok: bool, expected: impl Into<String>, seen: impl Into<String>) -> Self {
        Self::new(if ok { Grade::Pass } else { Grade::Fail }, expected, seen)
    }
}

/// Wraps an `async fn(Ctx) -> Verdict` as a [`Case::run`] function pointer.
macro_rules! case_fn {
    ($f:path) => {{
        fn run(ctx: $crate::ctx::Ctx) -> $crate::case::CaseFuture {
            Box::pin($f(ctx))
        }
        run
    }};
}
pub(crate) use case_fn;

/// Wraps an `async fn(Ctx, Transport) -> Verdict` for one transport as a [`Case::run`].
macro_rules! case_fn_on {
    ($f:path, $t:expr) => {{
        fn run(ctx: $crate::ctx::Ctx) -> $crate::case::CaseFuture {
            Box::pin($f(ctx, $t))
        }
        run
    }};
}
pub(crate) use case_fn_on;
