//! One Engine.IO packet: its type and its data, and the text and binary forms it takes on the wire.
//!
//! A packet travels in one of three shapes:
//!
//! | shape | v4 | v3 |
//! |---|---|---|
//! | text (WebSocket text frame, payload piece) | `<type digit><UTF-8 data>` | same |
//! | binary data as text (polling, `b64=1`) | `b<base64>` (always a message) | `b<type digit><base64>` |
//! | binary WebSocket frame | the raw data (always a message) | `<type byte 0x00–0x06><data>` |
//!
//! Decoders borrow: the data of a decoded text packet points into the input; only base64 data is
//! copied (it has to be decoded). [`Packet::into_owned`] detaches a packet from its input.
//!
//! v4 has no way to say "binary data of a type other than message"; encoding such a packet in v4
//! writes it as a binary message (see [`Packet::is_encodable`]).
//!
//! ```
//! use socketio_codec::engine_io::{FrameKind, Packet, PacketType, ProtocolVersion};
//!
//! let p = Packet::decode_text("2probe", ProtocolVersion::V4).unwrap();
//! assert_eq!(p, Packet::ping_probe());
//!
//! let p = Packet::decode_text("bAQIDBA==", ProtocolVersion::V4).unwrap();
//! assert_eq!(p, Packet::binary(&[1, 2, 3, 4]));
//!
//! let mut frame = Vec::new();
//! let kind = p.encode_websocket(ProtocolVersion::V3, false, &mut frame);
//! assert_eq!((kind, frame.as_slice()), (FrameKind::Binary, &[4, 1, 2, 3, 4][..]));
//!
//! let mut text = String::new();
//! Packet::message("hello").encode_text(ProtocolVersion::V4, &mut text);
//! assert_eq!(text, "4hello");
//! # let _ = PacketType::Message;
//! ```

use std::borrow::Cow;

use super::{DecodeError, ProtocolVersion, base64};

/// The Engine.IO packet types, in wire order (`0`–`6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PacketType {
    /// `0`: the server's handshake (JSON data).
    Open,
    /// `1`: closes the session.
    Close,
    /// `2`: heartbeat request (v4: server → client; v3: client → server). `2probe` starts an
    /// upgrade.
    Ping,
    /// `3`: heartbeat answer. `3probe` answers the upgrade probe.
    Pong,
    /// `4`: application data.
    Message,
    /// `5`: completes an upgrade.
    Upgrade,
    /// `6`: does nothing; releases a pending polling GET.
    Noop,
}

impl PacketType {
    /// All types, in wire order.
    pub const ALL: [PacketType; 7] = [
        PacketType::Open,
        PacketType::Close,
        PacketType::Ping,
        PacketType::Pong,
        PacketType::Message,
        PacketType::Upgrade,
        PacketType::Noop,
    ];

    /// The type digit `'0'`–`'6'`.
    pub fn as_char(self) -> char {
        char::from(b'0' + self.as_u8())
    }

    /// The type number 0–6 (the raw type byte of a v3 binary frame).
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The type of digit `'0'`–`'6'`.
    pub fn from_char(c: char) -> Option<Self> {
        match c {
            '0'..='6' => Self::from_u8(c as u8 - b'0'),
            _ => None,
        }
    }

    /// The type of number 0–6.
    pub fn from_u8(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n)).copied()
    }

    /// The lower-case name: `"open"`, `"close"`, `"ping"`, `"pong"`, `"message"`, `"upgrade"`,
    /// `"noop"`.
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Open => "open",
            PacketType::Close => "close",
            PacketType::Ping => "ping",
            PacketType::Pong => "pong",
            PacketType::Message => "message",
            PacketType::Upgrade => "upgrade",
            PacketType::Noop => "noop",
        }
    }
}

