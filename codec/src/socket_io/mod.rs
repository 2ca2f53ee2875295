//! Socket.IO: packets, binary attachments and the stateful decoder.
//!
//! One Socket.IO packet is the text of one Engine.IO message (without its leading `4`); a
//! BINARY_EVENT / BINARY_ACK is followed by one Engine.IO binary message per attachment. This
//! module reads and writes both protocol revisions: 5 (socket.io ≥ 3) and 4 (socket.io 1.x–2.x);
//! pick one with [`ProtocolVersion`].
//!
//! # Decoding, at three levels
//!
//! | level | entry point | work | allocates |
//! |---|---|---|---|
//! | 1 framing | [`Frame::parse`] | type, attachment count, namespace, ack id; body unread | never |
//! | 2 validated | [`Packet::decode`] | + JSON syntax + the per-type payload rule | borrows a [`RawValue`](serde_json::value::RawValue); serde_json allocates a few bytes while validating a nested payload (docs/benchmarks.md) |
//! | 3 typed | [`Packet::data_as`], [`Packet::event_name`], [`Packet::args`] | + serde into your types | as your types do |
//!
//! The stateful [`Decoder`] sits on top of level 2 and joins binary headers with their
//! attachments into a [`BinaryPacket`] whose data is a [`Value`] (JSON that can hold binary).
//!
//! ```
//! use socketio_codec::Status;
//! use socketio_codec::socket_io::{Decoded, Decoder, Limits, ProtocolVersion};
//!
//! let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
//! for message in [r#"0/chat,{"token":"abc"}"#, r#"2/chat,5["msg","hello"]"#] {
//!     match decoder.push_text(message) {
//!         Ok(Status::Complete(Decoded::Packet(packet))) => println!("{packet}"),
//!         Ok(Status::Complete(Decoded::Binary(packet))) => println!("{packet}"),
//!         Ok(Status::Partial) => {} // a binary header: attachments follow
//!         Ok(Status::Complete(_)) => unreachable!(),
//!         Err(error) => panic!("close the connection: {}", error.code()),
//!     }
//! }
//! ```
//!
//! # Payload rules
//!
//! | type | payload (revision 5) | revision 4 difference |
//! |---|---|---|
//! | CONNECT | absent or object | — |
//! | DISCONNECT | absent | — |
//! | EVENT, BINARY_EVENT | absent, or array whose element 0 is a number or a non-reserved string | reserved names accepted (SIO4-VAL-003) |
//! | ACK, BINARY_ACK | absent or array | — |
//! | CONNECT_ERROR (v4: ERROR) | absent, string or object | any JSON value (SIO4-PKT-002) |
//!
//! # Encoding, into your buffers
//!
//! [`Packet::encode`] (payload already JSON), [`encode_event`] / [`encode_ack`] (serde straight
//! into the buffer), [`encode_binary`] (data that may hold binary).
//!
//! # Errors
//!
//! [`DecodeError`]: the peer broke a rule. [`ApiMisuse`]: the caller asked for something that
//! must not be sent. Both have a stable kebab-case `code()`.
//!
//! # Decisions a peer or fixture author must know
//!
//! - Ack ids above 2^53 - 1 are rejected ([`DecodeError::AckIdOverflow`]); the reference rounds
//!   them (SIO5-PKT-013). Leading zeros are accepted. Only `0`-`9` are digits.
//! - Placeholders must be exactly `{"_placeholder":true,"num":N}` in either order; every
//!   attachment must be used exactly once (stricter than the reference; see [`binary`]).
//! - An attachment count of zero is rejected in both revisions.
//! - Revision 4: type 4 is ERROR and takes any JSON; reserved event names are accepted
//!   (SIO4-VAL-003); everything else follows the revision 5 grammar and payload rules
//!   (SIO4-VAL-001).
//! - EVENT `2` and ACK `3<id>` without payload are accepted (SIO5-VAL-006, SIO5-VAL-007).

pub mod binary;
pub mod session;

mod ack_id;
mod decoder;
mod encode;
mod error;
mod event;
mod frame;
mod namespace;
mod packet;
mod validate;
mod value;

pub use ack_id::AckId;
pub use decoder::{BinaryPacket, Decoded, Decoder};
pub use encode::{encode_ack, encode_binary, encode_event};
pub use error::{ApiMisuse, DecodeError};
pub use event::{EventName, RESERVED_EVENT_NAMES};
pub use frame::Frame;
pub use namespace::Namespace;
pub use packet::{Limits, Packet, PacketType, ProtocolVersion};
pub use value::Value;
