//! The v3 binary polling payload: `<marker><length digits>FF<packet bytes>` records.
//!
//! - The marker is `0x00` for a string packet and `0x01` for a binary packet.
//! - The length is decimal with each digit written as a raw byte `0x00`–`0x09` (12 is `01 02`),
//!   at most 310 digits, ended by `0xFF`.
//! - A string packet's bytes are the UTF-8 of `<type digit><data>`; its length is their byte count.
//! - A binary packet's bytes are the type as a raw byte followed by the data; its length is
//!   1 + the data length.
//!
//! `message "hello", message <01 02 03 04>` is `00 06 FF 34 68 65 6C 6C 6F 01 05 FF 04 01 02 03 04`.

use super::{BINARY_LENGTH_END, parse_length, push_raw_digits, raw_digit};
use crate::Status;
use crate::engine_io::{DecodeError, Packet, PacketData, ProtocolVersion};

/// Marker of a string record.
const STRING_MARKER: u8 = 0x00;
/// Marker of a binary record.
const BINARY_MARKER: u8 = 0x01;

/// Appends the v3 binary payload of `packets` to `out`. Text data goes in string records, binary
/// data in binary records. An empty slice writes nothing (a server with nothing to send answers
/// with the text payload `0:` instead).
pub fn encode_v3_binary(packets: &[Packet<'_>], out: &mut Vec<u8>) {
    for packet in packets {
        match &packet.data {
            PacketData::Text(text) => {
                out.push(STRING_MARKER);
                push_raw_digits(1 + text.len(), out);
                out.push(BINARY_LENGTH_END);
                out.push(packet.kind.as_char() as u8);
                out.extend_from_slice(text.as_bytes());
            }
            PacketData::Binary(bytes) => {
                out.push(BINARY_MARKER);
                push_raw_digits(1 + bytes.len(), out);
                out.push(BINARY_LENGTH_END);
                out.push(packet.kind.as_u8());
                out.extend_from_slice(bytes);
            }
        }
    }
}

/// Splits a whole v3 binary body into its packets.
///
/// The iterator yields each record decoded with [`Packet::decode_text`] (string records, which
/// may themselves be `b4<base64>`) or [`Packet::decode_binary`] (binary records), borrowing from
/// `input`, and stops after the first error: [`DecodeError::EmptyPayload`] for an empty body,
/// [`DecodeError::InvalidBinaryPayloadMarker`], [`DecodeError::PayloadLengthNotANumber`],
/// [`DecodeError::PayloadLengthTooLong`], [`DecodeError::PayloadLengthUnterminated`],
/// [`DecodeError::PayloadLengthMismatch`] (the body ends before the announced bytes),
/// [`DecodeError::InvalidUtf8`] (a string record), or the record's own decoding error (a
/// zero-length record is [`DecodeError::EmptyPacket`]).
pub fn decode_v3_binary(input: &[u8]) -> V3BinaryPackets<'_> {
    V3BinaryPackets {
        input,
        pos: 0,
        done: false,
    }
}

/// The iterator returned by [`decode_v3_binary`].
#[derive(Debug, Clone)]
pub struct V3BinaryPackets<'a> {
    input: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Iterator for V3BinaryPackets<'a> {
    type Item = Result<Packet<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.input.is_empty() {
            self.done = true;
            return Some(Err(DecodeError::EmptyPayload));
        }
        let rest = &self.input[self.pos..];
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let result = match parse_header(rest) {
            Ok(Status::Complete(header)) => match rest.get(header.start..header.start + header.len)
            {
                Some(record) => {
                    self.pos += header.start + header.len;
                    decode_record(header.is_binary, record)
                }
                None => Err(DecodeError::PayloadLengthMismatch),
            },
            Ok(Status::Partial) => Err(DecodeError::PayloadLengthUnterminated),
            Err(e) => Err(e),
        };
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }
}

/// A parsed record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    /// Marker `0x01`.
    pub(super) is_binary: bool,
    /// The record's byte length.
    pub(super) len: usize,
    /// Where the record's bytes start, from the marker.
    pub(super) start: usize,
}

/// Reads a record header (marker, digits, `FF`) at the start of the non-empty `buf`.
pub(super) fn parse_header(buf: &[u8]) -> Result<Status<Header>, DecodeError> {
    let Some((&marker, digits)) = buf.split_first() else {
        return Ok(Status::Partial);
    };
    let is_binary = match marker {
        STRING_MARKER => false,
        BINARY_MARKER => true,
        other => return Err(DecodeError::InvalidBinaryPayloadMarker(other)),
    };
    Ok(
        parse_length(digits, raw_digit, BINARY_LENGTH_END)?.map(|(len, used)| Header {
            is_binary,
            len,
            start: 1 + used,
        }),
    )
}

