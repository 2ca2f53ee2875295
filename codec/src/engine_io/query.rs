//! The Engine.IO parameters of a request's query string.
//!
//! [`Query::parse`] reads a query string the way the reference server does (WHATWG
//! `application/x-www-form-urlencoded` parsing, then one value per key):
//!
//! - pairs are split on `&`, name from value on the first `=`; a pair without `=` has an empty
//!   value;
//! - `+` is a space and `%XX` is a byte; a malformed escape is kept literally and bytes that are
//!   not UTF-8 become U+FFFD (this is lenient on purpose: it is what the reference does, and the
//!   outcome of a request depends on it);
//! - a duplicated key: the **last** value wins (other keys keep the position of their first
//!   occurrence).
//!
//! Typed fields:
//!
//! | key | field | rule |
//! |---|---|---|
//! | `EIO` | [`Query::eio`] + [`Query::eio_raw`] | typed only when exactly `3` or `4`; checked by [`Query::protocol_version`] (the reference reads it only at the handshake) |
//! | `transport` | [`Query::transport`] | required; missing or unknown → [`QueryError`] (error code 0) |
//! | `sid` | [`Query::sid`] | optional; must be a valid [`Sid`] (otherwise error code 1) |
//! | `t` | [`Query::t`] | cache-buster, kept as is |
//! | `b64` | [`Query::b64`] | true when present with a non-empty value (JavaScript truthiness: `b64=0` is true, `b64=` is false) |
//! | `j` | [`Query::j`] | JSONP index; its presence (even empty) selects JSONP polling |
//!
//! Every other pair is kept in [`Query::other`].
//!
//! ```
//! use socketio_codec::engine_io::{ErrorCode, ProtocolVersion, Query, TransportKind};
//!
//! let q = Query::parse("EIO=4&transport=polling&t=N8hyd6w").unwrap();
//! assert_eq!(q.eio, Some(ProtocolVersion::V4));
//! assert_eq!(q.transport, TransportKind::Polling);
//! assert_eq!(q.encode(), "EIO=4&transport=polling&t=N8hyd6w");
//!
//! let err = Query::parse("EIO=4&transport=flashsocket").unwrap_err();
//! assert_eq!(err.error_code(), ErrorCode::TransportUnknown);
//!
//! let q = Query::parse("EIO=5&transport=polling").unwrap();
//! assert_eq!(q.protocol_version().unwrap_err().error_code(), ErrorCode::UnsupportedProtocolVersion);
//! ```

use std::fmt;

use super::{ErrorCode, ProtocolVersion, Sid, SidError, TransportKind};

/// The Engine.IO view of a request query string (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Query {
    /// `EIO`, when it is exactly `3` or `4`.
    pub eio: Option<ProtocolVersion>,
    /// `EIO` as sent, if present. [`Query::encode`] writes this value.
    pub eio_raw: Option<String>,
    /// `transport`.
    pub transport: TransportKind,
    /// `sid`.
    pub sid: Option<Sid>,
    /// `t`, the cache-buster.
    pub t: Option<String>,
    /// `b64`: the client cannot take binary frames.
    pub b64: bool,
    /// `j`, the JSONP index.
    pub j: Option<String>,
    /// All other parameters, in order of first occurrence, with their last value.
    pub other: Vec<(String, String)>,
}

impl Query {
    /// A query for `version` and `transport`, with nothing else.
    pub fn new(version: ProtocolVersion, transport: TransportKind) -> Self {
        Query {
            eio: Some(version),
            eio_raw: Some(version.as_str().to_owned()),
            transport,
            sid: None,
            t: None,
            b64: false,
            j: None,
            other: Vec::new(),
        }
    }

    /// Sets `sid`.
    pub fn with_sid(mut self, sid: Sid) -> Self {
        self.sid = Some(sid);
        self
    }

    /// Sets `t`.
    pub fn with_t(mut self, t: impl Into<String>) -> Self {
        self.t = Some(t.into());
        self
    }

    /// Sets `b64` (written as `b64=1`).
    pub fn with_b64(mut self, b64: bool) -> Self {
        self.b64 = b64;
        self
    }

    /// Sets `j`, selecting JSONP polling.
    pub fn with_jsonp(mut self, index: impl Into<String>) -> Self {
        self.j = Some(index.into());
        self
    }

    /// Sets `EIO` to any value, e.g. an invalid one for a negative test (`None` leaves it out).
    pub fn with_raw_eio(mut self, eio: Option<&str>) -> Self {
        self.eio = eio.and_then(ProtocolVersion::from_query_value);
        self.eio_raw = eio.map(str::to_owned);
        self
    }

