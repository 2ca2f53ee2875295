//! Conformance testee: a socketioxide 0.18 server that implements the TESTEE1 contract
//! (`spec/testee-contract.md`) on the namespaces `/` and `/custom`, refuses every connection to
//! `/refuse`, and leaves every other namespace unknown.
//!
//! stdout carries exactly one line, `listening http://<host>:<port><path>`, printed once the
//! server accepts connections. Diagnostics go to stderr, and only when `DEBUG_TESTEE=1`.
//!
//! See README.md for the configuration and for what socketioxide cannot express.

mod args;
mod config;

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use axum::middleware::{self, Next};
use socketioxide::extract::{AckSender, Data, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::{DisconnectReason, Sid};
use socketioxide::SocketIo;

use crate::args::{Arg, Args};
use crate::config::Config;

/// The features this testee implements. `server-disconnect` is missing: socketioxide 0.18 has no
/// public API that closes a socket's whole Engine.IO connection (TESTEE1-SDISC-002), see README.
const FEATURES: [&str; 7] = [
    "core",
    "server-ack",
    "broadcast",
    "rooms",
    "targeted",
    "lifecycle",
    "connect-error",
];

/// The namespaces that carry the contract.
const CONTRACT_NAMESPACES: [&str; 2] = ["/", "/custom"];

static DEBUG: OnceLock<bool> = OnceLock::new();

macro_rules! debug {
    ($($t:tt)*) => {
        if *DEBUG.get().unwrap_or(&false) {
            eprintln!("[testee] {}", format!($($t)*));
        }
    };
}

/// The watchers (TESTEE1-LIFE-001) of every contract namespace, by namespace path.
type Watchers = Arc<Mutex<HashMap<String, HashSet<Sid>>>>;

// -------------------------------------------------------------------------------------------------
// Contract behaviours
// -------------------------------------------------------------------------------------------------

/// TESTEE1-CORE-002, from the connect handler: socketioxide sends the CONNECT answer (`40`)
/// before it spawns that handler, so `auth` follows `40`.
fn emit_auth(socket: &SocketRef, auth: serde_json::Value) {
    debug!("connect {} {}", socket.ns(), socket.id);
    if let Err(e) = socket.emit("auth", &auth) {
        debug!("auth emit failed: {e}");
    }
}

/// Installs the TESTEE1 event handlers on a socket joining `/` or `/custom`, from a connect
/// middleware. socketioxide awaits middlewares before it sends the CONNECT answer but spawns the
/// connect handler after it, so handlers installed in the handler would miss the events a client
/// sends right after `40` (they are dropped without a handler).
fn install_contract(socket: &SocketRef, watchers: Watchers) {
    // TESTEE1-CORE-003
    socket.on("message", async |s: SocketRef, Data(args): Data<Args>| {
        if let Err(e) = s.emit("message-back", &args) {
            debug!("message-back failed: {e}");
        }
    });

    // TESTEE1-CORE-004 (an event sent without an ack id is ignored by AckSender::send)
    socket.on("message-with-ack", async |Data(args): Data<Args>, ack: AckSender| {
        if let Err(e) = ack.send(&args) {
            debug!("message-with-ack ack failed: {e}");
        }
    });

    // TESTEE1-CORE-005: one argument, the array of feature names.
    socket.on("features", async |ack: AckSender| {
        if let Err(e) = ack.send(&(FEATURES.to_vec(),)) {
            debug!("features ack failed: {e}");
        }
    });

    // TESTEE1-ACK-001 / ACK-002
    socket.on("emit-with-ack", async |s: SocketRef, Data(args): Data<Args>| {
        let stream = match s.emit_with_ack::<_, Args>("emit-with-ack", &args) {
            Ok(stream) => stream,
            Err(e) => {
                debug!("emit-with-ack failed: {e}");
                return;
            }
        };
        match stream.await {
            Ok(res) => {
                if s.connected()
                    && let Err(e) = s.emit("emit-with-ack-result", &res)
                {
                    debug!("emit-with-ack-result failed: {e}");
                }
            }
            Err(e) => debug!("emit-with-ack: no ack ({e})"),
        }
    });

    // TESTEE1-BCAST-001
    socket.on("broadcast", async |s: SocketRef, io: SocketIo, Data(args): Data<Args>| {
        if let Some(ns) = io.of(s.ns())
            && let Err(e) = ns.emit("broadcast-back", &args).await
        {
            debug!("broadcast failed: {e}");
        }
    });

    // TESTEE1-BCAST-002
    socket.on("broadcast-others", async |s: SocketRef, Data(args): Data<Args>| {
        if let Err(e) = s.broadcast().emit("broadcast-back", &args).await {
            debug!("broadcast-others failed: {e}");
        }
    });

    // TESTEE1-ROOM-001
    socket.on("join", async |s: SocketRef, Data(args): Data<Args>, ack: AckSender| {
        let Some(Arg::Str(room)) = args.0.first() else {
            debug!("join ignored: room is not a string");
            return;
        };
        s.join(room.clone());
        if let Err(e) = ack.send(&(room,)) {
            debug!("join ack failed: {e}");
        }
    });

    // TESTEE1-ROOM-002: the namespace's operator, so the sender is included when it is a member.
    socket.on("to-room", async |s: SocketRef, io: SocketIo, Data(args): Data<Args>| {
        let mut rest = args.0;
        if rest.is_empty() {
            return;
        }
        let Arg::Str(room) = rest.remove(0) else {
            return;
        };
        if let Some(ns) = io.of(s.ns())
            && let Err(e) = ns.to(room).emit("room-back", &Args(rest)).await
        {
            debug!("to-room failed: {e}");
        }
    });

    // TESTEE1-TGT-001 / TGT-002: look the socket up by id, never by room.
    socket.on("private", async |s: SocketRef, io: SocketIo, Data(args): Data<Args>| {
        let mut rest = args.0;
        if rest.is_empty() {
            return;
        }
        let Arg::Str(target) = rest.remove(0) else {
            return;
        };
        let Ok(target) = Sid::from_str(&target) else {
            return; // not a socketioxide id: it names no socket
        };
        let Some(target) = io.of(s.ns()).and_then(|ns| ns.get_socket(target)) else {
            return;
        };
        if !target.connected() {
            return;
        }
        rest.insert(0, Arg::Str(s.id.to_string()));
        if let Err(e) = target.emit("private-back", &Args(rest)) {
            debug!("private-back failed: {e}");
        }
    });

    // TESTEE1-LIFE-001: the ack has no arguments.
    let w = watchers.clone();
    socket.on("watch", async move |s: SocketRef, ack: AckSender| {
        w.lock().unwrap().entry(s.ns().to_owned()).or_default().insert(s.id);
        if let Err(e) = ack.send(&Args(Vec::new())) {
            debug!("watch ack failed: {e}");
        }
    });

    // TESTEE1-SDISC-001: `41` for this namespace only; the Engine.IO connection stays open.
    socket.on("disconnect-me", async |s: SocketRef| {
        if let Err(e) = s.disconnect() {
            debug!("disconnect-me failed: {e}");
        }
    });

    // TESTEE1-SDISC-002, best effort: socketioxide 0.18 cannot close a socket's Engine.IO
    // connection from the server (the method that does it is crate-private). This disconnects the
    // sender from every contract namespace it joined over the same connection (a socketioxide
    // socket id equals its Engine.IO session id), which sends a DISCONNECT for each; the Engine.IO
    // connection itself stays open. `server-disconnect` is therefore not announced in `features`.
    socket.on("close-me", async |s: SocketRef, io: SocketIo| {
        let sid = s.id;
        let own = s.ns().to_owned();
        for path in CONTRACT_NAMESPACES {
            if path == own {
                continue;
            }
            if let Some(other) = io.of(path).and_then(|ns| ns.get_socket(sid))
                && let Err(e) = other.disconnect()
            {
                debug!("close-me on {path} failed: {e}");
            }
        }
        if let Err(e) = s.disconnect() {
            debug!("close-me failed: {e}");
        }
    });

    // TESTEE1-LIFE-002: the reason is socketioxide's own string (the Display of DisconnectReason).
    let w = watchers;
    socket.on_disconnect(async move |s: SocketRef, io: SocketIo, reason: DisconnectReason| {
        debug!("disconnect {} {} {reason:?}", s.ns(), s.id);
        let ns_path = s.ns().to_owned();
        let targets: Vec<Sid> = {
            let mut map = w.lock().unwrap();
            let set = map.entry(ns_path.clone()).or_default();
            set.remove(&s.id);
            set.iter().copied().collect()
        };
        let Some(ns) = io.of(&ns_path) else { return };
        let payload = (s.id.to_string(), reason.to_string());
        for id in targets {
            if let Some(watcher) = ns.get_socket(id)
                && watcher.connected()
                && let Err(e) = watcher.emit("peer-disconnect", &payload)
            {
                debug!("peer-disconnect to {id} failed: {e}");
            }
        }
    });
}

/// TESTEE1-CERR-001: socketioxide sends `{"message": <Display of the error>}` and has no way to
/// attach `data` to a CONNECT_ERROR, so `{"code":4242}` cannot be sent.
#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}
impl std::error::Error for Refused {}

async fn refuse_middleware() -> Result<(), Refused> {
    Err(Refused)
}

// -------------------------------------------------------------------------------------------------
// HTTP layer: the EIO3 gate
// -------------------------------------------------------------------------------------------------

/// With the `v4` feature socketioxide always accepts `EIO=3`. Unless `ALLOW_EIO3=1`, such requests
/// are answered here exactly as a socketioxide built without `v4` answers them.
async fn eio3_gate(allow: bool, path: Arc<str>, req: Request<Body>, next: Next) -> Response<Body> {
    if !allow && req.uri().path().starts_with(&*path) {
        let eio = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find(|s| s.starts_with("EIO=")))
            .and_then(|s| s.split('=').nth(1));
        if eio == Some("3") {
            return Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"code":"5","message":"Unsupported protocol version"}"#))
                .unwrap();
        }
    }
    next.run(req).await
}

