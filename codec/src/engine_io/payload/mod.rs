//! HTTP long-polling bodies: several Engine.IO packets in one request or response body.
//!
//! Three formats exist:
//!
//! | format | used by | framing |
//! |---|---|---|
//! | [`PayloadFormat::V4`] | EIO 4, both directions | text pieces joined by `\x1e`; binary as `b<base64>` |
//! | [`PayloadFormat::V3Text`] | EIO 3, text bodies | `<len>:<packet>` records; `len` counts UTF-16 code units |
//! | [`PayloadFormat::V3Binary`] | EIO 3, `application/octet-stream` bodies | `<marker 00/01><len digits as raw bytes>FF<packet bytes>` records |
//!
//! The one-shot decoders ([`decode_v4`], [`decode_v3_text`], [`decode_v3_binary`]) take a whole
//! body and return an iterator of `Result<Packet, DecodeError>` that borrows from the body and
//! stops after the first error. A payload that yields an error is bad as a whole: the reference
//! server closes the session, although it has already acted on the packets before the bad one.
//!
//! [`Decoder`] takes the same body in chunks of any size (chunks may split UTF-8 sequences and
//! length prefixes anywhere) and yields owned packets as soon as they are complete, with memory
//! bounded by a caller-chosen maximum body length.
//!
//! An entirely empty body is an error ([`DecodeError::EmptyPayload`]) in every format. In the v3
//! text format a zero-length record `0:` carries no packet and is skipped, as the reference
//! parser (engine.io-parser 2.x `decodePayload`) does; so `0:`, the empty payload a v3 server
//! sends when it has nothing, decodes to zero packets.
//!
//! ```
//! use socketio_codec::Status;
//! use socketio_codec::engine_io::payload::{self, Decoder, PayloadFormat};
//! use socketio_codec::engine_io::Packet;
//!
//! let mut body = String::new();
//! payload::encode_v4(&[Packet::message("hello"), Packet::binary(&[1, 2, 3, 4])], &mut body);
//! assert_eq!(body, "4hello\x1ebAQIDBA==");
//!
//! let packets: Vec<_> = payload::decode_v4(&body).collect::<Result<_, _>>().unwrap();
//! assert_eq!(packets, [Packet::message("hello"), Packet::binary(&[1, 2, 3, 4])]);
//!
//! // The same body, streamed: the last v4 piece is complete only at the end of the body.
//! let mut decoder = Decoder::new(PayloadFormat::V4, 1_000_000);
//! decoder.push(&body.as_bytes()[..3]);
//! assert_eq!(decoder.next_packet(), Ok(Status::Partial));
//! decoder.push(&body.as_bytes()[3..]);
//! assert_eq!(decoder.next_packet(), Ok(Status::Complete(Packet::message("hello"))));
//! assert_eq!(decoder.next_packet(), Ok(Status::Partial));
//! assert_eq!(decoder.finish(), Ok(Some(Packet::binary(&[1, 2, 3, 4]))));
//! assert_eq!(decoder.finish(), Ok(None));
//! ```

mod stream;
mod v3_binary;
mod v3_text;
mod v4;

pub use stream::Decoder;
pub use v3_binary::{V3BinaryPackets, decode_v3_binary, encode_v3_binary};
pub use v3_text::{V3TextPackets, decode_v3_text, encode_v3_text};
pub use v4::{V4Packets, decode_v4, encode_v4};

use crate::Status;

use super::DecodeError;

/// The record separator between v4 payload pieces.
///
/// Spec: EIO4-PAY-001
pub const SEPARATOR: u8 = 0x1e;

/// The terminator of a v3 binary payload length.
const BINARY_LENGTH_END: u8 = 0xff;

/// The most digits a v3 length may have (the reference binary decoder's bound, the length of
/// `Number.MAX_VALUE` written out).
///
/// Spec: EIO3-PAY-008
pub const MAX_LENGTH_DIGITS: usize = 310;

/// Which of the three polling body formats to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadFormat {
    /// EIO 4: pieces joined by `\x1e`.
    V4,
    /// EIO 3 text body: `<len>:<packet>` records.
    V3Text,
    /// EIO 3 binary body: `<marker><digits>FF<bytes>` records.
    V3Binary,
}

/// Reads a v3 length prefix at the start of `buf`: digits, then `end`.
///
/// `digit` maps a byte to its digit value. Returns the length and the number of bytes read,
/// terminator included; `Partial` when `buf` ends before the terminator.
fn parse_length(
    buf: &[u8],
    digit: fn(u8) -> Option<u8>,
    end: u8,
) -> Result<Status<(usize, usize)>, DecodeError> {
    let mut value: usize = 0;
    for (i, &byte) in buf.iter().enumerate() {
        if byte == end {
            if i == 0 {
                return Err(DecodeError::PayloadLengthNotANumber);
            }
            return Ok(Status::Complete((value, i + 1)));
        }
        let d = digit(byte).ok_or(DecodeError::PayloadLengthNotANumber)?;
        if i >= MAX_LENGTH_DIGITS {
            return Err(DecodeError::PayloadLengthTooLong);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(usize::from(d)))
            .ok_or(DecodeError::PayloadLengthTooLong)?;
    }
    Ok(Status::Partial)
}

fn ascii_digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

fn raw_digit(b: u8) -> Option<u8> {
    (b <= 9).then_some(b)
}

/// Appends the decimal digits of `n` to `out` as raw byte values 0–9.
fn push_raw_digits(n: usize, out: &mut Vec<u8>) {
    out.extend(n.to_string().bytes().map(|b| b - b'0'));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixes() {
        let text = |s: &[u8]| parse_length(s, ascii_digit, b':');
        assert_eq!(text(b"6:4hello"), Ok(Status::Complete((6, 2))));
        assert_eq!(text(b"006:"), Ok(Status::Complete((6, 4))));
        assert_eq!(text(b"12"), Ok(Status::Partial));
        assert_eq!(text(b""), Ok(Status::Partial));
        assert_eq!(text(b":"), Err(DecodeError::PayloadLengthNotANumber));
        assert_eq!(text(b"1a:"), Err(DecodeError::PayloadLengthNotANumber));
        assert_eq!(text(b"-1:"), Err(DecodeError::PayloadLengthNotANumber));
        assert_eq!(
            text(b"99999999999999999999999:"),
            Err(DecodeError::PayloadLengthTooLong)
        );
        let many = vec![b'0'; 311];
        assert_eq!(text(&many), Err(DecodeError::PayloadLengthTooLong));
        let mut ok = vec![b'0'; 310];
        ok.push(b':');
        assert_eq!(text(&ok), Ok(Status::Complete((0, 311))));
        let raw = |s: &[u8]| parse_length(s, raw_digit, 0xff);
        assert_eq!(raw(&[0, 1, 2, 0xff]), Ok(Status::Complete((12, 4))));
        assert_eq!(raw(&[0xff]), Err(DecodeError::PayloadLengthNotANumber));
        assert_eq!(raw(&[10, 0xff]), Err(DecodeError::PayloadLengthNotANumber));
        let mut out = Vec::new();
        push_raw_digits(12, &mut out);
        assert_eq!(out, [1, 2]);
    }
}
