//! `interop-client <url>`: drives the codec's client machines against a real Socket.IO server
//! (e.g. the Node testee) and prints one line per check. Exit code 0 only if every check passed.
//!
//! `INTEROP_WIRE=1` prints the wire transcript to stderr as it happens; on failure it is
//! printed at the end anyway.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(url), None) = (args.next(), args.next()) else {
        eprintln!("usage: interop-client http://127.0.0.1:<port>/socket.io/");
        return ExitCode::from(2);
    };
    let echo = std::env::var("INTEROP_WIRE").is_ok_and(|v| v == "1");
    if socketio_interop::client::run_and_print(&url, echo).await {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
