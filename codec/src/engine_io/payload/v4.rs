//! The v4 polling payload: packets in their text form, joined by `\x1e`.

use memchr::memchr;

use super::SEPARATOR;
use crate::engine_io::{DecodeError, Packet, ProtocolVersion};

/// Appends the v4 payload of `packets` to `out`: each packet's text form, joined by `\x1e`, with
/// no trailing separator. Binary data is written as `b<base64>`.
///
/// An empty slice writes nothing, which is not a decodable body. There is no escaping: text data
/// containing `\x1e` corrupts the framing, so do not put it in packets sent this way.
pub fn encode_v4(packets: &[Packet<'_>], out: &mut String) {
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(char::from(SEPARATOR));
        }
        packet.encode_text(ProtocolVersion::V4, out);
    }
}

/// Splits a whole v4 body into its packets.
///
/// The iterator yields each piece decoded with [`Packet::decode_text`], borrowing from `input`,
/// and stops after the first error: [`DecodeError::EmptyPayload`] for an empty body,
/// [`DecodeError::EmptyPayloadPiece`] for an empty piece (`4a\x1e\x1e4b`, or a leading or
/// trailing separator), or the piece's own decoding error.
pub fn decode_v4(input: &str) -> V4Packets<'_> {
    V4Packets {
        input,
        pos: 0,
        done: false,
    }
}

/// The iterator returned by [`decode_v4`].
#[derive(Debug, Clone)]
pub struct V4Packets<'a> {
    input: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for V4Packets<'a> {
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
        let piece = match memchr(SEPARATOR, rest.as_bytes()) {
            Some(i) => {
                self.pos += i + 1;
                &rest[..i]
            }
            None => {
                self.done = true;
                rest
            }
        };
        let result = if piece.is_empty() {
            Err(DecodeError::EmptyPayloadPiece)
        } else {
            Packet::decode_text(piece, ProtocolVersion::V4)
        };
        if result.is_err() {
            self.done = true;
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! case {
        ($wire:expr => [$($item:expr),* $(,)?]) => {
            let got: Vec<_> = decode_v4($wire).collect();
            let want: Vec<Result<Packet<'_>, DecodeError>> = vec![$($item),*];
            assert_eq!(got, want, "{:?}", $wire);
        };
    }

    // spec: EIO4-PAY-003, EIO4-PAY-004
    #[test]
    fn decode_bodies() {
        case!("4hello\x1e2\x1e4world" => [
            Ok(Packet::message("hello")), Ok(Packet::ping()), Ok(Packet::message("world")),
        ]);
        case!("4hello\x1ebAQIDBA==" => [Ok(Packet::message("hello")), Ok(Packet::binary(&[1, 2, 3, 4]))]);
        case!("4" => [Ok(Packet::message(""))]);
        case!("b" => [Ok(Packet::binary(b""))]);
        case!("" => [Err(DecodeError::EmptyPayload)]);
        case!("4a\x1e\x1e4b" => [Ok(Packet::message("a")), Err(DecodeError::EmptyPayloadPiece)]);
        case!("\x1e4a" => [Err(DecodeError::EmptyPayloadPiece)]);
        case!("4a\x1e" => [Ok(Packet::message("a")), Err(DecodeError::EmptyPayloadPiece)]);
        case!("\x1e" => [Err(DecodeError::EmptyPayloadPiece)]);
        case!("4a\x1e9\x1e4b" => [Ok(Packet::message("a")), Err(DecodeError::UnknownPacketType('9'))]);
        case!("6:4hello" => [Ok(Packet::text(crate::engine_io::PacketType::Noop, ":4hello"))]);
    }

    // spec: EIO4-PAY-001
    #[test]
    fn encode_bodies() {
        let mut out = String::new();
        encode_v4(
            &[
                Packet::message("hello"),
                Packet::ping(),
                Packet::message("world"),
            ],
            &mut out,
        );
        assert_eq!(out, "4hello\x1e2\x1e4world");
        out.clear();
        encode_v4(&[], &mut out);
        assert_eq!(out, "");
    }
}