    /// Adds or replaces another parameter.
    pub fn with_param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        set(&mut self.other, key.into(), value.into());
        self
    }

    /// Parses a query string, with or without its leading `?`.
    ///
    /// # Errors
    ///
    /// [`QueryError::TransportMissing`] or [`QueryError::TransportUnknown`] (checked first, as
    /// the reference server does), then [`QueryError::InvalidSid`]. `EIO` is not checked here:
    /// see [`Query::protocol_version`].
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            set(&mut pairs, form_decode(key), form_decode(value));
        }
        let mut eio_raw = None;
        let mut transport = None;
        let mut sid = None;
        let mut t = None;
        let mut b64 = false;
        let mut j = None;
        let mut other = Vec::new();
        for (key, value) in pairs {
            match key.as_str() {
                "EIO" => eio_raw = Some(value),
                "transport" => transport = Some(value),
                "sid" => sid = Some(value),
                "t" => t = Some(value),
                "b64" => b64 = !value.is_empty(),
                "j" => j = Some(value),
                _ => other.push((key, value)),
            }
        }
        let transport = transport.ok_or(QueryError::TransportMissing)?;
        let transport =
            TransportKind::from_query_value(&transport).ok_or(QueryError::TransportUnknown)?;
        let sid = sid
            .map(|s| Sid::new(&s))
            .transpose()
            .map_err(QueryError::InvalidSid)?;
        Ok(Query {
            eio: eio_raw
                .as_deref()
                .and_then(ProtocolVersion::from_query_value),
            eio_raw,
            transport,
            sid,
            t,
            b64,
            j,
            other,
        })
    }

    /// The protocol revision a handshake request asks for.
    ///
    /// # Errors
    ///
    /// [`QueryError::UnsupportedProtocolVersion`] when `EIO` is missing or not exactly `3` or
    /// `4` (error code 5).
    pub fn protocol_version(&self) -> Result<ProtocolVersion, QueryError> {
        self.eio.ok_or(QueryError::UnsupportedProtocolVersion)
    }

    /// The query string (without `?`): `EIO`, `transport`, `sid`, `t`, `b64`, `j`, then the other
    /// parameters, each present one written once, percent-encoded where needed.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let mut put = |key: &str, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            percent_encode(key, &mut out);
            out.push('=');
            percent_encode(value, &mut out);
        };
        if let Some(eio) = &self.eio_raw {
            put("EIO", eio);
        }
        put("transport", self.transport.as_str());
        if let Some(sid) = &self.sid {
            put("sid", sid.as_str());
        }
        if let Some(t) = &self.t {
            put("t", t);
        }
        if self.b64 {
            put("b64", "1");
        }
        if let Some(j) = &self.j {
            put("j", j);
        }
        for (key, value) in &self.other {
            put(key, value);
        }
        out
    }
}

/// Why a query string cannot start or continue a session, and which Engine.IO error the
/// reference server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QueryError {
    /// A request MUST carry `transport` (code 0).
    TransportMissing,
    /// `transport` MUST be `polling`, `websocket` or `webtransport` (code 0).
    TransportUnknown,
    /// `sid` MUST be a valid session id; the reference answers "Session ID unknown" (code 1).
    InvalidSid(SidError),
    /// A handshake MUST carry `EIO=3` or `EIO=4` (code 5).
    UnsupportedProtocolVersion,
}

impl QueryError {
    /// The stable kebab-case name of the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            QueryError::TransportMissing => "transport-missing",
            QueryError::TransportUnknown => "transport-unknown",
            QueryError::InvalidSid(_) => "invalid-sid",
            QueryError::UnsupportedProtocolVersion => "unsupported-protocol-version",
        }
    }

    /// The Engine.IO error code the reference server answers.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            QueryError::TransportMissing | QueryError::TransportUnknown => {
                ErrorCode::TransportUnknown
            }
            QueryError::InvalidSid(_) => ErrorCode::UnknownSid,
            QueryError::UnsupportedProtocolVersion => ErrorCode::UnsupportedProtocolVersion,
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::TransportMissing => f.write_str("query has no transport"),
            QueryError::TransportUnknown => f.write_str("query names an unknown transport"),
            QueryError::InvalidSid(e) => write!(f, "query has an invalid sid: {e}"),
            QueryError::UnsupportedProtocolVersion => {
                f.write_str("query has no supported EIO version")
            }
        }
    }
}

impl std::error::Error for QueryError {}

/// Sets `key` to `value`, keeping the position of an existing `key`.
fn set(pairs: &mut Vec<(String, String)>, key: String, value: String) {
    match pairs.iter_mut().find(|(k, _)| *k == key) {
        Some(pair) => pair.1 = value,
        None => pairs.push((key, value)),
    }
}

/// `application/x-www-form-urlencoded` decoding of one name or value.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex_value(bytes.get(i + 1)), hex_value(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: Option<&u8>) -> Option<u8> {
    let c = char::from(*b?);
    c.to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Appends `s`, escaping every byte that is not RFC 3986 unreserved.
fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Query {
        Query::parse(s).unwrap()
    }

    // spec: EIO4-URL-007
    #[test]
    fn typed_fields() {
        let q = parse("?EIO=3&transport=websocket&sid=abc_DEF-1&t=x&b64=1&j=2&foo=bar");
        assert_eq!(q.eio, Some(ProtocolVersion::V3));
        assert_eq!(q.transport, TransportKind::WebSocket);
        assert_eq!(q.sid.as_ref().map(Sid::as_str), Some("abc_DEF-1"));
        assert_eq!(q.t.as_deref(), Some("x"));
        assert!(q.b64);
        assert_eq!(q.j.as_deref(), Some("2"));
        assert_eq!(q.other, [("foo".to_owned(), "bar".to_owned())]);
        assert_eq!(
            q.encode(),
            "EIO=3&transport=websocket&sid=abc_DEF-1&t=x&b64=1&j=2&foo=bar"
        );
    }

    #[test]
    fn b64_is_javascript_truthy() {
        assert!(parse("transport=polling&b64=0").b64);
        assert!(parse("transport=polling&b64=true").b64);
        assert!(!parse("transport=polling&b64=").b64);
        assert!(!parse("transport=polling&b64").b64);
        assert!(!parse("transport=polling").b64);
    }

    #[test]
    fn last_value_wins() {
        let q = parse("EIO=3&transport=polling&EIO=4&a=1&b=2&a=3");
        assert_eq!(q.eio, Some(ProtocolVersion::V4));
        assert_eq!(
            q.other,
            [
                ("a".to_owned(), "3".to_owned()),
                ("b".to_owned(), "2".to_owned())
            ]
        );
        let q = parse("transport=nope&transport=polling");
        assert_eq!(q.transport, TransportKind::Polling);
    }

    #[test]
    fn percent_decoding() {
        let q = parse("transport=poll%69ng&name=a+b%20c%2&x=%E2%82%AC&y=%ff&%45IO=4");
        assert_eq!(q.transport, TransportKind::Polling);
        assert_eq!(q.eio, Some(ProtocolVersion::V4));
        let other: Vec<_> = q
            .other
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(other, [("name", "a b c%2"), ("x", "€"), ("y", "\u{fffd}")]);
        assert_eq!(form_decode("%+1"), "% 1");
        assert_eq!(form_decode("%"), "%");
        assert_eq!(form_decode("%4"), "%4");
        assert_eq!(form_decode("%-1"), "%-1");
    }

    // spec: EIO4-ERR-002, EIO4-ERR-007
    #[test]
    fn errors_and_codes() {
        let err = |s| Query::parse(s).unwrap_err();
        assert_eq!(err("EIO=4"), QueryError::TransportMissing);
        assert_eq!(err("EIO=4").error_code(), ErrorCode::TransportUnknown);
        assert_eq!(
            err("EIO=4&transport=flashsocket"),
            QueryError::TransportUnknown
        );
        assert_eq!(err("EIO=4&transport=Polling"), QueryError::TransportUnknown);
        assert_eq!(
            err("transport=polling&sid="),
            QueryError::InvalidSid(SidError::Empty)
        );
        assert_eq!(
            err("transport=polling&sid=a%0Ab").error_code(),
            ErrorCode::UnknownSid
        );
        // transport is checked before sid
        assert_eq!(err("sid=&transport=x"), QueryError::TransportUnknown);
        for bad in [
            "transport=polling",
            "EIO=5&transport=polling",
            "EIO=abc&transport=polling",
        ] {
            let q = parse(bad);
            assert_eq!(
                q.protocol_version(),
                Err(QueryError::UnsupportedProtocolVersion)
            );
            assert_eq!(
                QueryError::UnsupportedProtocolVersion.error_code(),
                ErrorCode::UnsupportedProtocolVersion
            );
        }
        assert_eq!(
            parse("EIO=abc&transport=polling").eio_raw.as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn builder_and_encoding() {
        let q = Query::new(ProtocolVersion::V4, TransportKind::Polling)
            .with_sid(Sid::new("s1").unwrap())
            .with_t("N8hyd6w")
            .with_param("token", "a b&c=€");
        let s = q.encode();
        assert_eq!(
            s,
            "EIO=4&transport=polling&sid=s1&t=N8hyd6w&token=a%20b%26c%3D%E2%82%AC"
        );
        assert_eq!(Query::parse(&s).unwrap(), q);
        let bad =
            Query::new(ProtocolVersion::V4, TransportKind::WebSocket).with_raw_eio(Some("abc"));
        assert_eq!(bad.encode(), "EIO=abc&transport=websocket");
        let none = bad.with_raw_eio(None);
        assert_eq!(none.encode(), "transport=websocket");
    }
}
