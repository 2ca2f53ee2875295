//! The client side on real IO: [`Connection`] (a thin tokio loop around the Engine.IO
//! [`ClientSession`] and the Socket.IO [`Client`]) and [`run_checks`], which walks a server
//! through the testee contract's core behaviours and reports one line per check.
//!
//! One driver task owns both machines. IO tasks (one per polling request, one per WebSocket)
//! and the application (through [`Connection`]'s methods) feed it inputs through channels;
//! after every input it drains `poll_output` of both machines, performs the transmits, forwards
//! the events to the application, and sleeps until the Engine.IO deadline.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use socketio_codec::engine_io::session::{
    ClientEvent as EngineEvent, ClientSession, ClientState, ClientTransmit, CloseReason, Message,
    Output as EngineOutput, WsMessage,
};
use socketio_codec::engine_io::{Handshake, ProtocolVersion, Query, Sid, TransportKind};
use socketio_codec::socket_io::session::{
    Client, ClientConfig, ClientEvent as SocketEvent, DisconnectReason, EngineMessage,
    Output as SocketOutput, SessionError,
};
use socketio_codec::socket_io::{AckId, Namespace, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::http;
use crate::transcript::{Transcript, show_binary, show_bytes, show_frame, show_text};
use crate::ws::{self, WsIn, WsOut};

/// Bound on any single wait of the checks.
const WAIT: Duration = Duration::from_secs(5);

/// Where the server listens: `http://<authority><path>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`.
    pub authority: String,
    /// The Engine.IO path, e.g. `/socket.io/`.
    pub path: String,
}

impl Target {
    /// Parses `http://host:port/path/` (the path defaults to `/socket.io/`).
    ///
    /// # Errors
    ///
    /// A message when the URL is not `http://` or has no host.
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url:?} is not an http:// URL"))?;
        let slash = rest.find('/').unwrap_or(rest.len());
        let authority = &rest[..slash];
        if authority.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        let mut path = rest[slash..].split('?').next().unwrap_or("").to_owned();
        if path.is_empty() || path == "/" {
            path = "/socket.io/".to_owned();
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        Ok(Target {
            authority: authority.to_owned(),
            path,
        })
    }

    fn url(&self, query: &Query) -> String {
        format!("{}?{}", self.path, query.encode())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.path)
    }
}

/// Something the machines told the application.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    /// From the Engine.IO session.
    Engine(EngineEvent),
    /// From the Socket.IO client.
    Socket(SocketEvent),
}

/// Counters kept by the driver (shared, read at any time).
#[derive(Debug, Default)]
pub struct Stats {
    /// Engine.IO pings received over polling.
    pub pings_polling: AtomicU64,
    /// Engine.IO pings received over WebSocket.
    pub pings_ws: AtomicU64,
    /// Engine.IO pongs sent (either transport).
    pub pongs: AtomicU64,
    /// The WebSocket task ended (the socket is gone).
    pub ws_ended: AtomicBool,
}

/// The machines' view, for checks.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The Engine.IO client state.
    pub engine: ClientState,
    /// The handshake, once open.
    pub handshake: Option<Handshake>,
}

enum Command {
    Connect(
        Namespace<'static>,
        Option<Value>,
        oneshot::Sender<Result<(), SessionError>>,
    ),
    Emit {
        namespace: Namespace<'static>,
        event: String,
        args: Value,
        ack: bool,
        reply: oneshot::Sender<Result<Option<AckId>, SessionError>>,
    },
    Disconnect(
        Namespace<'static>,
        oneshot::Sender<Result<(), SessionError>>,
    ),
    StartUpgrade(oneshot::Sender<bool>),
    Close,
    Snapshot(oneshot::Sender<Snapshot>),
}

enum Io {
    Polled(Result<Bytes, String>),
    Posted(Result<(), String>),
    WsOpened(u64),
    WsMessage(u64, WsIn),
    WsClosed(u64, String),
}

