//! Level 2, payload validation: JSON syntax plus the per-type payload rule, without a tree.
//!
//! The payload is parsed once, by `serde_json` into a borrowed [`RawValue`], which checks the
//! whole text is exactly one JSON value (SIO5-VAL-001). The per-type rule then only needs the
//! first byte of the value, and for EVENT the first element: a peek of a few bytes, since the
//! text is already known to be well-formed. No `serde_json::Value` is ever built.
//!
//! | type | payload rule (revision 5) | revision 4 difference |
//! |---|---|---|
//! | CONNECT | absent or object | — |
//! | DISCONNECT | absent | — |
//! | EVENT, BINARY_EVENT | absent, or array whose element 0 is a number or a non-reserved string | reserved names accepted (SIO4-VAL-003) |
//! | ACK, BINARY_ACK | absent or array | — |
//! | CONNECT_ERROR | absent, string or object | any JSON value (SIO4-PKT-002) |

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::DecodeError;
use super::event::{EventName, is_reserved};
use super::packet::{PacketType, ProtocolVersion};

/// Parses and checks the payload of a packet of type `kind`. `body` is the non-empty rest of
/// the packet after the header.
pub(crate) fn validate_body<'a>(
    kind: PacketType,
    body: &'a str,
    version: ProtocolVersion,
) -> Result<&'a RawValue, DecodeError> {
    if kind == PacketType::Disconnect {
        return Err(DecodeError::DisconnectWithPayload);
    }
    // Whitespace then a digit would be ack id digits to the reference, and a number after the
    // header cannot be written back apart from the ack id (SIO4-PKT-004).
    let trimmed = body.trim_start_matches([' ', '\t', '\n', '\r']);
    if trimmed.len() != body.len() && trimmed.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return Err(DecodeError::InvalidJson);
    }
    let raw: &'a RawValue = serde_json::from_str(body).map_err(|_| DecodeError::InvalidJson)?;
    check_shape(kind, raw.get(), version)?;
    Ok(raw)
}

/// Checks the per-type rule on well-formed JSON text `json` (no leading whitespace).
pub(crate) fn check_shape(
    kind: PacketType,
    json: &str,
    version: ProtocolVersion,
) -> Result<(), DecodeError> {
    let first = json.as_bytes().first().copied();
    match kind {
        PacketType::Connect if first != Some(b'{') => Err(DecodeError::ConnectPayloadNotObject),
        PacketType::Connect => Ok(()),
        PacketType::Disconnect => Err(DecodeError::DisconnectWithPayload),
        PacketType::Event | PacketType::BinaryEvent => {
            if first != Some(b'[') {
                return Err(DecodeError::EventPayloadNotArray);
            }
            match event_name(json)? {
                EventName::Text(name) if version == ProtocolVersion::V5 && is_reserved(&name) => {
                    Err(DecodeError::ReservedEventName)
                }
                _ => Ok(()),
            }
        }
        PacketType::Ack | PacketType::BinaryAck if first != Some(b'[') => {
            Err(DecodeError::AckPayloadNotArray)
        }
        PacketType::Ack | PacketType::BinaryAck => Ok(()),
        PacketType::ConnectError => match (version, first) {
            (ProtocolVersion::V4, _) | (_, Some(b'"' | b'{')) => Ok(()),
            _ => Err(DecodeError::ConnectErrorPayloadInvalid),
        },
    }
}

