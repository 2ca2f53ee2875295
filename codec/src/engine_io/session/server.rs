//! The Engine.IO server session machine (one session).
//!
//! [`ServerSession`] owns every transition of one server-side session. Every HTTP request and
//! WebSocket the driver hands in gets a [`ConnId`]; every response names the connection it is
//! for.
//!
//! | state | input | result |
//! |---|---|---|
//! | (new) | handshake request | open packet to the handshake connection; `polling` or `websocket` |
//! | `polling` | GET, nothing parked, packets buffered | 200 with every buffered packet |
//! | `polling` | GET, nothing parked, nothing buffered | GET parked |
//! | `polling` | GET while one is parked | 400 to the new GET, `1` to the parked one; `closed` (`transport-error`) |
//! | `polling` | parked GET aborted | `closed` (`transport-error`) |
//! | `polling` | POST over `maxPayload` | 413; session survives |
//! | `polling` | POST while one is being read | 400 to the new POST, reset the old; `closed` (`transport-error`) |
//! | `polling` | POST with packets | 200 `ok`; packets handled in order |
//! | `polling` | POST containing `1` | parked GET gets `6`; `closed` (`transport-close`); later packets dropped |
//! | `polling` / `websocket` | undecodable packet | `closed` (`parse-error`) |
//! | `polling` / `websocket` | ping (v4) | `closed` (`invalid-heartbeat-direction`) |
//! | `polling` / `websocket` | ping (v3) | pong; `PingTimeout` re-armed at `pingInterval + pingTimeout` |
//! | `polling` / `websocket` | pong (v4) | `PingTimeout` stopped; next ping at `pingInterval` |
//! | `polling` | WS open with the sid, upgrades allowed | upgrade `probing`; `UpgradeTimeout` armed |
//! | `polling` (upgrade `probing`) | `2probe` on the new WS | `3probe`; parked GET gets `6`; upgrade `probed` |
//! | `polling` (upgrade `probed`) | GET | buffered packets, or `6` |
//! | `polling` (upgrade `probed`) | `5` on the new WS | `websocket`; buffer flushed in order; `Upgraded` |
//! | `polling` (upgrading) | other packet on the new WS, new WS closed, `UpgradeTimeout` | new WS closed; `UpgradeFailed`; polling continues |
//! | `websocket` | GET / POST | 400 code 3 |
//! | `websocket` | WS open | refused (closed) |
//! | `websocket` | WS closed | `closed` (`transport-close`) |
//! | any open state | timer `PingInterval` (v4) | ping sent; `PingTimeout` armed |
//! | any open state | timer `PingTimeout` | `closed` (`ping-timeout`) |
//! | any open state | `close()` | `1` to the parked GET (or the next GET) / WS frame `1` + WS closed; `closed` (`forced-close`) |
//! | `closed` | GET (close pending) | buffered packets + `1` |
//! | `closed` | any request | 400 code 1; WS refused |
//!
//! Spec: EIO4-HS-002, EIO4-HS-004, EIO4-HS-010, EIO4-HS-011, EIO4-HS-015, EIO4-HB-001,
//! EIO4-HB-003, EIO4-HB-004, EIO4-HB-005, EIO4-HB-008, EIO4-POLL-003, EIO4-POLL-004,
//! EIO4-POLL-007, EIO4-POLL-008, EIO4-POLL-009, EIO4-POLL-010, EIO4-POLL-011, EIO4-POLL-012,
//! EIO4-POLL-013, EIO4-POLL-014, EIO4-POLL-016, EIO4-WS-004, EIO4-UPG-003, EIO4-UPG-005,
//! EIO4-UPG-006, EIO4-UPG-007, EIO4-UPG-009, EIO4-UPG-010, EIO4-UPG-011, EIO4-UPG-013,
//! EIO4-UPG-014, EIO4-CLOSE-003, EIO4-CLOSE-004, EIO4-CLOSE-005, EIO4-CLOSE-006, EIO4-CLOSE-007,
//! EIO4-CLOSE-008, EIO4-LIM-002, EIO4-LIM-003, EIO4-LIM-004, EIO3-HB-002, EIO3-HB-004,
//! EIO3-HB-005, EIO3-UPG-001

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::timer::{Timer, Timers};
use super::{CloseReason, Frame, Message, Output, WsMessage, decode_body, encode_body};
use crate::engine_io::{
    ErrorBody, ErrorCode, Handshake, Packet, PacketType, ProtocolVersion, Sid, TransportKind,
};

