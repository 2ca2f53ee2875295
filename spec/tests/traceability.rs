//! The traceability check over the real repository: spec documents, citations and exceptions.
//!
//! Fails, with a message per problem saying what to fix, on a malformed document, a citation or
//! reference of an unknown or retired ID, or a bad exception. Prints the coverage.

use std::path::Path;

use socketio_spec::trace::{check, parse_exceptions, scan_tree};

/// Whether "every MUST requirement is cited or excepted" is enforced on this specification.
///
/// The rule itself is unit-tested on a synthetic spec (`trace::tests::every_must_cited_or_excepted_rule`);
/// it is on for the real specification since the conformance catalogue cites the behavioural
/// requirements.
const ENFORCE_MUST_COVERAGE: bool = true;

/// Folders scanned for citations, relative to the repository root.
const SCANNED: &[&str] = &["codec", "conformance", "fixtures", "fuzz", "spec"];

/// Paths not scanned: the spec documents define IDs (and show made-up examples), and the
/// spec crate's own sources hold synthetic IDs for its unit tests.
const SKIPPED: &[&str] = &["spec/", "fixtures/reference/verdicts.json"];

#[test]
fn spec_citations_and_exceptions_are_consistent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let requirements = match socketio_spec::try_requirements() {
        Ok(reqs) => reqs,
        Err(errors) => {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("the specification is malformed:\n{}", list.join("\n"));
        }
    };
    let exceptions = parse_exceptions(socketio_spec::EXCEPTIONS_TOML)
        .unwrap_or_else(|e| panic!("spec/exceptions.toml: {e}"));
    let mut mentions = scan_tree(root, SCANNED, SKIPPED).expect("scan the repository");
    // spec/exceptions.toml is read as exceptions, not as citations; nothing else under spec/ cites.
    mentions.retain(|m| !m.file.starts_with("spec/"));

    let report = check(&requirements, &mentions, &exceptions);
    println!("{report}");
    assert!(
        report.total >= 150,
        "the specification has only {} requirements",
        report.total
    );
    assert!(
        report.problems.is_empty(),
        "traceability problems ({}):\n{}",
        report.problems.len(),
        report.problems.join("\n")
    );
    if ENFORCE_MUST_COVERAGE {
        assert!(
            report.uncovered_must.is_empty(),
            "these MUST requirements are neither cited by a test, fixture or conformance case nor \
             listed in spec/exceptions.toml with a reason:\n{}",
            report.uncovered_must.join("\n")
        );
    }
}
