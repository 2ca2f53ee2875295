//! [`Client`]: the client side of one Engine.IO connection, multiplexing namespaces.
//!
//! Each namespace has its own state ([`ClientNamespaceState`]); *Idle* means "no entry". This
//! file owns every transition:
//!
//! | state | input | action | next |
//! |---|---|---|---|
//! | Idle | `connect` | send CONNECT (auth payload if any) | Connecting |
//! | Idle | `emit`, `ack`, `disconnect` | `Err(NotConnected)` | Idle |
//! | Idle | any packet from the server | dropped (no socket for it) | Idle |
//! | Connecting | `connect` | `Err(AlreadyConnected)` | Connecting |
//! | Connecting | `emit` | encode and **buffer** (ack id assigned now) | Connecting |
//! | Connecting | `ack` | `Err(UnknownAck)` (received events are held back, see below) | Connecting |
//! | Connecting | `disconnect` | nothing sent (as the reference); event `Disconnected` | Idle |
//! | Connecting | CONNECT with a string `sid` | event `Connected`; send the buffered emits; release held events | Connected |
//! | Connecting | CONNECT without `sid` | event `ConnectError` with the payload; drop the buffer | Idle |
//! | Connecting | CONNECT_ERROR | event `ConnectError`; drop the buffer | Idle |
//! | Connecting | EVENT / BINARY_EVENT | held back until `Connected` (recovery replays, SIO5-NS-005) | Connecting |
//! | Connecting | ACK / BINARY_ACK | dropped (nothing was sent yet) | Connecting |
//! | Connecting | DISCONNECT | event `Disconnected(server namespace disconnect)` | Idle |
//! | Connected | `connect` | `Err(AlreadyConnected)` | Connected |
//! | Connected | `emit` | send EVENT / BINARY_EVENT | Connected |
//! | Connected | `ack` | send ACK / BINARY_ACK if that id was received, else `Err(UnknownAck)` | Connected |
//! | Connected | `disconnect` | send DISCONNECT; event `Disconnected(client namespace disconnect)` | Idle |
//! | Connected | CONNECT | dropped | Connected |
//! | Connected | CONNECT_ERROR | event `ConnectError` | Idle |
//! | Connected | EVENT / BINARY_EVENT | event `Event` | Connected |
//! | Connected | ACK for a pending id | event `Ack` | Connected |
//! | Connected | ACK for an unknown or already answered id | **dropped** (SIO5-ACK-006) | Connected |
//! | Connected | DISCONNECT | event `Disconnected(server namespace disconnect)` | Idle |
//! | any | `handle_engine_closed` | event `Disconnected(transport close)` per namespace | closed |
//! | any | decoder error | `ProtocolError`, `Disconnected(parse error)` per namespace, `CloseEngine` | closed |
//!
//! An EVENT without payload (`2`, accepted by the decoder) carries no name and is dropped. Once
//! closed, the machine ignores input and commands answer `Err(Closed)`.
//!
//! A CONNECT answer without `sid` is a failed join in revision 5: the peer is a socket.io 2.x
//! server (SIO4-COMPAT-006).
//!
//! # Revision 4 (`ClientConfig::version = V4`)
//!
//! - `/` starts *Connecting* without sending anything: the server joins it implicitly and
//!   answers `0` (SIO4-NS-001, SIO4-NS-003); `connect` for `/` is `Err(Unsupported)`.
//! - `connect` takes no auth (`Err(Unsupported)`); put a query in the namespace instead
//!   (`/admin?token=1`), which the server strips: the socket is keyed by the path (SIO4-NS-005).
//! - The CONNECT answer has no payload, so `Connected` carries `sid: None` (SIO4-NS-007).
//! - ERROR (type 4) may carry any JSON value (SIO4-PKT-002).
//!
//! Spec: SIO5-NS-001, SIO5-NS-012, SIO5-ACK-001, SIO5-ACK-002

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use super::wire::{self, Incoming};
use super::{DisconnectReason, EngineMessage, Output, SessionError};
use crate::socket_io::{
    AckId, DecodeError, Decoder, EventName, Limits, Namespace, Packet, PacketType, ProtocolVersion,
    Value,
};