/// Makes session ids. Injected so the machine draws no randomness.
///
/// Spec: EIO4-HS-012, EIO4-HS-013
pub trait SidGenerator {
    /// A fresh session id.
    fn generate(&mut self) -> Sid;
}

/// A deterministic [`SidGenerator`] for tests: `sid-0`, `sid-1`, …
#[derive(Debug, Clone, Default)]
pub struct CounterSidGenerator {
    next: u64,
}

impl SidGenerator for CounterSidGenerator {
    fn generate(&mut self) -> Sid {
        let n = self.next;
        self.next += 1;
        // "sid-<digits>" is non-empty, short and has no control characters.
        Sid::new(&format!("sid-{n}")).expect("valid sid")
    }
}

/// Server settings for one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// `pingInterval`.
    pub ping_interval: Duration,
    /// `pingTimeout`.
    pub ping_timeout: Duration,
    /// `maxPayload`: the largest POST body / WebSocket message accepted, in bytes.
    pub max_payload: u64,
    /// Whether polling sessions may upgrade to WebSocket.
    pub allow_upgrades: bool,
    /// How long an upgrade may take once the new WebSocket is open.
    pub upgrade_timeout: Duration,
}

impl Default for ServerConfig {
    /// The reference defaults: 25 s, 20 s, 1 MB, upgrades on, 10 s.
    fn default() -> Self {
        ServerConfig {
            ping_interval: Duration::from_millis(25_000),
            ping_timeout: Duration::from_millis(20_000),
            max_payload: 1_000_000,
            allow_upgrades: true,
            upgrade_timeout: Duration::from_millis(10_000),
        }
    }
}

/// Names one HTTP request or WebSocket connection handed to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// What the server asks its driver to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerTransmit {
    /// Answer HTTP request `to`.
    Http {
        /// The request.
        to: ConnId,
        /// The status code.
        status: u16,
        /// The `Content-Type`, if any.
        content_type: Option<&'static str>,
        /// The body.
        body: Vec<u8>,
    },
    /// Drop HTTP request `to` without an answer (a superseded concurrent POST).
    Reset {
        /// The request.
        to: ConnId,
    },
    /// Send a message on WebSocket `to`.
    WsFrame {
        /// The WebSocket.
        to: ConnId,
        /// The message.
        frame: Frame,
    },
    /// Close WebSocket `to` (or refuse it, if it was just opened).
    WsClose {
        /// The WebSocket.
        to: ConnId,
    },
}

/// What the server tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A message from the client.
    Message(Message),
    /// The session now runs over WebSocket.
    Upgraded,
    /// An upgrade attempt was aborted; the session continues over polling.
    UpgradeFailed,
    /// The session ended.
    Closed(CloseReason),
}

/// The public name of a server state, for tests and traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerState {
    /// Open over polling, no upgrade under way.
    Polling,
    /// Open over polling, the new WebSocket is open, waiting for `2probe`.
    UpgradeProbing,
    /// `3probe` sent, waiting for `5`.
    UpgradeProbed,
    /// Open over WebSocket.
    WebSocket,
    /// Ended.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    None,
    Probing(ConnId),
    Probed(ConnId),
}