/// A Socket.IO client connection over real IO: commands go to the driver task, events come back.
///
/// Dropping it stops the driver and every IO task.
#[derive(Debug)]
pub struct Connection {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::UnboundedReceiver<AppEvent>,
    backlog: VecDeque<AppEvent>,
    driver: tokio::task::JoinHandle<()>,
    /// The wire transcript.
    pub transcript: Transcript,
    /// The driver's counters.
    pub stats: Arc<Stats>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Command")
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Connection {
    /// Starts a driver that opens an Engine.IO v4 session to `target` over `transport`
    /// (long-polling, which can then be upgraded, or WebSocket only).
    pub fn open(target: Target, transport: TransportKind, transcript: Transcript) -> Connection {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        let (io_tx, io_rx) = mpsc::unbounded_channel();
        let stats = Arc::new(Stats::default());
        let now = Instant::now();
        let driver = Driver {
            target,
            engine: ClientSession::new(ProtocolVersion::V4, transport, now),
            socket: Client::new(ClientConfig::default()),
            io_tx,
            tasks: JoinSet::new(),
            ws: None,
            ws_generation: 0,
            events: event_tx,
            transcript: transcript.clone(),
            stats: stats.clone(),
            deadline: None,
            polls: 0,
        };
        let driver = tokio::spawn(driver.run(command_rx, io_rx));
        Connection {
            commands,
            events,
            backlog: VecDeque::new(),
            driver,
            transcript,
            stats,
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Command) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .map_err(|_| "the driver task is gone".to_owned())?;
        tokio::time::timeout(WAIT, rx)
            .await
            .map_err(|_| "the driver did not answer".to_owned())?
            .map_err(|_| "the driver task is gone".to_owned())
    }

    /// Joins `namespace` with an optional auth object.
    ///
    /// # Errors
    ///
    /// The machine's refusal, or a message when the driver is gone.
    pub async fn connect(&self, namespace: &str, auth: Option<Value>) -> Result<(), String> {
        let namespace = namespace_of(namespace)?;
        self.ask(|tx| Command::Connect(namespace, auth, tx))
            .await?
            .map_err(|e| e.to_string())
    }

    /// Emits `event(args...)` on `namespace`; returns the ack id when `ack` is set.
    ///
    /// # Errors
    ///
    /// The machine's refusal (as [`SessionError`]) or a message when the driver is gone.
    pub async fn emit(
        &self,
        namespace: &str,
        event: &str,
        args: Value,
        ack: bool,
    ) -> Result<Result<Option<AckId>, SessionError>, String> {
        let namespace = namespace_of(namespace)?;
        let event = event.to_owned();
        self.ask(|reply| Command::Emit {
            namespace,
            event,
            args,
            ack,
            reply,
        })
        .await
    }

    /// Leaves `namespace`.
    ///
    /// # Errors
    ///
    /// The machine's refusal, or a message when the driver is gone.
    pub async fn disconnect(&self, namespace: &str) -> Result<(), String> {
        let namespace = namespace_of(namespace)?;
        self.ask(|tx| Command::Disconnect(namespace, tx))
            .await?
            .map_err(|e| e.to_string())
    }

    /// Starts the upgrade to WebSocket; `false` when the machine refuses.
    ///
    /// # Errors
    ///
    /// A message when the driver is gone.
    pub async fn start_upgrade(&self) -> Result<bool, String> {
        self.ask(Command::StartUpgrade).await
    }

    /// Closes the Engine.IO session.
    ///
    /// # Errors
    ///
    /// A message when the driver is gone.
    pub fn close(&self) -> Result<(), String> {
        self.commands
            .send(Command::Close)
            .map_err(|_| "the driver task is gone".to_owned())
    }

    /// The machines' current state.
    ///
    /// # Errors
    ///
    /// A message when the driver is gone.
    pub async fn snapshot(&self) -> Result<Snapshot, String> {
        self.ask(Command::Snapshot).await
    }

    /// Takes the first event (older ones first) for which `pick` answers `Some`, without waiting.
    pub fn try_take<T>(&mut self, mut pick: impl FnMut(&AppEvent) -> Option<T>) -> Option<T> {
        while let Ok(event) = self.events.try_recv() {
            self.backlog.push_back(event);
        }
        let index = self.backlog.iter().position(|e| pick(e).is_some())?;
        let event = self.backlog.remove(index)?;
        pick(&event)
    }

    /// Waits, at most `timeout`, for the first event for which `pick` answers `Some`; events
    /// that do not match stay queued for later calls.
    ///
    /// # Errors
    ///
    /// A message naming `what` on timeout, with the events seen meanwhile.
    pub async fn expect<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut pick: impl FnMut(&AppEvent) -> Option<T>,
    ) -> Result<T, String> {
        if let Some(found) = self.try_take(&mut pick) {
            return Ok(found);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => {
                    if let Some(found) = pick(&event) {
                        return Ok(found);
                    }
                    self.backlog.push_back(event);
                }
                Ok(None) => return Err(format!("{what}: the driver task is gone")),
                Err(_) => {
                    return Err(format!(
                        "{what}: not seen within {timeout:?}; pending events: {:?}",
                        self.backlog
                    ));
                }
            }
        }
    }
}

fn namespace_of(name: &str) -> Result<Namespace<'static>, String> {
    Namespace::new(name.to_owned()).map_err(|e| format!("bad namespace {name:?}: {e}"))
}

struct Driver {
    target: Target,
    engine: ClientSession,
    socket: Client,
    io_tx: mpsc::UnboundedSender<Io>,
    tasks: JoinSet<()>,
    ws: Option<mpsc::UnboundedSender<WsOut>>,
    ws_generation: u64,
    events: mpsc::UnboundedSender<AppEvent>,
    transcript: Transcript,
    stats: Arc<Stats>,
    deadline: Option<Instant>,
    polls: u64,
}