/// Configuration of a [`Client`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The protocol revision (default 5).
    pub version: ProtocolVersion,
    /// Decoder limits.
    pub limits: Limits,
}

/// What the [`Client`] tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server accepted the namespace. Spec: SIO5-NS-003
    Connected {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The Socket.IO socket id from the CONNECT answer (`None` in revision 4).
        sid: Option<String>,
    },
    /// The server refused the namespace (or answered CONNECT without a `sid`).
    ConnectError {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The CONNECT_ERROR payload (`{"message":..., "data":...}`), `Null` when absent.
        data: Value,
    },
    /// An event from the server.
    Event {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The event name.
        name: EventName<'static>,
        /// The arguments, an array (binary reconstructed).
        args: Value,
        /// Present when the server asks for an acknowledgement: answer with [`Client::ack`].
        ack_id: Option<AckId>,
    },
    /// The server acknowledged one of our emits.
    Ack {
        /// The namespace.
        namespace: Namespace<'static>,
        /// The id [`Client::emit`] returned.
        id: AckId,
        /// The acknowledgement arguments, an array.
        args: Value,
    },
    /// The namespace socket is gone.
    Disconnected {
        /// The namespace.
        namespace: Namespace<'static>,
        /// Why.
        reason: DisconnectReason,
    },
    /// The server sent something the decoder rejects; the machine closes the connection.
    ProtocolError(DecodeError),
}

/// The state of one namespace on a [`Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientNamespaceState {
    /// Not connected (never, or no longer).
    Idle,
    /// CONNECT sent, answer not yet received.
    Connecting,
    /// Accepted by the server.
    Connected,
}

/// The client side of one Engine.IO connection: namespaces, emits, acks (protocol revision 5).
///
/// Drive it as described in the [module docs](super): feed every Engine.IO message to
/// [`Client::handle_message`], then drain [`Client::poll_output`] until [`Output::Timeout`].
#[derive(Debug)]
pub struct Client {
    version: ProtocolVersion,
    decoder: Decoder,
    sockets: BTreeMap<String, Socket>,
    output: VecDeque<Output<ClientEvent>>,
    closed: bool,
}

#[derive(Debug)]
struct Socket {
    namespace: Namespace<'static>,
    state: State,
    next_ack: u64,
    /// Ids of our emits that wait for the server's ACK.
    awaiting: BTreeSet<AckId>,
    /// Ids of the server's events the application has not acknowledged yet.
    to_ack: BTreeSet<AckId>,
}

#[derive(Debug)]
enum State {
    Connecting {
        outbox: Vec<EngineMessage>,
        held: Vec<ClientEvent>,
    },
    Connected {
        sid: Option<String>,
    },
}

impl Socket {
    fn connecting(namespace: Namespace<'static>) -> Self {
        Socket {
            namespace,
            state: State::Connecting {
                outbox: Vec::new(),
                held: Vec::new(),
            },
            next_ack: 0,
            awaiting: BTreeSet::new(),
            to_ack: BTreeSet::new(),
        }
    }
}

impl Client {
    /// A client with no namespace connected.
    ///
    /// In revision 4 the main namespace starts *Connecting*: the server joins it implicitly.
    pub fn new(config: ClientConfig) -> Self {
        let mut sockets = BTreeMap::new();
        if config.version == ProtocolVersion::V4 {
            sockets.insert("/".to_owned(), Socket::connecting(Namespace::MAIN));
        }
        Self {
            version: config.version,
            decoder: Decoder::new(config.version, config.limits),
            sockets,
            output: VecDeque::new(),
            closed: false,
        }
    }

    /// Asks to join `namespace`, with an optional auth object (a JSON object without binary).
    ///
    /// # Errors
    ///
    /// `Closed`, `AlreadyConnected`, or `Invalid` when `auth` is not a plain JSON object.
    ///
    /// Spec: SIO5-NS-001
    pub fn connect(
        &mut self,
        namespace: Namespace<'_>,
        auth: Option<&Value>,
        _now: Instant,
    ) -> Result<(), SessionError> {
        self.check_open()?;
        let namespace = namespace.into_owned();
        // Revision 4: the query is stripped by the server, so the socket is keyed by the path.
        let key = match self.version {
            ProtocolVersion::V4 => wire::strip_query(&namespace),
            _ => namespace.clone(),
        };
        if self.sockets.contains_key(key.as_str()) {
            return Err(SessionError::AlreadyConnected);
        }
        if self.version == ProtocolVersion::V4 && (auth.is_some() || key.is_main()) {
            return Err(SessionError::Unsupported);
        }
        let auth = auth.map(wire::json_of).transpose()?;
        let packet = Packet::connect(namespace, auth.as_deref())?;
        wire::push_packet(&mut self.output, &packet);
        self.sockets
            .insert(key.as_str().to_owned(), Socket::connecting(key));
        Ok(())
    }

