//! [`AckId`]: an acknowledgement id, at most 2^53 - 1.
//!
//! The reference keeps ack ids as JavaScript doubles, so a longer digit run is silently rounded.
//! This codec is deliberately stricter: a decoder rejects ids above 2^53 - 1 with
//! [`DecodeError::AckIdOverflow`](super::DecodeError::AckIdOverflow) (SIO5-PKT-013), and
//! [`AckId::new`] refuses to build one. Leading zeros are accepted on decode (`007` is 7,
//! SIO5-PKT-012) and never written on encode (SIO5-PKT-006).
//!
//! ```
//! use socketio_codec::socket_io::AckId;
//!
//! assert_eq!(AckId::new(12).unwrap().get(), 12);
//! assert!(AckId::new(AckId::MAX.get() + 1).is_err());
//! ```

use std::fmt;

use super::error::{ApiMisuse, DecodeError};

/// An acknowledgement id in `0..=2^53 - 1`.
///
/// Spec: SIO5-PKT-011, SIO5-PKT-012, SIO5-PKT-013
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AckId(u64);

impl AckId {
    /// The largest ack id, 2^53 - 1 = 9007199254740991 (JavaScript's `Number.MAX_SAFE_INTEGER`).
    pub const MAX: AckId = AckId((1 << 53) - 1);

    /// Checks and wraps an ack id.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::AckIdTooLarge`] above [`AckId::MAX`].
    pub fn new(id: u64) -> Result<Self, ApiMisuse> {
        if id > Self::MAX.0 {
            return Err(ApiMisuse::AckIdTooLarge);
        }
        Ok(Self(id))
    }

    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0
    }

    /// Reads a non-empty run of ASCII digits (leading zeros allowed).
    pub(crate) fn from_digits(digits: &[u8]) -> Result<Self, DecodeError> {
        let mut value: u64 = 0;
        for &digit in digits {
            // At most MAX * 10 + 9 < u64::MAX, because we stop as soon as MAX is exceeded.
            value = value * 10 + u64::from(digit - b'0');
            if value > Self::MAX.0 {
                return Err(DecodeError::AckIdOverflow);
            }
        }
        Ok(Self(value))
    }
}

impl TryFrom<u64> for AckId {
    type Error = ApiMisuse;

    fn try_from(id: u64) -> Result<Self, ApiMisuse> {
        Self::new(id)
    }
}

impl From<AckId> for u64 {
    fn from(id: AckId) -> u64 {
        id.0
    }
}

impl fmt::Display for AckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! digits {
        ($wire:literal => Ok($n:expr)) => {
            assert_eq!(AckId::from_digits($wire), Ok(AckId($n)))
        };
        ($wire:literal => Err($err:ident)) => {
            assert_eq!(AckId::from_digits($wire), Err(DecodeError::$err))
        };
    }

    // spec: SIO5-PKT-012
    #[test]
    fn leading_zeros() {
        digits!(b"0" => Ok(0));
        digits!(b"007" => Ok(7));
        digits!(b"0000000000000000000000000000012" => Ok(12));
    }

    // spec: SIO5-PKT-013
    #[test]
    fn overflow() {
        digits!(b"9007199254740991" => Ok((1 << 53) - 1));
        digits!(b"9007199254740992" => Err(AckIdOverflow));
        digits!(b"12345678901234567890" => Err(AckIdOverflow));
        digits!(b"99999999999999999999999999999999999999" => Err(AckIdOverflow));
        assert_eq!(AckId::new(1 << 53), Err(ApiMisuse::AckIdTooLarge));
    }
}
