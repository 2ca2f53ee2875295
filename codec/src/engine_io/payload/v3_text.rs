//! The v3 text polling payload: `<len>:<packet>` records.
//!
//! `len` is decimal and counts the UTF-16 code units of the packet's text form (JavaScript's
//! `String.length`): `€` counts 1, `😀` counts 2. Binary data is written as `b4<base64>`.

use super::{ascii_digit, parse_length};
use crate::Status;
use crate::engine_io::{DecodeError, Packet, ProtocolVersion};

/// Appends the v3 text payload of `packets` to `out`: `<len>:<packet>` for each packet, where
/// `len` counts UTF-16 code units. An empty slice writes `0:`, the reference's empty payload.
pub fn encode_v3_text(packets: &[Packet<'_>], out: &mut String) {
    if packets.is_empty() {
        out.push_str("0:");
        return;
    }
    for packet in packets {
        out.push_str(&packet.text_len_utf16(ProtocolVersion::V3).to_string());
        out.push(':');
        packet.encode_text(ProtocolVersion::V3, out);
    }
}

/// Splits a whole v3 text body into its packets.
///
/// The iterator yields each record decoded with [`Packet::decode_text`] (v3), borrowing from
/// `input`, skips zero-length records (`0:`), and stops after the first error:
/// [`DecodeError::EmptyPayload`] for an empty body, [`DecodeError::PayloadLengthNotANumber`],
/// [`DecodeError::PayloadLengthTooLong`], [`DecodeError::PayloadLengthUnterminated`] (the body
/// ends inside a length), [`DecodeError::PayloadLengthMismatch`] (the body ends before `len`
/// units, or `len` ends inside a surrogate pair), or the record's own decoding error.
///
/// A length that is too short is usually reported at the *next* record: in `5:4hello` the first
/// record is `4hell` and the stray `o` is a length that is not a number.
pub fn decode_v3_text(input: &str) -> V3TextPackets<'_> {
    V3TextPackets {
        input,
        pos: 0,
        done: false,
    }
}

/// The iterator returned by [`decode_v3_text`].
#[derive(Debug, Clone)]
pub struct V3TextPackets<'a> {
    input: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for V3TextPackets<'a> {
    type Item = Result<Packet<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.next_record();
        match result {
            Ok(Some(packet)) => Some(Ok(packet)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl<'a> V3TextPackets<'a> {
    fn next_record(&mut self) -> Result<Option<Packet<'a>>, DecodeError> {
        if self.input.is_empty() {
            return Err(DecodeError::EmptyPayload);
        }
        loop {
            let rest = &self.input[self.pos..];
            if rest.is_empty() {
                return Ok(None);
            }
            let Status::Complete((len, header)) = parse_length(rest.as_bytes(), ascii_digit, b':')?
            else {
                return Err(DecodeError::PayloadLengthUnterminated);
            };
            let data = &rest[header..];
            let mut scan = UnitScan::default();
            let Scan::Done(end) = scan_units(data.as_bytes(), &mut scan, len)? else {
                return Err(DecodeError::PayloadLengthMismatch);
            };
            self.pos += header + end;
            let piece = &data[..end];
            if !piece.is_empty() {
                return Packet::decode_text(piece, ProtocolVersion::V3).map(Some);
            }
        }
    }
}

/// How far a UTF-16 unit count over UTF-8 bytes has got, so that it can resume when more bytes
/// arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct UnitScan {
    /// Bytes counted so far (always at a character boundary).
    pub(super) offset: usize,
    /// UTF-16 code units counted so far.
    pub(super) units: usize,
}

/// The outcome of [`scan_units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// `want` units end at this byte offset.
    Done(usize),
    /// The bytes ran out first.
    More,
}

/// Counts UTF-16 code units over the UTF-8 `data`, resuming from `scan`, until `want` units.
pub(super) fn scan_units(
    data: &[u8],
    scan: &mut UnitScan,
    want: usize,
) -> Result<Scan, DecodeError> {
    while scan.units < want {
        let Some(&lead) = data.get(scan.offset) else {
            return Ok(Scan::More);
        };
        let width = utf8_width(lead).ok_or(DecodeError::InvalidUtf8)?;
        let Some(bytes) = data.get(scan.offset..scan.offset + width) else {
            return Ok(Scan::More);
        };
        if std::str::from_utf8(bytes).is_err() {
            return Err(DecodeError::InvalidUtf8);
        }
        scan.offset += width;
        scan.units += if width == 4 { 2 } else { 1 };
        if scan.units > want {
            return Err(DecodeError::PayloadLengthMismatch);
        }
    }
    Ok(Scan::Done(scan.offset))
}

