//! [`Packet`]: one validated Socket.IO packet borrowing from its input, and its typed accessors.
//!
//! Three decode levels share this module's types:
//!
//! 1. [`Frame::parse`](super::Frame::parse): header only, payload unread.
//! 2. [`Packet::decode`]: header, JSON syntax and the per-type payload rule; the payload stays a
//!    borrowed [`RawValue`].
//! 3. [`Packet::data_as`], [`Packet::event_name`], [`Packet::args`]: the payload deserialized into
//!    the caller's serde types, borrowing strings from the input where possible.
//!
//! ```
//! use serde::Deserialize;
//! use socketio_codec::socket_io::{Limits, Packet, PacketType, ProtocolVersion};
//!
//! #[derive(Deserialize)]
//! struct Chat<'a> {
//!     text: &'a str,
//! }
//!
//! let wire = r#"2/chat,12["msg",{"text":"hi"},3]"#;
//! let packet = Packet::decode(wire, ProtocolVersion::V5, &Limits::default()).unwrap();
//! assert_eq!(packet.kind, PacketType::Event);
//! assert_eq!(packet.to_string(), r#"SIO EVENT ns=/chat ack=12 data=["msg",{"text":"hi"},3]"#);
//!
//! assert_eq!(packet.event_name().unwrap().as_str(), Some("msg"));
//! let (chat, n): (Chat<'_>, u32) = packet.args().unwrap();
//! assert_eq!((chat.text, n), ("hi", 3));
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::SeqAccessDeserializer;
use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::ack_id::AckId;
use super::error::DecodeError;
use super::event::EventName;
use super::frame::Frame;
use super::namespace::Namespace;
use super::validate;

/// The Socket.IO protocol revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// Revision 4: socket.io 1.0.3 to 2.x (socket.io-parser 3.x), over Engine.IO v3.
    V4,
    /// Revision 5: socket.io 3.0 and later (socket.io-parser 4.x), over Engine.IO v4.
    #[default]
    V5,
}

/// A Socket.IO packet type, in wire order.
///
/// Spec: SIO5-PKT-002
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PacketType {
    /// `0`: join a namespace, or confirm the join.
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an application event.
    Event,
    /// `3`: an acknowledgement.
    Ack,
    /// `4`: CONNECT_ERROR in revision 5, ERROR in revision 4.
    ConnectError,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement with binary attachments.
    BinaryAck,
}

impl PacketType {
    /// All packet types in wire order.
    pub const ALL: [PacketType; 7] = [
        Self::Connect,
        Self::Disconnect,
        Self::Event,
        Self::Ack,
        Self::ConnectError,
        Self::BinaryEvent,
        Self::BinaryAck,
    ];

    /// The wire digit, `'0'..='6'`.
    pub fn as_char(self) -> char {
        char::from(self.as_byte())
    }

    /// The packet type of a wire digit, or `None` outside `'0'..='6'`.
    pub fn from_char(c: char) -> Option<Self> {
        u8::try_from(c).ok().and_then(Self::from_byte)
    }

