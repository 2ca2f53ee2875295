//! The Engine.IO client session machine.
//!
//! [`ClientSession`] owns every transition of one client session. States carry only their own
//! data; the heartbeat configuration lives in the handshake the session keeps once open.
//!
//! | state | input | result |
//! |---|---|---|
//! | `opening` | polling response / WS message with open `0{…}` | `polling` or `websocket`; `Opened`; heartbeat armed |
//! | `opening` | anything else received, bad handshake | `closed` (`handshake-error` / `parse-error`) |
//! | `opening` | `send_message` | queued until open |
//! | `polling` | polling response | packets handled, next `PollGet` issued (not while pausing) |
//! | `polling` | POST complete | queued packets POSTed |
//! | `polling` | `start_upgrade` (server offers `websocket`) | `WsOpen`; upgrade `opening` |
//! | `polling` (upgrade `opening`) | WS open | `2probe` sent; upgrade `probing` |
//! | `polling` (upgrade `probing`) | WS `3probe` | upgrade `pausing`: no new GET / POST |
//! | `polling` (upgrade `probing`) | other WS packet, WS closed | upgrade aborted, `UpgradeFailed` |
//! | `polling` (upgrade `pausing`) | GET and POST both finished | `5` sent, queue flushed on WS, `websocket`, `Upgraded` |
//! | `polling` / `websocket` | ping (v4) | pong sent; ping deadline re-armed |
//! | `polling` / `websocket` | pong (v3) | next ping armed at `pingInterval` |
//! | `polling` / `websocket` | close `1`, transport closed | `closed` (`transport-close`) |
//! | `polling` / `websocket` | undecodable packet | `closed` (`parse-error`) |
//! | any open state | timer `PingTimeout` | `closed` (`ping-timeout`) |
//! | any open state | timer `PingInterval` (v3) | ping sent, `PingTimeout` armed |
//! | any open state | `close()` | `1` POSTed (polling, when no POST is in flight) or WS closed; `closed` (`forced-close`) |
//! | `closed` | anything | ignored |
//!
//! Spec: EIO4-HS-001, EIO4-HS-003, EIO4-HS-009, EIO4-HB-002, EIO4-HB-006, EIO4-POLL-001,
//! EIO4-UPG-001, EIO4-UPG-004, EIO4-UPG-008, EIO4-CLOSE-001, EIO4-CLOSE-002, EIO3-HB-001,
//! EIO3-HB-006, EIO3-HB-007, EIO3-HB-008

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::timer::{Timer, Timers};
use super::{CloseReason, Frame, Message, Output, WsMessage, decode_body, encode_body};
use crate::engine_io::{Handshake, Packet, PacketType, ProtocolVersion, TransportKind};

/// What the client asks its driver to put on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientTransmit {
    /// Issue a polling `GET` now (at most one is ever outstanding).
    PollGet,
    /// Issue a polling `POST` with this body (at most one is ever outstanding); report its end
    /// with [`ClientSession::handle_post_complete`].
    PollPost(String),
    /// Open the WebSocket: the session transport (no sid yet) or the upgrade (with the sid).
    WsOpen,
    /// Send this message on the WebSocket.
    WsFrame(Frame),
    /// Close the WebSocket.
    WsClose,
}

/// What the client tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The handshake arrived; the session is open.
    Opened(Handshake),
    /// A message from the server.
    Message(Message),
    /// The session now runs over WebSocket.
    Upgraded,
    /// The upgrade attempt failed; the session continues over polling.
    UpgradeFailed,
    /// The session ended.
    Closed(CloseReason),
}

/// The public name of a client state, for tests and traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientState {
    /// Waiting for the open packet.
    Opening,
    /// Open over polling, no upgrade under way.
    Polling,
    /// Open over polling, the upgrade WebSocket is opening.
    UpgradeOpening,
    /// Open over polling, `2probe` sent.
    UpgradeProbing,
    /// `3probe` received; waiting for the in-flight GET / POST to finish.
    UpgradePausing,
    /// Open over WebSocket.
    WebSocket,
    /// Ended.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    None,
    Opening,
    Probing,
    Pausing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Opening,
    Polling {
        get_in_flight: bool,
        post_in_flight: bool,
        upgrade: Upgrade,
    },
    WebSocket,
    Closed,
}

