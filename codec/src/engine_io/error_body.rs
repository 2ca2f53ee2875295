//! The JSON error bodies a server answers to a rejected HTTP request.
//!
//! A polling request the server refuses gets an HTTP 400 (403 for [`ErrorCode::Forbidden`]) with
//! `Content-Type: application/json` and a compact body such as
//! `{"code":1,"message":"Session ID unknown"}`.
//!
//! ```
//! use socketio_codec::engine_io::{ErrorBody, ErrorCode};
//!
//! let body = ErrorBody::decode(r#"{"code":5,"message":"Unsupported protocol version"}"#).unwrap();
//! assert_eq!(body.error_code(), Some(ErrorCode::UnsupportedProtocolVersion));
//!
//! let mut out = String::new();
//! ErrorBody::from(ErrorCode::TransportUnknown).encode(&mut out);
//! assert_eq!(out, r#"{"code":0,"message":"Transport unknown"}"#);
//! ```

use serde_json::Value;

use super::DecodeError;

/// The Engine.IO error codes of the reference server, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0: the `transport` parameter is missing, unknown or disabled.
    TransportUnknown = 0,
    /// 1: the `sid` is unknown or its session is closed.
    UnknownSid = 1,
    /// 2: a handshake (no `sid`) with a method other than `GET`.
    BadHandshakeMethod = 2,
    /// 3: any other bad request (e.g. polling on an upgraded session).
    BadRequest = 3,
    /// 4: the application refused the request.
    Forbidden = 4,
    /// 5: `EIO` is missing or names a revision the server does not speak.
    UnsupportedProtocolVersion = 5,
}

impl ErrorCode {
    /// The number sent as `code`.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The code with this number, if it is one of 0–5.
    pub fn from_u8(code: u8) -> Option<Self> {
        Some(match code {
            0 => ErrorCode::TransportUnknown,
            1 => ErrorCode::UnknownSid,
            2 => ErrorCode::BadHandshakeMethod,
            3 => ErrorCode::BadRequest,
            4 => ErrorCode::Forbidden,
            5 => ErrorCode::UnsupportedProtocolVersion,
            _ => return None,
        })
    }

    /// The stable kebab-case name of the code, e.g. `transport-unknown` for code 0.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::TransportUnknown => "transport-unknown",
            ErrorCode::UnknownSid => "unknown-sid",
            ErrorCode::BadHandshakeMethod => "bad-handshake-method",
            ErrorCode::BadRequest => "bad-request",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::UnsupportedProtocolVersion => "unsupported-protocol-version",
        }
    }

    /// The reference server's `message` for this code.
    pub fn message(self) -> &'static str {
        match self {
            ErrorCode::TransportUnknown => "Transport unknown",
            ErrorCode::UnknownSid => "Session ID unknown",
            ErrorCode::BadHandshakeMethod => "Bad handshake method",
            ErrorCode::BadRequest => "Bad request",
            ErrorCode::Forbidden => "Forbidden",
            ErrorCode::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status of a polling error response: 403 for `Forbidden`, else 400.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Forbidden => 403,
            _ => 400,
        }
    }
}

/// A decoded error body: `{"code":N,"message":"…"}`.
///
/// `code` is kept as a number so that unknown codes survive; see [`ErrorBody::error_code`].
/// Extra keys are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// The numeric error code.
    pub code: u8,
    /// The human-readable message (the reference strings, or a custom `allowRequest` message).
    pub message: String,
}

