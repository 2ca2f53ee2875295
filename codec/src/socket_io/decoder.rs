//! [`Decoder`]: the stateful decoder that joins binary headers with their attachments.
//!
//! Feed it every Engine.IO message of one connection, in order: text messages to
//! [`Decoder::push_text`] (or [`Decoder::decode_text`] to borrow from the input), binary messages
//! to [`Decoder::push_binary`].
//!
//! | state | input | result | next state |
//! |---|---|---|---|
//! | idle | text, not type 5/6 | `Complete(Decoded::Packet)` | idle |
//! | idle | text, type 5/6 with *n* attachments | `Partial` | waiting for *n* |
//! | idle | binary | `Err(UnexpectedBinary)` | idle |
//! | waiting for *k* > 1 | binary | `Partial` | waiting for *k* - 1 |
//! | waiting for 1 | binary | `Complete(Decoded::Binary)` | idle |
//! | waiting | text | `Err(UnexpectedText)` | idle |
//! | any | invalid packet | `Err(..)` | idle |
//!
//! A binary header's placeholders are checked as soon as the header arrives (fail fast), and the
//! data is filled in structurally at completion. **After any error the decoder is reset** to
//! idle, dropping a partial binary packet; the connection should be closed anyway
//! (SIO5-STATE-006). Memory is bounded by [`Limits::max_attachments`] attachments per packet:
//! the announced count is checked before anything is buffered.
//!
//! ```
//! use socketio_codec::Status;
//! use socketio_codec::socket_io::{Decoded, Decoder, Limits, ProtocolVersion, Value};
//!
//! let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
//! let header = r#"51-["upload",{"_placeholder":true,"num":0}]"#;
//! assert_eq!(decoder.push_text(header), Ok(Status::Partial));
//! let Ok(Status::Complete(Decoded::Binary(packet))) = decoder.push_binary(&[1, 2, 3]) else {
//!     panic!("expected a binary packet");
//! };
//! assert_eq!(packet.data, Value::Array(vec!["upload".into(), Value::Binary(vec![1, 2, 3])]));
//! assert_eq!(
//!     packet.to_string(),
//!     r#"SIO BINARY_EVENT ns=/ attachments=1 data=["upload",{"_placeholder":true,"num":0}] bin0=010203"#
//! );
//! ```

use std::fmt;

use crate::Status;

use super::ack_id::AckId;
use super::binary::{self, Template};
use super::error::DecodeError;
use super::namespace::Namespace;
use super::packet::{Limits, Packet, PacketType, ProtocolVersion};
use super::value::Value;

/// A stateful Socket.IO decoder for one connection.
#[derive(Debug, Clone)]
pub struct Decoder {
    version: ProtocolVersion,
    limits: Limits,
    pending: Option<Pending>,
}

/// What the [`Decoder`] produced from a complete packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decoded<'a> {
    /// A packet without attachments (types 0 to 4).
    Packet(Packet<'a>),
    /// A BINARY_EVENT or BINARY_ACK with its attachments in place.
    Binary(BinaryPacket),
}

impl Decoded<'_> {
    /// Detaches the result from the input it borrows from.
    pub fn into_owned(self) -> Decoded<'static> {
        match self {
            Decoded::Packet(p) => Decoded::Packet(p.into_owned()),
            Decoded::Binary(b) => Decoded::Binary(b),
        }
    }
}

impl fmt::Display for Decoded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decoded::Packet(p) => p.fmt(f),
            Decoded::Binary(b) => b.fmt(f),
        }
    }
}

/// A reconstructed BINARY_EVENT / BINARY_ACK.
///
/// `kind` stays the wire type (BINARY_EVENT or BINARY_ACK); the reference reports these as
/// EVENT / ACK after reconstruction, use [`PacketType::is_event`] / [`PacketType::is_ack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryPacket {
    /// [`PacketType::BinaryEvent`] or [`PacketType::BinaryAck`].
    pub kind: PacketType,
    /// The namespace.
    pub namespace: Namespace<'static>,
    /// The ack id, if any.
    pub ack_id: Option<AckId>,
    /// The data with every placeholder replaced by [`Value::Binary`].
    pub data: Value,
}

