//! [`Value`]: a JSON value that can also hold binary data, keeping object member order.
//!
//! Binary packets carry data that is JSON except where a binary attachment sits. `Value` is that
//! data once reconstructed: [`Value::Binary`] where a placeholder was, ordinary JSON elsewhere.
//! Objects are a `Vec` of members, so member order (and duplicate members) survive a round trip,
//! as SIO5-EVT-004 asks of echoes.
//!
//! Numbers are `serde_json::Number`: integers keep their value, but the spelling of a number is
//! not kept (`1.0` and `1e0` read as the same float and are written `1.0`).
//!
//! ```
//! use socketio_codec::socket_io::Value;
//!
//! let v = Value::from_json_str(r#"{"b":1,"a":[true,null]}"#).unwrap();
//! let Value::Object(members) = &v else { unreachable!() };
//! assert_eq!(members[0].0, "b");
//! assert!(!v.has_binary());
//!
//! let with_bytes = Value::Array(vec![Value::from("file"), Value::Binary(vec![1, 2, 3])]);
//! assert!(with_bytes.has_binary());
//! ```

use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::ApiMisuse;

/// A JSON value that may contain binary data, with ordered object members.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    /// JSON `null`.
    #[default]
    Null,
    /// JSON `true` / `false`.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string.
    String(String),
    /// Binary data: an attachment of a binary packet.
    Binary(Vec<u8>),
    /// A JSON array.
    Array(Vec<Value>),
    /// A JSON object, members in order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// Parses JSON text (no binary can appear; placeholders stay ordinary objects).
    ///
    /// # Errors
    ///
    /// The `serde_json` syntax error.
    pub fn from_json_str(json: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Whether a [`Value::Binary`] appears anywhere in this value.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Binary(_) => true,
            Value::Array(items) => items.iter().any(Value::has_binary),
            Value::Object(members) => members.iter().any(|(_, v)| v.has_binary()),
            _ => false,
        }
    }

    /// The member `key` of an object (the first, if duplicated).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The bytes of a [`Value::Binary`].
    pub fn as_binary(&self) -> Option<&[u8]> {
        match self {
            Value::Binary(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The string of a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

/// Converts to plain JSON. Duplicate members keep the last value; member order is kept only
/// when `serde_json` is built with `preserve_order`.
impl TryFrom<Value> for serde_json::Value {
    type Error = ApiMisuse;

    fn try_from(v: Value) -> Result<Self, ApiMisuse> {
        Ok(match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s),
            Value::Binary(_) => return Err(ApiMisuse::BinaryNotJson),
            Value::Array(a) => serde_json::Value::Array(
                a.into_iter()
                    .map(serde_json::Value::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(o) => serde_json::Value::Object(
                o.into_iter()
                    .map(|(k, v)| Ok((k, serde_json::Value::try_from(v)?)))
                    .collect::<Result<_, ApiMisuse>>()?,
            ),
        })
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}

/// A non-finite float becomes `null`, as JavaScript's `JSON.stringify` does.
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// Serializes as JSON; a [`Value::Binary`] is handed to the serializer as bytes (`serde_json`
/// writes an array of numbers). To write placeholders instead, use
/// [`binary::deconstruct`](super::binary::deconstruct).
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Binary(bytes) => serializer.serialize_bytes(bytes),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::Binary(b.to_vec()))
    }

    fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Binary(b))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        // Never trust a size hint for preallocation beyond a small bound.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            members.push((k, v));
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_duplicates_survive() {
        let json = r#"{"z":1,"a":{"y":[1,-2,3.5,"s",null,false]},"z":2}"#;
        let v = Value::from_json_str(json).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
        assert_eq!(v.get("z"), Some(&Value::from(1u64)));
    }

    #[test]
    fn json_conversions() {
        let plain: serde_json::Value = serde_json::json!({"a": [1, "x", null]});
        let v = Value::from(plain.clone());
        assert_eq!(serde_json::Value::try_from(v).unwrap(), plain);
        let bin = Value::Array(vec![Value::Binary(vec![1])]);
        assert_eq!(
            serde_json::Value::try_from(bin),
            Err(ApiMisuse::BinaryNotJson)
        );
        assert_eq!(Value::from(f64::NAN), Value::Null);
    }
}