/// The data of a packet: text or bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PacketData<'a> {
    /// UTF-8 text (possibly empty).
    Text(Cow<'a, str>),
    /// Bytes (possibly empty).
    Binary(Cow<'a, [u8]>),
}

impl PacketData<'_> {
    /// Detaches the data from the input it borrows.
    pub fn into_owned(self) -> PacketData<'static> {
        match self {
            PacketData::Text(t) => PacketData::Text(Cow::Owned(t.into_owned())),
            PacketData::Binary(b) => PacketData::Binary(Cow::Owned(b.into_owned())),
        }
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            PacketData::Text(t) => Some(t),
            PacketData::Binary(_) => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            PacketData::Text(_) => None,
            PacketData::Binary(b) => Some(b),
        }
    }
}

/// Which kind of WebSocket message carries an encoded packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// A text message (the bytes are UTF-8).
    Text,
    /// A binary message.
    Binary,
}

/// One Engine.IO packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Packet<'a> {
    /// The packet type.
    pub kind: PacketType,
    /// The data following the type.
    pub data: PacketData<'a>,
}

impl<'a> Packet<'a> {
    /// A packet of `kind` with text `data`.
    pub fn text(kind: PacketType, data: &'a str) -> Self {
        Packet {
            kind,
            data: PacketData::Text(Cow::Borrowed(data)),
        }
    }

    /// A message with text data (`4<data>`).
    pub fn message(data: &'a str) -> Self {
        Packet::text(PacketType::Message, data)
    }

    /// A message with binary data.
    pub fn binary(data: &'a [u8]) -> Self {
        Packet {
            kind: PacketType::Message,
            data: PacketData::Binary(Cow::Borrowed(data)),
        }
    }

    /// Decodes a text WebSocket message, or one piece of a polling payload.
    ///
    /// The first character is the type digit `0`–`6` and the rest is the data, borrowed from
    /// `input`. A leading `b` marks base64 binary data: in v4 `b<base64>` is a binary message
    /// (`b` alone is an empty one); in v3 it is `b<type digit><base64>`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::EmptyPacket`] for `""`; [`DecodeError::UnknownPacketType`] when the first
    /// character is not `0`–`6` or `b`; [`DecodeError::MissingBase64PacketType`] for a v3 `b`
    /// alone; [`DecodeError::InvalidBase64`] for bad base64.
    pub fn decode_text(input: &'a str, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let mut chars = input.chars();
        let first = chars.next().ok_or(DecodeError::EmptyPacket)?;
        let rest = chars.as_str();
        if first == 'b' {
            return decode_base64(rest, version);
        }
        let kind = PacketType::from_char(first).ok_or(DecodeError::UnknownPacketType(first))?;
        Ok(Packet::text(kind, rest))
    }

    /// Decodes a binary WebSocket message.
    ///
    /// In v4 the bytes are the data of a binary message (an empty frame is an empty message). In
    /// v3 the first byte is the packet type as a number 0–6 and the rest is the data.
    ///
    /// # Errors
    ///
    /// v3 only: [`DecodeError::EmptyPacket`] for an empty frame,
    /// [`DecodeError::UnknownBinaryPacketType`] when the first byte is above 6.
    pub fn decode_binary(input: &'a [u8], version: ProtocolVersion) -> Result<Self, DecodeError> {
        match version {
            ProtocolVersion::V4 => Ok(Packet::binary(input)),
            ProtocolVersion::V3 => {
                let (&first, rest) = input.split_first().ok_or(DecodeError::EmptyPacket)?;
                let kind = PacketType::from_u8(first)
                    .ok_or(DecodeError::UnknownBinaryPacketType(first))?;
                Ok(Packet {
                    kind,
                    data: PacketData::Binary(Cow::Borrowed(rest)),
                })
            }
        }
    }

    /// Appends the text form to `out`: `<type digit><data>` for text data; for binary data
    /// `b<base64>` in v4 and `b<type digit><base64>` in v3.
    ///
    /// In v4, binary data is always written as a message, whatever `kind` says.
    pub fn encode_text(&self, version: ProtocolVersion, out: &mut String) {
        match &self.data {
            PacketData::Text(t) => {
                out.push(self.kind.as_char());
                out.push_str(t);
            }
            PacketData::Binary(b) => {
                out.push('b');
                if version == ProtocolVersion::V3 {
                    out.push(self.kind.as_char());
                }
                base64::encode(b, out);
            }
        }
    }

