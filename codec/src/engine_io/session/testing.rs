//! An in-memory client/server pair on virtual time, for tests.
//!
//! [`Pair`] wires a [`ClientSession`] to a [`ServerSession`]: every transmit of one side is
//! delivered to the other after `latency`, and time only moves when [`Pair::step`] jumps `now`
//! to the earliest deadline, so a 45 s heartbeat runs in microseconds.
//!
//! Integration tests of this crate include this file with
//! `#[path = "../src/engine_io/session/testing.rs"] mod testing;` next to
//! `use socketio_codec::engine_io;`, so it names everything through `crate::engine_io` and uses
//! only the public API.
//!
//! ```
//! use std::time::Duration;
//! use socketio_codec::engine_io::session::{testing::Pair, ServerConfig};
//! use socketio_codec::engine_io::{ProtocolVersion, TransportKind};
//!
//! let mut pair = Pair::new(
//!     ProtocolVersion::V4, ProtocolVersion::V4, TransportKind::Polling, ServerConfig::default());
//! pair.drive();
//! assert!(pair.client.is_open());
//! pair.run_for(Duration::from_secs(120));
//! assert!(pair.client.is_open() && !pair.server.is_closed());
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::engine_io::session::{
    ClientEvent, ClientSession, ClientTransmit, ConnId, CounterSidGenerator, Frame, Output,
    ServerConfig, ServerEvent, ServerSession, ServerTransmit, WsMessage,
};
use crate::engine_io::{ProtocolVersion, TransportKind};

/// The most deliveries [`Pair::drive`] makes before it declares a livelock.
pub const MAX_ITERATIONS: usize = 100_000;

#[derive(Debug, Clone)]
enum Delivery {
    ToServer(ClientTransmit),
    ToClient(ServerTransmit),
}

/// A client and a server session joined in memory, on a virtual clock.
#[derive(Debug)]
pub struct Pair {
    /// The client.
    pub client: ClientSession,
    /// The server.
    pub server: ServerSession,
    /// The virtual clock's start.
    pub epoch: Instant,
    /// The virtual clock.
    pub now: Instant,
    /// One-way delivery delay.
    pub latency: Duration,
    /// Client events with their time since `epoch`.
    pub client_events: Vec<(Duration, ClientEvent)>,
    /// Server events with their time since `epoch`.
    pub server_events: Vec<(Duration, ServerEvent)>,
    /// A readable trace: `+25000ms s->c ws-text "2"`.
    pub trace: Vec<String>,
    /// Server HTTP responses to requests the client no longer waits for (e.g. a rejected GET).
    pub stray_responses: Vec<ServerTransmit>,
    in_flight: VecDeque<(Instant, Delivery)>,
    client_deadline: Option<Instant>,
    server_deadline: Option<Instant>,
    get: Option<ConnId>,
    post: Option<ConnId>,
    ws: Option<ConnId>,
}

impl Pair {
    /// A client of revision `client_version` opening over `transport` against a server speaking
    /// `server_version`. The handshake request is already on its way.
    pub fn new(
        client_version: ProtocolVersion,
        server_version: ProtocolVersion,
        transport: TransportKind,
        config: ServerConfig,
    ) -> Pair {
        let epoch = Instant::now();
        let mut client = ClientSession::new(client_version, transport, epoch);
        // The first output is the handshake request; the server answers it on creation.
        let _first = client.poll_output();
        let mut sids = CounterSidGenerator::default();
        let server = ServerSession::new(config, server_version, transport, &mut sids, epoch);
        let conn = server.handshake_conn();
        let ws = transport == TransportKind::WebSocket;
        let mut pair = Pair {
            client,
            server,
            epoch,
            now: epoch,
            latency: Duration::ZERO,
            client_events: Vec::new(),
            server_events: Vec::new(),
            trace: Vec::new(),
            stray_responses: Vec::new(),
            in_flight: VecDeque::new(),
            client_deadline: None,
            server_deadline: None,
            get: (!ws).then_some(conn),
            post: None,
            ws: ws.then_some(conn),
        };
        if ws {
            pair.client.handle_ws_open(epoch);
        }
        pair
    }

    /// Time since `epoch`.
    pub fn elapsed(&self) -> Duration {
        self.now - self.epoch
    }

    /// Drains both sides' outputs and delivers every transmit that is due, until nothing moves.
    ///
    /// # Panics
    ///
    /// After [`MAX_ITERATIONS`] rounds (a livelock).
    pub fn drive(&mut self) {
        for _ in 0..MAX_ITERATIONS {
            if !self.pump() {
                return;
            }
        }
        panic!("Pair::drive: no quiescence after {MAX_ITERATIONS} rounds");
    }

