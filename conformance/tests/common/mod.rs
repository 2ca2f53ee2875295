//! Helpers shared by the integration tests that start bundled testees.

// Each test binary that includes this module uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The folder of the bundled testee `testee` (`conformance/testees/<testee>`).
pub(crate) fn testee_dir(testee: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testees")
        .join(testee)
}

/// Installs what the testee needs (`run.sh --install-only`), outside any timed run; panics with
/// its stderr and `needs` (what to install) when that fails.
pub(crate) fn provision(testee: &str, needs: &str) {
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(testee_dir(testee).join("run.sh"))
        .arg("--install-only")
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash for the {testee} testee: {e}; install bash"));
    assert!(
        output.status.success(),
        "provisioning the {testee} testee failed (exit {:?}); it needs {needs}.\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "{testee}: provisioned in {} ms",
        started.elapsed().as_millis()
    );
}