/// Reads element 0 of a well-formed JSON array `json` (starting with `[`) as an event name.
///
/// Borrows the name when it has no escape; an escaped name (`"conn\u0065ct"`) is unescaped so
/// that the reserved-name check cannot be bypassed.
pub(crate) fn event_name(json: &str) -> Result<EventName<'_>, DecodeError> {
    let rest = json.get(1..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
    match rest.as_bytes().first() {
        Some(b']') => Err(DecodeError::EventEmpty),
        Some(b'"') => {
            let inner = &rest[1..];
            match memchr::memchr2(b'"', b'\\', inner.as_bytes()) {
                Some(end) if inner.as_bytes()[end] == b'"' => {
                    Ok(EventName::Text(Cow::Borrowed(&inner[..end])))
                }
                _ => {
                    // Escaped name: let serde_json unescape the one string. A lone surrogate
                    // escape cannot be a String; such a name is never reserved, keep it raw.
                    let mut de = serde_json::Deserializer::from_str(rest);
                    match Cow::<str>::deserialize(&mut de) {
                        Ok(name) => Ok(EventName::Text(name)),
                        Err(_) => Ok(EventName::Text(Cow::Borrowed(""))),
                    }
                }
            }
        }
        Some(b'-' | b'0'..=b'9') => {
            let mut de = serde_json::Deserializer::from_str(rest);
            let number =
                serde_json::Number::deserialize(&mut de).map_err(|_| DecodeError::InvalidJson)?;
            Ok(EventName::Number(number))
        }
        _ => Err(DecodeError::EventNameNotStringOrNumber),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use DecodeError::*;
    use PacketType::*;
    use ProtocolVersion::*;

    /// `body!(version, kind, json => Ok | Err(Variant))`.
    macro_rules! body {
        ($v:ident, $kind:ident, $json:literal => Ok) => {
            assert_eq!(
                validate_body($kind, $json, $v).map(RawValue::get),
                Ok($json.trim())
            )
        };
        ($v:ident, $kind:ident, $json:literal => Err($err:ident)) => {
            assert_eq!(
                validate_body($kind, $json, $v).map(RawValue::get),
                Err($err)
            )
        };
    }

    // spec: SIO5-VAL-001
    #[test]
    fn json_syntax() {
        body!(V5, Event, r#"["a""# => Err(InvalidJson));
        body!(V5, Event, r#"abc["a"]"# => Err(InvalidJson));
        body!(V5, Event, r#"["a"]x"# => Err(InvalidJson));
        body!(V5, Event, r#"["a"]["b"]"# => Err(InvalidJson));
        body!(V5, Event, " " => Err(InvalidJson));
        body!(V5, Event, r#" ["a"] "# => Ok);
    }

    // spec: SIO5-VAL-002
    // spec: SIO5-VAL-003
    #[test]
    fn connect_and_disconnect() {
        body!(V5, Connect, "{}" => Ok);
        body!(V5, Connect, r#"{"token":"123"}"# => Ok);
        body!(V5, Connect, "[]" => Err(ConnectPayloadNotObject));
        body!(V5, Connect, r#""x""# => Err(ConnectPayloadNotObject));
        body!(V5, Connect, "null" => Err(ConnectPayloadNotObject));
        body!(V5, Disconnect, "{}" => Err(DisconnectWithPayload));
        body!(V5, Disconnect, "abc" => Err(DisconnectWithPayload));
    }

    // spec: SIO5-VAL-004
    // spec: SIO5-VAL-005
    // spec: SIO5-EVT-002
    // spec: SIO5-VAL-009
    #[test]
    fn event_payload() {
        body!(V5, Event, r#"["message",1,"2",{"3":[true]}]"# => Ok);
        body!(V5, Event, "[1,2]" => Ok);
        body!(V5, Event, "[-1.5e3]" => Ok);
        body!(V5, Event, r#"[ "spaced" ]"# => Ok);
        body!(V5, Event, "{}" => Err(EventPayloadNotArray));
        body!(V5, Event, r#""a""# => Err(EventPayloadNotArray));
        body!(V5, Event, "[]" => Err(EventEmpty));
        body!(V5, Event, "[ ]" => Err(EventEmpty));
        body!(V5, Event, "[true]" => Err(EventNameNotStringOrNumber));
        body!(V5, Event, "[null,1]" => Err(EventNameNotStringOrNumber));
        body!(V5, Event, "[{}]" => Err(EventNameNotStringOrNumber));
        body!(V5, Event, "[[\"a\"]]" => Err(EventNameNotStringOrNumber));
        body!(V5, BinaryEvent, "[]" => Err(EventEmpty));
        body!(V5, BinaryEvent, "{}" => Err(EventPayloadNotArray));
    }

    // spec: SIO5-RSV-002
    // spec: SIO5-RSV-003
    // spec: SIO4-VAL-003
    #[test]
    fn reserved_names() {
        for name in [
            "connect",
            "connect_error",
            "disconnect",
            "disconnecting",
            "newListener",
            "removeListener",
        ] {
            let json = format!(r#"["{name}",1]"#);
            assert_eq!(
                check_shape(Event, &json, V5),
                Err(ReservedEventName),
                "{name}"
            );
            assert_eq!(
                check_shape(BinaryEvent, &json, V5),
                Err(ReservedEventName),
                "{name}"
            );
            assert_eq!(check_shape(Event, &json, V4), Ok(()), "{name}");
        }
        body!(V5, Event, r#"["conn\u0065ct"]"# => Err(ReservedEventName));
        body!(V5, Event, r#"["error"]"# => Ok);
        body!(V5, Event, r#"["Connect"]"# => Ok);
        body!(V5, Event, r#"["\ud800"]"# => Ok);
    }

    // spec: SIO5-VAL-007
    // spec: SIO5-VAL-008
    // spec: SIO4-PKT-002
    #[test]
    fn ack_and_connect_error() {
        body!(V5, Ack, "[]" => Ok);
        body!(V5, Ack, r#"[1,"x"]"# => Ok);
        body!(V5, Ack, "{}" => Err(AckPayloadNotArray));
        body!(V5, BinaryAck, "1" => Err(AckPayloadNotArray));
        body!(V5, ConnectError, r#""Invalid namespace""# => Ok);
        body!(V5, ConnectError, r#"{"message":"nope"}"# => Ok);
        body!(V5, ConnectError, "[]" => Err(ConnectErrorPayloadInvalid));
        body!(V5, ConnectError, "null" => Err(ConnectErrorPayloadInvalid));
        body!(V4, ConnectError, "null" => Ok);
        body!(V4, ConnectError, "[1]" => Ok);
    }
}
