//! [`Server`]: the Socket.IO side of one Engine.IO connection on the server.
//!
//! Each namespace has its own state ([`ServerNamespaceState`]); *Idle* means "no entry" (never
//! joined, refused, or left). This file owns every transition. The strictness is the reference
//! server's (socket.io ≥ 4.5): each "violation" below reports [`ServerEvent::ProtocolViolation`],
//! disconnects every joined namespace and outputs [`Output::CloseEngine`].
//!
//! | state | input | action | next |
//! |---|---|---|---|
//! | Idle | CONNECT, namespace served | event `ConnectRequest` (auth, `{}` when absent) | Pending |
//! | Idle | CONNECT, namespace not served | send CONNECT_ERROR `{"message":"Invalid namespace"}` | Idle |
//! | Idle | EVENT / ACK / DISCONNECT | violation `NotJoined` | closed |
//! | Idle | `accept` / `refuse` / `emit` / `ack` / `disconnect` | `Err(NotConnected)` | Idle |
//! | Pending | `accept` | send CONNECT `{"sid":…}` (fresh id from the [`SidGenerator`]) | Joined |
//! | Pending | `refuse` | send CONNECT_ERROR `{"message", "data"?}` | Idle |
//! | Pending | CONNECT | violation `DuplicateConnect` | closed |
//! | Pending | EVENT / ACK / DISCONNECT | violation `NotJoined` (the reference's batching race) | closed |
//! | Pending | `emit` / `ack` / `disconnect` | `Err(NotConnected)` | Pending |
//! | Joined | CONNECT | violation `DuplicateConnect` | closed |
//! | Joined | EVENT / BINARY_EVENT | event `Event` | Joined |
//! | Joined | ACK for a pending id | event `Ack` | Joined |
//! | Joined | ACK for an unknown or answered id | ignored | Joined |
//! | Joined | DISCONNECT | event `Disconnected(client namespace disconnect)`, nothing sent | Idle |
//! | Joined | `emit` / `ack` | send EVENT / ACK (binary: with attachments) | Joined |
//! | Joined | `disconnect` | send DISCONNECT; event `Disconnected(server namespace disconnect)` | Idle |
//! | Joined | `accept` / `refuse` | `Err(AlreadyConnected)` | Joined |
//! | any | CONNECT_ERROR | violation `ConnectErrorFromClient` | closed |
//! | any | decoder error (also empty message, reserved name) | violation `Decode` | closed |
//! | any | `close` | DISCONNECT per joined namespace, `CloseEngine` | closed |
//! | any | `handle_engine_closed` | event `Disconnected(transport close)` per joined namespace | closed |
//! | — | [`Timer::ConnectTimeout`] with no namespace Joined | event `ConnectTimeout`, `CloseEngine` | closed |
//!
//! Deliberately the reference's behaviour rather than SIO5-NS-013 (a SHOULD): an EVENT that
//! arrives before the application answered the CONNECT closes the connection.
//!
//! The connect timer is armed at [`Server::new`] and fires once; as in the reference, it checks
//! whether a namespace is joined *at the deadline*. An EVENT without payload (`2`) is dropped.
//!
//! # Revision 4 (`ServerConfig::version = V4`, socket.io 2.x behaviour)
//!
//! - [`Server::new`] reports a `ConnectRequest` for `/` at once (implicit join, SIO4-NS-001);
//!   `accept` answers `0` without payload (SIO4-NS-002, SIO4-NS-007). No connect timer.
//! - A CONNECT's query is stripped from the namespace and reported as `query` (SIO4-NS-006).
//! - `refuse` sends ERROR with `data` when given, else the message string (SIO4-NS-008); an
//!   unknown namespace gets `"Invalid namespace"` (SIO4-NS-009).
//! - Packets for a namespace not joined, CONNECT for `/` or a joined namespace, and a client
//!   ERROR are ignored, not fatal (SIO4-NS-010). Decoder errors still close (SIO4-VAL-002).
//! - A CONNECT for another namespace that arrives while `/` is still *Pending* is held back
//!   and processed once `accept` / `refuse` answered `/` (SIO4-NS-012).
//!
//! Spec: SIO5-NS-002, SIO5-NS-003, SIO5-NS-006, SIO5-NS-007, SIO5-NS-008, SIO5-NS-009,
//! SIO5-NS-010, SIO5-STATE-001, SIO5-STATE-002, SIO5-STATE-003, SIO5-STATE-004,
//! SIO5-STATE-005, SIO5-STATE-006, SIO5-ACK-004, SIO5-ACK-005, SIO5-DISC-001, SIO5-DISC-003,
//! SIO5-DISC-005

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use super::wire::{self, Incoming};
use super::{DisconnectReason, EngineMessage, Output, SessionError, SidGenerator, Timer};
use crate::socket_io::{
    AckId, DecodeError, Decoder, EventName, Limits, Namespace, Packet, PacketType, ProtocolVersion,
    Value,
};