    /// [`Pair::drive`], then jumps `now` to the earliest deadline (a delivery or a timer), fires
    /// it and drives again. Returns `false` when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.drive();
        let Some(next) = self.next_event() else {
            return false;
        };
        self.advance_to(next);
        true
    }

    /// Steps until `now` reaches `epoch`-relative `elapsed() + d`, or nothing is left to do.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Steps until `now` reaches `until`, or nothing is left to do.
    pub fn run_until(&mut self, until: Instant) {
        for _ in 0..MAX_ITERATIONS {
            self.drive();
            match self.next_event() {
                Some(next) if next <= until => self.advance_to(next),
                _ => {
                    self.now = self.now.max(until);
                    return;
                }
            }
        }
        panic!("Pair::run_until: too many steps");
    }

    fn next_event(&self) -> Option<Instant> {
        let flight = self.in_flight.iter().map(|(at, _)| *at).min();
        [flight, self.client_deadline, self.server_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    fn advance_to(&mut self, next: Instant) {
        self.now = self.now.max(next);
        if self.client_deadline.is_some_and(|d| d <= self.now) {
            self.client_deadline = None;
            self.client.handle_timeout(self.now);
        }
        if self.server_deadline.is_some_and(|d| d <= self.now) {
            self.server_deadline = None;
            self.server.handle_timeout(self.now);
        }
        self.drive();
    }

    fn pump(&mut self) -> bool {
        let mut moved = false;
        let at = self.now + self.latency;
        loop {
            match self.client.poll_output() {
                Output::Transmit(t) => {
                    self.in_flight.push_back((at, Delivery::ToServer(t)));
                    moved = true;
                }
                Output::Event(e) => {
                    self.client_events.push((self.elapsed(), e));
                    moved = true;
                }
                Output::Timeout(d) => {
                    self.client_deadline = d;
                    break;
                }
            }
        }
        loop {
            match self.server.poll_output() {
                Output::Transmit(t) => {
                    self.in_flight.push_back((at, Delivery::ToClient(t)));
                    moved = true;
                }
                Output::Event(e) => {
                    self.server_events.push((self.elapsed(), e));
                    moved = true;
                }
                Output::Timeout(d) => {
                    self.server_deadline = d;
                    break;
                }
            }
        }
        while let Some(i) = self.in_flight.iter().position(|(t, _)| *t <= self.now) {
            if let Some((_, d)) = self.in_flight.remove(i) {
                self.deliver(d);
                moved = true;
            }
        }
        moved
    }

    fn deliver(&mut self, d: Delivery) {
        let now = self.now;
        let ms = self.elapsed().as_millis();
        match d {
            Delivery::ToServer(t) => {
                self.trace
                    .push(format!("+{ms}ms c->s {}", describe_client(&t)));
                match t {
                    ClientTransmit::PollGet => self.get = Some(self.server.handle_get(now)),
                    ClientTransmit::PollPost(body) => {
                        self.post = Some(self.server.handle_post(body.as_bytes(), now));
                    }
                    ClientTransmit::WsOpen => {
                        let id = self.server.handle_ws_open(now);
                        self.ws = Some(id);
                        self.client.handle_ws_open(now);
                    }
                    ClientTransmit::WsFrame(f) => {
                        if let Some(ws) = self.ws {
                            self.server.handle_ws_message(ws, WsMessage::from(&f), now);
                        }
                    }
                    ClientTransmit::WsClose => {
                        if let Some(ws) = self.ws.take() {
                            self.server.handle_ws_closed(ws, now);
                        }
                    }
                    // Reachable only from outside the crate (the enum is non-exhaustive).
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }
            Delivery::ToClient(t) => {
                self.trace
                    .push(format!("+{ms}ms s->c {}", describe_server(&t)));
                match &t {
                    ServerTransmit::Http { to, body, .. } if Some(*to) == self.get => {
                        self.get = None;
                        self.client.handle_polling_response(body, now);
                    }
                    ServerTransmit::Http { to, .. } if Some(*to) == self.post => {
                        self.post = None;
                        self.client.handle_post_complete(now);
                    }
                    ServerTransmit::Reset { to } if Some(*to) == self.post => {
                        self.post = None;
                        self.client.handle_transport_closed(now);
                    }
                    ServerTransmit::WsFrame { to, frame } if Some(*to) == self.ws => {
                        self.client.handle_ws_message(WsMessage::from(frame), now);
                    }
                    ServerTransmit::WsClose { to } if Some(*to) == self.ws => {
                        self.ws = None;
                        self.client.handle_ws_closed(now);
                    }
                    _ => self.stray_responses.push(t),
                }
            }
        }
    }
}

/// One trace line for a client transmit.
pub fn describe_client(t: &ClientTransmit) -> String {
    match t {
        ClientTransmit::PollGet => "GET".to_owned(),
        ClientTransmit::PollPost(body) => format!("POST {body:?}"),
        ClientTransmit::WsOpen => "ws-open".to_owned(),
        ClientTransmit::WsFrame(f) => describe_frame(f),
        ClientTransmit::WsClose => "ws-close".to_owned(),
        #[allow(unreachable_patterns)]
        _ => format!("{t:?}"),
    }
}

/// One trace line for a server transmit.
pub fn describe_server(t: &ServerTransmit) -> String {
    match t {
        ServerTransmit::Http {
            to, status, body, ..
        } => format!("http#{} {status} {:?}", to.0, String::from_utf8_lossy(body)),
        ServerTransmit::Reset { to } => format!("reset#{}", to.0),
        ServerTransmit::WsFrame { to, frame } => format!("ws#{} {}", to.0, describe_frame(frame)),
        ServerTransmit::WsClose { to } => format!("ws-close#{}", to.0),
        #[allow(unreachable_patterns)]
        _ => format!("{t:?}"),
    }
}

fn describe_frame(f: &Frame) -> String {
    format!("{f:?}")
}
