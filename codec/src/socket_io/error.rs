//! Errors of the Socket.IO layer, typed by who is at fault.
//!
//! - [`DecodeError`]: the peer sent something the specification forbids. The connection that
//!   carried it should be closed (SIO5-STATE-006).
//! - [`ApiMisuse`]: the caller asked the codec to build something it must not send (a namespace
//!   with a comma, a reserved event name, an ack id a JavaScript peer cannot represent, ...).
//!
//! The two are never merged. Both have a stable kebab-case [`DecodeError::code`] /
//! [`ApiMisuse::code`] that fixtures and conformance reports use instead of `Debug` output.

use std::fmt;

use super::packet::PacketType;

/// The peer sent a Socket.IO packet (or attachment sequence) that the specification forbids.
///
/// Every variant is named after the violated rule. After a `DecodeError` the stateful
/// [`Decoder`](super::Decoder) is reset to its initial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeError {
    /// The Engine.IO message carrying the packet was empty.
    ///
    /// Spec: SIO5-PKT-015
    EmptyPacket,
    /// The first character is not a packet type digit `0`..=`6`. Carries that character.
    ///
    /// Spec: SIO5-PKT-016
    UnknownPacketType(char),
    /// A type 5/6 packet has no attachment count: its `-` follows the type directly.
    ///
    /// Spec: SIO5-BIN-007
    IllegalAttachments,
    /// The digits after the type of a 5/6 packet (possibly none) are not followed by `-`.
    ///
    /// Decided after the digit run, without scanning further (interop-bugs #2).
    ///
    /// Spec: SIO5-BIN-007, SIO5-BIN-008
    MissingAttachmentSeparator,
    /// The attachment count is zero.
    ///
    /// Spec: SIO5-BIN-009
    ZeroAttachments,
    /// The attachment count is above [`Limits::max_attachments`](super::Limits).
    ///
    /// Spec: SIO5-BIN-010
    TooManyAttachments,
    /// The ack id is above 2^53 - 1 (9007199254740991), which no JavaScript peer can represent.
    ///
    /// Deliberately stricter than the reference, which rounds the id to a double.
    ///
    /// Spec: SIO5-PKT-013
    AckIdOverflow,
    /// The payload is not exactly one well-formed JSON value.
    ///
    /// Spec: SIO5-VAL-001
    InvalidJson,
    /// A CONNECT payload is present and is not a JSON object.
    ///
    /// Spec: SIO5-VAL-002
    ConnectPayloadNotObject,
    /// A DISCONNECT packet has a payload.
    ///
    /// Spec: SIO5-VAL-003
    DisconnectWithPayload,
    /// An EVENT / BINARY_EVENT payload is present and is not a JSON array.
    ///
    /// Spec: SIO5-VAL-004, SIO5-VAL-009
    EventPayloadNotArray,
    /// An EVENT / BINARY_EVENT payload is the empty array `[]`.
    ///
    /// Spec: SIO5-VAL-004
    EventEmpty,
    /// The first element of an EVENT payload is neither a string nor a number.
    ///
    /// Spec: SIO5-VAL-005
    EventNameNotStringOrNumber,
    /// The event name is reserved (`connect`, `connect_error`, `disconnect`, `disconnecting`,
    /// `newListener`, `removeListener`). Only raised for protocol revision 5.
    ///
    /// Spec: SIO5-RSV-002
    ReservedEventName,
    /// An ACK / BINARY_ACK payload is present and is not a JSON array.
    ///
    /// Spec: SIO5-VAL-007, SIO5-VAL-009
    AckPayloadNotArray,
    /// A CONNECT_ERROR payload is present and is neither a JSON string nor a JSON object
    /// (revision 5 only; revision 4 accepts any JSON value).
    ///
    /// Spec: SIO5-VAL-008
    ConnectErrorPayloadInvalid,
    /// An object with `"_placeholder": true` is not exactly `{"_placeholder":true,"num":N}` in
    /// either member order: `num` is missing, a member is duplicated, or there are extra members.
    ///
    /// Spec: SIO5-BIN-015
    PlaceholderMalformed,
    /// A placeholder's `num` is not a JSON integer (a string such as `"splice"`, a fraction, a
    /// boolean, ...). interop-bugs #22 (CVE-2022-2421).
    ///
    /// Spec: SIO5-BIN-015
    PlaceholderNumNotInteger,
    /// A placeholder's `num` is negative or not smaller than the attachment count.
    ///
    /// Spec: SIO5-BIN-015
    PlaceholderNumOutOfRange,
    /// Two placeholders carry the same `num`.
    ///
    /// Deliberately stricter than the reference, which only checks the range.
    ///
    /// Spec: SIO5-BIN-016
    PlaceholderDuplicate,
    /// An attachment is referenced by no placeholder (there are fewer placeholders than the
    /// attachment count).
    ///
    /// Deliberately stricter than the reference.
    ///
    /// Spec: SIO5-BIN-016
    AttachmentUnused,
    /// A text message arrived while attachments of a binary header were still expected.
    ///
    /// Spec: SIO5-BIN-011
    UnexpectedText,
    /// A binary message arrived while no attachment was expected.
    ///
    /// Spec: SIO5-BIN-012
    UnexpectedBinary,
}