impl ErrorBody {
    /// Parses an error body.
    ///
    /// # Errors
    ///
    /// [`DecodeError::ErrorBodyNotJson`] when `json` is not a JSON object;
    /// [`DecodeError::ErrorBodyFieldMissing`] / [`DecodeError::ErrorBodyFieldType`] when `code`
    /// (an integer 0–255) or `message` (a string) is absent or of another type.
    pub fn decode(json: &str) -> Result<ErrorBody, DecodeError> {
        let value: Value = serde_json::from_str(json).map_err(|_| DecodeError::ErrorBodyNotJson)?;
        let Value::Object(map) = value else {
            return Err(DecodeError::ErrorBodyNotJson);
        };
        let code = map
            .get("code")
            .ok_or(DecodeError::ErrorBodyFieldMissing("code"))?;
        let code = code
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .ok_or(DecodeError::ErrorBodyFieldType("code"))?;
        let message = match map.get("message") {
            None => return Err(DecodeError::ErrorBodyFieldMissing("message")),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(DecodeError::ErrorBodyFieldType("message")),
        };
        Ok(ErrorBody { code, message })
    }

    /// Appends the compact JSON form `{"code":N,"message":"…"}` to `out`.
    pub fn encode(&self, out: &mut String) {
        out.push_str("{\"code\":");
        out.push_str(&self.code.to_string());
        out.push_str(",\"message\":");
        push_json_string(&self.message, out);
        out.push('}');
    }

    /// The known code, if `code` is 0–5.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::from_u8(self.code)
    }
}

impl From<ErrorCode> for ErrorBody {
    fn from(code: ErrorCode) -> Self {
        ErrorBody {
            code: code.as_u8(),
            message: code.message().to_owned(),
        }
    }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_string(s: &str, out: &mut String) {
    // Serializing a &str to JSON cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! case {
        ($wire:expr => Ok($code:expr, $msg:expr)) => {
            assert_eq!(
                ErrorBody::decode($wire),
                Ok(ErrorBody {
                    code: $code,
                    message: $msg.to_owned()
                })
            );
        };
        ($wire:expr => Err($e:expr)) => {
            assert_eq!(ErrorBody::decode($wire), Err($e));
        };
    }

    // spec: EIO4-ERR-001
    #[test]
    fn decode_bodies() {
        case!(r#"{"code":0,"message":"Transport unknown"}"# => Ok(0, "Transport unknown"));
        case!(r#"{"code":4,"message":"Thou shall not pass"}"# => Ok(4, "Thou shall not pass"));
        case!(r#"{"message":"x","code":9,"context":{}}"# => Ok(9, "x"));
        case!("" => Err(DecodeError::ErrorBodyNotJson));
        case!("[1]" => Err(DecodeError::ErrorBodyNotJson));
        case!(r#"{"message":"x"}"# => Err(DecodeError::ErrorBodyFieldMissing("code")));
        case!(r#"{"code":1}"# => Err(DecodeError::ErrorBodyFieldMissing("message")));
        case!(r#"{"code":"1","message":"x"}"# => Err(DecodeError::ErrorBodyFieldType("code")));
        case!(r#"{"code":256,"message":"x"}"# => Err(DecodeError::ErrorBodyFieldType("code")));
        case!(r#"{"code":1.5,"message":"x"}"# => Err(DecodeError::ErrorBodyFieldType("code")));
        case!(r#"{"code":1,"message":null}"# => Err(DecodeError::ErrorBodyFieldType("message")));
    }

    #[test]
    fn codes_round_trip() {
        for n in 0..=5u8 {
            let code = ErrorCode::from_u8(n).unwrap();
            assert_eq!(code.as_u8(), n);
            let mut out = String::new();
            ErrorBody::from(code).encode(&mut out);
            assert_eq!(ErrorBody::decode(&out).unwrap(), ErrorBody::from(code));
        }
        assert_eq!(ErrorCode::from_u8(6), None);
        assert_eq!(ErrorCode::Forbidden.http_status(), 403);
        assert_eq!(ErrorCode::UnknownSid.http_status(), 400);
        assert_eq!(ErrorCode::UnknownSid.message(), "Session ID unknown");
    }

    #[test]
    fn encode_escapes_message() {
        let mut out = String::new();
        ErrorBody {
            code: 4,
            message: "a\"b".into(),
        }
        .encode(&mut out);
        assert_eq!(out, r#"{"code":4,"message":"a\"b"}"#);
    }
}
