//! The server side on real IO: a hyper HTTP/1.1 server (long-polling `GET` / `POST`, WebSocket
//! upgrades accepted with tokio-tungstenite) that drives one Engine.IO [`ServerSession`] and one
//! Socket.IO [`Server`] per session, in a task of its own.
//!
//! Request handlers and WebSocket tasks only move bytes: they hand each request or message to the
//! session task through a channel and wait for the machine's answer. The session task owns both
//! machines, drains them after every input and sleeps until the earliest deadline.
//!
//! The application is the core of the testee contract (`spec/testee-contract.md`) on `/` and
//! `/custom`: `auth` on connect, `message` → `message-back`, `message-with-ack` → ack with the
//! same arguments, `features` → `["core"]`. Other namespaces are refused as invalid.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{
    CONNECTION, CONTENT_TYPE, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use socketio_codec::engine_io::session::{
    ConnId, Message, Output as EngineOutput, ServerConfig as EngineConfig,
    ServerEvent as EngineEvent, ServerSession, ServerTransmit, SidGenerator, WsMessage,
};
use socketio_codec::engine_io::{ErrorBody, ErrorCode, ProtocolVersion, Query, Sid, TransportKind};
use socketio_codec::socket_io::session::{
    EngineMessage, NamespacePolicy, Output as SocketOutput, Server, ServerConfig as SocketConfig,
    ServerEvent as SocketEvent,
};
use socketio_codec::socket_io::{Namespace, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::transcript::{Transcript, show_binary, show_bytes, show_frame, show_text};
use crate::ws::{self, WsIn, WsOut};

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Engine.IO settings of every session.
    pub engine: EngineConfig,
    /// No namespace joined within this time closes the connection.
    pub connect_timeout: Duration,
    /// The Engine.IO path, with leading and trailing slashes.
    pub path: String,
    /// How long a closed session still answers its sid (so a pending close reaches the client).
    pub linger: Duration,
    /// Bound on how long a request handler waits for the machine's answer.
    pub answer_timeout: Duration,
}

impl Default for ServerOptions {
    /// The testee contract's fast configuration (TESTEE1-CONF-002): ping 300 ms / 200 ms,
    /// 1 MB payloads, 1000 ms connect timeout, on `/socket.io/`.
    fn default() -> Self {
        ServerOptions {
            engine: EngineConfig {
                ping_interval: Duration::from_millis(300),
                ping_timeout: Duration::from_millis(200),
                max_payload: 1_000_000,
                allow_upgrades: true,
                upgrade_timeout: Duration::from_millis(10_000),
            },
            connect_timeout: Duration::from_millis(1000),
            path: "/socket.io/".to_owned(),
            linger: Duration::from_secs(2),
            answer_timeout: Duration::from_secs(30),
        }
    }
}

/// A running server. Dropping it stops accepting connections (sessions already open end with
/// the runtime).
#[derive(Debug)]
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    accept: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// `http://127.0.0.1:<port>/socket.io/`.
    pub fn url(&self, options: &ServerOptions) -> String {
        format!("http://{}{}", self.addr, options.path)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Binds `addr` and serves Engine.IO / Socket.IO there until dropped.
///
/// # Errors
///
/// The bind error.
pub async fn start(
    addr: SocketAddr,
    options: ServerOptions,
    transcript: Transcript,
) -> std::io::Result<RunningServer> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        options,
        sessions: Mutex::default(),
        sids: Mutex::new(RandomSids::default()),
        next_key: AtomicU64::new(1),
        transcript,
    });
    let accept = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(shared.clone(), req));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    Ok(RunningServer { addr, accept })
}

struct Shared {
    options: ServerOptions,
    sessions: Mutex<HashMap<String, mpsc::UnboundedSender<Input>>>,
    sids: Mutex<RandomSids>,
    next_key: AtomicU64,
    transcript: Transcript,
}

impl Shared {
    fn session(&self, sid: &Sid) -> Option<mpsc::UnboundedSender<Input>> {
        self.sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(sid.as_str())
            .cloned()
    }
}

/// Session ids from the standard library's randomly seeded hasher (no extra dependency).
#[derive(Debug, Default)]
struct RandomSids {
    counter: u64,
}