impl Upgrade {
    fn conn(self) -> Option<ConnId> {
        match self {
            Upgrade::None => None,
            Upgrade::Probing(c) | Upgrade::Probed(c) => Some(c),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Polling {
        get: Option<ConnId>,
        post: Option<ConnId>,
        upgrade: Upgrade,
    },
    WebSocket {
        ws: ConnId,
    },
    Closed {
        /// A server-side close of a polling session with no GET parked: the next GET gets the
        /// buffer and `1`.
        close_pending: bool,
    },
}

const TEXT_PLAIN: &str = "text/plain; charset=UTF-8";

/// One Engine.IO server session (protocol v3 or v4), sans IO.
///
/// Create it when a handshake request arrives ([`ServerSession::new`]); the handshake request or
/// WebSocket is [`ServerSession::handshake_conn`]. Then follow the driving loop of the
/// [module docs](super): every `handle_*` call and command is followed by draining
/// [`ServerSession::poll_output`] until it returns [`Output::Timeout`].
#[derive(Debug)]
pub struct ServerSession {
    version: ProtocolVersion,
    config: ServerConfig,
    handshake: Handshake,
    state: State,
    timers: Timers,
    buffer: VecDeque<Packet<'static>>,
    out: VecDeque<Output<ServerTransmit, ServerEvent>>,
    next_conn: u64,
    last_timeout_reason: Option<Timer>,
    /// POSTs already answered when they started (refused); their body gets no second answer.
    answered_posts: Vec<ConnId>,
}

impl ServerSession {
    /// A session created by a handshake request over `transport` (polling `GET` or WebSocket).
    /// The open packet is the first output, addressed to [`ServerSession::handshake_conn`].
    ///
    /// Spec: EIO4-HS-002, EIO4-HS-004, EIO4-HS-005, EIO4-HS-010, EIO4-HS-011, EIO4-HB-001
    pub fn new(
        config: ServerConfig,
        version: ProtocolVersion,
        transport: TransportKind,
        sids: &mut dyn SidGenerator,
        now: Instant,
    ) -> Self {
        let polling = transport != TransportKind::WebSocket;
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let mut handshake = Handshake::new(
            sids.generate(),
            millis(config.ping_interval),
            millis(config.ping_timeout),
        );
        if polling && config.allow_upgrades {
            handshake = handshake.with_upgrades(["websocket"]);
        }
        if version == ProtocolVersion::V4 {
            handshake = handshake.with_max_payload(config.max_payload);
        }
        let conn = ConnId(0);
        let mut s = ServerSession {
            version,
            handshake,
            state: if polling {
                State::Polling {
                    get: None,
                    post: None,
                    upgrade: Upgrade::None,
                }
            } else {
                State::WebSocket { ws: conn }
            },
            timers: Timers::default(),
            buffer: VecDeque::new(),
            out: VecDeque::new(),
            next_conn: 1,
            last_timeout_reason: None,
            answered_posts: Vec::new(),
            config,
        };
        let open = Packet::open(&s.handshake);
        if polling {
            s.respond_packets(conn, &[open]);
        } else {
            s.frame(conn, &open);
        }
        match version {
            ProtocolVersion::V4 => s
                .timers
                .set(Timer::PingInterval, now + s.config.ping_interval),
            ProtocolVersion::V3 => s.arm_v3_deadline(now),
        }
        s
    }

    /// The connection of the handshake request / WebSocket.
    pub fn handshake_conn(&self) -> ConnId {
        ConnId(0)
    }

    /// The handshake sent to the client.
    pub fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        &self.handshake.sid
    }

    /// The protocol revision.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The current state.
    pub fn state(&self) -> ServerState {
        match self.state {
            State::Polling { upgrade, .. } => match upgrade {
                Upgrade::None => ServerState::Polling,
                Upgrade::Probing(_) => ServerState::UpgradeProbing,
                Upgrade::Probed(_) => ServerState::UpgradeProbed,
            },
            State::WebSocket { .. } => ServerState::WebSocket,
            State::Closed { .. } => ServerState::Closed,
        }
    }

    /// Whether the session is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed { .. })
    }

    /// The timer that fired last, for debugging.
    pub fn last_timeout_reason(&self) -> Option<Timer> {
        self.last_timeout_reason
    }

    /// The next output. [`Output::Timeout`] means "drained".
    pub fn poll_output(&mut self) -> Output<ServerTransmit, ServerEvent> {
        self.out
            .pop_front()
            .unwrap_or_else(|| Output::Timeout(self.timers.next().map(|(_, at)| at)))
    }

    /// A polling `GET` with this session's sid arrived.
    ///
    /// Spec: EIO4-POLL-003, EIO4-POLL-004, EIO4-POLL-007, EIO4-POLL-008, EIO4-UPG-006,
    /// EIO4-UPG-013, EIO4-CLOSE-006, EIO4-CLOSE-008
    pub fn handle_get(&mut self, _now: Instant) -> ConnId {
        let id = self.conn();
        match self.state {
            State::Polling { get: Some(_), .. } => {
                self.respond_empty(id, 400);
                self.close_with(CloseReason::TransportError);
            }
            State::Polling {
                get: None, upgrade, ..
            } => {
                if !self.buffer.is_empty() {
                    self.respond_buffer(id);
                } else if matches!(upgrade, Upgrade::Probed(_)) {
                    self.respond_packets(id, &[Packet::noop()]);
                } else if let State::Polling { get, .. } = &mut self.state {
                    *get = Some(id);
                }
            }
            State::WebSocket { .. } => self.respond_error(id, ErrorCode::BadRequest),
            State::Closed {
                close_pending: true,
            } => {
                self.state = State::Closed {
                    close_pending: false,
                };
                self.buffer.push_back(Packet::close());
                self.respond_buffer(id);
            }
            State::Closed { .. } => self.respond_error(id, ErrorCode::UnknownSid),
        }
        id
    }