impl Driver {
    async fn run(
        mut self,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut io: mpsc::UnboundedReceiver<Io>,
    ) {
        self.drain();
        loop {
            let deadline = self.deadline;
            let sleep = async move {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    None => break, // the application is gone
                },
                Some(input) = io.recv() => self.on_io(input),
                () = sleep => self.engine.handle_timeout(Instant::now()),
            }
            self.drain();
        }
        self.tasks.abort_all();
    }

    fn on_command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::Connect(namespace, auth, reply) => {
                let _ = reply.send(self.socket.connect(namespace, auth.as_ref(), now));
                self.drain_socket();
            }
            Command::Emit {
                namespace,
                event,
                args,
                ack,
                reply,
            } => {
                let _ = reply.send(self.socket.emit(&namespace, &event, &args, ack, now));
                self.drain_socket();
            }
            Command::Disconnect(namespace, reply) => {
                let _ = reply.send(self.socket.disconnect(&namespace, now));
                self.drain_socket();
            }
            Command::StartUpgrade(reply) => {
                let _ = reply.send(self.engine.start_upgrade());
            }
            Command::Close => self.engine.close(),
            Command::Snapshot(reply) => {
                let _ = reply.send(Snapshot {
                    engine: self.engine.state(),
                    handshake: self.engine.handshake().cloned(),
                });
            }
        }
    }

    fn on_io(&mut self, input: Io) {
        let now = Instant::now();
        match input {
            Io::Polled(Ok(body)) => {
                self.transcript
                    .log("s>c", format!("GET response {}", show_bytes(&body)));
                let pings = count_pieces(&body, "2");
                self.stats.pings_polling.fetch_add(pings, Ordering::Relaxed);
                self.engine.handle_polling_response(&body, now);
            }
            Io::Polled(Err(e)) => {
                self.transcript.log("--", format!("GET failed: {e}"));
                self.engine.handle_transport_closed(now);
            }
            Io::Posted(Ok(())) => self.engine.handle_post_complete(now),
            Io::Posted(Err(e)) => {
                self.transcript.log("--", format!("POST failed: {e}"));
                self.engine.handle_transport_closed(now);
            }
            Io::WsOpened(generation) if generation == self.ws_generation => {
                self.transcript.log("--", "WebSocket open");
                self.engine.handle_ws_open(now);
            }
            Io::WsMessage(generation, message) if generation == self.ws_generation => {
                match &message {
                    WsIn::Text(text) => {
                        self.transcript
                            .log("s>c", format!("ws text {}", show_text(text)));
                        if text == "2" {
                            self.stats.pings_ws.fetch_add(1, Ordering::Relaxed);
                        }
                        self.engine.handle_ws_message(WsMessage::Text(text), now);
                    }
                    WsIn::Binary(data) => {
                        self.transcript
                            .log("s>c", format!("ws {}", show_binary(data)));
                        self.engine.handle_ws_message(WsMessage::Binary(data), now);
                    }
                }
            }
            Io::WsClosed(generation, why) if generation == self.ws_generation => {
                self.transcript.log("--", format!("WebSocket ended: {why}"));
                self.stats.ws_ended.store(true, Ordering::Relaxed);
                self.engine.handle_ws_closed(now);
            }
            Io::WsOpened(_) | Io::WsMessage(..) | Io::WsClosed(..) => {} // an older WebSocket
        }
    }

    /// Drains both machines until neither has anything left; records the next deadline.
    fn drain(&mut self) {
        loop {
            match self.engine.poll_output() {
                EngineOutput::Transmit(transmit) => self.transmit(transmit),
                EngineOutput::Event(event) => self.on_engine_event(event),
                EngineOutput::Timeout(at) => {
                    self.deadline = at;
                    break;
                }
            }
        }
    }

    /// Drains the Socket.IO client; its messages go to the Engine.IO session (drained by the
    /// caller, [`Self::drain`]).
    fn drain_socket(&mut self) {
        loop {
            match self.socket.poll_output() {
                SocketOutput::Transmit(EngineMessage::Text(text)) => {
                    self.engine.send_message(Message::Text(text));
                }
                SocketOutput::Transmit(EngineMessage::Binary(data)) => {
                    self.engine.send_message(Message::Binary(data));
                }
                SocketOutput::Event(event) => {
                    let _ = self.events.send(AppEvent::Socket(event));
                }
                SocketOutput::CloseEngine => self.engine.close(),
                SocketOutput::Timeout(_) => break,
                // `Output` is non-exhaustive.
                _ => {}
            }
        }
    }

    fn on_engine_event(&mut self, event: EngineEvent) {
        let now = Instant::now();
        match &event {
            EngineEvent::Message(Message::Text(text)) => {
                self.socket
                    .handle_message(EngineMessage::Text(text.clone()), now);
                self.drain_socket();
                return;
            }
            EngineEvent::Message(Message::Binary(data)) => {
                self.socket
                    .handle_message(EngineMessage::Binary(data.clone()), now);
                self.drain_socket();
                return;
            }
            EngineEvent::Closed(reason) => {
                self.transcript
                    .log("--", format!("engine closed: {}", reason.as_str()));
                self.socket.handle_engine_closed(now);
                self.drain_socket();
            }
            EngineEvent::Opened(hs) => {
                self.transcript
                    .log("--", format!("engine open, sid {}", hs.sid.as_str()));
            }
            other => self.transcript.log("--", format!("engine {other:?}")),
        }
        let _ = self.events.send(AppEvent::Engine(event));
    }

    fn transmit(&mut self, transmit: ClientTransmit) {
        match transmit {
            ClientTransmit::PollGet => {
                let url = self.url(TransportKind::Polling);
                self.transcript.log("c>s", format!("GET {url}"));
                let authority = self.target.authority.clone();
                let timeout = self.request_timeout();
                let tx = self.io_tx.clone();
                self.tasks.spawn(async move {
                    let result = http::request(&authority, Method::GET, &url, None, timeout)
                        .await
                        .and_then(|r| ok_status(r.status, r.body));
                    let _ = tx.send(Io::Polled(result));
                });
            }
            ClientTransmit::PollPost(body) => {
                let url = self.url(TransportKind::Polling);
                self.transcript
                    .log("c>s", format!("POST {}", show_bytes(body.as_bytes())));
                self.stats
                    .pongs
                    .fetch_add(count_pieces(body.as_bytes(), "3"), Ordering::Relaxed);
                let authority = self.target.authority.clone();
                let timeout = self.request_timeout();
                let tx = self.io_tx.clone();
                self.tasks.spawn(async move {
                    let result = http::request(&authority, Method::POST, &url, Some(body), timeout)
                        .await
                        .and_then(|r| ok_status(r.status, r.body).map(drop));
                    let _ = tx.send(Io::Posted(result));
                });
            }
            ClientTransmit::WsOpen => self.open_ws(),
            ClientTransmit::WsFrame(frame) => {
                self.transcript
                    .log("c>s", format!("ws {}", show_frame(&frame)));
                if frame.as_text() == Some("3") {
                    self.stats.pongs.fetch_add(1, Ordering::Relaxed);
                }
                match &self.ws {
                    Some(ws) => {
                        let _ = ws.send(WsOut::Frame(frame));
                    }
                    None => self.transcript.log("!!", "WsFrame without a WebSocket"),
                }
            }
            ClientTransmit::WsClose => {
                self.transcript.log("c>s", "ws close");
                if let Some(ws) = self.ws.take() {
                    let _ = ws.send(WsOut::Close);
                }
            }
            other => self
                .transcript
                .log("!!", format!("unknown transmit {other:?}")),
        }
    }

    fn url(&mut self, transport: TransportKind) -> String {
        let mut query = Query::new(ProtocolVersion::V4, transport);
        if let Some(hs) = self.engine.handshake() {
            query = query.with_sid(hs.sid.clone());
        }
        if transport == TransportKind::Polling {
            self.polls += 1;
            query = query.with_t(format!("interop{}", self.polls));
        }
        self.target.url(&query)
    }

    /// A long-polling GET lasts at most one ping interval; allow the heartbeat on top.
    fn request_timeout(&self) -> Duration {
        let heartbeat = self
            .engine
            .handshake()
            .map_or(0, |hs| hs.ping_interval.saturating_add(hs.ping_timeout));
        Duration::from_millis(heartbeat) + Duration::from_secs(5)
    }

    fn open_ws(&mut self) {
        self.ws_generation += 1;
        let generation = self.ws_generation;
        let path = self.url(TransportKind::WebSocket);
        let url = format!("ws://{}{path}", self.target.authority);
        self.transcript.log("c>s", format!("ws open {url}"));
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        self.ws = Some(out_tx);
        let authority = self.target.authority.clone();
        let tx = self.io_tx.clone();
        self.tasks.spawn(async move {
            let connect = async {
                let request = url
                    .as_str()
                    .into_client_request()
                    .map_err(|e| format!("bad request: {e}"))?;
                let tcp = tokio::net::TcpStream::connect(&authority)
                    .await
                    .map_err(|e| format!("connect: {e}"))?;
                let _ = tcp.set_nodelay(true);
                tokio_tungstenite::client_async(request, tcp)
                    .await
                    .map(|(ws, _)| ws)
                    .map_err(|e| format!("handshake: {e}"))
            };
            let ws = match tokio::time::timeout(WAIT, connect).await {
                Ok(Ok(ws)) => ws,
                Ok(Err(e)) => {
                    let _ = tx.send(Io::WsClosed(generation, e));
                    return;
                }
                Err(_) => {
                    let _ = tx.send(Io::WsClosed(generation, "open timed out".into()));
                    return;
                }
            };
            let _ = tx.send(Io::WsOpened(generation));
            let why = ws::pump(ws, out_rx, |message| {
                let _ = tx.send(Io::WsMessage(generation, message));
            })
            .await;
            let _ = tx.send(Io::WsClosed(generation, why));
        });
    }
}