/// Which namespaces the server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NamespacePolicy {
    /// Only these; a CONNECT for another gets `{"message":"Invalid namespace"}` (SIO5-NS-006).
    Only(Vec<Namespace<'static>>),
    /// Every namespace: the application answers each request (and may refuse it).
    Any,
}

impl NamespacePolicy {
    fn serves(&self, namespace: &Namespace<'_>) -> bool {
        match self {
            Self::Only(list) => list.iter().any(|n| n.as_str() == namespace.as_str()),
            Self::Any => true,
        }
    }
}

/// Configuration of a [`Server`] session.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The namespaces served.
    pub namespaces: NamespacePolicy,
    /// No namespace joined within this time after [`Server::new`] closes the connection
    /// (reference default 45 s). Spec: SIO5-NS-010
    pub connect_timeout: Duration,
    /// The protocol revision (default 5).
    pub version: ProtocolVersion,
    /// Decoder limits.
    pub limits: Limits,
}

impl ServerConfig {
    /// A configuration with the reference defaults (45 s connect timeout).
    pub fn new(namespaces: NamespacePolicy) -> Self {
        Self {
            namespaces,
            connect_timeout: Duration::from_secs(45),
            version: ProtocolVersion::V5,
            limits: Limits::default(),
        }
    }

    /// This configuration with another protocol revision.
    pub fn with_version(mut self, version: ProtocolVersion) -> Self {
        self.version = version;
        self
    }

    /// This configuration with another connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// What the [`Server`] tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// The client asks to join: answer with [`Server::accept`] or [`Server::refuse`].
    ConnectRequest {
        /// The namespace, as the client wrote it.
        namespace: Namespace<'static>,
        /// The CONNECT payload, or `{}` when absent (SIO5-NS-002).
        auth: Value,
        /// Revision 4: the query string written after the namespace (`token=1`), if any.
        query: Option<String>,
    },
    /// An event from a joined namespace.
    Event {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The socket id of that namespace on this connection.
        socket_id: String,
        /// The event name.
        name: EventName<'static>,
        /// The arguments, an array (binary reconstructed).
        args: Value,
        /// Present when the client asks for an acknowledgement: answer with [`Server::ack`].
        ack_id: Option<AckId>,
    },
    /// The client acknowledged one of our emits.
    Ack {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The socket id.
        socket_id: String,
        /// The id [`Server::emit`] returned.
        id: AckId,
        /// The acknowledgement arguments, an array.
        args: Value,
    },
    /// A joined namespace socket is gone.
    Disconnected {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The socket id.
        socket_id: String,
        /// Why. Spec: SIO5-DISC-007
        reason: DisconnectReason,
    },
    /// The client broke a rule; the machine closes the connection (`CloseEngine` follows).
    ProtocolViolation(Violation),
    /// No namespace was joined within the connect timeout (`CloseEngine` follows).
    ConnectTimeout,
}

/// A rule the client broke; each closes the Engine.IO connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The decoder rejected a message (including an empty one and a reserved event name).
    ///
    /// Spec: SIO5-STATE-006, SIO5-RSV-002
    Decode(DecodeError),
    /// A packet other than CONNECT for a namespace not joined (or not yet, or no longer).
    ///
    /// Spec: SIO5-STATE-001, SIO5-STATE-002
    NotJoined {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The packet type (binary types folded into EVENT / ACK).
        kind: PacketType,
    },
    /// A CONNECT for a namespace already joined or pending.
    ///
    /// Spec: SIO5-STATE-003, SIO5-STATE-004
    DuplicateConnect(Namespace<'static>),
    /// The client sent a CONNECT_ERROR.
    ///
    /// Spec: SIO5-STATE-005
    ConnectErrorFromClient(Namespace<'static>),
}

impl Violation {
    /// The stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Decode(error) => error.code(),
            Self::NotJoined { .. } => "packet-for-unjoined-namespace",
            Self::DuplicateConnect(_) => "duplicate-connect",
            Self::ConnectErrorFromClient(_) => "connect-error-from-client",
        }
    }
}