impl DecodeError {
    /// The stable kebab-case code of this error, as used by fixtures and conformance reports.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyPacket => "empty-packet",
            Self::UnknownPacketType(_) => "unknown-packet-type",
            Self::IllegalAttachments => "illegal-attachments",
            Self::MissingAttachmentSeparator => "missing-attachment-separator",
            Self::ZeroAttachments => "zero-attachments",
            Self::TooManyAttachments => "too-many-attachments",
            Self::AckIdOverflow => "ack-id-overflow",
            Self::InvalidJson => "invalid-json",
            Self::ConnectPayloadNotObject => "connect-payload-not-object",
            Self::DisconnectWithPayload => "disconnect-with-payload",
            Self::EventPayloadNotArray => "event-payload-not-array",
            Self::EventEmpty => "event-empty",
            Self::EventNameNotStringOrNumber => "event-name-not-string-or-number",
            Self::ReservedEventName => "reserved-event-name",
            Self::AckPayloadNotArray => "ack-payload-not-array",
            Self::ConnectErrorPayloadInvalid => "connect-error-payload-invalid",
            Self::PlaceholderMalformed => "placeholder-malformed",
            Self::PlaceholderNumNotInteger => "placeholder-num-not-integer",
            Self::PlaceholderNumOutOfRange => "placeholder-num-out-of-range",
            Self::PlaceholderDuplicate => "placeholder-duplicate",
            Self::AttachmentUnused => "attachment-unused",
            Self::UnexpectedText => "unexpected-text",
            Self::UnexpectedBinary => "unexpected-binary",
        }
    }

    fn message(&self) -> &'static str {
        match self {
            Self::EmptyPacket => "empty Socket.IO packet",
            Self::UnknownPacketType(_) => "unknown packet type",
            Self::IllegalAttachments => "attachment count is not a decimal number",
            Self::MissingAttachmentSeparator => "attachment count is not followed by '-'",
            Self::ZeroAttachments => "attachment count is zero",
            Self::TooManyAttachments => "too many attachments",
            Self::AckIdOverflow => "ack id above 2^53 - 1",
            Self::InvalidJson => "payload is not one well-formed JSON value",
            Self::ConnectPayloadNotObject => "CONNECT payload is not a JSON object",
            Self::DisconnectWithPayload => "DISCONNECT packet has a payload",
            Self::EventPayloadNotArray => "EVENT payload is not a JSON array",
            Self::EventEmpty => "EVENT payload is an empty array",
            Self::EventNameNotStringOrNumber => "event name is neither a string nor a number",
            Self::ReservedEventName => "event name is reserved",
            Self::AckPayloadNotArray => "ACK payload is not a JSON array",
            Self::ConnectErrorPayloadInvalid => {
                "CONNECT_ERROR payload is neither string nor object"
            }
            Self::PlaceholderMalformed => "malformed attachment placeholder",
            Self::PlaceholderNumNotInteger => "placeholder num is not an integer",
            Self::PlaceholderNumOutOfRange => "placeholder num out of range",
            Self::PlaceholderDuplicate => "two placeholders reference the same attachment",
            Self::AttachmentUnused => "an attachment is referenced by no placeholder",
            Self::UnexpectedText => "text message while attachments are pending",
            Self::UnexpectedBinary => "binary message while no attachment is pending",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownPacketType(c) => write!(f, "{} {c:?} ({})", self.message(), self.code()),
            _ => write!(f, "{} ({})", self.message(), self.code()),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The caller asked the codec for something a conforming peer must not send.
///
/// Returned by the checked constructors ([`Namespace::new`](super::Namespace::new),
/// [`AckId::new`](super::AckId::new), [`EventName::new`](super::EventName::new)) and by the
/// encoders. Never returned for input that came from the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiMisuse {
    /// A namespace must start with `/`.
    ///
    /// Spec: SIO5-PKT-008
    NamespaceWithoutLeadingSlash,
    /// A namespace must not contain `,`, which terminates it on the wire.
    ///
    /// Spec: SIO5-PKT-005, SIO5-PKT-008
    NamespaceWithComma,
    /// An ack id must not exceed 2^53 - 1.
    ///
    /// Spec: SIO5-PKT-013
    AckIdTooLarge,
    /// The event name is reserved and must not be emitted.
    ///
    /// Spec: SIO5-RSV-001
    ReservedEventName,
    /// The operation does not apply to this packet type (for example `encode_binary` with
    /// CONNECT).
    WrongPacketKind(PacketType),
    /// The payload handed to a constructor breaks the payload rule of its packet type; carries
    /// the rule a decoder would report.
    InvalidPayload(DecodeError),
    /// The arguments did not serialize to a JSON array (pass a tuple, a slice or a `Vec`).
    ArgsNotSequence,
    /// `serde_json` failed to serialize the caller's value.
    Serialize(serde_json::error::Category),
    /// A [`Value`](super::Value) holding binary was converted to plain JSON.
    BinaryNotJson,
}

