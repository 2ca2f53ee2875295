//! The project's normative specification as data.
//!
//! The Markdown documents in `spec/` are embedded at build time and parsed into a table of
//! [`Requirement`]s, each with its stable ID, its RFC 2119 level, its text, the document it lives in
//! and its section. The conformance runner prints the text next to every verdict; the traceability
//! test (`spec/tests/traceability.rs`) checks that tests, fixtures and conformance cases cite only
//! IDs that exist here.
//!
//! The format of a requirement is described in `spec/README.md`:
//!
//! ```
//! let doc = socketio_spec::parse_document(
//!     "demo.md",
//!     "## Packets (PKT)\n\n- **EIO4-PKT-001** A decoder MUST reject an empty packet.\n",
//! )
//! .unwrap();
//! assert_eq!(doc[0].id, "EIO4-PKT-001");
//! assert_eq!(doc[0].level, socketio_spec::Level::Must);
//! ```
#![warn(missing_docs, unreachable_pub)]

mod id;
mod parse;
pub mod trace;

pub use id::{IdError, PREFIXES, RequirementId, find_id_like_tokens};
pub use parse::{ParseError, parse_document};

use std::sync::OnceLock;

/// The documents of the specification, embedded at build time: (file name, contents).
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("engine-io-v4.md", include_str!("../engine-io-v4.md")),
    ("engine-io-v3.md", include_str!("../engine-io-v3.md")),
    ("socket-io-v5.md", include_str!("../socket-io-v5.md")),
    ("socket-io-v4.md", include_str!("../socket-io-v4.md")),
    ("testee-contract.md", include_str!("../testee-contract.md")),
];

/// The exceptions file (`spec/exceptions.toml`), embedded at build time.
pub const EXCEPTIONS_TOML: &str = include_str!("../exceptions.toml");

/// The level of a requirement, set by its RFC 2119 keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `MUST` or `MUST NOT`: an absolute requirement.
    Must,
    /// `SHOULD` or `SHOULD NOT`: a recommendation; departing from it is graded NON-STRICT.
    Should,
    /// `MAY`: truly optional behaviour; reported as INFORMATIONAL.
    May,
}

impl Level {
    /// The keyword as written in the specification (`MUST`, `SHOULD`, `MAY`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One requirement of the specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The stable ID, e.g. `EIO4-HS-003`.
    pub id: String,
    /// The level set by the requirement's RFC 2119 keyword.
    pub level: Level,
    /// The normative text, on one line, without notes.
    pub text: String,
    /// The notes under the requirement (not normative), joined by blank lines.
    pub notes: String,
    /// The file name of the document, e.g. `engine-io-v4.md`.
    pub document: &'static str,
    /// The title of the `##` section the requirement belongs to, e.g. `Heartbeat (HB)`.
    pub section: String,
    /// Whether the requirement is retired (kept for its ID, no longer in force).
    pub retired: bool,
}

/// Every requirement of every document, parsed once.
///
/// # Panics
///
/// Panics if an embedded document is malformed. The traceability test parses the same documents
/// with [`try_requirements`] first and reports the problem, so a malformed document never reaches
/// a release of this crate.
pub fn requirements() -> &'static [Requirement] {
    static TABLE: OnceLock<Vec<Requirement>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The documents are part of this crate and are checked by `cargo test`.
        try_requirements().expect("the embedded specification parses")
    })
}

/// Parses every embedded document, returning every problem found.
pub fn try_requirements() -> Result<Vec<Requirement>, Vec<ParseError>> {
    let mut all = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in DOCUMENTS {
        match parse_document(name, text) {
            Ok(reqs) => all.extend(reqs),
            Err(errs) => errors.extend(errs),
        }
    }
    if errors.is_empty() {
        Ok(all)
    } else {
        Err(errors)
    }
}

/// Looks a requirement up by its ID.
pub fn requirement(id: &str) -> Option<&'static Requirement> {
    requirements().iter().find(|r| r.id == id)
}
