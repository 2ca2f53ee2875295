//! Level 1, framing: the packet header read in one pass, the payload left unread.
//!
//! [`Frame::parse`] reads the type, the attachment count (types 5 and 6), the namespace and the
//! ack id, and returns the rest of the text as a borrowed, *unvalidated* body. It allocates
//! nothing and looks at each header byte once; the only scan longer than the header is one
//! `memchr` for the `,` that ends a namespace. Use it when the JSON is handled elsewhere; use
//! [`Packet::decode`](super::Packet::decode) to validate the payload as well.
//!
//! Grammar (SIO5-PKT-003):
//!
//! ```text
//! <type digit>[<attachments>"-"]["/"<nsp-rest>","][<ack id digits>][<JSON payload>]
//! ```
//!
//! ```
//! use socketio_codec::socket_io::{Frame, PacketType};
//!
//! let frame = Frame::parse(r#"51-/admin,12["up",{"_placeholder":true,"num":0}]"#).unwrap();
//! assert_eq!(frame.kind, PacketType::BinaryEvent);
//! assert_eq!(frame.attachments, Some(1));
//! assert_eq!(frame.namespace.as_str(), "/admin");
//! assert_eq!(frame.ack_id.map(|id| id.get()), Some(12));
//! assert_eq!(frame.body, Some(r#"["up",{"_placeholder":true,"num":0}]"#));
//!
//! // No comma: the namespace runs to the end (SIO5-PKT-008).
//! let frame = Frame::parse(r#"0/custom{"a":1}"#).unwrap();
//! assert_eq!(frame.namespace.as_str(), r#"/custom{"a":1}"#);
//! assert_eq!(frame.body, None);
//! ```

use super::ack_id::AckId;
use super::error::DecodeError;
use super::namespace::Namespace;
use super::packet::{Limits, PacketType};

/// The header fields of a Socket.IO packet and its unvalidated body, all borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The packet type.
    pub kind: PacketType,
    /// The attachment count, `Some` exactly for BINARY_EVENT and BINARY_ACK.
    pub attachments: Option<u32>,
    /// The namespace; [`Namespace::MAIN`] when the field is absent or written as `/,`.
    pub namespace: Namespace<'a>,
    /// The ack id, if a digit run follows the namespace.
    pub ack_id: Option<AckId>,
    /// Everything after the header, or `None` when nothing follows. Not validated.
    pub body: Option<&'a str>,
}

impl<'a> Frame<'a> {
    /// Reads the header of one Socket.IO packet with the default [`Limits`].
    ///
    /// # Errors
    ///
    /// Header errors only: [`DecodeError::EmptyPacket`], [`DecodeError::UnknownPacketType`],
    /// the attachment errors and [`DecodeError::AckIdOverflow`]. The body is not looked at.
    pub fn parse(input: &'a str) -> Result<Self, DecodeError> {
        Self::parse_with_limits(input, &Limits::DEFAULT)
    }

    /// Reads the header of one Socket.IO packet, checking the attachment count against `limits`.
    ///
    /// # Errors
    ///
    /// As [`Frame::parse`].
    pub fn parse_with_limits(input: &'a str, limits: &Limits) -> Result<Self, DecodeError> {
        let bytes = input.as_bytes();
        let Some(&first) = bytes.first() else {
            return Err(DecodeError::EmptyPacket);
        };
        let Some(kind) = PacketType::from_byte(first) else {
            let c = input.chars().next().unwrap_or('\0');
            return Err(DecodeError::UnknownPacketType(c));
        };
        let mut pos = 1;

        let attachments = if kind.is_binary() {
            let start = pos;
            let mut count: u64 = 0;
            while let Some(&b) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
                count = count.saturating_mul(10).saturating_add(u64::from(b - b'0'));
                pos += 1;
            }
            if bytes.get(pos) != Some(&b'-') {
                return Err(DecodeError::MissingAttachmentSeparator);
            }
            if pos == start {
                return Err(DecodeError::IllegalAttachments);
            }
            pos += 1;
            if count == 0 {
                return Err(DecodeError::ZeroAttachments);
            }
            let max = u64::try_from(limits.max_attachments).unwrap_or(u64::MAX);
            if count > max {
                return Err(DecodeError::TooManyAttachments);
            }
            Some(u32::try_from(count).map_err(|_| DecodeError::TooManyAttachments)?)
        } else {
            None
        };

        let namespace = if bytes.get(pos) == Some(&b'/') {
            let rest = &bytes[pos..];
            match memchr::memchr(b',', rest) {
                Some(comma) => {
                    let ns = &input[pos..pos + comma];
                    pos += comma + 1;
                    Namespace::from_wire(ns)
                }
                None => {
                    let ns = &input[pos..];
                    pos = bytes.len();
                    Namespace::from_wire(ns)
                }
            }
        } else {
            Namespace::MAIN
        };

        let start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        let ack_id = if pos > start {
            Some(AckId::from_digits(&bytes[start..pos])?)
        } else {
            None
        };