    /// Emits `event(args...)` on `namespace`; `args` is an array and may hold binary (then a
    /// BINARY_EVENT with attachments is sent). Before the CONNECT answer the emit is buffered.
    /// Returns the ack id when `ack` is set; the answer arrives as [`ClientEvent::Ack`].
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected`, or `Invalid` (reserved name, args not an array).
    ///
    /// Spec: SIO5-NS-012, SIO5-ACK-001
    pub fn emit(
        &mut self,
        namespace: &Namespace<'_>,
        event: &str,
        args: &Value,
        ack: bool,
        _now: Instant,
    ) -> Result<Option<AckId>, SessionError> {
        self.check_open()?;
        let socket = self
            .sockets
            .get_mut(namespace.as_str())
            .ok_or(SessionError::NotConnected)?;
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
        match &mut socket.state {
            State::Connecting { outbox, .. } => outbox.extend(messages),
            State::Connected { .. } => wire::push_messages(&mut self.output, messages),
        }
        Ok(ack_id)
    }

    /// Acknowledges the server's event `id` on `namespace` with `args` (an array, may hold
    /// binary).
    ///
    /// # Errors
    ///
    /// `Closed`, `NotConnected`, `UnknownAck` (no such event, or already acknowledged), or
    /// `Invalid`.
    ///
    /// Spec: SIO5-ACK-002
    pub fn ack(
        &mut self,
        namespace: &Namespace<'_>,
        id: AckId,
        args: &Value,
        _now: Instant,
    ) -> Result<(), SessionError> {
        self.check_open()?;
        let socket = self
            .sockets
            .get_mut(namespace.as_str())
            .ok_or(SessionError::NotConnected)?;
        if !matches!(socket.state, State::Connected { .. }) || !socket.to_ack.contains(&id) {
            return Err(SessionError::UnknownAck(id));
        }
        let messages = wire::ack_messages(namespace, id, args)?;
        socket.to_ack.remove(&id);
        wire::push_messages(&mut self.output, messages);
        Ok(())
    }

    /// Leaves `namespace`: sends DISCONNECT when connected (nothing while still connecting, as
    /// the reference client) and reports [`ClientEvent::Disconnected`].
    ///
    /// # Errors
    ///
    /// `Closed` or `NotConnected`.
    pub fn disconnect(
        &mut self,
        namespace: &Namespace<'_>,
        _now: Instant,
    ) -> Result<(), SessionError> {
        self.check_open()?;
        let Socket {
            namespace, state, ..
        } = self
            .sockets
            .remove(namespace.as_str())
            .ok_or(SessionError::NotConnected)?;
        if matches!(state, State::Connected { .. }) {
            wire::push_packet(&mut self.output, &Packet::disconnect(namespace.clone()));
        }
        self.output
            .push_back(Output::Event(ClientEvent::Disconnected {
                namespace,
                reason: DisconnectReason::ClientNamespaceDisconnect,
            }));
        Ok(())
    }

    /// Feeds one Engine.IO message from the server.
    pub fn handle_message(&mut self, message: EngineMessage, _now: Instant) {
        if self.closed {
            return;
        }
        match wire::decode(&mut self.decoder, message) {
            Ok(None) => {}
            Ok(Some(incoming)) => self.on_packet(incoming),
            Err(error) => {
                self.output
                    .push_back(Output::Event(ClientEvent::ProtocolError(error)));
                self.close_all(DisconnectReason::ParseError);
                self.output.push_back(Output::CloseEngine);
            }
        }
    }

    /// The Engine.IO connection closed: every namespace is disconnected (`transport close`).
    pub fn handle_engine_closed(&mut self, _now: Instant) {
        if !self.closed {
            self.close_all(DisconnectReason::TransportClose);
        }
    }

    /// The next output; [`Output::Timeout`] (always `None` here) when drained.
    pub fn poll_output(&mut self) -> Output<ClientEvent> {
        self.output.pop_front().unwrap_or(Output::Timeout(None))
    }

    /// The state of `namespace`.
    pub fn namespace_state(&self, namespace: &Namespace<'_>) -> ClientNamespaceState {
        match self.sockets.get(namespace.as_str()).map(|s| &s.state) {
            None => ClientNamespaceState::Idle,
            Some(State::Connecting { .. }) => ClientNamespaceState::Connecting,
            Some(State::Connected { .. }) => ClientNamespaceState::Connected,
        }
    }

    /// The socket id the server gave `namespace`, once connected.
    pub fn socket_id(&self, namespace: &Namespace<'_>) -> Option<&str> {
        match &self.sockets.get(namespace.as_str())?.state {
            State::Connected { sid } => sid.as_deref(),
            State::Connecting { .. } => None,
        }
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

    fn close_all(&mut self, reason: DisconnectReason) {
        self.closed = true;
        for socket in std::mem::take(&mut self.sockets).into_values() {
            self.output
                .push_back(Output::Event(ClientEvent::Disconnected {
                    namespace: socket.namespace,
                    reason,
                }));
        }
    }

    fn on_packet(&mut self, incoming: Incoming) {
        let Incoming {
            kind,
            namespace,
            ack_id,
            data,
        } = incoming;
        let out = &mut self.output;
        let Some(socket) = self.sockets.get_mut(namespace.as_str()) else {
            return; // no socket for this namespace: dropped
        };
        match kind {
            PacketType::Connect => {
                let State::Connecting { outbox, held } = &mut socket.state else {
                    return; // a second CONNECT answer: dropped
                };
                let sid = data
                    .as_ref()
                    .and_then(|d| d.get("sid"))
                    .and_then(Value::as_str);
                let sid = match self.version {
                    ProtocolVersion::V4 => Some(None),
                    _ => sid.map(|s| Some(s.to_owned())),
                };
                let Some(sid) = sid else {
                    self.sockets.remove(namespace.as_str());
                    push(
                        out,
                        ClientEvent::ConnectError {
                            namespace,
                            data: data.unwrap_or_default(),
                        },
                    );
                    return;
                };
                let outbox = std::mem::take(outbox);
                let held = std::mem::take(held);
                socket.state = State::Connected { sid: sid.clone() };
                push(out, ClientEvent::Connected { namespace, sid });
                wire::push_messages(out, outbox);
                out.extend(held.into_iter().map(Output::Event));
            }
            PacketType::ConnectError => {
                self.sockets.remove(namespace.as_str());
                push(
                    out,
                    ClientEvent::ConnectError {
                        namespace,
                        data: data.unwrap_or_default(),
                    },
                );
            }
            PacketType::Disconnect => {
                self.sockets.remove(namespace.as_str());
                push(
                    out,
                    ClientEvent::Disconnected {
                        namespace,
                        reason: DisconnectReason::ServerNamespaceDisconnect,
                    },
                );
            }
            PacketType::Event => {
                let Some((name, args)) = wire::split_event(data) else {
                    return;
                };
                if let Some(id) = ack_id {
                    socket.to_ack.insert(id);
                }
                let event = ClientEvent::Event {
                    namespace,
                    name,
                    args,
                    ack_id,
                };
                match &mut socket.state {
                    State::Connecting { held, .. } => held.push(event),
                    State::Connected { .. } => push(out, event),
                }
            }
            _ => {
                // ACK (binary folded in by the decoder helper)
                let connected = matches!(socket.state, State::Connected { .. });
                if let Some(id) = ack_id
                    && connected
                    && socket.awaiting.remove(&id)
                {
                    push(
                        out,
                        ClientEvent::Ack {
                            namespace,
                            id,
                            args: wire::ack_args(data),
                        },
                    );
                }
            }
        }
    }
}

fn push(out: &mut VecDeque<Output<ClientEvent>>, event: ClientEvent) {
    out.push_back(Output::Event(event));
}