    /// Appends the WebSocket form to `out` and says which frame kind carries it.
    ///
    /// Text data goes as a text frame. Binary data goes as a binary frame holding the raw data
    /// (v4) or the type byte followed by the data (v3); when `b64` is set (the client sent
    /// `b64=1`) it goes instead as a text frame holding the [`Packet::encode_text`] form.
    pub fn encode_websocket(
        &self,
        version: ProtocolVersion,
        b64: bool,
        out: &mut Vec<u8>,
    ) -> FrameKind {
        match &self.data {
            PacketData::Binary(b) if !b64 => {
                if version == ProtocolVersion::V3 {
                    out.push(self.kind.as_u8());
                }
                out.extend_from_slice(b);
                FrameKind::Binary
            }
            _ => {
                let mut text = String::new();
                self.encode_text(version, &mut text);
                out.extend_from_slice(text.as_bytes());
                FrameKind::Text
            }
        }
    }

    /// Whether [`Packet::encode_text`] and [`Packet::encode_websocket`] represent this packet
    /// exactly in `version`: false only for binary data of a type other than message in v4.
    pub fn is_encodable(&self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::V3
            || matches!(self.data, PacketData::Text(_))
            || self.kind == PacketType::Message
    }

    /// Whether the data is binary.
    pub fn is_binary(&self) -> bool {
        matches!(self.data, PacketData::Binary(_))
    }

    /// Detaches the packet from the input it borrows.
    pub fn into_owned(self) -> Packet<'static> {
        Packet {
            kind: self.kind,
            data: self.data.into_owned(),
        }
    }

    /// The number of UTF-16 code units of the text form (what a v3 text payload length counts).
    pub(crate) fn text_len_utf16(&self, version: ProtocolVersion) -> usize {
        match &self.data {
            PacketData::Text(t) => 1 + t.encode_utf16().count(),
            PacketData::Binary(b) => {
                let prefix = if version == ProtocolVersion::V3 { 2 } else { 1 };
                prefix + base64::encoded_len(b.len())
            }
        }
    }
}

impl Packet<'static> {
    /// An empty packet of `kind` (e.g. `1`, `2`, `3`, `5`, `6`).
    pub fn empty(kind: PacketType) -> Self {
        Packet::text(kind, "")
    }

    /// `1`: close.
    pub fn close() -> Self {
        Packet::empty(PacketType::Close)
    }

    /// `2`: ping.
    pub fn ping() -> Self {
        Packet::empty(PacketType::Ping)
    }

    /// `3`: pong.
    pub fn pong() -> Self {
        Packet::empty(PacketType::Pong)
    }

    /// `2probe`: the upgrade probe.
    pub fn ping_probe() -> Self {
        Packet::text(PacketType::Ping, "probe")
    }

    /// `3probe`: the answer to the upgrade probe.
    pub fn pong_probe() -> Self {
        Packet::text(PacketType::Pong, "probe")
    }

    /// `5`: upgrade.
    pub fn upgrade() -> Self {
        Packet::empty(PacketType::Upgrade)
    }

    /// `6`: noop.
    pub fn noop() -> Self {
        Packet::empty(PacketType::Noop)
    }

    /// `0<json>`: the open packet carrying `handshake`.
    pub fn open(handshake: &super::Handshake) -> Self {
        let mut json = String::new();
        handshake.encode(&mut json);
        Packet {
            kind: PacketType::Open,
            data: PacketData::Text(Cow::Owned(json)),
        }
    }
}

