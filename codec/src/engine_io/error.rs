//! Why Engine.IO input was rejected.
//!
//! [`DecodeError`] means the peer sent something the specification forbids. Each variant is named
//! after the rule that was broken, and [`DecodeError::code`] gives the stable kebab-case string
//! used by fixtures (`"error": "unknown-packet-type"`) and by conformance reports. Codes never
//! change once published; new rules get new variants.

use std::fmt;

use super::sid::SidError;

/// Input that breaks an Engine.IO wire rule.
///
/// Returned by every Engine.IO decoder: packets, polling payloads, the handshake and error
/// bodies. A decoder that returns one has consumed nothing the caller can rely on beyond the
/// packets it already handed out; the reference server closes the session ("parse error").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// A packet MUST contain at least its type character (or, in v3, its type byte): an empty
    /// text message, an empty v3 binary message, or an empty piece inside a v3 payload.
    ///
    /// Spec: EIO4-PKT-004
    EmptyPacket,
    /// The first character of a text packet MUST be a type digit `0`–`6` or `b`.
    ///
    /// Spec: EIO4-PKT-005
    UnknownPacketType(char),
    /// The first byte of a v3 binary packet MUST be a packet type `0x00`–`0x06`.
    ///
    /// Spec: EIO3-PKT-002
    UnknownBinaryPacketType(u8),
    /// A v3 base64 packet (`b…`) MUST carry a type digit `0`–`6` after the `b`.
    ///
    /// Spec: EIO3-PKT-004
    MissingBase64PacketType,
    /// Base64 data MUST use the standard alphabet, with or without `=` padding, and nothing else.
    ///
    /// Node's `Buffer.from(…, "base64")` skips unknown characters; this decoder does not, on
    /// purpose, so that a conformance run reports such input.
    ///
    /// Spec: EIO4-PKT-009, EIO3-PKT-004
    InvalidBase64,
    /// Text MUST be valid UTF-8 (a v4 payload piece, a string packet of a v3 binary payload, or a
    /// v3 text payload body).
    InvalidUtf8,
    /// A polling body MUST NOT be empty.
    ///
    /// Spec: EIO4-PAY-004
    EmptyPayload,
    /// A v4 payload MUST NOT contain an empty piece (two adjacent `\x1e`, or one at either end).
    ///
    /// Spec: EIO4-PAY-004
    EmptyPayloadPiece,
    /// A v3 payload length MUST be a non-empty run of decimal digits (ASCII in the text format,
    /// raw bytes `0x00`–`0x09` in the binary format).
    ///
    /// Spec: EIO3-PAY-004
    PayloadLengthNotANumber,
    /// A v3 payload length MUST NOT have more than 310 digits nor exceed the platform's `usize`.
    ///
    /// Spec: EIO3-PAY-008
    PayloadLengthTooLong,
    /// A v3 payload length MUST be followed by `:` (text format) or `0xFF` (binary format) before
    /// the body ends.
    ///
    /// Spec: EIO3-PAY-004
    PayloadLengthUnterminated,
    /// A v3 payload record MUST hold exactly as many UTF-16 code units (text format) or bytes
    /// (binary format) as its length says: the body ended early, or the length ends inside a
    /// character.
    ///
    /// Spec: EIO3-PAY-002, EIO3-PAY-004
    PayloadLengthMismatch,
    /// A v3 binary payload record MUST start with the marker `0x00` (string) or `0x01` (binary).
    ///
    /// Spec: EIO3-PAY-005
    InvalidBinaryPayloadMarker(u8),
    /// A polling body MUST NOT be longer than the decoder's limit (the server's `maxPayload`).
    ///
    /// Spec: EIO4-LIM-002
    PayloadTooLarge,
    /// The open packet's data MUST be JSON.
    ///
    /// Spec: EIO4-HS-005
    HandshakeNotJson,
    /// The open packet's JSON MUST be an object.
    ///
    /// Spec: EIO4-HS-005
    HandshakeNotObject,
    /// The open packet's JSON MUST contain this key.
    ///
    /// Spec: EIO4-HS-005
    HandshakeFieldMissing(&'static str),
    /// This key of the open packet's JSON MUST have its specified JSON type (a string, an array
    /// of strings, or a non-negative integer).
    ///
    /// Spec: EIO4-HS-005
    HandshakeFieldType(&'static str),
    /// This key MUST NOT appear twice in the open packet's JSON.
    HandshakeFieldDuplicate(&'static str),
    /// A session id MUST be non-empty, at most 128 bytes, and URL-safe (see [`super::Sid`]).
    InvalidSid(SidError),
    /// An HTTP error body MUST be a JSON object.
    ///
    /// Spec: EIO4-ERR-001
    ErrorBodyNotJson,
    /// An HTTP error body MUST contain this key (`code` or `message`).
    ///
    /// Spec: EIO4-ERR-001
    ErrorBodyFieldMissing(&'static str),
    /// This key of an HTTP error body MUST have its JSON type (`code`: integer 0–255,
    /// `message`: string).
    ///
    /// Spec: EIO4-ERR-001
    ErrorBodyFieldType(&'static str),
}

impl DecodeError {
    /// The stable kebab-case name of the broken rule, as used in fixtures and reports.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::EmptyPacket => "empty-packet",
            DecodeError::UnknownPacketType(_) => "unknown-packet-type",
            DecodeError::UnknownBinaryPacketType(_) => "unknown-binary-packet-type",
            DecodeError::MissingBase64PacketType => "missing-base64-packet-type",
            DecodeError::InvalidBase64 => "invalid-base64",
            DecodeError::InvalidUtf8 => "invalid-utf8",
            DecodeError::EmptyPayload => "empty-payload",
            DecodeError::EmptyPayloadPiece => "empty-payload-piece",
            DecodeError::PayloadLengthNotANumber => "payload-length-not-a-number",
            DecodeError::PayloadLengthTooLong => "payload-length-too-long",
            DecodeError::PayloadLengthUnterminated => "payload-length-unterminated",
            DecodeError::PayloadLengthMismatch => "payload-length-mismatch",
            DecodeError::InvalidBinaryPayloadMarker(_) => "invalid-binary-payload-marker",
            DecodeError::PayloadTooLarge => "payload-too-large",
            DecodeError::HandshakeNotJson => "handshake-not-json",
            DecodeError::HandshakeNotObject => "handshake-not-object",
            DecodeError::HandshakeFieldMissing(_) => "handshake-field-missing",
            DecodeError::HandshakeFieldType(_) => "handshake-field-type",
            DecodeError::HandshakeFieldDuplicate(_) => "handshake-field-duplicate",
            DecodeError::InvalidSid(_) => "invalid-sid",
            DecodeError::ErrorBodyNotJson => "error-body-not-json",
            DecodeError::ErrorBodyFieldMissing(_) => "error-body-field-missing",
            DecodeError::ErrorBodyFieldType(_) => "error-body-field-type",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::EmptyPacket => f.write_str("empty Engine.IO packet"),
            DecodeError::UnknownPacketType(c) => write!(f, "unknown packet type {c:?}"),
            DecodeError::UnknownBinaryPacketType(b) => {
                write!(f, "unknown binary packet type byte 0x{b:02x}")
            }
            DecodeError::MissingBase64PacketType => f.write_str("base64 packet without a type"),
            DecodeError::InvalidBase64 => f.write_str("invalid base64 data"),
            DecodeError::InvalidUtf8 => f.write_str("invalid UTF-8 text"),
            DecodeError::EmptyPayload => f.write_str("empty polling payload"),
            DecodeError::EmptyPayloadPiece => f.write_str("empty piece in a polling payload"),
            DecodeError::PayloadLengthNotANumber => f.write_str("payload length is not a number"),
            DecodeError::PayloadLengthTooLong => f.write_str("payload length is too long"),
            DecodeError::PayloadLengthUnterminated => {
                f.write_str("payload ends inside a length prefix")
            }
            DecodeError::PayloadLengthMismatch => {
                f.write_str("payload record does not match its length")
            }
            DecodeError::InvalidBinaryPayloadMarker(b) => {
                write!(f, "invalid binary payload marker 0x{b:02x}")
            }
            DecodeError::PayloadTooLarge => f.write_str("payload is larger than the limit"),
            DecodeError::HandshakeNotJson => f.write_str("handshake is not JSON"),
            DecodeError::HandshakeNotObject => f.write_str("handshake is not a JSON object"),
            DecodeError::HandshakeFieldMissing(k) => write!(f, "handshake lacks {k:?}"),
            DecodeError::HandshakeFieldType(k) => write!(f, "handshake {k:?} has the wrong type"),
            DecodeError::HandshakeFieldDuplicate(k) => write!(f, "handshake repeats {k:?}"),
            DecodeError::InvalidSid(e) => write!(f, "invalid session id: {e}"),
            DecodeError::ErrorBodyNotJson => f.write_str("error body is not a JSON object"),
            DecodeError::ErrorBodyFieldMissing(k) => write!(f, "error body lacks {k:?}"),
            DecodeError::ErrorBodyFieldType(k) => {
                write!(f, "error body {k:?} has the wrong type")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

impl From<SidError> for DecodeError {
    fn from(e: SidError) -> Self {
        DecodeError::InvalidSid(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kebab_case_and_distinct() {
        let all = [
            DecodeError::EmptyPacket,
            DecodeError::UnknownPacketType('x'),
            DecodeError::UnknownBinaryPacketType(9),
            DecodeError::MissingBase64PacketType,
            DecodeError::InvalidBase64,
            DecodeError::InvalidUtf8,
            DecodeError::EmptyPayload,
            DecodeError::EmptyPayloadPiece,
            DecodeError::PayloadLengthNotANumber,
            DecodeError::PayloadLengthTooLong,
            DecodeError::PayloadLengthUnterminated,
            DecodeError::PayloadLengthMismatch,
            DecodeError::InvalidBinaryPayloadMarker(2),
            DecodeError::PayloadTooLarge,
            DecodeError::HandshakeNotJson,
            DecodeError::HandshakeNotObject,
            DecodeError::HandshakeFieldMissing("sid"),
            DecodeError::HandshakeFieldType("sid"),
            DecodeError::HandshakeFieldDuplicate("sid"),
            DecodeError::InvalidSid(SidError::Empty),
            DecodeError::ErrorBodyNotJson,
            DecodeError::ErrorBodyFieldMissing("code"),
            DecodeError::ErrorBodyFieldType("code"),
        ];
        let mut seen = std::collections::HashSet::new();
        for e in all {
            let code = e.code();
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            );
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(!e.to_string().is_empty());
        }
    }
}