    /// The client gave up on polling `GET` `conn`.
    ///
    /// Spec: EIO4-POLL-009
    pub fn handle_get_aborted(&mut self, conn: ConnId, _now: Instant) {
        if let State::Polling { get: Some(g), .. } = self.state
            && g == conn
        {
            if let State::Polling { get, .. } = &mut self.state {
                *get = None;
            }
            // Closed at once, not deferred to a next GET: the client is gone (EIO4-POLL-009),
            // so every later request gets error code 1 (EIO4-CLOSE-008).
            self.close_quietly(CloseReason::TransportError);
        }
    }

    /// A polling `POST` with this session's sid started; its body follows with
    /// [`ServerSession::handle_post_body`].
    ///
    /// Spec: EIO4-POLL-002, EIO4-POLL-010
    pub fn handle_post_started(&mut self, _now: Instant) -> ConnId {
        let id = self.conn();
        match self.state {
            State::Polling {
                post: Some(old), ..
            } => {
                self.answered_early(id);
                self.respond_empty(id, 400);
                self.transmit(ServerTransmit::Reset { to: old });
                if let State::Polling { post, .. } = &mut self.state {
                    *post = None;
                }
                self.close_with(CloseReason::TransportError);
            }
            State::Polling { .. } => {
                if let State::Polling { post, .. } = &mut self.state {
                    *post = Some(id);
                }
            }
            State::WebSocket { .. } => {
                self.answered_early(id);
                self.respond_error(id, ErrorCode::BadRequest);
            }
            State::Closed { .. } => {
                self.answered_early(id);
                self.respond_error(id, ErrorCode::UnknownSid);
            }
        }
        id
    }

    /// The whole body of `POST` `conn` arrived.
    ///
    /// Spec: EIO4-POLL-011, EIO4-POLL-012, EIO4-POLL-013, EIO4-POLL-014, EIO4-POLL-016,
    /// EIO4-LIM-002, EIO4-LIM-003, EIO4-LIM-006
    pub fn handle_post_body(&mut self, conn: ConnId, body: &[u8], now: Instant) {
        if let Some(at) = self.answered_posts.iter().position(|c| *c == conn) {
            // Refused when it started; one answer per request.
            self.answered_posts.remove(at);
            return;
        }
        match self.state {
            State::Polling { post: Some(p), .. } if p == conn => {}
            // The session closed (or the POST was superseded) while the body was read: the
            // request still gets an answer.
            State::Closed { .. } => return self.respond_error(conn, ErrorCode::UnknownSid),
            _ => return self.respond_error(conn, ErrorCode::BadRequest),
        }
        if let State::Polling { post, .. } = &mut self.state {
            *post = None;
        }
        if u64::try_from(body.len()).unwrap_or(u64::MAX) > self.config.max_payload {
            self.respond_empty(conn, 413);
            return;
        }
        self.transmit(ServerTransmit::Http {
            to: conn,
            status: 200,
            content_type: Some("text/html"),
            body: b"ok".to_vec(),
        });
        let (packets, error) = decode_body(body, self.version);
        for packet in packets {
            if self.is_closed() {
                return;
            }
            if packet.kind == PacketType::Close {
                if let State::Polling { get: Some(g), .. } = self.state {
                    self.respond_packets(g, &[Packet::noop()]);
                    if let State::Polling { get, .. } = &mut self.state {
                        *get = None;
                    }
                }
                self.close_quietly(CloseReason::TransportClose);
                return;
            }
            self.on_packet(packet, now);
        }
        if error.is_some() {
            self.close_with(CloseReason::ParseError);
        }
    }

    /// A whole polling `POST` arrived at once ([`Self::handle_post_started`] followed by
    /// [`Self::handle_post_body`]).
    pub fn handle_post(&mut self, body: &[u8], now: Instant) -> ConnId {
        let id = self.handle_post_started(now);
        self.handle_post_body(id, body, now);
        id
    }

    /// A WebSocket carrying this session's sid opened.
    ///
    /// Spec: EIO4-UPG-003, EIO4-WS-006
    pub fn handle_ws_open(&mut self, now: Instant) -> ConnId {
        let id = self.conn();
        match self.state {
            State::Polling {
                upgrade: Upgrade::None,
                ..
            } if self.config.allow_upgrades => {
                self.set_upgrade(Upgrade::Probing(id));
                self.timers
                    .set(Timer::UpgradeTimeout, now + self.config.upgrade_timeout);
            }
            _ => self.transmit(ServerTransmit::WsClose { to: id }),
        }
        id
    }