impl ApiMisuse {
    /// The stable kebab-case code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NamespaceWithoutLeadingSlash => "namespace-without-leading-slash",
            Self::NamespaceWithComma => "namespace-with-comma",
            Self::AckIdTooLarge => "ack-id-too-large",
            Self::ReservedEventName => "reserved-event-name",
            Self::WrongPacketKind(_) => "wrong-packet-kind",
            Self::InvalidPayload(_) => "invalid-payload",
            Self::ArgsNotSequence => "args-not-sequence",
            Self::Serialize(_) => "serialize-failed",
            Self::BinaryNotJson => "binary-not-json",
        }
    }
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NamespaceWithoutLeadingSlash => f.write_str("namespace must start with '/'"),
            Self::NamespaceWithComma => f.write_str("namespace must not contain ','"),
            Self::AckIdTooLarge => f.write_str("ack id above 2^53 - 1"),
            Self::ReservedEventName => f.write_str("event name is reserved"),
            Self::WrongPacketKind(kind) => write!(f, "operation not valid for {}", kind.name()),
            Self::InvalidPayload(rule) => write!(f, "invalid payload: {rule}"),
            Self::ArgsNotSequence => f.write_str("arguments must serialize to a JSON array"),
            Self::Serialize(category) => write!(f, "serialization failed ({category:?})"),
            Self::BinaryNotJson => f.write_str("value holds binary data"),
        }?;
        write!(f, " ({})", self.code())
    }
}

impl std::error::Error for ApiMisuse {}
