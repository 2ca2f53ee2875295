//! Sans-IO Engine.IO session state machines: [`ClientSession`] and [`ServerSession`].
//!
//! Each machine owns the protocol rules of one session (handshake, heartbeat, long-polling
//! concurrency, the polling → WebSocket upgrade and close) and nothing else: it never reads a
//! clock, never touches a socket and never draws randomness. Time enters as `now: Instant`
//! arguments and session ids come from an injected [`SidGenerator`].
//!
//! Both machines follow the same driving loop:
//!
//! 1. feed every input through a `handle_*(…, now)` method (or a command such as
//!    `send_message`);
//! 2. after **every** such call, drain [`poll_output`](ClientSession::poll_output) until it
//!    returns [`Output::Timeout`]: perform each [`Output::Transmit`], deliver each
//!    [`Output::Event`];
//! 3. `Timeout(Some(at))` is the next deadline: call `handle_timeout(at)` when the clock reaches
//!    it (`Timeout(None)`: no timer is armed, the session only reacts to input).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use socketio_codec::engine_io::session::{
//!     ClientSession, ClientTransmit, Output, ServerConfig, ServerSession, ServerTransmit,
//!     CounterSidGenerator,
//! };
//! use socketio_codec::engine_io::{ProtocolVersion, TransportKind};
//!
//! let now = Instant::now();
//! let mut ids = CounterSidGenerator::default();
//! let mut server = ServerSession::new(
//!     ServerConfig::default(), ProtocolVersion::V4, TransportKind::Polling, &mut ids, now);
//! let mut client = ClientSession::new(ProtocolVersion::V4, TransportKind::Polling, now);
//! // The client asks for the handshake GET; the server answers it.
//! assert!(matches!(client.poll_output(), Output::Transmit(ClientTransmit::PollGet)));
//! let body = match server.poll_output() {
//!     Output::Transmit(ServerTransmit::Http { body, .. }) => body,
//!     other => panic!("{other:?}"),
//! };
//! client.handle_polling_response(&body, now);
//! while let Output::Transmit(_) | Output::Event(_) = client.poll_output() {}
//! assert!(client.is_open());
//! // The next wake-up is the v4 client's heartbeat deadline.
//! assert_eq!(client.poll_output(), Output::Timeout(Some(now + Duration::from_millis(45_000))));
//! ```

mod client;
mod server;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timer;

use std::fmt;
use std::time::Instant;

pub use client::{ClientEvent, ClientSession, ClientState, ClientTransmit};
pub use server::{
    ConnId, CounterSidGenerator, ServerConfig, ServerEvent, ServerSession, ServerState,
    ServerTransmit, SidGenerator,
};
pub use timer::{Timer, Timers};

use super::{FrameKind, Packet, PacketData, ProtocolVersion};

/// What a session asks its driver to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<T, E> {
    /// Something to put on the wire.
    Transmit(T),
    /// Something to tell the application.
    Event(E),
    /// Drained. The next deadline, if a timer is armed.
    Timeout(Option<Instant>),
}

/// Application data carried by an Engine.IO message packet `4`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// Text data.
    Text(String),
    /// Binary data.
    Binary(Vec<u8>),
}

impl Message {
    pub(crate) fn to_packet(&self) -> Packet<'_> {
        match self {
            Message::Text(t) => Packet::message(t),
            Message::Binary(b) => Packet::binary(b),
        }
    }

    pub(crate) fn from_data(data: PacketData<'_>) -> Message {
        match data {
            PacketData::Text(t) => Message::Text(t.into_owned()),
            PacketData::Binary(b) => Message::Binary(b.into_owned()),
        }
    }
}

/// One WebSocket message to send.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Text or binary frame.
    pub kind: FrameKind,
    /// The frame bytes (UTF-8 for text frames).
    pub data: Vec<u8>,
}

impl Frame {
    pub(crate) fn encode(packet: &Packet<'_>, version: ProtocolVersion) -> Frame {
        let mut data = Vec::new();
        let kind = packet.encode_websocket(version, false, &mut data);
        Frame { kind, data }
    }

    /// The frame as text, if it is a text frame of valid UTF-8.
    pub fn as_text(&self) -> Option<&str> {
        match self.kind {
            FrameKind::Text => std::str::from_utf8(&self.data).ok(),
            FrameKind::Binary => None,
        }
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_text() {
            Some(t) => write!(f, "ws-text {t:?}"),
            None => write!(f, "ws-binary {:02x?}", self.data),
        }
    }
}