/// Decodes one record's bytes.
pub(super) fn decode_record(is_binary: bool, record: &[u8]) -> Result<Packet<'_>, DecodeError> {
    if is_binary {
        Packet::decode_binary(record, ProtocolVersion::V3)
    } else {
        let text = std::str::from_utf8(record).map_err(|_| DecodeError::InvalidUtf8)?;
        Packet::decode_text(text, ProtocolVersion::V3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine_io::PacketType;

    macro_rules! case {
        ($wire:expr => [$($item:expr),* $(,)?]) => {
            let got: Vec<_> = decode_v3_binary($wire).collect();
            let want: Vec<Result<Packet<'_>, DecodeError>> = vec![$($item),*];
            assert_eq!(got, want, "{:02x?}", $wire);
        };
    }

    // spec: EIO3-PAY-008
    #[test]
    fn decode_bodies() {
        case!(&[0x00, 0x06, 0xff, 0x34, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
                0x01, 0x05, 0xff, 0x04, 0x01, 0x02, 0x03, 0x04] => [
            Ok(Packet::message("hello")), Ok(Packet::binary(&[1, 2, 3, 4])),
        ]);
        case!(&[0x00, 0x04, 0xff, 0x34, 0xe2, 0x82, 0xac] => [Ok(Packet::message("€"))]);
        case!(&[0x00, 0x01, 0xff, 0x32] => [Ok(Packet::ping())]);
        case!(&[0x01, 0x01, 0xff, 0x04] => [Ok(Packet::binary(b""))]);
        case!(&[0x01, 0x02, 0xff, 0x02, 0x09] => [Ok(Packet {
            kind: PacketType::Ping, data: PacketData::Binary(std::borrow::Cow::Borrowed(&[9])),
        })]);
        case!(b"\x00\x06\xffb4AQ==" => [Ok(Packet::binary(&[1]))]);
        case!(b"" => [Err(DecodeError::EmptyPayload)]);
        case!(&[0x02, 0x01, 0xff, 0x34] => [Err(DecodeError::InvalidBinaryPayloadMarker(2))]);
        case!(&[0x00, 0xff, 0x34] => [Err(DecodeError::PayloadLengthNotANumber)]);
        case!(&[0x00, 0x0a, 0xff, 0x34] => [Err(DecodeError::PayloadLengthNotANumber)]);
        case!(&[0x00, 0x01] => [Err(DecodeError::PayloadLengthUnterminated)]);
        case!(&[0x00] => [Err(DecodeError::PayloadLengthUnterminated)]);
        case!(&[0x00, 0x03, 0xff, 0x34] => [Err(DecodeError::PayloadLengthMismatch)]);
        case!(&[0x00, 0x00, 0xff] => [Err(DecodeError::EmptyPacket)]);
        case!(&[0x01, 0x00, 0xff] => [Err(DecodeError::EmptyPacket)]);
        case!(&[0x00, 0x02, 0xff, 0x34, 0xff] => [Err(DecodeError::InvalidUtf8)]);
        case!(&[0x01, 0x01, 0xff, 0x07] => [Err(DecodeError::UnknownBinaryPacketType(7))]);
        let mut long = vec![0x00];
        long.extend(std::iter::repeat_n(0x01, 311));
        long.push(0xff);
        case!(&long => [Err(DecodeError::PayloadLengthTooLong)]);
    }

    // spec: EIO3-PAY-005, EIO3-PAY-006, EIO3-PAY-007
    #[test]
    fn encode_bodies() {
        let mut out = Vec::new();
        encode_v3_binary(
            &[Packet::message("hello"), Packet::binary(&[1, 2, 3, 4])],
            &mut out,
        );
        assert_eq!(
            out,
            [
                0x00, 0x06, 0xff, 0x34, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x01, 0x05, 0xff, 0x04, 0x01,
                0x02, 0x03, 0x04,
            ]
        );
        out.clear();
        encode_v3_binary(&[Packet::message("€")], &mut out);
        assert_eq!(out, [0x00, 0x04, 0xff, 0x34, 0xe2, 0x82, 0xac]);
        out.clear();
        let eleven = [0u8; 11];
        encode_v3_binary(&[Packet::binary(&eleven)], &mut out);
        assert_eq!(&out[..4], &[0x01, 0x01, 0x02, 0xff]);
    }
}
