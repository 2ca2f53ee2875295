//! The bundled testees' own smoke tests (`node --test smoke.test.mjs` in the testee's folder, with
//! the shared part in `testees/shared/smoke.mjs`): each starts its testee with `run.sh` and drives
//! it with the official socket.io client through every behaviour of the testee contract, on `/` and
//! `/custom`, over WebSocket and long-polling, with the testee's documented quirks.
//!
//! The smoke tests run one at a time: their waits are short (150 ms for "nothing arrives", 2 s for
//! anything else), and four testees and their clients at once on a small machine would only test
//! the scheduler.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one `node --test` may take before it is killed (each takes about 10 s).
const LIMIT: Duration = Duration::from_secs(120);

/// Held while a smoke test runs (see the module comment).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What a testee needs, for the failure messages.
fn needs(testee: &str) -> &'static str {
    match testee {
        "python-socketio" => "Node.js 20 and npm, and Python 3.11 or later with the venv module",
        "socketioxide" => "Node.js 20 and npm, and Rust 1.94 or later (cargo)",
        _ => "Node.js 20 and npm",
    }
}

/// Runs `node --test smoke.test.mjs` in the testee's folder, killed after [`LIMIT`]; panics with
/// its output unless it passes.
///
/// Output goes to files, not pipes: nothing reads a pipe while the test runs, and a child blocked
/// on a full pipe never exits.
fn smoke(testee: &str) {
    let dir = common::testee_dir(testee);
    common::provision(testee, needs(testee));
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let out_path = output_file(testee, "stdout");
    let err_path = output_file(testee, "stderr");
    let started = Instant::now();
    let mut child = Command::new("node")
        .args(["--test", "smoke.test.mjs"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start node for the {testee} smoke test: {e}; install {}",
                needs(testee)
            )
        });
    let deadline = started + LIMIT;
    let mut status = None;
    while Instant::now() < deadline {
        status = child.try_wait().expect("wait for node");
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if status.is_none() {
        // The testee's server exits by itself when node's end of its stdin pipe closes.
        let _ = child.kill();
    }
    let _ = child.wait();
    let took = started.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    eprintln!("{testee}: smoke test took {} ms", took.as_millis());
    match status {
        None => panic!(
            "the {testee} smoke test did not finish within {} s and was killed; it needs {}.\n\
             stdout:\n{stdout}\nstderr:\n{stderr}",
            LIMIT.as_secs(),
            needs(testee)
        ),
        Some(status) => assert!(
            status.success(),
            "the {testee} smoke test failed (exit {:?}); it needs {} (if one is missing, stderr \
             says so).\nstdout:\n{stdout}\nstderr:\n{stderr}",
            status.code(),
            needs(testee)
        ),
    }
}

/// A fresh file in the temporary folder for one stream of one smoke test.
fn output_file(testee: &str, stream: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "socketio-conformance-smoke-{}-{testee}.{stream}",
        std::process::id()
    ))
}

// spec: TESTEE1-CORE-001
#[test]
fn the_node_socketio_4_smoke_test_passes() {
    smoke("node-socketio-4");
}

// spec: TESTEE1-CORE-001
#[test]
fn the_node_socketio_2_smoke_test_passes() {
    smoke("node-socketio-2");
}

// spec: TESTEE1-CORE-001
#[test]
fn the_python_socketio_smoke_test_passes() {
    smoke("python-socketio");
}

// spec: TESTEE1-CORE-001
#[test]
fn the_socketioxide_smoke_test_passes() {
    smoke("socketioxide");
}