/// A WebSocket message received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsMessage<'a> {
    /// A text message.
    Text(&'a str),
    /// A binary message.
    Binary(&'a [u8]),
}

impl<'a> WsMessage<'a> {
    pub(crate) fn decode(self, version: ProtocolVersion) -> Result<Packet<'a>, super::DecodeError> {
        match self {
            WsMessage::Text(t) => Packet::decode_text(t, version),
            WsMessage::Binary(b) => Packet::decode_binary(b, version),
        }
    }

    /// The message as a frame to send.
    pub fn to_frame(self) -> Frame {
        match self {
            WsMessage::Text(t) => Frame {
                kind: FrameKind::Text,
                data: t.as_bytes().to_vec(),
            },
            WsMessage::Binary(b) => Frame {
                kind: FrameKind::Binary,
                data: b.to_vec(),
            },
        }
    }
}

impl<'a> From<&'a Frame> for WsMessage<'a> {
    fn from(frame: &'a Frame) -> Self {
        match frame.kind {
            FrameKind::Text => WsMessage::Text(std::str::from_utf8(&frame.data).unwrap_or("")),
            FrameKind::Binary => WsMessage::Binary(&frame.data),
        }
    }
}

/// Why a session closed (the reference implementation's reason strings).
///
/// Spec: EIO4-CLOSE-010
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The local application called `close()`.
    ForcedClose,
    /// The peer sent the close packet `1` or closed the WebSocket cleanly.
    TransportClose,
    /// A transport failed: an aborted GET, a broken request, a concurrent request.
    TransportError,
    /// The heartbeat deadline passed.
    PingTimeout,
    /// The peer sent a packet that does not decode.
    ParseError,
    /// The peer used the wrong heartbeat direction (a v4 client ping).
    InvalidHeartbeatDirection,
    /// The handshake could not be understood (client only).
    HandshakeError,
}

impl CloseReason {
    /// A stable kebab-case code.
    pub fn code(self) -> &'static str {
        match self {
            CloseReason::ForcedClose => "forced-close",
            CloseReason::TransportClose => "transport-close",
            CloseReason::TransportError => "transport-error",
            CloseReason::PingTimeout => "ping-timeout",
            CloseReason::ParseError => "parse-error",
            CloseReason::InvalidHeartbeatDirection => "invalid-heartbeat-direction",
            CloseReason::HandshakeError => "handshake-error",
        }
    }

    /// The reference implementation's reason string, e.g. `"ping timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ForcedClose => "forced close",
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::InvalidHeartbeatDirection => "invalid heartbeat direction",
            CloseReason::HandshakeError => "handshake error",
        }
    }
}

/// Decodes a polling body in the format of `version` into owned packets, stopping at the first
/// bad piece: the packets before it, and the error if there was one.
///
/// v3 bodies starting with byte 0 or 1 are binary payloads; others are text payloads.
pub(crate) fn decode_body(
    body: &[u8],
    version: ProtocolVersion,
) -> (Vec<Packet<'static>>, Option<super::DecodeError>) {
    use super::payload;
    fn collect<'a>(
        it: impl Iterator<Item = Result<Packet<'a>, super::DecodeError>>,
    ) -> (Vec<Packet<'static>>, Option<super::DecodeError>) {
        let mut packets = Vec::new();
        for p in it {
            match p {
                Ok(p) => packets.push(p.into_owned()),
                Err(e) => return (packets, Some(e)),
            }
        }
        (packets, None)
    }
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(_) if version == ProtocolVersion::V3 && matches!(body.first(), Some(0 | 1)) => "",
        Err(_) => return (Vec::new(), Some(super::DecodeError::InvalidUtf8)),
    };
    match version {
        ProtocolVersion::V4 => collect(payload::decode_v4(text)),
        ProtocolVersion::V3 if matches!(body.first(), Some(0 | 1)) => {
            collect(payload::decode_v3_binary(body))
        }
        ProtocolVersion::V3 => collect(payload::decode_v3_text(text)),
    }
}

/// Encodes packets as a polling body in the text format of `version` (binary data as base64).
pub(crate) fn encode_body(packets: &[Packet<'_>], version: ProtocolVersion) -> String {
    let mut out = String::new();
    match version {
        ProtocolVersion::V4 => super::payload::encode_v4(packets, &mut out),
        ProtocolVersion::V3 => super::payload::encode_v3_text(packets, &mut out),
    }
    out
}