    /// A message arrived on WebSocket `conn`.
    ///
    /// Spec: EIO4-UPG-005, EIO4-UPG-007, EIO4-UPG-009, EIO4-UPG-010, EIO4-UPG-011, EIO4-WS-004,
    /// EIO4-LIM-004, EIO4-CLOSE-003
    pub fn handle_ws_message(&mut self, conn: ConnId, message: WsMessage<'_>, now: Instant) {
        let len = match message {
            WsMessage::Text(t) => t.len(),
            WsMessage::Binary(b) => b.len(),
        };
        let too_big = u64::try_from(len).unwrap_or(u64::MAX) > self.config.max_payload;
        match self.state {
            State::WebSocket { ws } if ws == conn => {
                if too_big {
                    self.close_with(CloseReason::TransportError);
                    return;
                }
                match message.decode(self.version) {
                    Ok(p) if p.kind == PacketType::Close => {
                        self.close_quietly(CloseReason::TransportClose);
                    }
                    Ok(p) => {
                        let p = p.into_owned();
                        self.on_packet(p, now);
                    }
                    Err(_) => self.close_with(CloseReason::ParseError),
                }
            }
            State::Polling { upgrade, .. } if upgrade.conn() == Some(conn) => {
                let packet = if too_big {
                    None
                } else {
                    message.decode(self.version).ok()
                };
                match (upgrade, packet) {
                    (Upgrade::Probing(_), Some(p))
                        if p.kind == PacketType::Ping && p.data.as_text() == Some("probe") =>
                    {
                        self.frame(conn, &Packet::pong_probe());
                        self.set_upgrade(Upgrade::Probed(conn));
                        if let State::Polling { get: Some(g), .. } = self.state {
                            if let State::Polling { get, .. } = &mut self.state {
                                *get = None;
                            }
                            if self.buffer.is_empty() {
                                self.respond_packets(g, &[Packet::noop()]);
                            } else {
                                self.respond_buffer(g);
                            }
                        }
                    }
                    (Upgrade::Probed(_), Some(p)) if p.kind == PacketType::Upgrade => {
                        self.finish_upgrade(conn);
                    }
                    _ => self.abort_upgrade(),
                }
            }
            _ => {}
        }
    }

    /// WebSocket `conn` closed.
    ///
    /// Spec: EIO4-CLOSE-004, EIO4-UPG-011
    pub fn handle_ws_closed(&mut self, conn: ConnId, _now: Instant) {
        match self.state {
            State::WebSocket { ws } if ws == conn => {
                self.state = State::Closed {
                    close_pending: false,
                };
                self.finish_close(CloseReason::TransportClose);
            }
            State::Polling { upgrade, .. } if upgrade.conn() == Some(conn) => {
                self.set_upgrade(Upgrade::None);
                self.timers.stop(Timer::UpgradeTimeout);
                self.out
                    .push_back(Output::Event(ServerEvent::UpgradeFailed));
            }
            _ => {}
        }
    }