    /// The revision 5 name: `CONNECT`, `DISCONNECT`, `EVENT`, `ACK`, `CONNECT_ERROR`,
    /// `BINARY_EVENT`, `BINARY_ACK`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Disconnect => "DISCONNECT",
            Self::Event => "EVENT",
            Self::Ack => "ACK",
            Self::ConnectError => "CONNECT_ERROR",
            Self::BinaryEvent => "BINARY_EVENT",
            Self::BinaryAck => "BINARY_ACK",
        }
    }

    /// The name in the given revision: as [`PacketType::name`], except that type 4 is `ERROR`
    /// in revision 4 (SIO4-PKT-001).
    pub fn name_in(self, version: ProtocolVersion) -> &'static str {
        match (self, version) {
            (Self::ConnectError, ProtocolVersion::V4) => "ERROR",
            _ => self.name(),
        }
    }

    /// Whether this is BINARY_EVENT or BINARY_ACK (the types with an attachment count).
    pub fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }

    /// Whether this is EVENT or BINARY_EVENT.
    pub fn is_event(self) -> bool {
        matches!(self, Self::Event | Self::BinaryEvent)
    }

    /// Whether this is ACK or BINARY_ACK.
    pub fn is_ack(self) -> bool {
        matches!(self, Self::Ack | Self::BinaryAck)
    }

    pub(crate) fn as_byte(self) -> u8 {
        b'0' + self as u8
    }

    pub(crate) fn from_byte(b: u8) -> Option<Self> {
        Self::ALL.get(usize::from(b.wrapping_sub(b'0'))).copied()
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Resource limits of the decoders.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The largest attachment count a binary header may announce (default 10, the reference's
    /// `maxAttachments`). Counts above it are rejected before anything is buffered.
    ///
    /// Spec: SIO5-BIN-010
    pub max_attachments: usize,
}

impl Limits {
    /// The default limits: 10 attachments.
    pub const DEFAULT: Limits = Limits {
        max_attachments: 10,
    };

    /// Returns these limits with another attachment limit.
    pub const fn with_max_attachments(mut self, max_attachments: usize) -> Self {
        self.max_attachments = max_attachments;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One Socket.IO packet with a validated payload, borrowing from the input.
///
/// For BINARY_EVENT / BINARY_ACK this is the *header*: `data` still holds the placeholders and
/// `attachments` the announced count. Use the [`Decoder`](super::Decoder) to collect the
/// attachments, or [`binary::reconstruct`](super::binary::reconstruct).
#[derive(Debug, Clone)]
pub struct Packet<'a> {
    /// The packet type.
    pub kind: PacketType,
    /// The namespace.
    pub namespace: Namespace<'a>,
    /// The ack id, if any.
    pub ack_id: Option<AckId>,
    /// The attachment count, `Some` exactly for BINARY_EVENT and BINARY_ACK.
    pub attachments: Option<u32>,
    /// The JSON payload, compact as received (no surrounding whitespace), or `None`.
    pub data: Option<Cow<'a, RawValue>>,
}

impl<'a> Packet<'a> {
    /// Decodes and validates one Socket.IO packet (level 2).
    ///
    /// Call this on the text of one Engine.IO message, without its leading `4`. It checks the
    /// header, that the payload is exactly one JSON value, and the payload rule of the type (see
    /// "Payload rules" in the [module docs](super)). It does not check placeholders of binary
    /// headers; the [`Decoder`](super::Decoder) does.
    ///
    /// # Errors
    ///
    /// The [`DecodeError`] of the first violated rule.
    pub fn decode(
        input: &'a str,
        version: ProtocolVersion,
        limits: &Limits,
    ) -> Result<Self, DecodeError> {
        let frame = Frame::parse_with_limits(input, limits)?;
        let data = match frame.body {
            None => None,
            Some(body) => Some(Cow::Borrowed(validate::validate_body(
                frame.kind, body, version,
            )?)),
        };
        Ok(Packet {
            kind: frame.kind,
            namespace: frame.namespace,
            ack_id: frame.ack_id,
            attachments: frame.attachments,
            data,
        })
    }

    /// Detaches the packet from its input.
    pub fn into_owned(self) -> Packet<'static> {
        Packet {
            kind: self.kind,
            namespace: self.namespace.into_owned(),
            ack_id: self.ack_id,
            attachments: self.attachments,
            data: self.data.map(|d| Cow::Owned(d.into_owned())),
        }
    }

    /// The payload text, if any.
    pub fn data_str(&self) -> Option<&str> {
        self.data.as_deref().map(RawValue::get)
    }

    /// Deserializes the whole payload into `T`, borrowing from the packet where `T` allows it.
    /// An absent payload reads as JSON `null` (so `Option<T>` gives `None`).
    ///
    /// # Errors
    ///
    /// The `serde_json` error when the payload does not fit `T`.
    pub fn data_as<'s, T: Deserialize<'s>>(&'s self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.data_str().unwrap_or("null"))
    }

    /// The event name of an EVENT / BINARY_EVENT, or `None` for other types and for an EVENT
    /// without payload. Borrowed unless the name contains a JSON escape.
    pub fn event_name(&self) -> Option<EventName<'_>> {
        if !self.kind.is_event() {
            return None;
        }
        validate::event_name(self.data_str()?).ok()
    }

    /// Deserializes the arguments into `T` (a tuple, a tuple struct, a struct read
    /// positionally, or a `Vec`): for EVENT / BINARY_EVENT the array elements after the event
    /// name, for every other type all elements.
    ///
    /// An absent payload gives zero arguments. Arguments after those `T` reads are ignored, as a
    /// JavaScript handler ignores extra arguments (for example the offset of connection state
    /// recovery, SIO5-REC-003).
    ///
    /// # Errors
    ///
    /// The `serde_json` error when the arguments do not fit `T` or the payload is not an array.
    pub fn args<'s, T: Deserialize<'s>>(&'s self) -> Result<T, serde_json::Error> {
        let (json, skip_first) = match self.data_str() {
            Some(json) => (json, self.kind.is_event()),
            None => ("[]", false),
        };
        let mut de = serde_json::Deserializer::from_str(json);
        let value = ArgsSeed {
            skip_first,
            marker: PhantomData,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
}

impl PartialEq for Packet<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.namespace == other.namespace
            && self.ack_id == other.ack_id
            && self.attachments == other.attachments
            && self.data_str() == other.data_str()
    }
}