fn utf8_width(lead: u8) -> Option<usize> {
    match lead {
        0x00..=0x7f => Some(1),
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine_io::PacketType;

    macro_rules! case {
        ($wire:expr => [$($item:expr),* $(,)?]) => {
            let got: Vec<_> = decode_v3_text($wire).collect();
            let want: Vec<Result<Packet<'_>, DecodeError>> = vec![$($item),*];
            assert_eq!(got, want, "{:?}", $wire);
        };
    }

    // interop-bugs #9 (v3 decoder must terminate and reject bad lengths).
    // spec: EIO3-PAY-004
    #[test]
    fn decode_bodies() {
        case!("6:4hello" => [Ok(Packet::message("hello"))]);
        case!("6:4test16:4test26:4test3" => [
            Ok(Packet::message("test1")), Ok(Packet::message("test2")), Ok(Packet::message("test3")),
        ]);
        case!("2:4€" => [Ok(Packet::message("€"))]);
        case!("3:4😀" => [Ok(Packet::message("😀"))]);
        case!("6:4hello10:b4AQIDBA==" => [Ok(Packet::message("hello")), Ok(Packet::binary(&[1, 2, 3, 4]))]);
        case!("1:4" => [Ok(Packet::message(""))]);
        case!("0:" => []);
        case!("1:20:1:3" => [Ok(Packet::ping()), Ok(Packet::pong())]);
        case!("" => [Err(DecodeError::EmptyPayload)]);
        case!("5:4hello" => [Ok(Packet::message("hell")), Err(DecodeError::PayloadLengthNotANumber)]);
        case!("7:4hello" => [Err(DecodeError::PayloadLengthMismatch)]);
        case!("4:4€" => [Err(DecodeError::PayloadLengthMismatch)]);
        case!("2:4😀" => [Err(DecodeError::PayloadLengthMismatch)]);
        case!("4hello" => [Err(DecodeError::PayloadLengthNotANumber)]);
        case!(":4hello" => [Err(DecodeError::PayloadLengthNotANumber)]);
        case!("6:4hello6" => [Ok(Packet::message("hello")), Err(DecodeError::PayloadLengthUnterminated)]);
        case!("1:9" => [Err(DecodeError::UnknownPacketType('9'))]);
        case!("1:b" => [Err(DecodeError::MissingBase64PacketType)]);
        case!("99999999999999999999999999:4" => [Err(DecodeError::PayloadLengthTooLong)]);
        case!("6:2probe" => [Ok(Packet::ping_probe())]);
        case!("2:0{" => [Ok(Packet::text(PacketType::Open, "{"))]);
    }

    // spec: EIO3-PAY-001, EIO3-PAY-002, EIO3-PAY-003
    #[test]
    fn encode_bodies() {
        let enc = |packets: &[Packet<'_>]| {
            let mut out = String::new();
            encode_v3_text(packets, &mut out);
            out
        };
        assert_eq!(enc(&[Packet::message("hello")]), "6:4hello");
        assert_eq!(enc(&[Packet::message("€")]), "2:4€");
        assert_eq!(enc(&[Packet::message("😀")]), "3:4😀");
        assert_eq!(
            enc(&[Packet::message("hello"), Packet::binary(&[1, 2, 3, 4])]),
            "6:4hello10:b4AQIDBA=="
        );
        assert_eq!(enc(&[]), "0:");
    }

    #[test]
    fn unit_scan_resumes() {
        let data = "a€😀".as_bytes();
        let mut scan = UnitScan::default();
        assert_eq!(scan_units(&data[..2], &mut scan, 4), Ok(Scan::More));
        assert_eq!(scan_units(&data[..5], &mut scan, 4), Ok(Scan::More));
        assert_eq!(scan_units(data, &mut scan, 4), Ok(Scan::Done(data.len())));
        assert_eq!(
            scan_units(b"\xff", &mut UnitScan::default(), 1),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            scan_units(b"\xe2\x28\xa1", &mut UnitScan::default(), 1),
            Err(DecodeError::InvalidUtf8)
        );
    }
}
