//! The handshake: the JSON data of the open packet (`0{…}`).
//!
//! The server sends it as the first packet of every session:
//!
//! ```text
//! 0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
//! ```
//!
//! [`Handshake::decode`] checks each known key's JSON type and keeps the names of unknown keys in
//! [`Handshake::unknown_keys`] (in document order), so that a conformance runner can flag them
//! without failing the session. [`Handshake::encode`] writes compact JSON with the keys in the
//! reference order `sid, upgrades, pingInterval, pingTimeout, maxPayload` (the last omitted when
//! `None`, as engine.io 3.x servers do).
//!
//! ```
//! use socketio_codec::engine_io::{Handshake, Sid};
//!
//! let json = r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
//! let hs = Handshake::decode(json).unwrap();
//! assert_eq!(hs.sid.as_str(), "lv_VI97HAXpY6yYWAAAC");
//! assert_eq!(hs.max_payload, Some(1_000_000));
//!
//! let mut out = String::new();
//! hs.encode(&mut out);
//! assert_eq!(out, json);
//! ```

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::error_body::push_json_string;
use super::{DecodeError, Sid};

/// The handshake data of an open packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Handshake {
    /// `sid`: the session id.
    pub sid: Sid,
    /// `upgrades`: the transports the client may upgrade to (`["websocket"]` on polling, `[]` on
    /// a WebSocket session). Kept as strings so that unknown names survive.
    pub upgrades: Vec<String>,
    /// `pingInterval`, in milliseconds.
    pub ping_interval: u64,
    /// `pingTimeout`, in milliseconds.
    pub ping_timeout: u64,
    /// `maxPayload`, in bytes (engine.io ≥ 6.2; absent from older servers).
    pub max_payload: Option<u64>,
    /// Keys other than the five above, in the order they appeared. Not written by
    /// [`Handshake::encode`].
    pub unknown_keys: Vec<String>,
}

impl Handshake {
    /// A handshake with no upgrades, no `maxPayload` and no unknown keys.
    pub fn new(sid: Sid, ping_interval: u64, ping_timeout: u64) -> Self {
        Handshake {
            sid,
            upgrades: Vec::new(),
            ping_interval,
            ping_timeout,
            max_payload: None,
            unknown_keys: Vec::new(),
        }
    }

    /// Sets `upgrades`.
    pub fn with_upgrades<I, S>(mut self, upgrades: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.upgrades = upgrades.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `maxPayload`.
    pub fn with_max_payload(mut self, max_payload: u64) -> Self {
        self.max_payload = Some(max_payload);
        self
    }

    /// Parses the JSON data of an open packet (without the leading `0`).
    ///
    /// # Errors
    ///
    /// [`DecodeError::HandshakeNotJson`], [`DecodeError::HandshakeNotObject`],
    /// [`DecodeError::HandshakeFieldMissing`] (`sid`, `upgrades`, `pingInterval`, `pingTimeout`),
    /// [`DecodeError::HandshakeFieldType`] (`sid` not a string; `upgrades` not an array of
    /// strings; the numbers not non-negative integers; `maxPayload` present but `null` or not a
    /// non-negative integer), [`DecodeError::HandshakeFieldDuplicate`] (a known key twice), or
    /// [`DecodeError::InvalidSid`].
    pub fn decode(json: &str) -> Result<Handshake, DecodeError> {
        let Entries(entries) = serde_json::from_str(json).map_err(|_| {
            if serde_json::from_str::<Value>(json).is_ok() {
                DecodeError::HandshakeNotObject
            } else {
                DecodeError::HandshakeNotJson
            }
        })?;
        let mut fields: [Option<Value>; 5] = Default::default();
        let mut unknown_keys = Vec::new();
        for (key, value) in entries {
            match KEYS.iter().position(|k| *k == key) {
                Some(i) if fields[i].is_some() => {
                    return Err(DecodeError::HandshakeFieldDuplicate(KEYS[i]));
                }
                Some(i) => fields[i] = Some(value),
                None => unknown_keys.push(key),
            }
        }
        let [sid, upgrades, ping_interval, ping_timeout, max_payload] = fields;
        let sid = match required(sid, "sid")? {
            Value::String(s) => Sid::new(&s)?,
            _ => return Err(DecodeError::HandshakeFieldType("sid")),
        };
        let upgrades = match required(upgrades, "upgrades")? {
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(DecodeError::HandshakeFieldType("upgrades")),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(DecodeError::HandshakeFieldType("upgrades")),
        };
        let ping_interval = integer(required(ping_interval, "pingInterval")?, "pingInterval")?;
        let ping_timeout = integer(required(ping_timeout, "pingTimeout")?, "pingTimeout")?;
        let max_payload = max_payload.map(|v| integer(v, "maxPayload")).transpose()?;
        Ok(Handshake {
            sid,
            upgrades,
            ping_interval,
            ping_timeout,
            max_payload,
            unknown_keys,
        })
    }

    /// Appends the compact JSON form to `out` (see the module docs for the key order).
    pub fn encode(&self, out: &mut String) {
        out.push_str("{\"sid\":");
        push_json_string(self.sid.as_str(), out);
        out.push_str(",\"upgrades\":[");
        for (i, upgrade) in self.upgrades.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(upgrade, out);
        }
        out.push_str("],\"pingInterval\":");
        out.push_str(&self.ping_interval.to_string());
        out.push_str(",\"pingTimeout\":");
        out.push_str(&self.ping_timeout.to_string());
        if let Some(max) = self.max_payload {
            out.push_str(",\"maxPayload\":");
            out.push_str(&max.to_string());
        }
        out.push('}');
    }

