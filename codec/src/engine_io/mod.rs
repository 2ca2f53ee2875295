//! Engine.IO: packets, polling payloads, handshake, query parameters and error codes.
//!
//! Engine.IO is the transport layer under Socket.IO. This module turns its wire forms into typed
//! values and back, for protocol revisions 3 and 4 ([`ProtocolVersion`]):
//!
//! - [`Packet`]: one packet. Over WebSocket, one packet is one message ([`Packet::decode_text`] /
//!   [`Packet::decode_binary`] / [`Packet::encode_websocket`]).
//! - [`payload`]: HTTP long-polling bodies that carry several packets, in the v4 format
//!   (`\x1e`-separated) and the two v3 formats (length-prefixed text and binary), one-shot or
//!   streamed in chunks.
//! - [`Handshake`]: the JSON of the open packet `0{…}` that starts every session, with its
//!   [`Sid`].
//! - [`Query`]: the `EIO`, `transport`, `sid`, `t`, `b64` and `j` request parameters.
//! - [`ErrorCode`] / [`ErrorBody`]: the JSON errors a server answers to rejected requests.
//!
//! Decoders borrow from their input and never panic; a broken rule is a [`DecodeError`] whose
//! [`DecodeError::code`] is a stable kebab-case string. Encoders append to a buffer the caller
//! owns. Nothing here reads a clock, does IO or draws randomness.
//!
//! A client receiving a v4 polling response and answering the server's ping:
//!
//! ```
//! use socketio_codec::engine_io::{Handshake, Packet, PacketType, ProtocolVersion, payload};
//!
//! let body = "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\
//!             \"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}\x1e2";
//! let mut reply = Vec::new();
//! for packet in payload::decode_v4(body) {
//!     let packet = packet?;
//!     match (packet.kind, packet.data.as_text()) {
//!         (PacketType::Open, Some(json)) => {
//!             let handshake = Handshake::decode(json)?;
//!             assert_eq!(handshake.ping_interval, 25000);
//!         }
//!         (PacketType::Ping, _) => reply.push(Packet::pong()),
//!         _ => {}
//!     }
//! }
//! let mut post = String::new();
//! payload::encode_v4(&reply, &mut post);
//! assert_eq!(post, "3");
//! # Ok::<(), socketio_codec::engine_io::DecodeError>(())
//! ```

mod base64;
mod error;
mod error_body;
mod handshake;
mod packet;
pub mod payload;
mod query;
pub mod session;
mod sid;
mod version;

pub use error::DecodeError;
pub use error_body::{ErrorBody, ErrorCode};
pub use handshake::Handshake;
pub use packet::{FrameKind, Packet, PacketData, PacketType};
pub use payload::PayloadFormat;
pub use query::{Query, QueryError};
pub use sid::{Sid, SidError};
pub use version::{ProtocolVersion, TransportKind, UnknownTransport};