impl RandomSids {
    fn next_string(&mut self) -> String {
        self.counter += 1;
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(self.counter);
        format!("{:016x}{:04x}", hasher.finish(), self.counter & 0xffff)
    }
}

impl SidGenerator for RandomSids {
    fn generate(&mut self) -> Sid {
        // 20 hex digits: non-empty, short, no control characters.
        Sid::new(&self.next_string()).expect("hex sid is valid")
    }
}

/// An HTTP answer from the machine (`None`: drop the request without an answer).
type HttpAnswer = Option<(u16, Option<&'static str>, Vec<u8>)>;

enum Input {
    Get {
        key: u64,
        reply: oneshot::Sender<HttpAnswer>,
    },
    Post {
        key: u64,
        body: Bytes,
        reply: oneshot::Sender<HttpAnswer>,
    },
    HttpDropped {
        key: u64,
    },
    WsOpen {
        writer: mpsc::UnboundedSender<WsOut>,
        conn: oneshot::Sender<ConnId>,
    },
    WsMessage {
        conn: ConnId,
        message: WsIn,
    },
    WsClosed {
        conn: ConnId,
        why: String,
    },
}

type HttpResult = Result<Response<Full<Bytes>>, std::io::Error>;

fn respond(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> HttpResult {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(ct) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        response.headers_mut().insert(CONTENT_TYPE, ct);
    }
    Ok(response)
}

fn respond_error(code: ErrorCode) -> HttpResult {
    let mut body = String::new();
    ErrorBody::from(code).encode(&mut body);
    respond(code.http_status(), Some("application/json"), body)
}

/// Tells the session a request went away unanswered (its handler was dropped) unless disarmed.
struct DropGuard {
    session: mpsc::UnboundedSender<Input>,
    key: u64,
    armed: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.session.send(Input::HttpDropped { key: self.key });
        }
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> HttpResult {
    if req.uri().path() != shared.options.path {
        return respond(404, Some("text/plain"), "not found");
    }
    let query = match Query::parse(req.uri().query().unwrap_or("")) {
        Ok(query) => query,
        Err(e) => return respond_error(e.error_code()),
    };
    if query.sid.is_none() && query.eio != Some(ProtocolVersion::V4) {
        return respond_error(ErrorCode::UnsupportedProtocolVersion);
    }
    match (query.transport, query.sid) {
        (TransportKind::WebSocket, sid) => {
            if req.method() != Method::GET {
                return respond_error(ErrorCode::BadRequest);
            }
            accept_websocket(shared, req, sid)
        }
        (TransportKind::Polling, None) => {
            if req.method() != Method::GET {
                return respond_error(ErrorCode::BadHandshakeMethod);
            }
            let (reply, answer) = oneshot::channel();
            let session = open_session(&shared, TransportKind::Polling, Opening::Http(reply));
            wait_answer(&shared, session, 0, answer).await
        }
        (TransportKind::Polling, Some(sid)) => {
            let Some(session) = shared.session(&sid) else {
                return respond_error(ErrorCode::UnknownSid);
            };
            let key = shared.next_key.fetch_add(1, Ordering::Relaxed);
            let (reply, answer) = oneshot::channel();
            if req.method() == Method::GET {
                let _ = session.send(Input::Get { key, reply });
            } else if req.method() == Method::POST {
                // Read one byte more than allowed so the machine sees the overflow (413).
                let limit = usize::try_from(shared.options.engine.max_payload)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                let body = match Limited::new(req.into_body(), limit).collect().await {
                    Ok(body) => body.to_bytes(),
                    Err(_) => return respond(413, None, Bytes::new()),
                };
                let _ = session.send(Input::Post { key, body, reply });
            } else {
                return respond_error(ErrorCode::BadRequest);
            }
            wait_answer(&shared, session, key, answer).await
        }
        _ => respond_error(ErrorCode::TransportUnknown),
    }
}

async fn wait_answer(
    shared: &Shared,
    session: mpsc::UnboundedSender<Input>,
    key: u64,
    answer: oneshot::Receiver<HttpAnswer>,
) -> HttpResult {
    let mut guard = DropGuard {
        session,
        key,
        armed: true,
    };
    let result = tokio::time::timeout(shared.options.answer_timeout, answer).await;
    guard.armed = false;
    match result {
        Ok(Ok(Some((status, content_type, body)))) => respond(status, content_type, body),
        Ok(Ok(None)) => Err(std::io::Error::other("request reset by the session")),
        Ok(Err(_)) => {
            shared
                .transcript
                .log("!!", "a request was left unanswered by its session");
            respond(500, Some("text/plain"), "left unanswered")
        }
        Err(_) => {
            shared
                .transcript
                .log("!!", "a request timed out in its session");
            respond(500, Some("text/plain"), "not answered in time")
        }
    }
}

fn accept_websocket(
    shared: Arc<Shared>,
    mut req: Request<Incoming>,
    sid: Option<Sid>,
) -> HttpResult {
    let is_upgrade = req
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = req.headers().get(SEC_WEBSOCKET_KEY).cloned() else {
        return respond_error(ErrorCode::BadRequest);
    };
    if !is_upgrade {
        return respond_error(ErrorCode::BadRequest);
    }
    let session = match &sid {
        Some(sid) => match shared.session(sid) {
            Some(session) => Some(session),
            None => return respond_error(ErrorCode::UnknownSid),
        },
        None => None,
    };
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let upgraded = match tokio::time::timeout(Duration::from_secs(10), upgrade).await {
            Ok(Ok(upgraded)) => upgraded,
            _ => return,
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let (writer, out) = mpsc::unbounded_channel();
        let (session, conn) = match session {
            Some(session) => {
                let (conn_tx, conn_rx) = oneshot::channel();
                let _ = session.send(Input::WsOpen {
                    writer,
                    conn: conn_tx,
                });
                match tokio::time::timeout(Duration::from_secs(5), conn_rx).await {
                    Ok(Ok(conn)) => (session, conn),
                    _ => return,
                }
            }
            None => {
                let session = open_session(&shared, TransportKind::WebSocket, Opening::Ws(writer));
                (session, ConnId(0))
            }
        };
        let why = ws::pump(ws, out, |message| {
            let _ = session.send(Input::WsMessage { conn, message });
        })
        .await;
        let _ = session.send(Input::WsClosed { conn, why });
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    Ok(response)
}

/// The handshake connection of a new session.
enum Opening {
    Http(oneshot::Sender<HttpAnswer>),
    Ws(mpsc::UnboundedSender<WsOut>),
}

/// Creates the machines for a handshake, registers the sid and spawns the session task.
fn open_session(
    shared: &Arc<Shared>,
    transport: TransportKind,
    opening: Opening,
) -> mpsc::UnboundedSender<Input> {
    let now = Instant::now();
    let engine = {
        let mut sids = shared.sids.lock().unwrap_or_else(PoisonError::into_inner);
        ServerSession::new(
            shared.options.engine.clone(),
            ProtocolVersion::V4,
            transport,
            &mut *sids,
            now,
        )
    };
    let sid = engine.sid().as_str().to_owned();
    let namespaces = NamespacePolicy::Only(vec![
        Namespace::MAIN,
        Namespace::new("/custom").expect("valid namespace"),
    ]);
    let config = SocketConfig::new(namespaces).with_connect_timeout(shared.options.connect_timeout);
    let socket_ids = {
        let mut ids = RandomSids::default();
        move |_: &Namespace<'_>| ids.next_string()
    };
    let socket = Server::new(config, socket_ids, now);
    let (tx, rx) = mpsc::unbounded_channel();
    let mut session = Session {
        engine,
        socket,
        sid: sid.clone(),
        http: HashMap::new(),
        ws: HashMap::new(),
        engine_deadline: None,
        socket_deadline: None,
        closed_at: None,
        shared: shared.clone(),
    };
    let conn = session.engine.handshake_conn();
    match opening {
        Opening::Http(reply) => {
            session.http.insert(conn, (0, reply));
        }
        Opening::Ws(writer) => {
            session.ws.insert(conn, writer);
        }
    }
    shared
        .sessions
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(sid.clone(), tx.clone());
    shared.transcript.log(
        "--",
        format!("session {sid} opened over {}", transport.as_str()),
    );
    tokio::spawn(session.run(rx));
    tx
}

struct Session<G> {
    engine: ServerSession,
    socket: Server<G>,
    sid: String,
    /// HTTP requests waiting for the machine's answer: conn → (request key, reply).
    http: HashMap<ConnId, (u64, oneshot::Sender<HttpAnswer>)>,
    /// Open WebSockets: conn → writer.
    ws: HashMap<ConnId, mpsc::UnboundedSender<WsOut>>,
    engine_deadline: Option<Instant>,
    socket_deadline: Option<Instant>,
    closed_at: Option<Instant>,
    shared: Arc<Shared>,
}

impl<G: socketio_codec::socket_io::session::SidGenerator> Session<G> {
    async fn run(mut self, mut inputs: mpsc::UnboundedReceiver<Input>) {
        self.drain();
        loop {
            let linger_end = self.closed_at.map(|at| at + self.shared.options.linger);
            let deadline = [self.engine_deadline, self.socket_deadline, linger_end]
                .into_iter()
                .flatten()
                .min();
            let sleep = async move {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(input) => self.on_input(input),
                    None => break,
                },
                () = sleep => {
                    let now = Instant::now();
                    if linger_end.is_some_and(|end| now >= end) {
                        break;
                    }
                    self.engine.handle_timeout(now);
                    self.drain();
                    self.socket.handle_timeout(now);
                    self.drain_socket();
                }
            }
            self.drain();
        }
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.sid);
        if !self.http.is_empty() {
            self.log(
                "!!",
                format!("{} requests left unanswered", self.http.len()),
            );
        }
    }

    fn log(&self, dir: &str, what: impl std::fmt::Display) {
        self.shared
            .transcript
            .log(dir, format!("[{}] {what}", self.sid));
    }

    fn on_input(&mut self, input: Input) {
        let now = Instant::now();
        match input {
            Input::Get { key, reply } => {
                self.log("c>s", "GET");
                let conn = self.engine.handle_get(now);
                self.http.insert(conn, (key, reply));
            }
            Input::Post { key, body, reply } => {
                self.log("c>s", format!("POST {}", show_bytes(&body)));
                // The answer is among the outputs drained after this input.
                let conn = self.engine.handle_post(&body, now);
                self.http.insert(conn, (key, reply));
            }
            Input::HttpDropped { key } => {
                let conn = self
                    .http
                    .iter()
                    .find(|(_, (k, _))| *k == key)
                    .map(|(conn, _)| *conn);
                if let Some(conn) = conn {
                    self.log("--", format!("request {conn:?} aborted by the client"));
                    self.http.remove(&conn);
                    self.engine.handle_get_aborted(conn, now);
                }
            }
            Input::WsOpen { writer, conn } => {
                let id = self.engine.handle_ws_open(now);
                self.log("c>s", format!("WebSocket {id:?} open"));
                self.ws.insert(id, writer);
                let _ = conn.send(id);
            }
            Input::WsMessage { conn, message } => match &message {
                WsIn::Text(text) => {
                    self.log("c>s", format!("ws {conn:?} text {}", show_text(text)));
                    self.engine
                        .handle_ws_message(conn, WsMessage::Text(text), now);
                }
                WsIn::Binary(data) => {
                    self.log("c>s", format!("ws {conn:?} {}", show_binary(data)));
                    self.engine
                        .handle_ws_message(conn, WsMessage::Binary(data), now);
                }
            },
            Input::WsClosed { conn, why } => {
                self.log("--", format!("WebSocket {conn:?} ended: {why}"));
                self.ws.remove(&conn);
                self.engine.handle_ws_closed(conn, now);
            }
        }
    }

    /// Drains both machines until neither has anything left; records the deadlines.
    fn drain(&mut self) {
        loop {
            match self.engine.poll_output() {
                EngineOutput::Transmit(transmit) => self.transmit(transmit),
                EngineOutput::Event(event) => self.on_engine_event(event),
                EngineOutput::Timeout(at) => {
                    self.engine_deadline = at;
                    break;
                }
            }
        }
    }

    fn drain_socket(&mut self) {
        loop {
            match self.socket.poll_output() {
                SocketOutput::Transmit(EngineMessage::Text(text)) => {
                    self.engine.send_message(Message::Text(text));
                }
                SocketOutput::Transmit(EngineMessage::Binary(data)) => {
                    self.engine.send_message(Message::Binary(data));
                }
                SocketOutput::Event(event) => self.on_socket_event(event),
                SocketOutput::CloseEngine => {
                    self.log("--", "Socket.IO closes the connection");
                    self.engine.close();
                }
                SocketOutput::Timeout(at) => {
                    self.socket_deadline = at;
                    break;
                }
                // `Output` is non-exhaustive.
                _ => {}
            }
        }
    }

    fn transmit(&mut self, transmit: ServerTransmit) {
        match transmit {
            ServerTransmit::Http {
                to,
                status,
                content_type,
                body,
            } => {
                self.log("s>c", format!("HTTP {to:?} {status} {}", show_bytes(&body)));
                match self.http.remove(&to) {
                    Some((_, reply)) => {
                        let _ = reply.send(Some((status, content_type, body)));
                    }
                    None => self.log("!!", format!("answer for unknown request {to:?}")),
                }
            }
            ServerTransmit::Reset { to } => {
                self.log("s>c", format!("HTTP {to:?} reset"));
                if let Some((_, reply)) = self.http.remove(&to) {
                    let _ = reply.send(None);
                }
            }
            ServerTransmit::WsFrame { to, frame } => {
                self.log("s>c", format!("ws {to:?} {}", show_frame(&frame)));
                match self.ws.get(&to) {
                    Some(writer) => {
                        let _ = writer.send(WsOut::Frame(frame));
                    }
                    None => self.log("!!", format!("frame for unknown WebSocket {to:?}")),
                }
            }
            ServerTransmit::WsClose { to } => {
                self.log("s>c", format!("ws {to:?} close"));
                if let Some(writer) = self.ws.remove(&to) {
                    let _ = writer.send(WsOut::Close);
                }
            }
            other => self.log("!!", format!("unknown transmit {other:?}")),
        }
    }

    fn on_engine_event(&mut self, event: EngineEvent) {
        let now = Instant::now();
        match event {
            EngineEvent::Message(Message::Text(text)) => {
                self.socket.handle_message(EngineMessage::Text(text), now);
                self.drain_socket();
            }
            EngineEvent::Message(Message::Binary(data)) => {
                self.socket.handle_message(EngineMessage::Binary(data), now);
                self.drain_socket();
            }
            EngineEvent::Closed(reason) => {
                self.log("--", format!("engine closed: {}", reason.as_str()));
                self.closed_at = Some(now);
                self.socket.handle_engine_closed(now);
                self.drain_socket();
            }
            other => self.log("--", format!("engine {other:?}")),
        }
    }

    /// The application: the core of the testee contract.
    fn on_socket_event(&mut self, event: SocketEvent) {
        let now = Instant::now();
        match event {
            SocketEvent::ConnectRequest {
                namespace, auth, ..
            } => match self.socket.accept(&namespace, now) {
                Ok(id) => {
                    self.log("--", format!("{namespace} joined as {id}"));
                    // TESTEE1-CORE-002
                    let args = Value::Array(vec![auth]);
                    if let Err(e) = self.socket.emit(&namespace, "auth", &args, false, now) {
                        self.log("!!", format!("emit auth: {e}"));
                    }
                }
                Err(e) => self.log("!!", format!("accept {namespace}: {e}")),
            },
            SocketEvent::Event {
                namespace,
                name,
                args,
                ack_id,
                ..
            } => {
                let result = match (name.as_str(), ack_id) {
                    // TESTEE1-CORE-003
                    (Some("message"), _) => self
                        .socket
                        .emit(&namespace, "message-back", &args, false, now)
                        .map(drop),
                    // TESTEE1-CORE-004
                    (Some("message-with-ack"), Some(id)) => {
                        self.socket.ack(&namespace, id, &args, now)
                    }
                    // TESTEE1-CORE-005
                    (Some("features"), Some(id)) => {
                        let features =
                            Value::Array(vec![Value::Array(vec![Value::String("core".into())])]);
                        self.socket.ack(&namespace, id, &features, now)
                    }
                    _ => Ok(()),
                };
                if let Err(e) = result {
                    self.log("!!", format!("answering {name:?} on {namespace}: {e}"));
                }
            }
            other => self.log("--", format!("socket.io {other:?}")),
        }
    }
}