fn decode_base64(rest: &str, version: ProtocolVersion) -> Result<Packet<'static>, DecodeError> {
    let (kind, b64) = match version {
        ProtocolVersion::V4 => (PacketType::Message, rest),
        ProtocolVersion::V3 => {
            let mut chars = rest.chars();
            let c = chars.next().ok_or(DecodeError::MissingBase64PacketType)?;
            let kind = PacketType::from_char(c).ok_or(DecodeError::UnknownPacketType(c))?;
            (kind, chars.as_str())
        }
    };
    let bytes = base64::decode(b64)?;
    Ok(Packet {
        kind,
        data: PacketData::Binary(Cow::Owned(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProtocolVersion::{V3, V4};

    fn t(kind: PacketType, data: &str) -> Packet<'_> {
        Packet::text(kind, data)
    }

    fn b(kind: PacketType, data: &[u8]) -> Packet<'_> {
        Packet {
            kind,
            data: PacketData::Binary(Cow::Borrowed(data)),
        }
    }

    /// `case!(version, "wire" => Ok(packet))` decodes text; `case!(version, b"wire" => …)`
    /// decodes a binary frame.
    macro_rules! case {
        ($v:expr, text $wire:expr => $expected:expr) => {
            assert_eq!(
                Packet::decode_text($wire, $v),
                $expected,
                "text {:?}",
                $wire
            );
        };
        ($v:expr, bin $wire:expr => $expected:expr) => {
            assert_eq!(
                Packet::decode_binary($wire, $v),
                $expected,
                "binary {:?}",
                $wire
            );
        };
    }

    // spec: EIO4-PKT-002, EIO4-PKT-003, EIO4-PKT-004, EIO4-PKT-005
    #[test]
    fn text_packets_both_versions() {
        use PacketType::*;
        for v in [V3, V4] {
            case!(v, text "0{\"sid\":\"a\"}" => Ok(t(Open, "{\"sid\":\"a\"}")));
            case!(v, text "1" => Ok(t(Close, "")));
            case!(v, text "2" => Ok(t(Ping, "")));
            case!(v, text "2probe" => Ok(Packet::ping_probe()));
            case!(v, text "3probe" => Ok(Packet::pong_probe()));
            case!(v, text "4" => Ok(Packet::message("")));
            case!(v, text "4hello" => Ok(Packet::message("hello")));
            case!(v, text "4€😀" => Ok(Packet::message("€😀")));
            case!(v, text "5" => Ok(t(Upgrade, "")));
            case!(v, text "6" => Ok(t(Noop, "")));
            case!(v, text "" => Err(DecodeError::EmptyPacket));
            case!(v, text "7" => Err(DecodeError::UnknownPacketType('7')));
            case!(v, text "a4" => Err(DecodeError::UnknownPacketType('a')));
            case!(v, text "€" => Err(DecodeError::UnknownPacketType('€')));
            case!(v, text " 4" => Err(DecodeError::UnknownPacketType(' ')));
        }
    }

    // spec: EIO4-PKT-009, EIO3-PKT-004
    #[test]
    fn base64_packets() {
        use PacketType::*;
        case!(V4, text "b" => Ok(Packet::binary(b"")));
        case!(V4, text "bAQIDBA==" => Ok(Packet::binary(&[1, 2, 3, 4])));
        case!(V4, text "bAQIDBA" => Ok(Packet::binary(&[1, 2, 3, 4])));
        case!(V4, text "b4AQIDBA==" => Err(DecodeError::InvalidBase64));
        case!(V4, text "bAQ ID" => Err(DecodeError::InvalidBase64));
        case!(V3, text "b4AQIDBA==" => Ok(Packet::binary(&[1, 2, 3, 4])));
        case!(V3, text "b4" => Ok(Packet::binary(b"")));
        case!(V3, text "b2AQ==" => Ok(b(Ping, &[1])));
        // interop-bugs #9: base64 data whose decoded bytes start with `4` ("42").
        case!(V3, text "b4NDI=" => Ok(Packet::binary(b"42")));
        case!(V3, text "b" => Err(DecodeError::MissingBase64PacketType));
        case!(V3, text "b9AQ==" => Err(DecodeError::UnknownPacketType('9')));
        case!(V3, text "b4!!" => Err(DecodeError::InvalidBase64));
    }

    // spec: EIO3-PKT-002
    #[test]
    fn binary_frames() {
        use PacketType::*;
        case!(V4, bin b"\x01\x02\x03" => Ok(Packet::binary(&[1, 2, 3])));
        case!(V4, bin b"" => Ok(Packet::binary(b"")));
        case!(V4, bin b"\x04hello" => Ok(Packet::binary(b"\x04hello")));
        // interop-bugs #7: v3 binary frames carry the 0x04 type byte.
        case!(V3, bin b"\x04\x01\x02\x03\x04" => Ok(Packet::binary(&[1, 2, 3, 4])));
        case!(V3, bin b"\x04" => Ok(Packet::binary(b"")));
        case!(V3, bin b"\x02pr" => Ok(b(Ping, b"pr")));
        case!(V3, bin b"" => Err(DecodeError::EmptyPacket));
        case!(V3, bin b"\x07" => Err(DecodeError::UnknownBinaryPacketType(7)));
        case!(V3, bin b"4hello" => Err(DecodeError::UnknownBinaryPacketType(b'4')));
    }

    // spec: EIO4-PKT-001, EIO4-PKT-008, EIO3-PKT-003
    #[test]
    fn encode_text_forms() {
        let enc = |p: &Packet<'_>, v| {
            let mut s = String::new();
            p.encode_text(v, &mut s);
            s
        };
        assert_eq!(enc(&Packet::message("hello"), V4), "4hello");
        assert_eq!(enc(&Packet::ping(), V3), "2");
        assert_eq!(enc(&Packet::binary(&[1, 2, 3, 4]), V4), "bAQIDBA==");
        assert_eq!(enc(&Packet::binary(&[1, 2, 3, 4]), V3), "b4AQIDBA==");
        assert_eq!(enc(&Packet::binary(b""), V4), "b");
        assert_eq!(enc(&Packet::binary(b""), V3), "b4");
    }

    // spec: EIO4-PKT-007, EIO3-PKT-001
    #[test]
    fn encode_websocket_forms() {
        let enc = |p: &Packet<'_>, v, b64| {
            let mut out = Vec::new();
            let kind = p.encode_websocket(v, b64, &mut out);
            (kind, out)
        };
        let bin = Packet::binary(&[1, 2, 3]);
        assert_eq!(enc(&bin, V4, false), (FrameKind::Binary, vec![1, 2, 3]));
        assert_eq!(enc(&bin, V3, false), (FrameKind::Binary, vec![4, 1, 2, 3]));
        assert_eq!(enc(&bin, V4, true), (FrameKind::Text, b"bAQID".to_vec()));
        assert_eq!(enc(&bin, V3, true), (FrameKind::Text, b"b4AQID".to_vec()));
        assert_eq!(
            enc(&Packet::message("hi"), V3, false),
            (FrameKind::Text, b"4hi".to_vec())
        );
    }

    #[test]
    fn type_table() {
        for (n, kind) in PacketType::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(kind.as_u8()), n);
            assert_eq!(PacketType::from_char(kind.as_char()), Some(kind));
            assert_eq!(PacketType::from_u8(kind.as_u8()), Some(kind));
        }
        assert_eq!(PacketType::from_char('7'), None);
        assert_eq!(PacketType::from_u8(7), None);
        assert_eq!(PacketType::Upgrade.name(), "upgrade");
        assert_eq!(PacketType::Noop.as_char(), '6');
    }

    #[test]
    fn encodability() {
        let ping_bin = b(PacketType::Ping, b"x");
        assert!(!ping_bin.is_encodable(V4));
        assert!(ping_bin.is_encodable(V3));
        assert!(Packet::binary(b"x").is_encodable(V4));
        assert!(Packet::ping().is_encodable(V4));
    }
}