/// The state of one namespace on a [`Server`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerNamespaceState {
    /// Not joined.
    Idle,
    /// CONNECT received and reported; the application has not answered yet.
    Pending,
    /// Joined.
    Joined,
}

/// The server side of one Engine.IO connection (protocol revision 5).
///
/// Drive it as described in the [module docs](super): feed every Engine.IO message to
/// [`Server::handle_message`], call [`Server::handle_timeout`] at the deadline of
/// [`Output::Timeout`], and drain [`Server::poll_output`] after every call.
#[derive(Debug)]
pub struct Server<G> {
    config: ServerConfig,
    sids: G,
    decoder: Decoder,
    sockets: BTreeMap<String, Socket>,
    output: VecDeque<Output<ServerEvent>>,
    connect_deadline: Option<Instant>,
    last_timeout: Option<Timer>,
    closed: bool,
    /// Revision 4: CONNECTs held back until `/` is answered (SIO4-NS-012).
    held: Vec<Incoming>,
}

#[derive(Debug)]
struct Socket {
    namespace: Namespace<'static>,
    state: State,
    next_ack: u64,
    awaiting: BTreeSet<AckId>,
    to_ack: BTreeSet<AckId>,
}

#[derive(Debug)]
enum State {
    Pending,
    Joined { sid: String },
}

impl<G: SidGenerator> Server<G> {
    /// A session for a freshly opened Engine.IO connection; arms the connect timer at
    /// `now + config.connect_timeout`.
    ///
    /// Revision 4: no timer; reports the implicit `ConnectRequest` for `/` instead.
    pub fn new(config: ServerConfig, sids: G, now: Instant) -> Self {
        let v4 = config.version == ProtocolVersion::V4;
        let deadline = if v4 {
            None
        } else {
            now.checked_add(config.connect_timeout)
        };
        let mut server = Self {
            decoder: Decoder::new(config.version, config.limits.clone()),
            config,
            sids,
            sockets: BTreeMap::new(),
            output: VecDeque::new(),
            connect_deadline: deadline,
            last_timeout: None,
            closed: false,
            held: Vec::new(),
        };
        if v4 {
            server.request(Namespace::MAIN, Value::Object(Vec::new()), None);
        }
        server
    }

    /// Accepts the pending request for `namespace`: sends CONNECT `{"sid":…}` with a fresh id,
    /// which is returned.
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected` (no pending request), `AlreadyConnected`.
    ///
    /// Spec: SIO5-NS-003, SIO5-NS-004
    pub fn accept(
        &mut self,
        namespace: &Namespace<'_>,
        _now: Instant,
    ) -> Result<String, SessionError> {
        let socket = self.socket_mut(namespace)?;
        if !matches!(socket.state, State::Pending) {
            return Err(SessionError::AlreadyConnected);
        }
        let sid = self.sids.next_sid(namespace);
        let payload = match self.config.version {
            ProtocolVersion::V4 => None,
            _ => Some(wire::json_of(&Value::Object(vec![(
                "sid".to_owned(),
                Value::String(sid.clone()),
            )]))?),
        };
        let socket = self.socket_mut(namespace)?;
        socket.state = State::Joined { sid: sid.clone() };
        let packet = Packet::connect(socket.namespace.clone(), payload.as_deref())?;
        wire::push_packet(&mut self.output, &packet);
        if namespace.is_main() {
            self.release_held();
        }
        Ok(sid)
    }

    /// Refuses the pending request for `namespace`: sends CONNECT_ERROR
    /// `{"message":message,"data":data}` (`data` left out when `None`). The connection stays open.
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected`, `AlreadyConnected`, `Invalid` (binary in `data`).
    ///
    /// Spec: SIO5-NS-007, SIO5-NS-008
    pub fn refuse(
        &mut self,
        namespace: &Namespace<'_>,
        message: &str,
        data: Option<&Value>,
        _now: Instant,
    ) -> Result<(), SessionError> {
        let socket = self.socket_mut(namespace)?;
        if !matches!(socket.state, State::Pending) {
            return Err(SessionError::AlreadyConnected);
        }
        let payload = match (self.config.version, data) {
            (ProtocolVersion::V4, Some(data)) => data.clone(),
            (ProtocolVersion::V4, None) => Value::String(message.to_owned()),
            (_, data) => {
                let mut members = vec![("message".to_owned(), Value::String(message.to_owned()))];
                if let Some(data) = data {
                    members.push(("data".to_owned(), data.clone()));
                }
                Value::Object(members)
            }
        };
        let payload = wire::json_of(&payload)?;
        self.push_connect_error(namespace.clone(), &payload);
        self.sockets.remove(namespace.as_str());
        if namespace.is_main() {
            self.release_held();
        }
        Ok(())
    }