    /// The names of keys other than the five known ones, in document order.
    pub fn extra_keys(&self) -> &[String] {
        &self.unknown_keys
    }
}

/// The known keys, in encoding order.
const KEYS: [&str; 5] = [
    "sid",
    "upgrades",
    "pingInterval",
    "pingTimeout",
    "maxPayload",
];

fn required(value: Option<Value>, key: &'static str) -> Result<Value, DecodeError> {
    value.ok_or(DecodeError::HandshakeFieldMissing(key))
}

fn integer(value: Value, key: &'static str) -> Result<u64, DecodeError> {
    value.as_u64().ok_or(DecodeError::HandshakeFieldType(key))
}

/// A JSON object's entries in document order (whatever `serde_json` features are enabled).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;

        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine_io::SidError;

    const REFERENCE: &str = r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

    macro_rules! case {
        ($json:expr => Err($e:expr)) => {
            assert_eq!(Handshake::decode($json), Err($e), "{}", $json);
        };
    }

    #[test]
    fn reference_handshake_round_trips() {
        let hs = Handshake::decode(REFERENCE).unwrap();
        let want = Handshake::new(Sid::new("lv_VI97HAXpY6yYWAAAC").unwrap(), 25000, 20000)
            .with_upgrades(["websocket"])
            .with_max_payload(1_000_000);
        assert_eq!(hs, want);
        let mut out = String::new();
        hs.encode(&mut out);
        assert_eq!(out, REFERENCE);
    }

    // spec: EIO4-HS-007, EIO3-HS-002
    #[test]
    fn v3_handshake_without_max_payload() {
        let json = r#"{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#;
        let hs = Handshake::decode(json).unwrap();
        assert_eq!(hs.max_payload, None);
        let mut out = String::new();
        hs.encode(&mut out);
        assert_eq!(out, json);
    }

    // spec: EIO4-HS-008
    #[test]
    fn unknown_keys_are_reported_in_order() {
        let json =
            r#"{"zeta":1,"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":2,"alpha":null}"#;
        let hs = Handshake::decode(json).unwrap();
        assert_eq!(hs.extra_keys(), ["zeta", "alpha"]);
    }

    // spec: EIO4-HS-005
    #[test]
    fn rejected_handshakes() {
        use DecodeError::*;
        case!("" => Err(HandshakeNotJson));
        case!("{" => Err(HandshakeNotJson));
        case!("[]" => Err(HandshakeNotObject));
        case!("\"sid\"" => Err(HandshakeNotObject));
        case!(r#"{"upgrades":[],"pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldMissing("sid")));
        case!(r#"{"sid":"a","pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldMissing("upgrades")));
        case!(r#"{"sid":"a","upgrades":[],"pingTimeout":2}"# => Err(HandshakeFieldMissing("pingInterval")));
        case!(r#"{"sid":"a","upgrades":[],"pingInterval":1}"# => Err(HandshakeFieldMissing("pingTimeout")));
        case!(r#"{"sid":1,"upgrades":[],"pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldType("sid")));
        case!(r#"{"sid":"a","upgrades":"websocket","pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldType("upgrades")));
        case!(r#"{"sid":"a","upgrades":[1],"pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldType("upgrades")));
        case!(r#"{"sid":"a","upgrades":[],"pingInterval":"1","pingTimeout":2}"# => Err(HandshakeFieldType("pingInterval")));
        case!(r#"{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":-2}"# => Err(HandshakeFieldType("pingTimeout")));
        case!(r#"{"sid":"a","upgrades":[],"pingInterval":1.5,"pingTimeout":2}"# => Err(HandshakeFieldType("pingInterval")));
        case!(r#"{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":null}"# => Err(HandshakeFieldType("maxPayload")));
        case!(r#"{"sid":"a","sid":"b","upgrades":[],"pingInterval":1,"pingTimeout":2}"# => Err(HandshakeFieldDuplicate("sid")));
        case!(r#"{"sid":"","upgrades":[],"pingInterval":1,"pingTimeout":2}"# => Err(InvalidSid(SidError::Empty)));
        case!(r#"{"sid":"a\nb","upgrades":[],"pingInterval":1,"pingTimeout":2}"# => Err(InvalidSid(SidError::InvalidCharacter)));
    }
}