    /// The clock reached a deadline given by [`Output::Timeout`].
    ///
    /// Spec: EIO4-HB-001, EIO4-HB-003, EIO4-HB-008, EIO3-HB-005
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in self.timers.expire(now) {
            if self.is_closed() {
                return;
            }
            self.last_timeout_reason = Some(timer);
            match timer {
                Timer::PingInterval => {
                    self.timers
                        .set(Timer::PingTimeout, now + self.config.ping_timeout);
                    self.send(Packet::ping());
                }
                Timer::PingTimeout => self.close_with(CloseReason::PingTimeout),
                Timer::UpgradeTimeout => self.abort_upgrade(),
            }
        }
    }

    /// Sends a message to the client (dropped once closed).
    pub fn send_message(&mut self, message: Message) {
        if !self.is_closed() {
            self.send(message.to_packet().into_owned());
        }
    }

    /// Closes the session from the server side.
    ///
    /// Spec: EIO4-CLOSE-005, EIO4-CLOSE-006, EIO4-CLOSE-007
    pub fn close(&mut self) {
        self.close_with(CloseReason::ForcedClose);
    }

    fn on_packet(&mut self, packet: Packet<'_>, now: Instant) {
        match packet.kind {
            PacketType::Ping => match self.version {
                ProtocolVersion::V4 => self.close_with(CloseReason::InvalidHeartbeatDirection),
                ProtocolVersion::V3 => {
                    self.arm_v3_deadline(now);
                    self.send(Packet::pong());
                }
            },
            PacketType::Pong => {
                if self.version == ProtocolVersion::V4 {
                    self.timers.stop(Timer::PingTimeout);
                    self.timers
                        .set(Timer::PingInterval, now + self.config.ping_interval);
                }
            }
            PacketType::Message => {
                let msg = Message::from_data(packet.data);
                self.out.push_back(Output::Event(ServerEvent::Message(msg)));
            }
            PacketType::Close => self.close_quietly(CloseReason::TransportClose),
            PacketType::Open | PacketType::Upgrade | PacketType::Noop => {}
        }
    }

    fn arm_v3_deadline(&mut self, now: Instant) {
        let d = self.config.ping_interval + self.config.ping_timeout;
        self.timers.set(Timer::PingTimeout, now + d);
    }

    fn send(&mut self, packet: Packet<'static>) {
        match self.state {
            State::WebSocket { ws } => self.frame(ws, &packet),
            State::Polling { get, upgrade, .. } => {
                self.buffer.push_back(packet);
                if let (Some(g), Upgrade::None | Upgrade::Probing(_)) = (get, upgrade) {
                    if let State::Polling { get, .. } = &mut self.state {
                        *get = None;
                    }
                    self.respond_buffer(g);
                }
            }
            State::Closed { .. } => {}
        }
    }

    fn finish_upgrade(&mut self, ws: ConnId) {
        let parked = match self.state {
            State::Polling { get, .. } => get,
            _ => None,
        };
        if let Some(g) = parked {
            self.respond_packets(g, &[Packet::noop()]);
        }
        self.state = State::WebSocket { ws };
        self.timers.stop(Timer::UpgradeTimeout);
        while let Some(p) = self.buffer.pop_front() {
            self.frame(ws, &p);
        }
        self.out.push_back(Output::Event(ServerEvent::Upgraded));
    }

    fn abort_upgrade(&mut self) {
        if let State::Polling { upgrade, .. } = self.state
            && let Some(c) = upgrade.conn()
        {
            self.transmit(ServerTransmit::WsClose { to: c });
            self.set_upgrade(Upgrade::None);
            self.timers.stop(Timer::UpgradeTimeout);
            self.out
                .push_back(Output::Event(ServerEvent::UpgradeFailed));
        }
    }

    fn set_upgrade(&mut self, to: Upgrade) {
        if let State::Polling { upgrade, .. } = &mut self.state {
            *upgrade = to;
        }
    }

    /// Closes and tells the client: `1` to a parked GET (or the next GET), or `1` + close on
    /// the WebSocket.
    fn close_with(&mut self, reason: CloseReason) {
        match self.state {
            State::Closed { .. } => return,
            State::Polling { get, upgrade, .. } => {
                if let Some(c) = upgrade.conn() {
                    self.transmit(ServerTransmit::WsClose { to: c });
                }
                match get {
                    Some(g) => {
                        self.buffer.push_back(Packet::close());
                        self.respond_buffer(g);
                        self.state = State::Closed {
                            close_pending: false,
                        };
                    }
                    None => {
                        self.state = State::Closed {
                            close_pending: true,
                        };
                    }
                }
            }
            State::WebSocket { ws } => {
                if reason != CloseReason::PingTimeout && reason != CloseReason::TransportError {
                    self.frame(ws, &Packet::close());
                }
                self.transmit(ServerTransmit::WsClose { to: ws });
                self.state = State::Closed {
                    close_pending: false,
                };
            }
        }
        self.finish_close(reason);
    }

    /// Closes because the client asked to: nothing more is sent but transports are released.
    /// Remembers that POST `conn` was answered when it started, so its body is not answered
    /// again. Bounded: a client that never sends the body costs at most a few entries.
    fn answered_early(&mut self, conn: ConnId) {
        if self.answered_posts.len() >= 16 {
            self.answered_posts.remove(0);
        }
        self.answered_posts.push(conn);
    }

    fn close_quietly(&mut self, reason: CloseReason) {
        match self.state {
            State::Closed { .. } => return,
            State::Polling { get, upgrade, .. } => {
                if let Some(c) = upgrade.conn() {
                    self.transmit(ServerTransmit::WsClose { to: c });
                }
                if let Some(g) = get {
                    self.respond_packets(g, &[Packet::noop()]);
                }
            }
            State::WebSocket { ws } => self.transmit(ServerTransmit::WsClose { to: ws }),
        }
        self.state = State::Closed {
            close_pending: false,
        };
        self.finish_close(reason);
    }

    fn finish_close(&mut self, reason: CloseReason) {
        self.timers.stop_all();
        if !matches!(
            self.state,
            State::Closed {
                close_pending: true
            }
        ) {
            self.buffer.clear();
        }
        self.out
            .push_back(Output::Event(ServerEvent::Closed(reason)));
    }

    fn conn(&mut self) -> ConnId {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        id
    }

    fn respond_buffer(&mut self, to: ConnId) {
        let packets: Vec<Packet<'static>> = self.buffer.drain(..).collect();
        self.respond_packets(to, &packets);
    }

    fn respond_packets(&mut self, to: ConnId, packets: &[Packet<'_>]) {
        let body = encode_body(packets, self.version).into_bytes();
        self.transmit(ServerTransmit::Http {
            to,
            status: 200,
            content_type: Some(TEXT_PLAIN),
            body,
        });
    }

    fn respond_empty(&mut self, to: ConnId, status: u16) {
        self.transmit(ServerTransmit::Http {
            to,
            status,
            content_type: None,
            body: Vec::new(),
        });
    }

    fn respond_error(&mut self, to: ConnId, code: ErrorCode) {
        let mut body = String::new();
        ErrorBody::from(code).encode(&mut body);
        self.transmit(ServerTransmit::Http {
            to,
            status: code.http_status(),
            content_type: Some("application/json"),
            body: body.into_bytes(),
        });
    }

    fn frame(&mut self, to: ConnId, packet: &Packet<'_>) {
        let frame = Frame::encode(packet, self.version);
        self.transmit(ServerTransmit::WsFrame { to, frame });
    }

    fn transmit(&mut self, t: ServerTransmit) {
        self.out.push_back(Output::Transmit(t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How to reach each state from a fresh session: (name, version, transport, setup).
    type Setup = fn(&mut ServerSession, Instant) -> Vec<ConnId>;

    fn states() -> Vec<(&'static str, ProtocolVersion, TransportKind, Setup)> {
        fn nothing(_: &mut ServerSession, _: Instant) -> Vec<ConnId> {
            Vec::new()
        }
        fn parked(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            vec![s.handle_get(now)]
        }
        fn posting(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            vec![s.handle_get(now), s.handle_post_started(now)]
        }
        fn probing(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            vec![s.handle_get(now), s.handle_ws_open(now)]
        }
        fn probed(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            let ws = s.handle_ws_open(now);
            s.handle_ws_message(ws, WsMessage::Text("2probe"), now);
            vec![ws]
        }
        fn upgraded(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            let ws = s.handle_ws_open(now);
            s.handle_ws_message(ws, WsMessage::Text("2probe"), now);
            s.handle_ws_message(ws, WsMessage::Text("5"), now);
            vec![ws]
        }
        fn closing(s: &mut ServerSession, _: Instant) -> Vec<ConnId> {
            s.close();
            Vec::new()
        }
        fn closed(s: &mut ServerSession, now: Instant) -> Vec<ConnId> {
            let g = s.handle_get(now);
            s.close();
            vec![g]
        }
        let mut all: Vec<(&'static str, ProtocolVersion, TransportKind, Setup)> = Vec::new();
        for v in [ProtocolVersion::V3, ProtocolVersion::V4] {
            all.push(("polling", v, TransportKind::Polling, nothing));
            all.push(("polling+get", v, TransportKind::Polling, parked));
            all.push(("polling+get+post", v, TransportKind::Polling, posting));
            all.push(("upgrade-probing", v, TransportKind::Polling, probing));
            all.push(("upgrade-probed", v, TransportKind::Polling, probed));
            all.push(("upgraded", v, TransportKind::Polling, upgraded));
            all.push(("websocket", v, TransportKind::WebSocket, nothing));
            all.push(("closed+pending", v, TransportKind::Polling, closing));
            all.push(("closed", v, TransportKind::Polling, closed));
        }
        all
    }

    type Input = fn(&mut ServerSession, &[ConnId], Instant);

    fn inputs() -> Vec<(&'static str, Input)> {
        vec![
            ("get", |s, _, n| {
                s.handle_get(n);
            }),
            ("get-aborted", |s, c, n| {
                s.handle_get_aborted(c.first().copied().unwrap_or(ConnId(0)), n)
            }),
            ("post-started", |s, _, n| {
                s.handle_post_started(n);
            }),
            ("post-body", |s, c, n| {
                s.handle_post_body(c.last().copied().unwrap_or(ConnId(0)), b"4x", n)
            }),
            ("post-message", |s, _, n| {
                s.handle_post(b"4hello", n);
            }),
            ("post-ping", |s, _, n| {
                s.handle_post(b"2", n);
            }),
            ("post-pong", |s, _, n| {
                s.handle_post(b"3", n);
            }),
            ("post-close", |s, _, n| {
                s.handle_post(b"1", n);
            }),
            ("post-garbage", |s, _, n| {
                s.handle_post(b"\xff\x1e", n);
            }),
            ("post-oversized", |s, _, n| {
                s.handle_post(&[b'4'; 2_000_000], n);
            }),
            ("ws-open", |s, _, n| {
                s.handle_ws_open(n);
            }),
            ("ws-probe", |s, c, n| {
                let ws = c.last().copied().unwrap_or(ConnId(0));
                s.handle_ws_message(ws, WsMessage::Text("2probe"), n)
            }),
            ("ws-upgrade", |s, c, n| {
                let ws = c.last().copied().unwrap_or(ConnId(0));
                s.handle_ws_message(ws, WsMessage::Text("5"), n)
            }),
            ("ws-message", |s, c, n| {
                let ws = c.last().copied().unwrap_or(ConnId(0));
                s.handle_ws_message(ws, WsMessage::Binary(&[4, 1]), n)
            }),
            ("ws-empty", |s, c, n| {
                let ws = c.last().copied().unwrap_or(ConnId(0));
                s.handle_ws_message(ws, WsMessage::Text(""), n)
            }),
            ("ws-closed", |s, c, n| {
                s.handle_ws_closed(c.last().copied().unwrap_or(ConnId(0)), n)
            }),
            ("ws-closed-unknown", |s, _, n| {
                s.handle_ws_closed(ConnId(999), n)
            }),
            ("timeout", |s, _, n| {
                s.handle_timeout(n + Duration::from_secs(3600))
            }),
            ("send", |s, _, _| s.send_message(Message::Text("m".into()))),
            ("close", |s, _, _| s.close()),
        ]
    }

    fn run(
        version: ProtocolVersion,
        transport: TransportKind,
        setup: Setup,
        input: Input,
    ) -> (ServerState, Vec<Output<ServerTransmit, ServerEvent>>) {
        let now = Instant::now();
        let mut s = ServerSession::new(
            ServerConfig::default(),
            version,
            transport,
            &mut CounterSidGenerator::default(),
            now,
        );
        let conns = setup(&mut s, now);
        while !matches!(s.poll_output(), Output::Timeout(_)) {}
        let before = s.state();
        input(&mut s, &conns, now);
        let mut out = Vec::new();
        for _ in 0..64 {
            match s.poll_output() {
                Output::Timeout(_) => {
                    // A closed session never leaves `closed`, and emits at most one `Closed`.
                    if before == ServerState::Closed {
                        assert_eq!(s.state(), ServerState::Closed);
                    }
                    let closes = out
                        .iter()
                        .filter(|o| matches!(o, Output::Event(ServerEvent::Closed(_))))
                        .count();
                    assert!(closes <= 1);
                    assert_eq!(closes == 1, before != ServerState::Closed && s.is_closed());
                    return (s.state(), out);
                }
                o => out.push(o),
            }
        }
        panic!("outputs never drained");
    }

    #[test]
    fn every_state_input_pair_has_a_defined_result() {
        let mut pairs = 0;
        for (state, version, transport, setup) in states() {
            for (name, input) in inputs() {
                let a = run(version, transport, setup, input);
                // Defined: the same (state, input) always gives the same outputs and state.
                let b = run(version, transport, setup, input);
                let strip = |o: &[Output<ServerTransmit, ServerEvent>]| format!("{o:?}");
                assert_eq!(a.0, b.0, "{state} × {name}");
                assert_eq!(strip(&a.1), strip(&b.1), "{state} × {name}");
                pairs += 1;
            }
        }
        assert_eq!(pairs, 18 * inputs().len());
    }

    #[test]
    fn counter_sids_are_distinct() {
        let mut g = CounterSidGenerator::default();
        assert_ne!(g.generate(), g.generate());
    }
}