fn ok_status(status: u16, body: Bytes) -> Result<Bytes, String> {
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("HTTP {status} {}", show_bytes(&body)))
    }
}

/// How many packets of a v4 polling body are exactly `packet`.
fn count_pieces(body: &[u8], packet: &str) -> u64 {
    let n = body
        .split(|&b| b == 0x1e)
        .filter(|piece| *piece == packet.as_bytes())
        .count();
    u64::try_from(n).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/// The outcome of one check.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// What was seen (or why it failed).
    pub detail: String,
}

/// Every check of a run, in order, and the wire transcript.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
    /// The wire transcript of the run.
    pub transcript: String,
}

impl Report {
    /// Whether every check passed (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.passed)
    }

    fn record(&mut self, name: &str, result: Result<String, String>) -> bool {
        let passed = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        self.checks.push(Check {
            name: name.to_owned(),
            passed,
            detail,
        });
        passed
    }

    /// One line per check: `PASS name: detail` / `FAIL name: detail`.
    pub fn lines(&self) -> Vec<String> {
        self.checks
            .iter()
            .map(|c| {
                let verdict = if c.passed { "PASS" } else { "FAIL" };
                format!("{verdict} {}: {}", c.name, c.detail)
            })
            .collect()
    }
}

/// The names of the checks [`run_checks`] performs, in order.
pub const CHECKS: &[&str] = &[
    "polling handshake",
    "connect / with auth",
    "echo over polling",
    "ack over polling",
    "binary echo over polling",
    "unknown namespace refused",
    "heartbeat answered over polling",
    "upgrade to websocket, no message lost",
    "connect /custom with auth",
    "echo over websocket",
    "ack over websocket",
    "binary echo and binary ack over websocket",
    "heartbeat answered over websocket",
    "disconnect /custom",
    "disconnect /",
    "engine close",
    "websocket-only session",
    "polling-only session: burst, large message, close over polling",
];

fn json(text: &str) -> Value {
    // The literals below are valid JSON.
    Value::from_json_str(text).expect("valid JSON literal")
}

/// Arguments of several types, unicode included (a `\u001e` inside a string too).
fn mixed_args() -> Value {
    json(
        r#"["héllo wörld — 中文 — 🦀🎉", 42, -7.25, true, false, null,
            {"nested": {"list": [1, "two", null], "emoji": "👩‍💻"}, "empty": {}},
            [], "", "separator \u001e inside", "quote \" and backslash \\"]"#,
    )
}

fn binary_args() -> Value {
    Value::Array(vec![
        Value::Binary((0..=255).collect()),
        Value::String("caption ✓".into()),
        Value::Object(vec![
            ("nested".into(), Value::Binary(vec![0xde, 0xad, 0xbe, 0xef])),
            (
                "list".into(),
                Value::Array(vec![Value::Binary(vec![1]), Value::Number(3.into())]),
            ),
        ]),
    ])
}