impl Eq for Packet<'_> {}

/// The canonical one-line rendering used by snapshots:
/// `SIO EVENT ns=/chat ack=12 attachments=1 data=["msg",{"_placeholder":true,"num":0}]`.
/// Absent fields are left out; the revision 5 type names are used.
impl fmt::Display for Packet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIO {} ns={}", self.kind.name(), self.namespace)?;
        if let Some(id) = self.ack_id {
            write!(f, " ack={id}")?;
        }
        if let Some(n) = self.attachments {
            write!(f, " attachments={n}")?;
        }
        if let Some(data) = self.data_str() {
            write!(f, " data={data}")?;
        }
        Ok(())
    }
}

struct ArgsSeed<T> {
    skip_first: bool,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ArgsSeed<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ArgsSeed<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of arguments")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        if self.skip_first {
            let _name: Option<IgnoredAny> = seq.next_element()?;
        }
        let value = T::deserialize(SeqAccessDeserializer::new(&mut seq))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use DecodeError::*;
    use ProtocolVersion::*;

    /// `packet!(version, wire => "canonical rendering")` or `packet!(version, wire => Err(..))`.
    macro_rules! packet {
        ($v:ident, $wire:literal => Err($err:expr)) => {
            assert_eq!(
                Packet::decode($wire, $v, &Limits::DEFAULT),
                Err($err),
                "{:?}",
                $wire
            )
        };
        ($v:ident, $wire:literal => $canonical:literal) => {{
            let p = Packet::decode($wire, $v, &Limits::DEFAULT)
                .unwrap_or_else(|e| panic!("{:?}: {e}", $wire));
            assert_eq!(p.to_string(), $canonical, "{:?}", $wire);
        }};
    }

    #[test]
    fn packet_type_chars() {
        for (i, kind) in PacketType::ALL.into_iter().enumerate() {
            let c = char::from(b'0' + i as u8);
            assert_eq!(kind.as_char(), c);
            assert_eq!(PacketType::from_char(c), Some(kind));
        }
        assert_eq!(PacketType::from_char('7'), None);
        assert_eq!(PacketType::from_char('/'), None);
        assert_eq!(PacketType::from_char('٣'), None);
        assert_eq!(PacketType::ConnectError.name_in(V4), "ERROR");
        assert_eq!(PacketType::ConnectError.name_in(V5), "CONNECT_ERROR");
    }

    // spec: SIO5-VAL-006
    // spec: SIO5-VAL-007
    #[test]
    fn accepted() {
        packet!(V5, "0" => "SIO CONNECT ns=/");
        packet!(V5, r#"0{"token":"123"}"# => r#"SIO CONNECT ns=/ data={"token":"123"}"#);
        packet!(V5, "0/custom," => "SIO CONNECT ns=/custom");
        packet!(V5, r#"0/custom{"a":1}"# => r#"SIO CONNECT ns=/custom{"a":1}"#);
        packet!(V5, "0/," => "SIO CONNECT ns=/");
        packet!(V5, "012" => "SIO CONNECT ns=/ ack=12");
        packet!(V5, "1/admin," => "SIO DISCONNECT ns=/admin");
        packet!(V5, "2" => "SIO EVENT ns=/");
        packet!(V5, "35" => "SIO ACK ns=/ ack=5");
        packet!(V5, r#"2["1-2","12-3"]"# => r#"SIO EVENT ns=/ data=["1-2","12-3"]"#);
        packet!(V5, r#"2["a",{"_placeholder":true,"num":0}]"#
            => r#"SIO EVENT ns=/ data=["a",{"_placeholder":true,"num":0}]"#);
        packet!(V5, r#"52-789["m",{"_placeholder":true,"num":0}]"#
            => r#"SIO BINARY_EVENT ns=/ ack=789 attachments=2 data=["m",{"_placeholder":true,"num":0}]"#);
        packet!(V4, "4null" => "SIO CONNECT_ERROR ns=/ data=null");
        packet!(V4, r#"2["connect"]"# => r#"SIO EVENT ns=/ data=["connect"]"#);
    }

    #[test]
    fn rejected() {
        packet!(V5, "5" => Err(MissingAttachmentSeparator));
        packet!(V5, "{}" => Err(UnknownPacketType('{')));
        packet!(V5, "2{}" => Err(EventPayloadNotArray));
        packet!(V5, r#"2abc["message-with-ack",1]"# => Err(InvalidJson));
        packet!(V5, r#"2["connect"]"# => Err(ReservedEventName));
        packet!(V5, r#"5-["a"]"# => Err(IllegalAttachments));
        packet!(V5, r#"51["x"]"# => Err(MissingAttachmentSeparator));
        packet!(V5, r#"51000-["a"]"# => Err(TooManyAttachments));
        packet!(V5, "1{}" => Err(DisconnectWithPayload));
        packet!(V5, "4null" => Err(ConnectErrorPayloadInvalid));
        packet!(V5, "312345678901234567890[]" => Err(AckIdOverflow));
    }

    #[test]
    fn typed_access() {
        let p = Packet::decode(r#"2["ev","a\"b",[1,2]]"#, V5, &Limits::DEFAULT).unwrap();
        let (s, v): (Cow<'_, str>, Vec<u8>) = p.args().unwrap();
        assert_eq!((s.as_ref(), v), ("a\"b", vec![1, 2]));
        let extra = Packet::decode(r#"2["ev","x","extra"]"#, V5, &Limits::DEFAULT).unwrap();
        let (s,): (&str,) = extra.args().unwrap();
        assert_eq!(s, "x");

        let ack = Packet::decode("37[1,2]", V5, &Limits::DEFAULT).unwrap();
        assert_eq!(ack.args::<Vec<u32>>().unwrap(), [1, 2]);
        assert_eq!(ack.event_name(), None);

        let empty = Packet::decode("37", V5, &Limits::DEFAULT).unwrap();
        assert_eq!(empty.args::<Vec<u32>>().unwrap(), Vec::<u32>::new());
        assert_eq!(empty.data_as::<Option<u32>>().unwrap(), None);

        let num = Packet::decode("2[1,2]", V5, &Limits::DEFAULT).unwrap();
        assert_eq!(num.event_name(), Some(EventName::Number(1.into())));
        assert_eq!(num.args::<(u8,)>().unwrap(), (2,));

        let owned = Packet::decode(r#"0/a,{"x":1}"#, V5, &Limits::DEFAULT)
            .unwrap()
            .into_owned();
        assert_eq!(owned.to_string(), r#"SIO CONNECT ns=/a data={"x":1}"#);
    }
}
