//! Engine.IO payload targets: `eio_payload_v4` and `eio_payload_v3` (text or binary), a polling
//! body decoded one-shot and streamed in data-chosen chunks.
//!
//! The payload helpers here (streamed decoding, the round trip of a packet list through a body)
//! also serve the structured `eio_roundtrip` and the Engine.IO session stories.

use super::Status;
use super::common::split_mode;
use super::engine_io::{
    self,
    payload::{self, PayloadFormat},
};

/// `eio_payload_v4`: a v4 polling body.
///
/// Checks: no panic; the streaming [`payload::Decoder`] fed in data-chosen chunks gives the
/// same packets and error as [`payload::decode_v4`]; with a size limit one byte short it stops
/// with `payload-too-large` after a prefix of those packets; a body that decodes re-encodes and
/// decodes to the same packets.
pub fn eio_payload_v4(data: &[u8]) {
    let Some((seed, body)) = split_mode(data) else {
        return;
    };
    check_payload(PayloadFormat::V4, body, u64::from(seed));
}

/// `eio_payload_v3`: a v3 polling body, text or binary.
///
/// Checks: as [`eio_payload_v4`], with [`payload::decode_v3_text`] /
/// [`payload::decode_v3_binary`].
pub fn eio_payload_v3(data: &[u8]) {
    let Some((mode, body)) = split_mode(data) else {
        return;
    };
    let format = if mode & 1 == 0 {
        PayloadFormat::V3Text
    } else {
        PayloadFormat::V3Binary
    };
    check_payload(format, body, u64::from(mode >> 1));
}

/// The packets of a body and the error that ended it, if any.
type Decoding = (
    Vec<engine_io::Packet<'static>>,
    Option<engine_io::DecodeError>,
);

fn collect<'a>(
    items: impl Iterator<Item = Result<engine_io::Packet<'a>, engine_io::DecodeError>>,
) -> Decoding {
    let mut packets = Vec::new();
    for item in items {
        match item {
            Ok(packet) => packets.push(packet.into_owned()),
            Err(e) => return (packets, Some(e)),
        }
    }
    (packets, None)
}

/// One-shot decoding; `None` when the format needs text and `body` is not UTF-8.
fn decode_whole(format: PayloadFormat, body: &[u8]) -> Option<Decoding> {
    let text = std::str::from_utf8(body);
    Some(if format == PayloadFormat::V4 {
        collect(payload::decode_v4(text.ok()?))
    } else if format == PayloadFormat::V3Text {
        collect(payload::decode_v3_text(text.ok()?))
    } else {
        collect(payload::decode_v3_binary(body))
    })
}

pub(super) fn decode_stream(
    format: PayloadFormat,
    body: &[u8],
    seed: u64,
    max_len: usize,
) -> Decoding {
    let mut decoder = payload::Decoder::new(format, max_len);
    assert_eq!(decoder.format(), format);
    let mut packets = Vec::new();
    for chunk in Chunks::new(body, seed) {
        decoder.push(chunk);
        loop {
            match decoder.next_packet() {
                Ok(Status::Complete(packet)) => packets.push(packet),
                Ok(Status::Partial) => break,
                Err(e) => return spent(&mut decoder, packets, e),
            }
        }
    }
    loop {
        match decoder.finish() {
            Ok(Some(packet)) => packets.push(packet),
            Ok(None) => break,
            Err(e) => return spent(&mut decoder, packets, e),
        }
    }
    assert!(
        decoder.is_finished(),
        "finish() answered None but the decoder is not finished"
    );
    assert_eq!(decoder.finish(), Ok(None));
    assert_eq!(decoder.next_packet(), Ok(Status::Partial));
    (packets, None)
}