        let body = if pos < bytes.len() {
            Some(&input[pos..])
        } else {
            None
        };
        Ok(Frame {
            kind,
            attachments,
            namespace,
            ack_id,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `frame!(wire => kind, attachments, namespace, ack, body)` or `frame!(wire => Err(Variant))`.
    macro_rules! frame {
        ($wire:literal => Err($err:expr)) => {
            assert_eq!(Frame::parse($wire), Err($err), "wire {:?}", $wire)
        };
        ($wire:literal => $kind:ident, $att:expr, $ns:literal, $ack:expr, $body:expr) => {{
            let f = Frame::parse($wire).unwrap_or_else(|e| panic!("{:?}: {e}", $wire));
            assert_eq!(f.kind, PacketType::$kind, "wire {:?}", $wire);
            assert_eq!(f.attachments, $att, "wire {:?}", $wire);
            assert_eq!(f.namespace.as_str(), $ns, "wire {:?}", $wire);
            assert_eq!(f.ack_id.map(AckId::get), $ack, "wire {:?}", $wire);
            assert_eq!(f.body, $body, "wire {:?}", $wire);
        }};
    }

    use DecodeError::*;

    // spec: SIO5-PKT-003
    #[test]
    fn header_fields() {
        frame!("0" => Connect, None, "/", None, None);
        frame!("1/admin," => Disconnect, None, "/admin", None, None);
        frame!(r#"2["a"]"# => Event, None, "/", None, Some(r#"["a"]"#));
        frame!(r#"2/chat,12["a"]"# => Event, None, "/chat", Some(12), Some(r#"["a"]"#));
        frame!("3456[]" => Ack, None, "/", Some(456), Some("[]"));
        frame!(r#"51-["a",{"_placeholder":true,"num":0}]"# =>
            BinaryEvent, Some(1), "/", None, Some(r#"["a",{"_placeholder":true,"num":0}]"#));
        frame!("62-/x,9[]" => BinaryAck, Some(2), "/x", Some(9), Some("[]"));
        frame!("601-[]" => BinaryAck, Some(1), "/", None, Some("[]"));
    }

    // spec: SIO5-PKT-008
    // spec: SIO5-PKT-010
    #[test]
    fn namespace_field() {
        frame!("0/custom" => Connect, None, "/custom", None, None);
        frame!(r#"0/custom{"a":1}"# => Connect, None, r#"/custom{"a":1}"#, None, None);
        frame!("0/," => Connect, None, "/", None, None);
        frame!("0/custom?x=1," => Connect, None, "/custom?x=1", None, None);
        frame!("2abc" => Event, None, "/", None, Some("abc"));
    }

    // spec: SIO5-PKT-011
    // spec: SIO5-PKT-012
    // spec: SIO5-PKT-013
    #[test]
    fn ack_id_field() {
        frame!("3007[]" => Ack, None, "/", Some(7), Some("[]"));
        frame!("312" => Ack, None, "/", Some(12), None);
        frame!("3 12[]" => Ack, None, "/", None, Some(" 12[]"));
        frame!("312345678901234567890[]" => Err(AckIdOverflow));
    }

    // spec: SIO5-PKT-015
    // spec: SIO5-PKT-016
    #[test]
    fn packet_type() {
        frame!("" => Err(EmptyPacket));
        frame!("7" => Err(UnknownPacketType('7')));
        frame!("999" => Err(UnknownPacketType('9')));
        frame!("abc" => Err(UnknownPacketType('a')));
        frame!("é" => Err(UnknownPacketType('é')));
    }

    // spec: SIO5-BIN-007
    // spec: SIO5-BIN-008
    // spec: SIO5-BIN-009
    // spec: SIO5-BIN-010
    // spec: SIO5-VAL-010
    #[test]
    fn attachment_header() {
        frame!("5" => Err(MissingAttachmentSeparator));
        frame!("5-[\"a\"]" => Err(IllegalAttachments));
        frame!("5a-" => Err(MissingAttachmentSeparator));
        frame!("51" => Err(MissingAttachmentSeparator));
        frame!(r#"51["x"]"# => Err(MissingAttachmentSeparator));
        frame!("51.23-" => Err(MissingAttachmentSeparator));
        frame!("50-[\"a\"]" => Err(ZeroAttachments));
        frame!("511-[]" => Err(TooManyAttachments));
        frame!("51000-[]" => Err(TooManyAttachments));
        frame!("599999999999999999999999999-[]" => Err(TooManyAttachments));
        frame!("510-[]" => BinaryEvent, Some(10), "/", None, Some("[]"));
        // A `-` after digits inside a non-binary payload is just JSON (interop-bugs #13).
        frame!(r#"2["1-2","12-3"]"# => Event, None, "/", None, Some(r#"["1-2","12-3"]"#));
    }

    #[test]
    fn custom_limit() {
        let limits = Limits::DEFAULT.with_max_attachments(1000);
        let f = Frame::parse_with_limits("51000-[]", &limits).unwrap();
        assert_eq!(f.attachments, Some(1000));
    }
}