/// One Engine.IO client session (protocol v3 or v4), sans IO.
///
/// Create it after choosing the first transport with [`ClientSession::new`], then follow the
/// driving loop of the [module docs](super): every `handle_*` call and command is followed by
/// draining [`ClientSession::poll_output`] until it returns [`Output::Timeout`].
#[derive(Debug)]
pub struct ClientSession {
    version: ProtocolVersion,
    state: State,
    handshake: Option<Handshake>,
    timers: Timers,
    queue: VecDeque<Packet<'static>>,
    out: VecDeque<Output<ClientTransmit, ClientEvent>>,
    last_timeout_reason: Option<Timer>,
    opened_over_ws: bool,
}

impl ClientSession {
    /// A session that opens over `transport`: it first asks for the handshake `GET`
    /// ([`ClientTransmit::PollGet`]) or the WebSocket ([`ClientTransmit::WsOpen`]).
    ///
    /// Spec: EIO4-HS-001, EIO4-HS-003
    pub fn new(version: ProtocolVersion, transport: TransportKind, _now: Instant) -> Self {
        let mut s = ClientSession {
            version,
            state: State::Opening,
            handshake: None,
            timers: Timers::default(),
            queue: VecDeque::new(),
            out: VecDeque::new(),
            last_timeout_reason: None,
            opened_over_ws: transport == TransportKind::WebSocket,
        };
        let first = match transport {
            TransportKind::WebSocket => ClientTransmit::WsOpen,
            _ => ClientTransmit::PollGet,
        };
        s.out.push_back(Output::Transmit(first));
        s
    }

    /// The protocol revision.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The handshake, once open.
    pub fn handshake(&self) -> Option<&Handshake> {
        self.handshake.as_ref()
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        match self.state {
            State::Opening => ClientState::Opening,
            State::Polling { upgrade, .. } => match upgrade {
                Upgrade::None => ClientState::Polling,
                Upgrade::Opening => ClientState::UpgradeOpening,
                Upgrade::Probing => ClientState::UpgradeProbing,
                Upgrade::Pausing => ClientState::UpgradePausing,
            },
            State::WebSocket => ClientState::WebSocket,
            State::Closed => ClientState::Closed,
        }
    }