fn event_on<'e>(event: &'e AppEvent, namespace: &str, name: &str) -> Option<&'e Value> {
    match event {
        AppEvent::Socket(SocketEvent::Event {
            namespace: ns,
            name: n,
            args,
            ..
        }) if ns.as_str() == namespace && n.as_str() == Some(name) => Some(args),
        _ => None,
    }
}

fn same(what: &str, got: &Value, want: &Value) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// Connects to `url` (`http://host:port/socket.io/`) and runs every check of [`CHECKS`] in order,
/// stopping at the first failure that leaves nothing to check. Bounded: each wait has a
/// timeout, so the whole run ends within about a minute even against a silent server.
pub async fn run_checks(url: &str, transcript: Transcript) -> Report {
    let mut report = Report::default();
    let target = match Target::parse(url) {
        Ok(target) => target,
        Err(e) => {
            report.record("target URL", Err(e));
            return report;
        }
    };
    let mut conn = Connection::open(target.clone(), TransportKind::Polling, transcript.clone());
    walk(&mut conn, &target, &mut report).await;
    drop(conn);
    transcript.log("--", "--- websocket-only session ---");
    let mut conn = Connection::open(target.clone(), TransportKind::WebSocket, transcript.clone());
    report.record(CHECKS[16], websocket_only(&mut conn, &target).await);
    drop(conn);
    transcript.log("--", "--- polling-only session ---");
    let mut conn = Connection::open(target.clone(), TransportKind::Polling, transcript.clone());
    report.record(CHECKS[17], polling_only(&mut conn, &target).await);
    drop(conn);
    report.transcript = transcript.render();
    report
}