    /// Emits `event(args...)` to the joined `namespace`; `args` is an array and may hold binary.
    /// Returns the ack id when `ack` is set; the answer arrives as [`ServerEvent::Ack`].
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected`, `Invalid` (reserved name, args not an array).
    ///
    /// Spec: SIO5-EVT-001, SIO5-EVT-005, SIO5-RSV-001
    pub fn emit(
        &mut self,
        namespace: &Namespace<'_>,
        event: &str,
        args: &Value,
        ack: bool,
        _now: Instant,
    ) -> Result<Option<AckId>, SessionError> {
        let socket = self.joined_mut(namespace)?;
        let ack_id = if ack {
            Some(AckId::new(socket.next_ack)?)
        } else {
            None
        };
        let messages = wire::event_messages(namespace, event, args, ack_id)?;
        if let Some(id) = ack_id {
            socket.next_ack += 1;
            socket.awaiting.insert(id);
        }
        wire::push_messages(&mut self.output, messages);
        Ok(ack_id)
    }

    /// Acknowledges the client's event `id` on `namespace` with `args` (an array, may hold
    /// binary).
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected`, `UnknownAck`, `Invalid`.
    ///
    /// Spec: SIO5-ACK-002, SIO5-ACK-003
    pub fn ack(
        &mut self,
        namespace: &Namespace<'_>,
        id: AckId,
        args: &Value,
        _now: Instant,
    ) -> Result<(), SessionError> {
        let socket = self.joined_mut(namespace)?;
        if !socket.to_ack.contains(&id) {
            return Err(SessionError::UnknownAck(id));
        }
        let messages = wire::ack_messages(namespace, id, args)?;
        socket.to_ack.remove(&id);
        wire::push_messages(&mut self.output, messages);
        Ok(())
    }

    /// Disconnects the joined `namespace` socket: sends DISCONNECT; the connection stays open.
    ///
    /// # Errors
    ///
    /// `Closed` or `NotConnected`.
    ///
    /// Spec: SIO5-DISC-003, SIO5-DISC-004, SIO5-DISC-006
    pub fn disconnect(
        &mut self,
        namespace: &Namespace<'_>,
        _now: Instant,
    ) -> Result<(), SessionError> {
        self.joined_mut(namespace)?;
        if let Some(socket) = self.sockets.remove(namespace.as_str()) {
            self.leave(socket, DisconnectReason::ServerNamespaceDisconnect, true);
        }
        Ok(())
    }

    /// Closes the connection: DISCONNECT for every joined namespace, then `CloseEngine`.
    ///
    /// # Errors
    ///
    /// `Closed` when already closed.
    ///
    /// Spec: SIO5-DISC-005
    pub fn close(&mut self, _now: Instant) -> Result<(), SessionError> {
        self.check_open()?;
        self.shut(DisconnectReason::ForcedClose, true);
        self.output.push_back(Output::CloseEngine);
        Ok(())
    }

    /// Feeds one Engine.IO message from the client.
    pub fn handle_message(&mut self, message: EngineMessage, _now: Instant) {
        if self.closed {
            return;
        }
        match wire::decode(&mut self.decoder, message) {
            Ok(None) => {}
            Ok(Some(incoming)) => self.on_packet(incoming),
            Err(error) => self.violate(Violation::Decode(error)),
        }
    }

    /// The Engine.IO connection closed: every joined namespace is disconnected.
    pub fn handle_engine_closed(&mut self, _now: Instant) {
        if !self.closed {
            self.shut(DisconnectReason::TransportClose, false);
        }
    }

