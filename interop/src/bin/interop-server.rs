//! `interop-server`: serves Engine.IO / Socket.IO on `127.0.0.1:<PORT>` (default 0, a free
//! port) with the codec's server machines, implementing the core of the testee contract.
//! Prints `listening http://127.0.0.1:<port>/socket.io/` once it accepts connections.
//!
//! Environment: `PORT`; `PING_INTERVAL`, `PING_TIMEOUT`, `CONNECT_TIMEOUT` in ms (defaults 300,
//! 200 and 1000: the testee contract's fast configuration); `INTEROP_WIRE=1` prints the wire
//! transcript to stderr. The server stops when stdin reaches
//! end of file (when stdin is a pipe or socket), on Ctrl-C, or when killed.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use socketio_interop::Transcript;
use socketio_interop::server::{ServerOptions, start};
use tokio::io::AsyncReadExt;

#[tokio::main]
async fn main() -> ExitCode {
    let port = match std::env::var("PORT").ok().filter(|p| !p.is_empty()) {
        None => 0,
        Some(p) => match p.parse::<u16>() {
            Ok(port) => port,
            Err(_) => {
                eprintln!("interop-server: PORT={p:?} is not a port number");
                return ExitCode::from(2);
            }
        },
    };
    let echo = std::env::var("INTEROP_WIRE").is_ok_and(|v| v == "1");
    let mut options = ServerOptions::default();
    for (name, slot) in [
        ("PING_INTERVAL", &mut options.engine.ping_interval),
        ("PING_TIMEOUT", &mut options.engine.ping_timeout),
        ("CONNECT_TIMEOUT", &mut options.connect_timeout),
    ] {
        if let Some(raw) = std::env::var(name).ok().filter(|v| !v.is_empty()) {
            match raw.parse::<u64>() {
                Ok(ms) if ms > 0 => *slot = std::time::Duration::from_millis(ms),
                _ => {
                    eprintln!("interop-server: {name}={raw:?} is not a positive number of ms");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let server = match start(addr, options.clone(), Transcript::new(echo)).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("interop-server: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening {}", server.url(&options));
    let _ = std::io::stdout().flush();
    let stdin_closed = async {
        if !stdin_is_pipe() {
            return std::future::pending().await;
        }
        let mut stdin = tokio::io::stdin();
        let mut buf = [0_u8; 256];
        while let Ok(n) = stdin.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::select! {
        () = stdin_closed => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    drop(server);
    ExitCode::SUCCESS
}

/// Whether stdin is a pipe or socket (a parent holding it): then its end stops the server. A
/// terminal, a file or `/dev/null` is not watched.
fn stdin_is_pipe() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata("/dev/stdin")
            .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}
