//! Small pieces several targets share: the mode byte, protocol versions from a flag, Socket.IO
//! names and ids made valid, and value comparison and JSON text.

use serde_json::value::RawValue;

use super::engine_io;
use super::socket_io::{self, AckId, Namespace, Value};

/// The mode byte and the rest of a byte target's input; `None` for an empty input.
pub(super) fn split_mode(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(&mode, rest)| (mode, rest))
}

/// The mode byte and the rest as text; `None` for an empty input or a rest that is not UTF-8.
pub(super) fn split_mode_text(data: &[u8]) -> Option<(u8, &str)> {
    let (mode, rest) = split_mode(data)?;
    Some((mode, std::str::from_utf8(rest).ok()?))
}

pub(super) fn eio_version(v3: bool) -> engine_io::ProtocolVersion {
    if v3 {
        engine_io::ProtocolVersion::V3
    } else {
        engine_io::ProtocolVersion::V4
    }
}

pub(super) fn sio_version(v4: bool) -> socket_io::ProtocolVersion {
    if v4 {
        socket_io::ProtocolVersion::V4
    } else {
        socket_io::ProtocolVersion::V5
    }
}

/// A valid namespace from any text: `/` prefixed, commas removed.
pub(super) fn namespace(raw: &str) -> Namespace<'static> {
    let name: String = raw.chars().filter(|&c| c != ',').collect();
    let name = if name.starts_with('/') {
        name
    } else {
        format!("/{name}")
    };
    Namespace::new(name).expect("a / prefix and no comma")
}

/// A valid ack id from any number, reduced modulo 2^53.
pub(super) fn ack_id(raw: u64) -> AckId {
    AckId::new(raw % (AckId::MAX.get() + 1)).expect("reduced into range")
}

pub(super) fn json_text(value: &Value) -> String {
    serde_json::to_string(value).expect("a Value always serializes")
}

/// `value` as raw JSON text, binary written as arrays of bytes.
pub(super) fn raw_json(value: &Value) -> Box<RawValue> {
    RawValue::from_string(json_text(&strip_binary(value))).expect("valid JSON")
}

/// A value with every binary replaced by the array of its bytes (how serde writes bytes).
pub(super) fn strip_binary(value: &Value) -> Value {
    match value {
        Value::Binary(bytes) => {
            Value::Array(bytes.iter().map(|&b| Value::from(u64::from(b))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(strip_binary).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), strip_binary(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Structural equality of two values, with numbers equal when they are within a few ULPs (the
/// JSON float parser is not guaranteed to round-trip the last bit).
pub(super) fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => {
                        (x - y).abs() <= x.abs().max(y.abs()) * 4.0 * f64::EPSILON
                    }
                    _ => false,
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_value(vx, vy))
        }
        _ => a == b,
    }
}