    /// Fires the timers whose deadline is at or before `now`.
    ///
    /// Spec: SIO5-NS-010
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        let Some(deadline) = self.connect_deadline else {
            return;
        };
        if now < deadline {
            return;
        }
        self.connect_deadline = None;
        self.last_timeout = Some(Timer::ConnectTimeout);
        let joined = self
            .sockets
            .values()
            .any(|s| matches!(s.state, State::Joined { .. }));
        if !joined {
            self.output
                .push_back(Output::Event(ServerEvent::ConnectTimeout));
            self.shut(DisconnectReason::ForcedClose, false);
            self.output.push_back(Output::CloseEngine);
        }
    }

    /// The next output; [`Output::Timeout`] with the next deadline when drained.
    pub fn poll_output(&mut self) -> Output<ServerEvent> {
        self.output
            .pop_front()
            .unwrap_or(Output::Timeout(self.connect_deadline))
    }

    /// The timer that fired last, for debugging.
    pub fn last_timeout_reason(&self) -> Option<Timer> {
        self.last_timeout
    }

    /// The state of `namespace`.
    pub fn namespace_state(&self, namespace: &Namespace<'_>) -> ServerNamespaceState {
        match self.sockets.get(namespace.as_str()).map(|s| &s.state) {
            None => ServerNamespaceState::Idle,
            Some(State::Pending) => ServerNamespaceState::Pending,
            Some(State::Joined { .. }) => ServerNamespaceState::Joined,
        }
    }

    /// The socket id of the joined `namespace`.
    pub fn socket_id(&self, namespace: &Namespace<'_>) -> Option<&str> {
        match &self.sockets.get(namespace.as_str())?.state {
            State::Joined { sid } => Some(sid),
            State::Pending => None,
        }
    }

    /// The joined namespaces with their socket ids.
    pub fn joined(&self) -> impl Iterator<Item = (&Namespace<'static>, &str)> {
        self.sockets.values().filter_map(|s| match &s.state {
            State::Joined { sid } => Some((&s.namespace, sid.as_str())),
            State::Pending => None,
        })
    }

    /// Whether the machine is closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn check_open(&self) -> Result<(), SessionError> {
        if self.closed {
            Err(SessionError::Closed)
        } else {
            Ok(())
        }
    }

    fn socket_mut(&mut self, namespace: &Namespace<'_>) -> Result<&mut Socket, SessionError> {
        self.check_open()?;
        self.sockets
            .get_mut(namespace.as_str())
            .ok_or(SessionError::NotConnected)
    }

    fn joined_mut(&mut self, namespace: &Namespace<'_>) -> Result<&mut Socket, SessionError> {
        let socket = self.socket_mut(namespace)?;
        match socket.state {
            State::Joined { .. } => Ok(socket),
            State::Pending => Err(SessionError::NotConnected),
        }
    }

    /// Reports a left socket (and sends DISCONNECT when `send`).
    fn leave(&mut self, socket: Socket, reason: DisconnectReason, send: bool) {
        let State::Joined { sid } = socket.state else {
            return;
        };
        if send {
            wire::push_packet(
                &mut self.output,
                &Packet::disconnect(socket.namespace.clone()),
            );
        }
        self.output
            .push_back(Output::Event(ServerEvent::Disconnected {
                namespace: socket.namespace,
                socket_id: sid,
                reason,
            }));
    }

    /// Leaves every namespace and closes the machine (without `CloseEngine`).
    fn shut(&mut self, reason: DisconnectReason, send: bool) {
        self.closed = true;
        self.connect_deadline = None;
        for socket in std::mem::take(&mut self.sockets).into_values() {
            self.leave(socket, reason, send);
        }
    }

    fn violate(&mut self, violation: Violation) {
        let reason = match violation {
            Violation::Decode(_) => DisconnectReason::ParseError,
            _ => DisconnectReason::ForcedClose,
        };
        self.output
            .push_back(Output::Event(ServerEvent::ProtocolViolation(violation)));
        self.shut(reason, false);
        self.output.push_back(Output::CloseEngine);
    }

    fn push_connect_error(&mut self, namespace: Namespace<'_>, payload: &RawValue) {
        // Built directly: revision 4 allows any JSON value (SIO4-PKT-002).
        let packet = Packet {
            kind: PacketType::ConnectError,
            namespace,
            ack_id: None,
            attachments: None,
            data: Some(Cow::Borrowed(payload)),
        };
        wire::push_packet(&mut self.output, &packet);
    }

    fn request(&mut self, namespace: Namespace<'static>, auth: Value, query: Option<String>) {
        self.sockets.insert(
            namespace.as_str().to_owned(),
            Socket {
                namespace: namespace.clone(),
                state: State::Pending,
                next_ack: 0,
                awaiting: BTreeSet::new(),
                to_ack: BTreeSet::new(),
            },
        );
        self.output
            .push_back(Output::Event(ServerEvent::ConnectRequest {
                namespace,
                auth,
                query,
            }));
    }

    /// Revision 4: CONNECT with the query stripped, and no packet is fatal. Returns the
    /// packet when it is an EVENT / ACK / DISCONNECT for a joined namespace.
    fn on_packet_v4(&mut self, incoming: Incoming) -> Option<Incoming> {
        let joined = matches!(
            self.sockets
                .get(incoming.namespace.as_str())
                .map(|s| &s.state),
            Some(State::Joined { .. })
        );
        match incoming.kind {
            PacketType::Connect => {
                let path = wire::strip_query(&incoming.namespace);
                let query = incoming
                    .namespace
                    .as_str()
                    .split_once('?')
                    .map(|(_, q)| q.to_owned());
                if path.is_main() || self.sockets.contains_key(path.as_str()) {
                    return None;
                }
                if matches!(
                    self.sockets.get("/").map(|s| &s.state),
                    Some(State::Pending)
                ) {
                    self.held.push(incoming);
                    return None;
                }
                if !self.config.namespaces.serves(&path) {
                    // Spec: SIO4-NS-009
                    if let Ok(payload) = RawValue::from_string(r#""Invalid namespace""#.to_owned())
                    {
                        self.push_connect_error(path, &payload);
                    }
                    return None;
                }
                self.request(path, Value::Object(Vec::new()), query);
                None
            }
            PacketType::ConnectError => None,
            _ => joined.then_some(incoming),
        }
    }

    fn release_held(&mut self) {
        for incoming in std::mem::take(&mut self.held) {
            if self.closed {
                break;
            }
            self.on_packet(incoming);
        }
    }

    fn on_packet(&mut self, incoming: Incoming) {
        let incoming = if self.config.version == ProtocolVersion::V4 {
            match self.on_packet_v4(incoming) {
                Some(incoming) => incoming,
                None => return,
            }
        } else {
            incoming
        };
        let Incoming {
            kind,
            namespace,
            ack_id,
            data,
        } = incoming;
        if kind == PacketType::ConnectError {
            return self.violate(Violation::ConnectErrorFromClient(namespace));
        }
        let socket = self.sockets.get_mut(namespace.as_str());
        if kind == PacketType::Connect {
            if socket.is_some() {
                return self.violate(Violation::DuplicateConnect(namespace));
            }
            if !self.config.namespaces.serves(&namespace) {
                // Spec: SIO5-NS-006 — addressed to the namespace exactly as written.
                let payload = r#"{"message":"Invalid namespace"}"#;
                if let Ok(payload) = RawValue::from_string(payload.to_owned()) {
                    self.push_connect_error(namespace, &payload);
                }
                return;
            }
            self.request(namespace, data.unwrap_or(Value::Object(Vec::new())), None);
            return;
        }
        let Some(socket) = socket else {
            return self.violate(Violation::NotJoined { namespace, kind });
        };
        let State::Joined { sid } = &socket.state else {
            return self.violate(Violation::NotJoined { namespace, kind });
        };
        let socket_id = sid.clone();
        match kind {
            PacketType::Disconnect => {
                if let Some(socket) = self.sockets.remove(namespace.as_str()) {
                    self.leave(socket, DisconnectReason::ClientNamespaceDisconnect, false);
                }
            }
            PacketType::Event => {
                let Some((name, args)) = wire::split_event(data) else {
                    return;
                };
                if let Some(id) = ack_id {
                    socket.to_ack.insert(id);
                }
                self.output.push_back(Output::Event(ServerEvent::Event {
                    namespace,
                    socket_id,
                    name,
                    args,
                    ack_id,
                }));
            }
            _ => {
                // ACK: ignored unless pending (SIO5-ACK-004, SIO5-ACK-005)
                if let Some(id) = ack_id
                    && socket.awaiting.remove(&id)
                {
                    self.output.push_back(Output::Event(ServerEvent::Ack {
                        namespace,
                        socket_id,
                        id,
                        args: wire::ack_args(data),
                    }));
                }
            }
        }
    }
}