/// After an error the decoder is spent: every later call returns the same error.
fn spent(
    decoder: &mut payload::Decoder,
    packets: Vec<engine_io::Packet<'static>>,
    e: engine_io::DecodeError,
) -> Decoding {
    decoder.push(b"4x");
    assert_eq!(
        decoder.next_packet(),
        Err(e),
        "the decoder forgot its error"
    );
    assert_eq!(decoder.finish(), Err(e), "the decoder forgot its error");
    (packets, Some(e))
}

fn check_payload(format: PayloadFormat, body: &[u8], seed: u64) {
    let streamed = decode_stream(format, body, seed, body.len());
    let Some(whole) = decode_whole(format, body) else {
        return;
    };
    assert_eq!(streamed, whole, "streamed (seed {seed}) != one-shot");
    if !body.is_empty() {
        let (packets, error) = decode_stream(format, body, seed, body.len() - 1);
        match error {
            Some(engine_io::DecodeError::PayloadTooLarge) => assert!(
                whole.0.starts_with(&packets),
                "a size-limited stream returned packets the whole body does not have"
            ),
            other => assert_eq!((packets, other), whole, "size-limited stream"),
        }
    }
    if whole.1.is_none() {
        check_payload_roundtrip(format, &whole.0);
    }
}

/// Encodes `packets` in `format`, decodes them one-shot and streamed, and checks both give them
/// back. Packets the format cannot carry are left out.
pub(super) fn check_payload_roundtrip(
    format: PayloadFormat,
    packets: &[engine_io::Packet<'static>],
) {
    let carried = carryable(format, packets);
    let body = encode_payload(format, &carried);
    if body.is_empty() {
        // v4 and v3 binary have no empty body; nothing to check.
        return;
    }
    let whole = decode_whole(format, &body).expect("an encoded text body is UTF-8");
    assert_eq!(
        whole,
        (carried.clone(), None),
        "re-encoded body {body:02x?}"
    );
    let seed = body.len() as u64;
    let streamed = decode_stream(format, &body, seed, body.len());
    assert_eq!(streamed, (carried, None), "re-encoded body, streamed");
}

/// The packets of `packets` that `format` can carry, in order.
pub(super) fn carryable(
    format: PayloadFormat,
    packets: &[engine_io::Packet<'static>],
) -> Vec<engine_io::Packet<'static>> {
    packets
        .iter()
        .filter(|p| payload_can_carry(format, p))
        .cloned()
        .collect()
}

/// `packets` as a body in `format`.
pub(super) fn encode_payload(format: PayloadFormat, packets: &[engine_io::Packet<'_>]) -> Vec<u8> {
    if format == PayloadFormat::V3Binary {
        let mut body = Vec::new();
        payload::encode_v3_binary(packets, &mut body);
        return body;
    }
    let mut text = String::new();
    if format == PayloadFormat::V4 {
        payload::encode_v4(packets, &mut text);
    } else {
        payload::encode_v3_text(packets, &mut text);
    }
    text.into_bytes()
}

fn payload_can_carry(format: PayloadFormat, packet: &engine_io::Packet<'_>) -> bool {
    if format == PayloadFormat::V4 {
        packet.is_encodable(engine_io::ProtocolVersion::V4)
            && !packet.data.as_text().is_some_and(|t| t.contains('\x1e'))
    } else {
        true
    }
}

/// Splits a body into data-chosen chunks: a small PRNG seeded from the input picks each length
/// (1 byte, up to 8, up to 64, or everything left).
struct Chunks<'a> {
    rest: &'a [u8],
    state: u64,
}

impl<'a> Chunks<'a> {
    fn new(body: &'a [u8], seed: u64) -> Self {
        Chunks {
            rest: body,
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        // xorshift64
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let r = self.state;
        // `r >> 2 & 63` fits any usize.
        let small = ((r >> 2) & 63) as usize;
        let len = match r % 4 {
            0 => 1,
            1 => 1 + small % 8,
            2 => 1 + small,
            _ => self.rest.len(),
        }
        .min(self.rest.len());
        let (chunk, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(chunk)
    }
}
