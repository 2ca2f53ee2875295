//! The Engine.IO session id.
//!
//! The server picks the session id at the handshake and the client echoes it in the `sid` query
//! parameter of every later request. The reference server makes 20 characters of URL-safe base64,
//! but other servers use UUIDs, hex strings or shorter ids, and a client must treat the id as an
//! opaque string (EIO4-HS-014). So this crate checks only what keeps it usable and bounded:
//!
//! - it is not empty;
//! - it is at most [`Sid::MAX_LEN`] (128) bytes long;
//! - it holds no control character (U+0000–U+001F, U+007F), which no header, log line or
//!   transcript could show faithfully.
//!
//! Any other character is allowed; [`Query::encode`](crate::engine_io::Query::encode)
//! percent-encodes the id when it goes into a URL.
//!
//! ```
//! use socketio_codec::engine_io::Sid;
//!
//! let sid = Sid::new("lv_VI97HAXpY6yYWAAAC").unwrap();
//! assert_eq!(sid.as_str(), "lv_VI97HAXpY6yYWAAAC");
//! assert!(Sid::new("a b/c?d=é").is_ok());
//! assert_eq!(Sid::new("a\nb").unwrap_err().code(), "sid-invalid-character");
//! ```

use std::fmt;

/// A checked Engine.IO session id (see the module docs for the accepted form).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid(String);

impl Sid {
    /// The longest accepted session id, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Checks `value` and wraps it.
    ///
    /// # Errors
    ///
    /// [`SidError`] when `value` is empty, longer than [`Sid::MAX_LEN`] bytes, or contains a
    /// control character.
    pub fn new(value: &str) -> Result<Sid, SidError> {
        if value.is_empty() {
            return Err(SidError::Empty);
        }
        if value.len() > Self::MAX_LEN {
            return Err(SidError::TooLong);
        }
        if value.bytes().any(|b| b.is_ascii_control()) {
            return Err(SidError::InvalidCharacter);
        }
        Ok(Sid(value.to_owned()))
    }

    /// The id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Sid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Why a string is not a valid [`Sid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SidError {
    /// A session id MUST NOT be empty.
    Empty,
    /// A session id MUST NOT be longer than 128 bytes.
    TooLong,
    /// A session id MUST NOT hold a control character.
    InvalidCharacter,
}

impl SidError {
    /// The stable kebab-case name of the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            SidError::Empty => "sid-empty",
            SidError::TooLong => "sid-too-long",
            SidError::InvalidCharacter => "sid-invalid-character",
        }
    }
}

impl fmt::Display for SidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SidError::Empty => "session id is empty",
            SidError::TooLong => "session id is longer than 128 bytes",
            SidError::InvalidCharacter => "session id has a character that is not URL-safe",
        })
    }
}

impl std::error::Error for SidError {}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! case {
        ($input:expr => Ok) => {
            assert_eq!(
                Sid::new($input).map(|s| s.as_str().to_owned()),
                Ok($input.to_owned())
            );
        };
        ($input:expr => Err($e:expr)) => {
            assert_eq!(Sid::new($input), Err($e));
        };
    }

    #[test]
    fn accepted_and_rejected_ids() {
        case!("lv_VI97HAXpY6yYWAAAC" => Ok);
        case!("0f8fad5b-d9cb-469f-a165-70867728950e" => Ok);
        case!("a" => Ok);
        case!("a.b~c" => Ok);
        case!(&"x".repeat(128) => Ok);
        case!("" => Err(SidError::Empty));
        case!(&"x".repeat(129) => Err(SidError::TooLong));
        case!("a b" => Ok);
        case!("a+b/c?d=é😀" => Ok);
        case!("a\nb" => Err(SidError::InvalidCharacter));
        case!("a\u{7f}" => Err(SidError::InvalidCharacter));
        case!("\t" => Err(SidError::InvalidCharacter));
    }
}
