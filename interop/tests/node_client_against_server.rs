//! The official socket.io-client 4.8 (`interop/node/client-check.mjs`) against the
//! `interop-server` binary, which drives the codec's server machines.

mod common;

use std::time::Instant;

use tokio::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_socketio_client_passes_every_check_against_the_server_machines() {
    common::require_node().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_interop-server"));
    command
        .env("PORT", "0")
        .env("PING_TIMEOUT", common::PING_TIMEOUT_MS)
        .env("INTEROP_WIRE", "1");
    let server = common::Server::start(command, "interop-server").await;
    assert!(
        server.url.starts_with("http://127.0.0.1:") && server.url.ends_with("/socket.io/"),
        "listening line: {}",
        server.url
    );
    let started = Instant::now();
    let out = common::run_node_check(&server.url).await;
    eprintln!("checks took {:?}", started.elapsed());
    // Give the server a moment to log the last closes, then stop it.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let server_wire = server.stderr_text();
    server.stop().await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("all 13 checks passed"),
        "socket.io-client checks against interop-server failed ({}):\n{stdout}\n--- client stderr ---\n{stderr}\n--- interop-server wire transcript ---\n{server_wire}",
        out.status
    );
}