/// The canonical one-line rendering: the header as [`Packet`]'s (placeholders restored), then
/// each attachment as ` binN=<lowercase hex>`.
impl fmt::Display for BinaryPacket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (json, attachments) = binary::deconstruct(&self.data);
        write!(f, "SIO {} ns={}", self.kind.name(), self.namespace)?;
        if let Some(id) = self.ack_id {
            write!(f, " ack={id}")?;
        }
        write!(f, " attachments={} data={json}", attachments.len())?;
        for (i, attachment) in attachments.iter().enumerate() {
            write!(f, " bin{i}=")?;
            for b in attachment {
                write!(f, "{b:02x}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Pending {
    kind: PacketType,
    namespace: Namespace<'static>,
    ack_id: Option<AckId>,
    template: Template,
    expected: usize,
    received: Vec<Vec<u8>>,
}

impl Decoder {
    /// A decoder in the idle state.
    pub fn new(version: ProtocolVersion, limits: Limits) -> Self {
        Self {
            version,
            limits,
            pending: None,
        }
    }

    /// The protocol revision this decoder reads.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// How many attachments the current binary header still waits for (0 when idle).
    pub fn pending_attachments(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(0, |p| p.expected - p.received.len())
    }

    /// Drops a partially received binary packet and returns to idle.
    pub fn reset(&mut self) {
        self.pending = None;
    }

    /// Feeds one Engine.IO text message (without its leading `4`), borrowing the result from
    /// `input` where possible.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedText`] while attachments are pending, or the error of the packet.
    /// The decoder is reset on error.
    pub fn decode_text<'a>(&mut self, input: &'a str) -> Result<Status<Decoded<'a>>, DecodeError> {
        let result = self.decode_text_inner(input);
        if result.is_err() {
            self.pending = None;
        }
        result
    }

    /// Feeds one Engine.IO text message, returning an owned result.
    ///
    /// # Errors
    ///
    /// As [`Decoder::decode_text`].
    pub fn push_text(&mut self, input: &str) -> Result<Status<Decoded<'static>>, DecodeError> {
        Ok(self.decode_text(input)?.map(Decoded::into_owned))
    }

    /// Feeds one Engine.IO binary message (an attachment).
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnexpectedBinary`] when no attachment is pending. The decoder is reset on
    /// error.
    pub fn push_binary(&mut self, input: &[u8]) -> Result<Status<Decoded<'static>>, DecodeError> {
        if self.pending.is_none() {
            return Err(DecodeError::UnexpectedBinary);
        }
        self.push_binary_vec(input.to_vec())
    }

    /// As [`Decoder::push_binary`], taking ownership of the attachment so that it is moved into
    /// the result without a copy.
    ///
    /// # Errors
    ///
    /// As [`Decoder::push_binary`].
    pub fn push_binary_vec(
        &mut self,
        input: Vec<u8>,
    ) -> Result<Status<Decoded<'static>>, DecodeError> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(DecodeError::UnexpectedBinary);
        };
        pending.received.push(input);
        if pending.received.len() < pending.expected {
            return Ok(Status::Partial);
        }
        let Some(pending) = self.pending.take() else {
            return Err(DecodeError::UnexpectedBinary);
        };
        let mut received = pending.received;
        let data = pending
            .template
            .fill_with(|num| std::mem::take(&mut received[num]));
        Ok(Status::Complete(Decoded::Binary(BinaryPacket {
            kind: pending.kind,
            namespace: pending.namespace,
            ack_id: pending.ack_id,
            data,
        })))
    }

    fn decode_text_inner<'a>(
        &mut self,
        input: &'a str,
    ) -> Result<Status<Decoded<'a>>, DecodeError> {
        if self.pending.is_some() {
            return Err(DecodeError::UnexpectedText);
        }
        let packet = Packet::decode(input, self.version, &self.limits)?;
        let Some(count) = packet.attachments else {
            return Ok(Status::Complete(Decoded::Packet(packet)));
        };
        let count = count as usize;
        // A BINARY_EVENT without payload has no placeholder, so it cannot match its count.
        let json = packet.data_str().ok_or(DecodeError::AttachmentUnused)?;
        let template = Template::parse(json, count)?;
        self.pending = Some(Pending {
            kind: packet.kind,
            namespace: packet.namespace.into_owned(),
            ack_id: packet.ack_id,
            template,
            expected: count,
            received: Vec::with_capacity(count.min(self.limits.max_attachments)),
        });
        Ok(Status::Partial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use DecodeError::*;

    fn v5() -> Decoder {
        Decoder::new(ProtocolVersion::V5, Limits::DEFAULT)
    }

    // spec: SIO5-BIN-011
    // spec: SIO5-BIN-012
    #[test]
    fn unexpected_messages_reset() {
        let mut d = v5();
        assert_eq!(d.push_binary(&[1]), Err(UnexpectedBinary));
        assert_eq!(
            d.push_text(r#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            Ok(Status::Partial)
        );
        assert_eq!(d.push_binary(&[1]), Ok(Status::Partial));
        assert_eq!(d.pending_attachments(), 1);
        assert_eq!(d.push_text(r#"2["b"]"#), Err(UnexpectedText));
        assert_eq!(d.pending_attachments(), 0);
        // Reset: the next text packet decodes normally.
        assert!(matches!(
            d.push_text(r#"2["b"]"#),
            Ok(Status::Complete(Decoded::Packet(_)))
        ));
    }

    // spec: SIO5-BIN-015
    // spec: SIO5-BIN-016
    #[test]
    fn header_checked_before_attachments() {
        let mut d = v5();
        assert_eq!(
            d.push_text(r#"51-["a",{"_placeholder":true,"num":"splice"}]"#),
            Err(PlaceholderNumNotInteger)
        );
        assert_eq!(
            d.push_text(r#"52-["a",{"_placeholder":true,"num":0}]"#),
            Err(AttachmentUnused)
        );
        assert_eq!(d.push_text("51-"), Err(AttachmentUnused));
        assert_eq!(d.push_binary(&[1]), Err(UnexpectedBinary));
    }

    // spec: SIO5-BIN-017
    #[test]
    fn binary_ack_with_namespace() {
        let mut d = v5();
        assert_eq!(
            d.push_text(
                r#"62-/admin,15[{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}]"#
            ),
            Ok(Status::Partial)
        );
        assert_eq!(d.push_binary(b"A"), Ok(Status::Partial));
        let Ok(Status::Complete(decoded)) = d.push_binary(b"B") else {
            panic!("incomplete");
        };
        assert_eq!(
            decoded.to_string(),
            r#"SIO BINARY_ACK ns=/admin ack=15 attachments=2 data=[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}] bin0=42 bin1=41"#
        );
    }

    #[test]
    fn borrowed_text_packet() {
        let mut d = v5();
        let input = String::from(r#"2/chat,["hi"]"#);
        let Ok(Status::Complete(Decoded::Packet(p))) = d.decode_text(&input) else {
            panic!("not a packet");
        };
        assert_eq!(p.namespace.as_str(), "/chat");
    }
}
