//! Truncations and bit flips of every fixture, through every public decoder (house style 10).
//!
//! Nothing here checks *what* a decoder answers: only that it answers, without a panic, for
//! every damaged input. The fuzz targets explore further; this sweep runs in every `cargo test`.

#[allow(dead_code)]
mod harness;

use harness::{Wire, load_all};
use socketio_codec::engine_io::{self, ErrorBody, Handshake, Query};
use socketio_codec::socket_io::{self, Decoder, Frame, Limits};

/// Inputs longer than this are swept on their first bytes only, to keep the test fast.
const MAX_SWEPT: usize = 512;

fn decode_everything(bytes: &[u8]) {
    for v in [
        engine_io::ProtocolVersion::V3,
        engine_io::ProtocolVersion::V4,
    ] {
        let _ = engine_io::Packet::decode_binary(bytes, v);
    }
    for item in engine_io::payload::decode_v3_binary(bytes) {
        let _ = item;
    }
    for format in [
        engine_io::payload::PayloadFormat::V4,
        engine_io::payload::PayloadFormat::V3Text,
        engine_io::payload::PayloadFormat::V3Binary,
    ] {
        let mut stream = engine_io::payload::Decoder::new(format, 1 << 20);
        stream.push(bytes);
        for _ in 0..=bytes.len() + 1 {
            if !matches!(
                stream.next_packet(),
                Ok(socketio_codec::Status::Complete(_))
            ) {
                break;
            }
        }
        for _ in 0..=bytes.len() + 1 {
            if !matches!(stream.finish(), Ok(Some(_))) {
                break;
            }
        }
    }
    let mut decoder = Decoder::new(socket_io::ProtocolVersion::V5, Limits::default());
    let _ = decoder.push_binary(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for v in [
        engine_io::ProtocolVersion::V3,
        engine_io::ProtocolVersion::V4,
    ] {
        let _ = engine_io::Packet::decode_text(text, v);
        let _ = engine_io::payload::decode_v4(text).count();
        let _ = engine_io::payload::decode_v3_text(text).count();
    }
    let _ = Handshake::decode(text);
    let _ = Query::parse(text);
    let _ = ErrorBody::decode(text);
    let _ = Frame::parse(text);
    for v in [
        socket_io::ProtocolVersion::V4,
        socket_io::ProtocolVersion::V5,
    ] {
        let _ = socket_io::Packet::decode(text, v, &Limits::default());
        let mut decoder = Decoder::new(v, Limits::default());
        let _ = decoder.push_text(text);
        let _ = decoder.push_binary(bytes);
        let _ = decoder.push_text(text);
    }
}

fn sweep(bytes: &[u8]) {
    let bytes = &bytes[..bytes.len().min(MAX_SWEPT)];
    for end in 0..=bytes.len() {
        decode_everything(&bytes[..end]);
    }
    let mut flipped = bytes.to_vec();
    for i in 0..flipped.len() {
        for bit in 0..8 {
            flipped[i] ^= 1 << bit;
            decode_everything(&flipped);
            flipped[i] ^= 1 << bit;
        }
    }
}

fn wire_bytes(wire: &Wire, out: &mut Vec<Vec<u8>>) {
    match wire {
        Wire::Text(t) => out.push(t.as_bytes().to_vec()),
        Wire::Binary(b) => out.push(b.clone()),
        Wire::Frames(frames) => frames.iter().for_each(|f| wire_bytes(f, out)),
    }
}

// spec: EIO4-PKT-011, SIO5-PKT-017
#[test]
fn truncated_and_bit_flipped_fixtures_never_panic() {
    let mut inputs = Vec::new();
    for fixture in load_all() {
        for case in &fixture.cases {
            wire_bytes(&case.wire, &mut inputs);
        }
    }
    inputs.sort();
    inputs.dedup();
    assert!(inputs.len() > 300, "only {} distinct inputs", inputs.len());
    for input in &inputs {
        sweep(input);
    }
}
