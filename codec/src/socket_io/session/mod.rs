//! Sans-IO Socket.IO session machines: [`Client`] and [`Server`], one per Engine.IO connection.
//!
//! Both machines sit on top of an abstract Engine.IO connection. They consume and produce
//! Engine.IO *message* payloads ([`EngineMessage`]): a text message holds one Socket.IO packet
//! without the Engine.IO type `4`; a binary message holds one attachment. Whatever carries those
//! messages (an Engine.IO session, a test harness) is the caller's business.
//!
//! # Driving a machine
//!
//! - inputs: `handle_message(msg, now)`, `handle_engine_closed(now)`, and on the server
//!   `handle_timeout(now)`;
//! - commands: `connect`, `emit`, `ack`, `disconnect`, ... (they return a [`SessionError`] when
//!   the caller asks for something the state does not allow);
//! - outputs: [`poll_output`](Server::poll_output) until it returns [`Output::Timeout`], which
//!   means "drained" and carries the next deadline (or `None` when no timer is armed).
//!
//! **Drain after every mutation**: call `poll_output` until `Timeout` after every input or
//! command, and call `handle_timeout` when the returned deadline passes.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use socketio_codec::socket_io::Namespace;
//! use socketio_codec::socket_io::session::{
//!     Client, ClientConfig, EngineMessage, NamespacePolicy, Output, Server, ServerConfig,
//!     ServerEvent,
//! };
//!
//! let now = Instant::now(); // your clock: the machines never read one
//! let mut n = 0;
//! let sids = move |_: &Namespace<'_>| { n += 1; format!("sid-{n}") };
//! let mut server = Server::new(ServerConfig::new(NamespacePolicy::Any), sids, now);
//! let mut client = Client::new(ClientConfig::default());
//! client.connect(Namespace::MAIN, None, now).unwrap();
//!
//! // one pass of the driving loop, with messages handed over directly
//! loop {
//!     let mut idle = true;
//!     loop {
//!         match client.poll_output() {
//!             Output::Transmit(msg) => { server.handle_message(msg, now); idle = false; }
//!             Output::Timeout(_) => break,
//!             _ => {} // events, CloseEngine
//!         }
//!     }
//!     loop {
//!         match server.poll_output() {
//!             Output::Transmit(msg) => { client.handle_message(msg, now); idle = false; }
//!             Output::Event(ServerEvent::ConnectRequest { namespace, .. }) => {
//!                 server.accept(&namespace, now).unwrap();
//!                 idle = false;
//!             }
//!             Output::Timeout(_) => break,
//!             _ => {} // other events, CloseEngine
//!         }
//!     }
//!     if idle { break; }
//! }
//! assert_eq!(client.socket_id(&Namespace::MAIN), Some("sid-1"));
//! ```
//!
//! # Timers
//!
//! Timers are the closed enum [`Timer`]. Only the server has one
//! ([`Timer::ConnectTimeout`]); the client arms none, so its `Timeout` is always `None`.
//!
//! # Scope
//!
//! Protocol revision 5 (socket.io ≥ 3) by default; revision 4 (socket.io 2.x) with
//! `version: ProtocolVersion::V4` in the config, whose differences each machine's docs list.
//! Broadcasts and rooms span several connections and
//! are the caller's business: it holds one [`Server`] per connection and uses
//! [`Server::socket_id`] / [`Server::joined`] to address them.

mod client;
mod server;
mod wire;

use std::time::Instant;

pub use client::{Client, ClientConfig, ClientEvent, ClientNamespaceState};
pub use server::{
    NamespacePolicy, Server, ServerConfig, ServerEvent, ServerNamespaceState, Violation,
};

use super::ack_id::AckId;
use super::error::ApiMisuse;
use super::namespace::Namespace;

/// One Engine.IO message payload, as the machines consume and produce them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineMessage {
    /// A text message: one Socket.IO packet, without the Engine.IO type `4`.
    Text(String),
    /// A binary message: one attachment of a BINARY_EVENT / BINARY_ACK.
    Binary(Vec<u8>),
}

