//! Base64 as Engine.IO uses it: the standard alphabet, `=` padding on output.
//!
//! Decoding accepts input with or without padding and rejects everything else: characters
//! outside the standard alphabet (including whitespace and the URL-safe `-`/`_`) and non-zero
//! trailing bits. Node's `Buffer.from(s, "base64")`, used by the reference parser, silently skips
//! unknown characters; being strict here is deliberate, so that a conformance run flags a peer
//! that depends on the leniency.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::DecodeError;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Appends the padded base64 form of `data` to `out`.
pub(crate) fn encode(data: &[u8], out: &mut String) {
    ENGINE.encode_string(data, out);
}

/// The number of characters [`encode`] writes for `len` bytes.
pub(crate) fn encoded_len(len: usize) -> usize {
    len.div_ceil(3).saturating_mul(4)
}

/// Decodes base64 text (padding optional).
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    ENGINE.decode(text).map_err(|_| DecodeError::InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_but_padding_optional() {
        assert_eq!(decode("AQIDBA==").unwrap(), [1, 2, 3, 4]);
        assert_eq!(decode("AQIDBA").unwrap(), [1, 2, 3, 4]);
        assert_eq!(decode("").unwrap(), b"");
        assert_eq!(decode("AQID BA=="), Err(DecodeError::InvalidBase64));
        assert_eq!(decode("AQ-_"), Err(DecodeError::InvalidBase64));
        assert_eq!(decode("A"), Err(DecodeError::InvalidBase64));
        assert_eq!(decode("AR=="), Err(DecodeError::InvalidBase64));
        let mut out = String::new();
        encode(&[1, 2, 3, 4], &mut out);
        assert_eq!(out, "AQIDBA==");
        for n in 0..10 {
            let mut s = String::new();
            encode(&vec![0; n], &mut s);
            assert_eq!(s.len(), encoded_len(n));
        }
    }
}
