//! Both sides on real IO: the codec's client machines (tokio client loop) against the codec's
//! server machines (hyper + tokio-tungstenite server loop), over loopback TCP. No Node.js needed.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use socketio_interop::Transcript;
use socketio_interop::client::{CHECKS, run_checks};
use socketio_interop::server::{ServerOptions, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_machines_pass_every_check_against_the_server_machines() {
    let mut options = ServerOptions::default();
    // Slack for a loaded machine; the 300 ms ping interval still exercises the heartbeat.
    options.engine.ping_timeout = Duration::from_millis(1000);
    let server_wire = Transcript::new(false);
    let server = start(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        options.clone(),
        server_wire.clone(),
    )
    .await
    .expect("bind 127.0.0.1:0");
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        run_checks(&server.url(&options), Transcript::new(false)),
    )
    .await
    .expect("the checks finished in time");
    drop(server);
    let lines = report.lines().join("\n");
    eprintln!("{lines}");
    assert!(
        report.passed() && report.checks.len() == CHECKS.len(),
        "client checks against interop-server:\n{lines}\n--- client wire ---\n{}\n--- server wire ---\n{}",
        report.transcript,
        server_wire.render()
    );
}