    /// Whether the session is open (over either transport).
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Polling { .. } | State::WebSocket)
    }

    /// The timer that fired last, for debugging.
    pub fn last_timeout_reason(&self) -> Option<Timer> {
        self.last_timeout_reason
    }

    /// The next output. [`Output::Timeout`] means "drained".
    pub fn poll_output(&mut self) -> Output<ClientTransmit, ClientEvent> {
        self.out
            .pop_front()
            .unwrap_or_else(|| Output::Timeout(self.timers.next().map(|(_, at)| at)))
    }

    /// The JSON of the open packet arrived by some other route (e.g. decoded by the driver).
    pub fn handle_open(&mut self, handshake_json: &str, now: Instant) {
        self.on_packet(Packet::text(PacketType::Open, handshake_json), now);
    }

    /// The body of a polling `GET` response arrived (this ends the outstanding `GET`).
    ///
    /// Spec: EIO4-POLL-001
    pub fn handle_polling_response(&mut self, body: &[u8], now: Instant) {
        match self.state {
            State::Opening | State::Polling { .. } => {}
            State::WebSocket | State::Closed => return,
        }
        if let State::Polling { get_in_flight, .. } = &mut self.state {
            *get_in_flight = false;
        }
        let (packets, error) = decode_body(body, self.version);
        for packet in packets {
            if !matches!(self.state, State::Opening | State::Polling { .. }) {
                return;
            }
            self.on_packet(packet, now);
        }
        if error.is_some() {
            self.close_with(CloseReason::ParseError, false);
            return;
        }
        match self.state {
            State::Opening => self.close_with(CloseReason::HandshakeError, false),
            State::Polling { .. } => {
                self.issue_get();
                self.try_finish_upgrade();
            }
            State::WebSocket | State::Closed => {}
        }
    }

    /// The outstanding polling `POST` finished.
    pub fn handle_post_complete(&mut self, _now: Instant) {
        if let State::Polling { post_in_flight, .. } = &mut self.state {
            *post_in_flight = false;
            self.flush();
            self.try_finish_upgrade();
        }
    }

    /// The WebSocket asked for with [`ClientTransmit::WsOpen`] is open.
    ///
    /// Spec: EIO4-UPG-004
    pub fn handle_ws_open(&mut self, _now: Instant) {
        if let State::Polling { upgrade, .. } = &mut self.state
            && *upgrade == Upgrade::Opening
        {
            *upgrade = Upgrade::Probing;
            self.frame(&Packet::ping_probe());
        }
    }

    /// A WebSocket message arrived (on the session WebSocket or the upgrade WebSocket).
    pub fn handle_ws_message(&mut self, message: WsMessage<'_>, now: Instant) {
        match self.state {
            State::Polling { upgrade, .. } => {
                if upgrade != Upgrade::Probing {
                    return;
                }
                match message.decode(self.version) {
                    Ok(p) if p.kind == PacketType::Pong && p.data.as_text() == Some("probe") => {
                        self.set_upgrade(Upgrade::Pausing);
                        self.try_finish_upgrade();
                    }
                    _ => self.abort_upgrade(),
                }
            }
            State::Opening if !self.opened_over_ws => {}
            State::Opening | State::WebSocket => match message.decode(self.version) {
                Ok(p) => {
                    let p = p.into_owned();
                    let was_opening = self.state == State::Opening;
                    self.on_packet(p, now);
                    if was_opening && self.state == State::Opening {
                        self.close_with(CloseReason::HandshakeError, true);
                    }
                }
                Err(_) => self.close_with(CloseReason::ParseError, true),
            },
            State::Closed => {}
        }
    }

    /// The WebSocket closed (the session WebSocket, or the upgrade WebSocket while upgrading).
    pub fn handle_ws_closed(&mut self, now: Instant) {
        match self.state {
            State::Polling { upgrade, .. } if upgrade != Upgrade::None => self.abort_upgrade(),
            State::Polling { .. } => {}
            _ => self.handle_transport_closed(now),
        }
    }

    /// The session transport failed or closed (a polling request error, the WebSocket closed).
    ///
    /// Spec: EIO4-CLOSE-004
    pub fn handle_transport_closed(&mut self, _now: Instant) {
        if self.state != State::Closed {
            self.close_with(CloseReason::TransportClose, false);
        }
    }

    /// The clock reached a deadline given by [`Output::Timeout`].
    ///
    /// Spec: EIO4-HB-006, EIO3-HB-001, EIO3-HB-006
    pub fn handle_timeout(&mut self, now: Instant) {
        for timer in self.timers.expire(now) {
            if self.state == State::Closed {
                return;
            }
            self.last_timeout_reason = Some(timer);
            match timer {
                Timer::PingTimeout => self.close_with(CloseReason::PingTimeout, true),
                Timer::PingInterval => {
                    if let Some(hs) = &self.handshake {
                        let timeout = Duration::from_millis(hs.ping_timeout);
                        self.timers.set(Timer::PingTimeout, now + timeout);
                        self.send(Packet::ping());
                    }
                }
                Timer::UpgradeTimeout => self.abort_upgrade(),
            }
        }
    }

    /// Sends a message (queued until the session is open; dropped once closed).
    pub fn send_message(&mut self, message: Message) {
        if self.state != State::Closed {
            self.send(message.to_packet().into_owned());
        }
    }

    /// Starts the upgrade to WebSocket. Returns `false` (and does nothing) unless the session is
    /// open over polling, no upgrade is under way and the server offered `websocket`.
    ///
    /// Spec: EIO4-UPG-001
    pub fn start_upgrade(&mut self) -> bool {
        let offered = self
            .handshake
            .as_ref()
            .is_some_and(|hs| hs.upgrades.iter().any(|u| u == "websocket"));
        match &mut self.state {
            State::Polling { upgrade, .. } if offered && *upgrade == Upgrade::None => {
                *upgrade = Upgrade::Opening;
                self.out.push_back(Output::Transmit(ClientTransmit::WsOpen));
                true
            }
            _ => false,
        }
    }

    /// Closes the session.
    ///
    /// Over polling the close packet `1` is POSTed when no `POST` is in flight (otherwise the
    /// session closes locally only). Over WebSocket the WebSocket is closed.
    ///
    /// Spec: EIO4-CLOSE-001, EIO4-CLOSE-002, EIO3-CLOSE-001
    pub fn close(&mut self) {
        match self.state {
            State::Closed => {}
            State::Polling { post_in_flight, .. } => {
                if !post_in_flight {
                    self.queue.push_back(Packet::close());
                    let body = self.drain_queue_body();
                    self.transmit(ClientTransmit::PollPost(body));
                }
                self.close_with(CloseReason::ForcedClose, false);
            }
            State::Opening | State::WebSocket => self.close_with(CloseReason::ForcedClose, true),
        }
    }

    fn on_packet(&mut self, packet: Packet<'_>, now: Instant) {
        match packet.kind {
            PacketType::Open => {
                if self.state != State::Opening {
                    return;
                }
                let Some(hs) = packet
                    .data
                    .as_text()
                    .and_then(|j| Handshake::decode(j).ok())
                else {
                    self.close_with(CloseReason::HandshakeError, true);
                    return;
                };
                self.open(hs, now);
            }
            PacketType::Close => self.close_with(CloseReason::TransportClose, true),
            PacketType::Ping => {
                if self.version == ProtocolVersion::V4 && self.is_open() {
                    self.arm_ping_deadline(now);
                    self.send(Packet::pong());
                }
            }
            PacketType::Pong => {
                if self.version == ProtocolVersion::V3
                    && let Some(hs) = &self.handshake
                {
                    let interval = Duration::from_millis(hs.ping_interval);
                    self.timers.stop(Timer::PingTimeout);
                    self.timers.set(Timer::PingInterval, now + interval);
                }
            }
            PacketType::Message => {
                if self.is_open() {
                    let msg = Message::from_data(packet.data);
                    self.out.push_back(Output::Event(ClientEvent::Message(msg)));
                }
            }
            PacketType::Upgrade | PacketType::Noop => {}
        }
    }

    fn open(&mut self, hs: Handshake, now: Instant) {
        self.state = if self.opened_over_ws {
            State::WebSocket
        } else {
            State::Polling {
                get_in_flight: false,
                post_in_flight: false,
                upgrade: Upgrade::None,
            }
        };
        let interval = Duration::from_millis(hs.ping_interval);
        self.handshake = Some(hs.clone());
        match self.version {
            ProtocolVersion::V4 => self.arm_ping_deadline(now),
            ProtocolVersion::V3 => self.timers.set(Timer::PingInterval, now + interval),
        }
        self.out.push_back(Output::Event(ClientEvent::Opened(hs)));
        self.flush();
    }

    fn arm_ping_deadline(&mut self, now: Instant) {
        if let Some(hs) = &self.handshake {
            let d = Duration::from_millis(hs.ping_interval.saturating_add(hs.ping_timeout));
            self.timers.set(Timer::PingTimeout, now + d);
        }
    }

    fn send(&mut self, packet: Packet<'static>) {
        self.queue.push_back(packet);
        self.flush();
    }

    fn flush(&mut self) {
        match self.state {
            State::Polling {
                post_in_flight: false,
                upgrade,
                ..
            } if upgrade != Upgrade::Pausing && !self.queue.is_empty() => {
                let body = self.drain_queue_body();
                if let State::Polling { post_in_flight, .. } = &mut self.state {
                    *post_in_flight = true;
                }
                self.transmit(ClientTransmit::PollPost(body));
            }
            State::WebSocket => {
                while let Some(p) = self.queue.pop_front() {
                    self.frame(&p);
                }
            }
            _ => {}
        }
    }

    fn drain_queue_body(&mut self) -> String {
        let packets: Vec<Packet<'static>> = self.queue.drain(..).collect();
        encode_body(&packets, self.version)
    }

    fn issue_get(&mut self) {
        if let State::Polling {
            get_in_flight: get @ false,
            upgrade,
            ..
        } = &mut self.state
            && *upgrade != Upgrade::Pausing
        {
            *get = true;
            self.transmit(ClientTransmit::PollGet);
        }
    }

    fn set_upgrade(&mut self, to: Upgrade) {
        if let State::Polling { upgrade, .. } = &mut self.state {
            *upgrade = to;
        }
    }

    /// Spec: EIO4-UPG-008
    fn try_finish_upgrade(&mut self) {
        if let State::Polling {
            get_in_flight: false,
            post_in_flight: false,
            upgrade: Upgrade::Pausing,
        } = self.state
        {
            self.frame(&Packet::upgrade());
            self.state = State::WebSocket;
            self.flush();
            self.out.push_back(Output::Event(ClientEvent::Upgraded));
        }
    }

    fn abort_upgrade(&mut self) {
        if let State::Polling { upgrade, .. } = &mut self.state
            && *upgrade != Upgrade::None
        {
            *upgrade = Upgrade::None;
            self.transmit(ClientTransmit::WsClose);
            self.out
                .push_back(Output::Event(ClientEvent::UpgradeFailed));
            self.flush();
            self.issue_get();
        }
    }

    fn frame(&mut self, packet: &Packet<'_>) {
        let f = Frame::encode(packet, self.version);
        self.transmit(ClientTransmit::WsFrame(f));
    }

    fn transmit(&mut self, t: ClientTransmit) {
        self.out.push_back(Output::Transmit(t));
    }

    /// Ends the session: `close_ws` closes a WebSocket in use.
    fn close_with(&mut self, reason: CloseReason, close_ws: bool) {
        let ws_in_use = match self.state {
            State::Closed => return,
            State::WebSocket => true,
            State::Opening => self.opened_over_ws,
            State::Polling { upgrade, .. } => upgrade != Upgrade::None,
        };
        if ws_in_use && (close_ws || matches!(self.state, State::Polling { .. })) {
            self.transmit(ClientTransmit::WsClose);
        }
        self.state = State::Closed;
        self.timers.stop_all();
        self.queue.clear();
        self.out
            .push_back(Output::Event(ClientEvent::Closed(reason)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_V4: &str = r#"0{"sid":"s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100}"#;
    const OPEN_V3: &str =
        r#"0{"sid":"s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#;

    type Setup = fn(&mut ClientSession, Instant);

    fn open_body(c: &ClientSession) -> String {
        match c.version() {
            ProtocolVersion::V4 => OPEN_V4.to_owned(),
            ProtocolVersion::V3 => format!("{}:{OPEN_V3}", OPEN_V3.len()),
        }
    }

    /// One packet as a polling body of the client's revision.
    fn body(c: &ClientSession, packet: &str) -> String {
        match c.version() {
            ProtocolVersion::V4 => packet.to_owned(),
            ProtocolVersion::V3 => format!("{}:{packet}", packet.len()),
        }
    }

    fn states() -> Vec<(ClientState, TransportKind, Setup)> {
        fn nothing(_: &mut ClientSession, _: Instant) {}
        fn polling(c: &mut ClientSession, n: Instant) {
            c.handle_polling_response(open_body(c).as_bytes(), n);
        }
        fn up_opening(c: &mut ClientSession, n: Instant) {
            polling(c, n);
            c.start_upgrade();
        }
        fn up_probing(c: &mut ClientSession, n: Instant) {
            up_opening(c, n);
            c.handle_ws_open(n);
        }
        fn up_pausing(c: &mut ClientSession, n: Instant) {
            up_probing(c, n);
            c.handle_ws_message(WsMessage::Text("3probe"), n);
        }
        fn upgraded(c: &mut ClientSession, n: Instant) {
            up_pausing(c, n);
            c.handle_polling_response(body(c, "6").as_bytes(), n);
        }
        fn websocket(c: &mut ClientSession, n: Instant) {
            c.handle_ws_open(n);
            let open = OPEN_V4.replace(r#"["websocket"]"#, "[]");
            c.handle_ws_message(WsMessage::Text(&open), n);
        }
        fn closed(c: &mut ClientSession, _: Instant) {
            c.close();
        }
        vec![
            (ClientState::Opening, TransportKind::Polling, nothing),
            (ClientState::Opening, TransportKind::WebSocket, nothing),
            (ClientState::Polling, TransportKind::Polling, polling),
            (
                ClientState::UpgradeOpening,
                TransportKind::Polling,
                up_opening,
            ),
            (
                ClientState::UpgradeProbing,
                TransportKind::Polling,
                up_probing,
            ),
            (
                ClientState::UpgradePausing,
                TransportKind::Polling,
                up_pausing,
            ),
            (ClientState::WebSocket, TransportKind::Polling, upgraded),
            (ClientState::WebSocket, TransportKind::WebSocket, websocket),
            (ClientState::Closed, TransportKind::Polling, closed),
        ]
    }

    type Input = fn(&mut ClientSession, Instant);

    fn inputs() -> Vec<(&'static str, Input)> {
        vec![
            ("open", |c, n| c.handle_open(&OPEN_V4[1..], n)),
            ("poll-open", |c, n| {
                c.handle_polling_response(open_body(c).as_bytes(), n)
            }),
            ("poll-ping", |c, n| {
                c.handle_polling_response(body(c, "2").as_bytes(), n)
            }),
            ("poll-message", |c, n| {
                c.handle_polling_response(body(c, "4hi").as_bytes(), n)
            }),
            ("poll-close", |c, n| {
                c.handle_polling_response(body(c, "1").as_bytes(), n)
            }),
            ("poll-garbage", |c, n| c.handle_polling_response(b"\xff", n)),
            ("post-complete", |c, n| c.handle_post_complete(n)),
            ("ws-open", |c, n| c.handle_ws_open(n)),
            ("ws-open-packet", |c, n| {
                let open = OPEN_V4.replace(r#"["websocket"]"#, "[]");
                c.handle_ws_message(WsMessage::Text(&open), n)
            }),
            ("ws-3probe", |c, n| {
                c.handle_ws_message(WsMessage::Text("3probe"), n)
            }),
            ("ws-ping", |c, n| {
                c.handle_ws_message(WsMessage::Text("2"), n)
            }),
            ("ws-pong", |c, n| {
                c.handle_ws_message(WsMessage::Text("3"), n)
            }),
            ("ws-binary", |c, n| {
                c.handle_ws_message(WsMessage::Binary(&[4, 1]), n)
            }),
            ("ws-empty", |c, n| {
                c.handle_ws_message(WsMessage::Text(""), n)
            }),
            ("ws-closed", |c, n| c.handle_ws_closed(n)),
            ("transport-closed", |c, n| c.handle_transport_closed(n)),
            ("timeout", |c, n| {
                c.handle_timeout(n + Duration::from_secs(3600))
            }),
            ("send", |c, _| c.send_message(Message::Binary(vec![1]))),
            ("start-upgrade", |c, _| {
                c.start_upgrade();
            }),
            ("close", |c, _| c.close()),
        ]
    }

    fn run(
        version: ProtocolVersion,
        transport: TransportKind,
        setup: Setup,
        input: Input,
    ) -> (ClientState, String) {
        let now = Instant::now();
        let mut c = ClientSession::new(version, transport, now);
        setup(&mut c, now);
        while !matches!(c.poll_output(), Output::Timeout(_)) {}
        let before = c.state();
        input(&mut c, now);
        let mut out = Vec::new();
        for _ in 0..64 {
            match c.poll_output() {
                Output::Timeout(_) => {
                    if before == ClientState::Closed {
                        assert_eq!(c.state(), ClientState::Closed);
                    }
                    let closes = out
                        .iter()
                        .filter(|o| matches!(o, Output::Event(ClientEvent::Closed(_))))
                        .count();
                    assert_eq!(
                        closes == 1,
                        before != ClientState::Closed
                            && !c.is_open()
                            && c.state() == ClientState::Closed
                    );
                    assert!(closes <= 1);
                    return (c.state(), format!("{out:?}"));
                }
                o => out.push(o),
            }
        }
        panic!("outputs never drained");
    }

    #[test]
    fn every_state_input_pair_has_a_defined_result() {
        for version in [ProtocolVersion::V3, ProtocolVersion::V4] {
            for (state, transport, setup) in states() {
                let now = Instant::now();
                let mut c = ClientSession::new(version, transport, now);
                setup(&mut c, now);
                if !(version == ProtocolVersion::V3 && transport == TransportKind::WebSocket) {
                    assert_eq!(c.state(), state, "{version:?} {transport:?}");
                }
                for (name, input) in inputs() {
                    let a = run(version, transport, setup, input);
                    let b = run(version, transport, setup, input);
                    assert_eq!(a, b, "{state:?} × {name}");
                }
            }
        }
    }

    // spec: EIO4-HB-002
    #[test]
    fn v4_ping_over_websocket_is_answered_with_pong() {
        let now = Instant::now();
        let mut c = ClientSession::new(ProtocolVersion::V4, TransportKind::WebSocket, now);
        c.handle_ws_open(now);
        c.handle_ws_message(
            WsMessage::Text(&OPEN_V4.replace(r#"["websocket"]"#, "[]")),
            now,
        );
        while !matches!(c.poll_output(), Output::Timeout(_)) {}
        c.handle_ws_message(WsMessage::Text("2"), now);
        assert_eq!(
            c.poll_output(),
            Output::Transmit(ClientTransmit::WsFrame(WsMessage::Text("3").to_frame()))
        );
    }
}