async fn websocket_only(c: &mut Connection, target: &Target) -> Result<String, String> {
    let hs = c
        .expect("the open packet over WebSocket", WAIT, |e| match e {
            AppEvent::Engine(EngineEvent::Opened(hs)) => Some(Ok(hs.clone())),
            AppEvent::Engine(EngineEvent::Closed(r)) => Some(Err(format!(
                "the session closed before opening ({})",
                r.as_str()
            ))),
            _ => None,
        })
        .await??;
    if !hs.upgrades.is_empty() {
        return Err(format!(
            "upgrades offered over WebSocket: {:?}",
            hs.upgrades
        ));
    }
    expect_transport(c, TransportKind::WebSocket).await?;
    connect(c, "/", json(r#"{"ws":"only"}"#)).await?;
    connect(c, "/custom", json("{}")).await?;
    echo(c, &["/", "/custom"], TransportKind::WebSocket).await?;
    echo_binary(c, &["/", "/custom"], TransportKind::WebSocket).await?;
    ack(c, &["/custom"], &binary_args()).await?;
    let closed = close(c, target, Some(hs.sid.clone())).await?;
    Ok(format!(
        "opened over WebSocket (no upgrades offered); connect + auth, echo, binary echo and ack on / and /custom; {closed}"
    ))
}

async fn polling_only(c: &mut Connection, target: &Target) -> Result<String, String> {
    let hs = handshake(c).await?;
    connect(c, "/", json("{}")).await?;
    connect(c, "/custom", json(r#"{"polling":true}"#)).await?;
    // A burst: the client queues while a POST is in flight, the server while no GET is parked,
    // so both sides batch several packets per body.
    let count = 60_u64;
    for i in 0..count {
        let ns = if i % 2 == 0 { "/" } else { "/custom" };
        let args = Value::Array(vec![Value::String("seq".into()), Value::Number(i.into())]);
        c.emit(ns, "message", args, false)
            .await?
            .map_err(|e| format!("emit {i}: {e}"))?;
    }
    for i in 0..count {
        let ns = if i % 2 == 0 { "/" } else { "/custom" };
        let got = c
            .expect(&format!("`message-back` seq {i} on {ns}"), WAIT, |e| {
                event_on(e, ns, "message-back").cloned()
            })
            .await?;
        let want = Value::Array(vec![Value::String("seq".into()), Value::Number(i.into())]);
        same(&format!("burst echo on {ns}"), &got, &want)?;
    }
    // A large message (200 kB of multi-byte text) and a large binary, in one go.
    let big_text: String = "€🦀x".repeat(200_000 / 8);
    let big_binary: Vec<u8> = (0..100_000_u32).map(|i| (i % 251) as u8).collect();
    let args = Value::Array(vec![Value::String(big_text), Value::Binary(big_binary)]);
    c.emit("/", "message", args.clone(), false)
        .await?
        .map_err(|e| e.to_string())?;
    let back = c
        .expect("large `message-back`", WAIT, |e| {
            event_on(e, "/", "message-back").cloned()
        })
        .await?;
    same("large echo", &back, &args)?;
    expect_transport(c, TransportKind::Polling).await?;
    let closed = close_polling(c, target, hs.sid.clone()).await?;
    Ok(format!(
        "{count} messages on / and /custom echoed in order; 200 kB text + 100 kB binary echoed; {closed}"
    ))
}

async fn close_polling(c: &mut Connection, target: &Target, sid: Sid) -> Result<String, String> {
    c.close()?;
    let reason = c
        .expect("engine Closed", WAIT, |e| match e {
            AppEvent::Engine(EngineEvent::Closed(r)) => Some(*r),
            _ => None,
        })
        .await?;
    if reason != CloseReason::ForcedClose {
        return Err(format!("closed with {reason:?}, want ForcedClose"));
    }
    let disconnects = [
        c.try_take(|e| disconnected(e, "/").copied()),
        c.try_take(|e| disconnected(e, "/custom").copied()),
    ];
    if disconnects != [Some(DisconnectReason::TransportClose); 2] {
        return Err(format!("namespace disconnects on close: {disconnects:?}"));
    }
    let query = Query::new(ProtocolVersion::V4, TransportKind::Polling).with_sid(sid);
    let url = target.url(&query);
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        let response = http::request(&target.authority, Method::GET, &url, None, WAIT).await?;
        if response.status == 400 {
            return Ok(format!(
                "close packet POSTed, both namespaces got `transport close`; the old sid now gets HTTP 400 {}",
                show_bytes(&response.body)
            ));
        }
        last = format!("HTTP {} {}", response.status, show_bytes(&response.body));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("the server still knows the sid: {last}"))
}

async fn walk(c: &mut Connection, target: &Target, report: &mut Report) {
    let handshake = handshake(c).await;
    let sid = handshake.as_ref().ok().map(|hs| hs.sid.clone());
    if !report.record(CHECKS[0], handshake.map(|hs| describe_handshake(&hs))) {
        return;
    }
    let auth = json(r#"{"token":"abc","n":1}"#);
    if !report.record(CHECKS[1], connect(c, "/", auth).await) {
        return;
    }
    report.record(CHECKS[2], echo(c, &["/"], TransportKind::Polling).await);
    report.record(CHECKS[3], ack(c, &["/"], &mixed_args()).await);
    report.record(
        CHECKS[4],
        echo_binary(c, &["/"], TransportKind::Polling).await,
    );
    report.record(CHECKS[5], refused(c).await);
    report.record(CHECKS[6], heartbeat(c, TransportKind::Polling).await);
    if !report.record(CHECKS[7], upgrade(c).await) {
        return;
    }
    let auth = json(r#"{"user":"zoë","emoji":"🦀","list":[1,2]}"#);
    if !report.record(CHECKS[8], connect(c, "/custom", auth).await) {
        return;
    }
    let both = ["/", "/custom"];
    report.record(CHECKS[9], echo(c, &both, TransportKind::WebSocket).await);
    report.record(CHECKS[10], ack(c, &both, &mixed_args()).await);
    report.record(CHECKS[11], binary_both(c, &both).await);
    report.record(CHECKS[12], heartbeat(c, TransportKind::WebSocket).await);
    report.record(CHECKS[13], disconnect_custom(c).await);
    report.record(CHECKS[14], disconnect_main(c).await);
    report.record(CHECKS[15], close(c, target, sid).await);
}

async fn handshake(c: &mut Connection) -> Result<Handshake, String> {
    let hs = c
        .expect("the open packet", WAIT, |e| match e {
            AppEvent::Engine(EngineEvent::Opened(hs)) => Some(Ok(hs.clone())),
            AppEvent::Engine(EngineEvent::Closed(r)) => Some(Err(format!(
                "the session closed before opening ({})",
                r.as_str()
            ))),
            _ => None,
        })
        .await??;
    if !hs.upgrades.iter().any(|u| u == "websocket") {
        return Err(format!("websocket not offered: {hs:?}"));
    }
    let snap = c.snapshot().await?;
    if snap.engine != ClientState::Polling {
        return Err(format!("state {:?}, want Polling", snap.engine));
    }
    Ok(hs)
}

fn describe_handshake(hs: &Handshake) -> String {
    format!(
        "sid {}, upgrades {:?}, pingInterval {} ms, pingTimeout {} ms, maxPayload {:?}",
        hs.sid.as_str(),
        hs.upgrades,
        hs.ping_interval,
        hs.ping_timeout,
        hs.max_payload
    )
}

async fn connect(c: &mut Connection, namespace: &str, auth: Value) -> Result<String, String> {
    c.connect(namespace, Some(auth.clone())).await?;
    let sid = c
        .expect(
            &format!("CONNECT answer on {namespace}"),
            WAIT,
            |e| match e {
                AppEvent::Socket(SocketEvent::Connected { namespace: ns, sid })
                    if ns.as_str() == namespace =>
                {
                    Some(Ok(sid.clone()))
                }
                AppEvent::Socket(SocketEvent::ConnectError {
                    namespace: ns,
                    data,
                }) if ns.as_str() == namespace => Some(Err(format!("refused: {data:?}"))),
                _ => None,
            },
        )
        .await??;
    let sid = sid.ok_or("CONNECT answer without sid")?;
    let echoed = c
        .expect(&format!("`auth` on {namespace}"), WAIT, |e| {
            event_on(e, namespace, "auth").cloned()
        })
        .await?;
    same("auth echo", &echoed, &Value::Array(vec![auth]))?;
    Ok(format!(
        "socket id {sid}; `auth` echoed the CONNECT payload"
    ))
}

async fn expect_transport(c: &Connection, transport: TransportKind) -> Result<(), String> {
    let state = c.snapshot().await?.engine;
    let ok = match transport {
        TransportKind::WebSocket => state == ClientState::WebSocket,
        _ => state == ClientState::Polling,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "engine state {state:?} while checking {transport:?}"
        ))
    }
}

async fn echo(
    c: &mut Connection,
    namespaces: &[&str],
    transport: TransportKind,
) -> Result<String, String> {
    let args = mixed_args();
    for ns in namespaces {
        c.emit(ns, "message", args.clone(), false)
            .await?
            .map_err(|e| format!("emit on {ns}: {e}"))?;
        let back = c
            .expect(&format!("`message-back` on {ns}"), WAIT, |e| {
                event_on(e, ns, "message-back").cloned()
            })
            .await?;
        same(&format!("echo on {ns}"), &back, &args)?;
    }
    expect_transport(c, transport).await?;
    let count = match &args {
        Value::Array(items) => items.len(),
        _ => 0,
    };
    Ok(format!(
        "{count} arguments (strings with unicode, numbers, booleans, null, objects, arrays) came back equal on {}",
        namespaces.join(" and ")
    ))
}

async fn ack(c: &mut Connection, namespaces: &[&str], args: &Value) -> Result<String, String> {
    for ns in namespaces {
        let id = c
            .emit(ns, "message-with-ack", args.clone(), true)
            .await?
            .map_err(|e| format!("emit on {ns}: {e}"))?
            .ok_or("emit with ack returned no id")?;
        let got = c
            .expect(&format!("ACK {id} on {ns}"), WAIT, |e| match e {
                AppEvent::Socket(SocketEvent::Ack {
                    namespace,
                    id: got,
                    args,
                }) if namespace.as_str() == *ns && *got == id => Some(args.clone()),
                _ => None,
            })
            .await?;
        same(&format!("ack on {ns}"), &got, args)?;
    }
    Ok(format!(
        "acknowledged with the same arguments on {}",
        namespaces.join(" and ")
    ))
}

async fn echo_binary(
    c: &mut Connection,
    namespaces: &[&str],
    transport: TransportKind,
) -> Result<String, String> {
    let args = binary_args();
    for ns in namespaces {
        c.emit(ns, "message", args.clone(), false)
            .await?
            .map_err(|e| format!("emit on {ns}: {e}"))?;
        let back = c
            .expect(&format!("binary `message-back` on {ns}"), WAIT, |e| {
                event_on(e, ns, "message-back").cloned()
            })
            .await?;
        same(&format!("binary echo on {ns}"), &back, &args)?;
    }
    expect_transport(c, transport).await?;
    Ok(format!(
        "3 attachments (256 bytes, nested in an object, inside an array) came back as binary on {}",
        namespaces.join(" and ")
    ))
}

async fn binary_both(c: &mut Connection, namespaces: &[&str]) -> Result<String, String> {
    let echoed = echo_binary(c, namespaces, TransportKind::WebSocket).await?;
    ack(c, namespaces, &binary_args()).await?;
    Ok(format!("{echoed}; BINARY_ACK carried them back too"))
}

async fn refused(c: &mut Connection) -> Result<String, String> {
    c.connect("/nope", None).await?;
    let data = c
        .expect("CONNECT_ERROR on /nope", WAIT, |e| match e {
            AppEvent::Socket(SocketEvent::ConnectError { namespace, data })
                if namespace.as_str() == "/nope" =>
            {
                Some(Ok(data.clone()))
            }
            AppEvent::Socket(SocketEvent::Connected { namespace, .. })
                if namespace.as_str() == "/nope" =>
            {
                Some(Err("/nope was accepted".to_owned()))
            }
            _ => None,
        })
        .await??;
    same(
        "CONNECT_ERROR payload",
        &data,
        &json(r#"{"message":"Invalid namespace"}"#),
    )?;
    Ok("CONNECT_ERROR {\"message\":\"Invalid namespace\"}".to_owned())
}

async fn upgrade(c: &mut Connection) -> Result<String, String> {
    if !c.start_upgrade().await? {
        return Err("start_upgrade refused".to_owned());
    }
    // Emit numbered messages every few milliseconds while the upgrade runs, so that some leave
    // over polling, some wait in the paused state and some go over the new WebSocket.
    let started = tokio::time::Instant::now();
    let mut sent = 0_u64;
    let mut before_upgraded = None;
    let mut after = 0;
    while after < 5 {
        // A few at a time: one POST goes out, the rest queue behind it.
        for _ in 0..4 {
            let args = Value::Array(vec![
                Value::String("seq".into()),
                Value::Number(sent.into()),
            ]);
            c.emit("/", "message", args, false)
                .await?
                .map_err(|e| format!("emit {sent}: {e}"))?;
            sent += 1;
        }
        if before_upgraded.is_none() {
            let outcome = c.try_take(|e| match e {
                AppEvent::Engine(EngineEvent::Upgraded) => Some(true),
                AppEvent::Engine(EngineEvent::UpgradeFailed | EngineEvent::Closed(_)) => {
                    Some(false)
                }
                _ => None,
            });
            match outcome {
                Some(true) => before_upgraded = Some(sent),
                Some(false) => return Err("the upgrade failed (UpgradeFailed or Closed)".into()),
                None if started.elapsed() > WAIT => {
                    return Err(format!("no Upgraded event within {WAIT:?}"));
                }
                None => {}
            }
        } else {
            after += 1;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for i in 0..sent {
        let got = c
            .expect(&format!("`message-back` [\"seq\", {i}]"), WAIT, |e| {
                event_on(e, "/", "message-back").and_then(|args| match args {
                    Value::Array(items) if items.first() == Some(&Value::String("seq".into())) => {
                        Some(args.clone())
                    }
                    _ => None,
                })
            })
            .await?;
        let want = Value::Array(vec![Value::String("seq".into()), Value::Number(i.into())]);
        same("echo order across the upgrade", &got, &want)?;
    }
    expect_transport(c, TransportKind::WebSocket).await?;
    Ok(format!(
        "{sent} messages emitted while upgrading ({} before `Upgraded`), all echoed once, in order",
        before_upgraded.unwrap_or(0)
    ))
}

async fn heartbeat(c: &mut Connection, transport: TransportKind) -> Result<String, String> {
    let snap = c.snapshot().await?;
    let interval = snap.handshake.as_ref().map_or(0, |hs| hs.ping_interval);
    let counter = match transport {
        TransportKind::WebSocket => &c.stats.pings_ws,
        _ => &c.stats.pings_polling,
    };
    // Wait for two pings on this transport (bounded by a few ping intervals).
    let bound = Duration::from_millis(interval.saturating_mul(3)) + Duration::from_secs(2);
    let deadline = tokio::time::Instant::now() + bound;
    while counter.load(Ordering::Relaxed) < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let the last pong leave.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let polling = c.stats.pings_polling.load(Ordering::Relaxed);
    let ws = c.stats.pings_ws.load(Ordering::Relaxed);
    let pongs = c.stats.pongs.load(Ordering::Relaxed);
    let here = counter.load(Ordering::Relaxed);
    if here < 2 {
        return Err(format!(
            "only {here} pings over {} within {bound:?}",
            transport.as_str()
        ));
    }
    if pongs < polling + ws {
        return Err(format!("{polling}+{ws} pings but only {pongs} pongs"));
    }
    expect_transport(c, transport).await?;
    Ok(format!(
        "pings so far: {polling} over polling, {ws} over websocket; {pongs} pongs; session still open"
    ))
}

fn disconnected<'e>(e: &'e AppEvent, namespace: &str) -> Option<&'e DisconnectReason> {
    match e {
        AppEvent::Socket(SocketEvent::Disconnected {
            namespace: ns,
            reason,
        }) if ns.as_str() == namespace => Some(reason),
        _ => None,
    }
}

async fn disconnect_custom(c: &mut Connection) -> Result<String, String> {
    c.disconnect("/custom").await?;
    let reason = c
        .expect("Disconnected on /custom", WAIT, |e| {
            disconnected(e, "/custom").copied()
        })
        .await?;
    if reason != DisconnectReason::ClientNamespaceDisconnect {
        return Err(format!("reason {reason:?}"));
    }
    match c.emit("/custom", "message", json("[1]"), false).await? {
        Err(SessionError::NotConnected) => {}
        other => return Err(format!("emit on /custom after disconnect: {other:?}")),
    }
    // `/` still answers over the same connection.
    let args = json(r#"["still here"]"#);
    c.emit("/", "message", args.clone(), false)
        .await?
        .map_err(|e| e.to_string())?;
    let back = c
        .expect("`message-back` on / after leaving /custom", WAIT, |e| {
            event_on(e, "/", "message-back").cloned()
        })
        .await?;
    same("echo on / after leaving /custom", &back, &args)?;
    Ok("client namespace disconnect; / still echoes on the same connection".to_owned())
}

async fn disconnect_main(c: &mut Connection) -> Result<String, String> {
    c.disconnect("/").await?;
    let reason = c
        .expect("Disconnected on /", WAIT, |e| disconnected(e, "/").copied())
        .await?;
    if reason != DisconnectReason::ClientNamespaceDisconnect {
        return Err(format!("reason {reason:?}"));
    }
    // Nothing arrives for the namespace any more, and the engine stays open.
    tokio::time::sleep(Duration::from_millis(100)).await;
    expect_transport(c, TransportKind::WebSocket).await?;
    Ok("client namespace disconnect; Engine.IO session still open".to_owned())
}

async fn close(c: &mut Connection, target: &Target, sid: Option<Sid>) -> Result<String, String> {
    c.close()?;
    let reason = c
        .expect("engine Closed", WAIT, |e| match e {
            AppEvent::Engine(EngineEvent::Closed(r)) => Some(*r),
            _ => None,
        })
        .await?;
    if reason != CloseReason::ForcedClose {
        return Err(format!("closed with {reason:?}, want ForcedClose"));
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while !c.stats.ws_ended.load(Ordering::Relaxed) {
        if tokio::time::Instant::now() > deadline {
            return Err("the WebSocket did not end".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The server forgot the session: polling with the old sid is refused.
    let sid = sid.ok_or("no sid")?;
    let query = Query::new(ProtocolVersion::V4, TransportKind::Polling).with_sid(sid);
    let url = target.url(&query);
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        let response = http::request(&target.authority, Method::GET, &url, None, WAIT).await?;
        if response.status == 400 {
            return Ok(format!(
                "forced close, WebSocket closed; the old sid now gets HTTP 400 {}",
                show_bytes(&response.body)
            ));
        }
        last = format!("HTTP {} {}", response.status, show_bytes(&response.body));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("the server still knows the sid: {last}"))
}

/// Runs [`run_checks`] and prints one line per check to stdout; returns whether all passed.
/// On failure the wire transcript goes to stderr.
pub async fn run_and_print(url: &str, echo_wire: bool) -> bool {
    let report = run_checks(url, Transcript::new(echo_wire)).await;
    for line in report.lines() {
        println!("{line}");
    }
    let ran: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    for name in CHECKS.iter().filter(|n| !ran.contains(n)) {
        println!("SKIP {name}: not reached");
    }
    let passed = report.passed() && ran.len() == CHECKS.len();
    if !passed && !echo_wire {
        eprintln!("--- wire transcript ---\n{}", report.transcript);
    }
    passed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_parse_keeps_authority_and_path() {
        let t = Target::parse("http://127.0.0.1:3000/socket.io/").unwrap();
        assert_eq!(t.authority, "127.0.0.1:3000");
        assert_eq!(t.path, "/socket.io/");
        assert_eq!(t.to_string(), "http://127.0.0.1:3000/socket.io/");
    }

    #[test]
    fn target_parse_defaults_and_normalises_the_path() {
        assert_eq!(Target::parse("http://h:1").unwrap().path, "/socket.io/");
        assert_eq!(Target::parse("http://h:1/").unwrap().path, "/socket.io/");
        assert_eq!(Target::parse("http://h:1/eio?x=1").unwrap().path, "/eio/");
        assert!(Target::parse("https://h:1/").is_err());
        assert!(Target::parse("http:///socket.io/").is_err());
    }

    #[test]
    fn pings_are_counted_per_packet_in_a_v4_body() {
        assert_eq!(count_pieces(b"2", "2"), 1);
        assert_eq!(count_pieces(b"2\x1e42[\"a\"]\x1e2", "2"), 2);
        assert_eq!(count_pieces(b"42[\"2\"]", "2"), 0);
    }
}