/// What a session machine wants done; drained with `poll_output`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output<E> {
    /// Send this message on the Engine.IO connection, in order.
    Transmit(EngineMessage),
    /// Something the application should know.
    Event(E),
    /// Close the Engine.IO connection. The machine is closed and ignores further input.
    CloseEngine,
    /// Nothing more to do: the machine is drained. Call `handle_timeout` at this deadline;
    /// `None` when no timer is armed.
    Timeout(Option<Instant>),
}

/// The timers of the session machines, named after the spec concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timer {
    /// The server's connect timeout: no namespace joined within it closes the connection.
    ///
    /// Spec: SIO5-NS-010
    ConnectTimeout,
}

/// Why a namespace socket was disconnected, with the reference's strings.
///
/// Spec: SIO5-DISC-007
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The Engine.IO connection closed.
    TransportClose,
    /// The connection was closed by the local side (server `close`, or a state violation).
    ForcedClose,
    /// The peer sent a packet the decoder rejected.
    ParseError,
    /// The server disconnected the namespace socket (DISCONNECT from the server side).
    ServerNamespaceDisconnect,
    /// The client disconnected the namespace socket (DISCONNECT from the client side).
    ClientNamespaceDisconnect,
}

impl DisconnectReason {
    /// The reference's reason string (`"transport close"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TransportClose => "transport close",
            Self::ForcedClose => "forced close",
            Self::ParseError => "parse error",
            Self::ServerNamespaceDisconnect => "server namespace disconnect",
            Self::ClientNamespaceDisconnect => "client namespace disconnect",
        }
    }
}

/// Source of Socket.IO socket ids for the [`Server`]; inject randomness here.
///
/// Revision 5: each id must be fresh and must not be the Engine.IO session id (SIO5-NS-004).
/// Revision 4 has no id on the wire; the reference names sockets `<engine sid>` for `/` and
/// `<namespace>#<engine sid>` otherwise (SIO4-NS-011), which a generator can reproduce from the
/// namespace it is given. Any `FnMut(&Namespace) -> String` is a generator.
pub trait SidGenerator {
    /// A fresh socket id for a socket joining `namespace`.
    fn next_sid(&mut self, namespace: &Namespace<'_>) -> String;
}

impl<F: FnMut(&Namespace<'_>) -> String> SidGenerator for F {
    fn next_sid(&mut self, namespace: &Namespace<'_>) -> String {
        self(namespace)
    }
}

/// The caller asked a session machine for something its state does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The machine is closed (engine closed, protocol error, or `close`).
    Closed,
    /// The namespace is not connected (or, for `accept`/`refuse`, has no pending request).
    NotConnected,
    /// The namespace is already connecting or connected.
    AlreadyConnected,
    /// No received event waits for an acknowledgement with this id.
    UnknownAck(AckId),
    /// The packet could not be built (reserved name, args not an array, binary in JSON, ...).
    Invalid(ApiMisuse),
    /// Not possible in this protocol revision (revision 4: CONNECT for `/`, a CONNECT payload).
    Unsupported,
}

impl SessionError {
    /// The stable kebab-case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Closed => "session-closed",
            Self::NotConnected => "namespace-not-connected",
            Self::AlreadyConnected => "namespace-already-connected",
            Self::UnknownAck(_) => "unknown-ack",
            Self::Invalid(misuse) => misuse.code(),
            Self::Unsupported => "unsupported-in-revision",
        }
    }
}

impl From<ApiMisuse> for SessionError {
    fn from(misuse: ApiMisuse) -> Self {
        Self::Invalid(misuse)
    }
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownAck(id) => write!(f, "no event waits for ack {id} ({})", self.code()),
            Self::Invalid(misuse) => misuse.fmt(f),
            _ => f.write_str(self.code()),
        }
    }
}

impl std::error::Error for SessionError {}
