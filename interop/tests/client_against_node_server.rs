//! The codec's client machines, driven by the tokio loop of `socketio_interop::client`, against
//! the real Node socket.io 4.8 server (the conformance testee).

mod common;

use std::time::Instant;

use socketio_interop::Transcript;
use socketio_interop::client::{CHECKS, run_checks};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_machines_pass_every_check_against_node_socketio() {
    common::require_node().await;
    let testee = common::start_testee().await;
    let started = Instant::now();
    let report = tokio::time::timeout(
        common::CHECK_TIMEOUT,
        run_checks(&testee.url, Transcript::new(false)),
    )
    .await
    .expect("the checks finished in time");
    eprintln!("checks took {:?}", started.elapsed());
    let testee_log = testee.stderr_text();
    testee.stop().await;
    let lines = report.lines().join("\n");
    eprintln!("{lines}");
    assert!(
        report.passed() && report.checks.len() == CHECKS.len(),
        "client checks against the Node socket.io testee:\n{lines}\n--- wire transcript ---\n{}\n--- testee stderr ---\n{testee_log}",
        report.transcript
    );
}