// -------------------------------------------------------------------------------------------------
// Lifecycle
// -------------------------------------------------------------------------------------------------

/// Resolves when the process should stop: SIGTERM, SIGINT, SIGHUP, or end of a piped stdin.
async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");

    let (tx, mut stdin_end) = tokio::sync::mpsc::channel::<()>(1);
    if stdin_is_pipe() {
        // A plain thread: a blocking read would keep a tokio blocking-pool worker busy forever.
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            loop {
                match std::io::Read::read(&mut stdin, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {} // discard anything written to us
                }
            }
            let _ = tx.blocking_send(());
        });
    } else {
        std::mem::forget(tx); // never resolves
    }

    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
        _ = hup.recv() => "SIGHUP",
        _ = stdin_end.recv() => "stdin end",
    }
}

/// True when stdin is a pipe or a socket (not a terminal, a file or /dev/null).
fn stdin_is_pipe() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() else {
        return false;
    };
    match std::fs::File::from(fd).metadata() {
        Ok(m) => m.file_type().is_fifo() || m.file_type().is_socket(),
        Err(_) => false,
    }
}

#[tokio::main]
async fn main() {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("testee: {msg}");
            std::process::exit(2);
        }
    };
    DEBUG.set(config.debug).ok();

    let (layer, io) = SocketIo::builder()
        .req_path(config.path.clone())
        .ping_interval(Duration::from_millis(config.ping_interval))
        .ping_timeout(Duration::from_millis(config.ping_timeout))
        .max_payload(config.max_http_buffer_size)
        .ws_max_message_size(config.max_http_buffer_size as usize)
        .connect_timeout(Duration::from_millis(config.connect_timeout))
        // The reference (Node) puts no time limit on acknowledgements the server waits for.
        .ack_timeout(Duration::from_secs(24 * 3600))
        .build_layer();

    let watchers: Watchers = Arc::default();
    for path in CONTRACT_NAMESPACES {
        let w = watchers.clone();
        let handlers = async move |s: SocketRef| {
            install_contract(&s, w);
            Ok::<(), std::convert::Infallible>(())
        };
        let on_connect = async |s: SocketRef, TryData(auth): TryData<serde_json::Value>| {
            // An absent CONNECT payload is decoded by socketioxide as `{}`.
            let auth = auth.unwrap_or_else(|_| serde_json::json!({}));
            emit_auth(&s, auth);
        };
        io.ns(path, on_connect.with(handlers));
    }
    // TESTEE1-CERR-001. TESTEE1-CERR-002: no dynamic namespaces, so socketioxide answers every
    // other namespace with "Invalid namespace" itself.
    io.ns("/refuse", (async |_: SocketRef| {}).with(refuse_middleware));

    let gate_path: Arc<str> = Arc::from(config.path.as_str());
    let allow_eio3 = config.allow_eio3;
    // Innermost first: socketioxide, then the EIO3 gate, then CORS (so that the gate's 400 answer
    // carries the CORS headers too, as the reference's does).
    let mut app = Router::new()
        .layer(layer)
        .layer(middleware::from_fn(move |req, next| {
            eio3_gate(allow_eio3, gate_path.clone(), req, next)
        }));
    if config.cors {
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::Any)
                .allow_methods(tower_http::cors::Any)
                .allow_headers(tower_http::cors::Any),
        );
    }

    let listener = match tokio::net::TcpListener::bind((config.host, config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("testee: cannot listen on {}:{}: {e}", config.host, config.port);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().expect("local address").port();
    let host = match config.host {
        std::net::IpAddr::V6(h) => format!("[{h}]"),
        std::net::IpAddr::V4(h) => h.to_string(),
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening http://{host}:{port}{}", config.path);
        let _ = out.flush();
    }
    debug!("config {config:?}");

    let server = axum::serve(listener, app);
    tokio::select! {
        res = server => {
            if let Err(e) = res {
                eprintln!("testee: server error: {e}");
                std::process::exit(1);
            }
        }
        why = shutdown_signal() => {
            debug!("shutting down ({why})");
            let t0 = std::time::Instant::now();
            let r = tokio::time::timeout(Duration::from_secs(1), io.close()).await;
            debug!("io.close finished: {} after {:?}", r.is_ok(), t0.elapsed());
        }
    }
    std::process::exit(0);
}
