//! Fuzzing entry points: one function per cargo-fuzz target in `fuzz/fuzz_targets/`.
//!
//! Compiled into the codec only with `--cfg fuzzing` (what `cargo fuzz` and
//! `fuzz/.cargo/config.toml` pass). The same file is also compiled on stable by
//! `codec/tests/fuzz_replay.rs` (`#[path = "../src/fuzzing.rs"]`), which replays the committed
//! seeds and the regression inputs through these functions inside `cargo test`. So this file is
//! written against the **public API only**, through `super::{Status, engine_io, socket_io}`:
//! the crate root in the codec, the test's own imports in the replay test.
//!
//! Every entry point must never panic on any input; a panic is a finding. Besides "no panic",
//! each checks properties that must hold for every input (decoders agree with each other, what
//! decodes re-encodes and decodes to the same thing).
//!
//! # Input layout of the byte targets
//!
//! The first byte selects a mode; the rest is the wire input. `scripts/fuzz seeds` writes seeds
//! in exactly this layout.
//!
//! | target | byte 0 | rest |
//! |---|---|---|
//! | [`eio_packet`] | bit 0: `0` v4, `1` v3; bit 1: `0` text frame, `1` binary frame | the frame |
//! | [`eio_handshake`] | `% 3`: `0` handshake JSON, `1` query string, `2` error body | the text |
//! | [`eio_payload_v4`] | chunking seed for the streaming decoder | the body |
//! | [`eio_payload_v3`] | bit 0: `0` text body, `1` binary body; bits 1–7: chunking seed | the body |
//! | [`sio_packet`] | bit 0: `0` revision 5, `1` revision 4 | the packet text |
//! | [`sio_binary`] | bit 0: `0` revision 5, `1` revision 4 | frames, see [`split_frames`] |
//!
//! Text inputs that are not UTF-8 are ignored (the text decoders take `&str`).
//!
//! # Structured targets
//!
//! [`sio_roundtrip`] and [`eio_roundtrip`] take plain-data descriptions ([`SioCase`],
//! [`EioCase`]) that the fuzz crate builds with `arbitrary` (it mirrors these types with
//! `#[derive(Arbitrary)]`, since the codec does not depend on `arbitrary`).

use std::borrow::Cow;

use super::Status;
use super::engine_io::payload::{self, PayloadFormat};
use super::engine_io::{
    self, ErrorBody, FrameKind, Handshake, PacketData, PacketType as EioType, Query, Sid,
};
use super::socket_io::{
    self, AckId, Decoded, Frame, Limits, Namespace, PacketType as SioType, Value, binary,
};

use serde_json::value::RawValue;

/// The byte targets, by name, for replaying a file through the target it belongs to.
pub const BYTE_TARGETS: &[&str] = &[
    "eio_packet",
    "eio_handshake",
    "eio_payload_v4",
    "eio_payload_v3",
    "sio_packet",
    "sio_binary",
];

/// Runs the byte target `name` on `data`. Returns `false` when `name` is not a byte target.
pub fn run_bytes(name: &str, data: &[u8]) -> bool {
    match name {
        "eio_packet" => eio_packet(data),
        "eio_handshake" => eio_handshake(data),
        "eio_payload_v4" => eio_payload_v4(data),
        "eio_payload_v3" => eio_payload_v3(data),
        "sio_packet" => sio_packet(data),
        "sio_binary" => sio_binary(data),
        _ => return false,
    }
    true
}

fn split_mode(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(&mode, rest)| (mode, rest))
}

// ---------------------------------------------------------------------------------------------
// Engine.IO packets
// ---------------------------------------------------------------------------------------------

/// `eio_packet`: one Engine.IO packet as a text or binary WebSocket frame, v3 or v4.
///
/// Checks: decoding never panics; a decoded packet that its version can represent re-encodes
/// (text form, and WebSocket form with and without `b64`) and decodes to the same packet; the
/// data of an open packet goes through [`eio_handshake`]'s handshake checks.
pub fn eio_packet(data: &[u8]) {
    let Some((mode, wire)) = split_mode(data) else {
        return;
    };
    let version = eio_version(mode & 1 == 1);
    let decoded = if mode & 2 == 0 {
        let Ok(text) = std::str::from_utf8(wire) else {
            return;
        };
        engine_io::Packet::decode_text(text, version)
    } else {
        engine_io::Packet::decode_binary(wire, version)
    };
    let Ok(packet) = decoded else {
        return;
    };
    check_eio_packet_roundtrip(&packet, version);
    if let (EioType::Open, Some(json)) = (packet.kind, packet.data.as_text()) {
        check_handshake(json);
    }
}

fn eio_version(v3: bool) -> engine_io::ProtocolVersion {
    if v3 {
        engine_io::ProtocolVersion::V3
    } else {
        engine_io::ProtocolVersion::V4
    }
}

/// Re-encodes `packet` in every form `version` has and checks each decodes back to it.
fn check_eio_packet_roundtrip(packet: &engine_io::Packet<'_>, version: engine_io::ProtocolVersion) {
    if !packet.is_encodable(version) {
        return;
    }
    let mut text = String::new();
    packet.encode_text(version, &mut text);
    let again = engine_io::Packet::decode_text(&text, version);
    assert_eq!(again.as_ref(), Ok(packet), "text form {text:?}");
    for b64 in [false, true] {
        let mut frame = Vec::new();
        let kind = packet.encode_websocket(version, b64, &mut frame);
        let again = match kind {
            FrameKind::Text => {
                let text = std::str::from_utf8(&frame).expect("a text frame is UTF-8");
                engine_io::Packet::decode_text(text, version).map(engine_io::Packet::into_owned)
            }
            FrameKind::Binary => {
                assert!(!b64, "b64 must not produce a binary frame");
                engine_io::Packet::decode_binary(&frame, version).map(engine_io::Packet::into_owned)
            }
        };
        assert_eq!(
            again.as_ref(),
            Ok(packet),
            "websocket form {kind:?} {frame:02x?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Handshake, query, error body
// ---------------------------------------------------------------------------------------------

/// `eio_handshake`: the open packet JSON, a request query string, or an error body.
///
/// Checks: no panic; whatever decodes re-encodes and decodes to the same value (a handshake's
/// unknown keys are not re-encoded, so they are left out of the comparison).
pub fn eio_handshake(data: &[u8]) {
    let Some((mode, wire)) = split_mode(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(wire) else {
        return;
    };
    match mode % 3 {
        0 => check_handshake(text),
        1 => check_query(text),
        _ => check_error_body(text),
    }
}

fn check_handshake(json: &str) {
    let Ok(mut handshake) = Handshake::decode(json) else {
        return;
    };
    let _ = handshake.extra_keys();
    handshake.unknown_keys.clear();
    let mut out = String::new();
    handshake.encode(&mut out);
    assert_eq!(
        Handshake::decode(&out),
        Ok(handshake.clone()),
        "re-encoded {out:?}"
    );
    let open = engine_io::Packet::open(&handshake);
    assert_eq!(open.data.as_text(), Some(out.as_str()));
}

fn check_query(text: &str) {
    let Ok(query) = Query::parse(text) else {
        return;
    };
    let _ = query.protocol_version();
    let out = query.encode();
    assert_eq!(Query::parse(&out), Ok(query), "re-encoded {out:?}");
}

fn check_error_body(json: &str) {
    let Ok(body) = ErrorBody::decode(json) else {
        return;
    };
    let _ = body.error_code();
    let mut out = String::new();
    body.encode(&mut out);
    assert_eq!(ErrorBody::decode(&out), Ok(body), "re-encoded {out:?}");
}

// ---------------------------------------------------------------------------------------------
// Engine.IO payloads
// ---------------------------------------------------------------------------------------------

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

fn decode_stream(format: PayloadFormat, body: &[u8], seed: u64, max_len: usize) -> Decoding {
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
fn check_payload_roundtrip(format: PayloadFormat, packets: &[engine_io::Packet<'static>]) {
    let carried: Vec<_> = packets
        .iter()
        .filter(|p| payload_can_carry(format, p))
        .cloned()
        .collect();
    let mut body = Vec::new();
    if format == PayloadFormat::V4 {
        let mut text = String::new();
        payload::encode_v4(&carried, &mut text);
        body = text.into_bytes();
    } else if format == PayloadFormat::V3Text {
        let mut text = String::new();
        payload::encode_v3_text(&carried, &mut text);
        body = text.into_bytes();
    } else {
        payload::encode_v3_binary(&carried, &mut body);
    }
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

// ---------------------------------------------------------------------------------------------
// Socket.IO packets
// ---------------------------------------------------------------------------------------------

fn sio_version(v4: bool) -> socket_io::ProtocolVersion {
    if v4 {
        socket_io::ProtocolVersion::V4
    } else {
        socket_io::ProtocolVersion::V5
    }
}

/// `sio_packet`: one Socket.IO packet text, revision 4 or 5.
///
/// Checks: no panic; [`Frame::parse`] and [`socket_io::Packet::decode`] agree on the header and
/// on header errors; the [`socket_io::Decoder`] agrees with `Packet::decode`; a decoded packet
/// re-encodes and decodes to the same packet; the typed accessors do not panic.
pub fn sio_packet(data: &[u8]) {
    let Some((mode, wire)) = split_mode(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(wire) else {
        return;
    };
    check_sio_text(text, sio_version(mode & 1 == 1));
}

fn check_sio_text(text: &str, version: socket_io::ProtocolVersion) {
    let frame = Frame::parse(text);
    let decoded = socket_io::Packet::decode(text, version, &Limits::DEFAULT);
    let packet = match (frame, decoded) {
        (Err(frame_error), Err(error)) => {
            assert_eq!(frame_error, error, "header error differs");
            None
        }
        (Err(frame_error), Ok(packet)) => {
            panic!("Frame::parse failed ({frame_error:?}) but Packet::decode gave {packet:?}")
        }
        (Ok(_), Err(_)) => None,
        (Ok(frame), Ok(packet)) => {
            assert_eq!(frame.kind, packet.kind, "kind");
            assert_eq!(frame.namespace, packet.namespace, "namespace");
            assert_eq!(frame.ack_id, packet.ack_id, "ack id");
            assert_eq!(frame.attachments, packet.attachments, "attachments");
            assert_eq!(
                frame.body.is_some(),
                packet.data.is_some(),
                "payload presence"
            );
            if let (Some(body), Some(data)) = (frame.body, packet.data_str()) {
                assert_eq!(
                    body.trim_matches([' ', '\t', '\n', '\r']),
                    data,
                    "payload text"
                );
            }
            Some(packet)
        }
    };

    let mut decoder = socket_io::Decoder::new(version, Limits::DEFAULT);
    let result = decoder.push_text(text);
    match (&packet, result) {
        (None, result) => assert!(
            result.is_err(),
            "Decoder accepted what Packet::decode refused"
        ),
        (Some(p), Ok(Status::Complete(Decoded::Packet(q)))) => {
            assert!(
                p.attachments.is_none(),
                "binary header completed without attachments"
            );
            assert_eq!(p, &q, "Decoder and Packet::decode disagree");
        }
        (Some(p), Ok(Status::Partial)) => {
            let count = p
                .attachments
                .expect("Partial for a packet without attachments");
            assert_eq!(decoder.pending_attachments(), count as usize);
        }
        (Some(p), Ok(Status::Complete(other))) => {
            panic!("{p:?} decoded by the Decoder as {other:?}")
        }
        (Some(p), Err(e)) => {
            // Only the placeholder check of a binary header comes on top of Packet::decode.
            let count = p
                .attachments
                .unwrap_or_else(|| panic!("Decoder error {e:?} for {p:?}"));
            assert_eq!(
                placeholder_error(p.data_str(), count as usize),
                Some(e),
                "Decoder error differs from reconstruct"
            );
        }
    }

    let Some(packet) = packet else {
        return;
    };
    let _ = packet.to_string();
    let _ = packet.event_name();
    let _ = packet.args::<Vec<serde_json::Value>>();
    let _ = packet.data_as::<Option<serde_json::Value>>();
    let wire = packet.to_wire();
    let again = socket_io::Packet::decode(&wire, version, &Limits::DEFAULT);
    assert_eq!(
        again.as_ref(),
        Ok(&packet),
        "re-encoded {wire:?} (from {text:?})"
    );
}

/// The error the [`socket_io::Decoder`] gives for a binary header whose placeholders do not
/// fit `count` attachments: a header without payload has no placeholder at all
/// (`attachment-unused`); otherwise what [`binary::reconstruct`] says.
fn placeholder_error(json: Option<&str>, count: usize) -> Option<socket_io::DecodeError> {
    let Some(json) = json else {
        return Some(socket_io::DecodeError::AttachmentUnused);
    };
    let empty = vec![Vec::<u8>::new(); count];
    binary::reconstruct(json, &empty).err()
}

/// Whether `packet` is a revision 4 ERROR whose payload starts with a digit (see SIO4-PKT-004).
fn is_sio4_error_number(
    packet: &socket_io::Packet<'_>,
    version: socket_io::ProtocolVersion,
) -> bool {
    version == socket_io::ProtocolVersion::V4
        && packet.kind == SioType::ConnectError
        && packet
            .data_str()
            .is_some_and(|d| d.as_bytes().first().is_some_and(u8::is_ascii_digit))
}

// ---------------------------------------------------------------------------------------------
// Socket.IO binary packets
// ---------------------------------------------------------------------------------------------

/// One Engine.IO message fed to the Socket.IO [`socket_io::Decoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// A text message (its bytes; not necessarily UTF-8).
    Text(&'a [u8]),
    /// A binary message.
    Binary(&'a [u8]),
}

/// Splits the `sio_binary` input (after its mode byte) into messages.
///
/// Each message is a tag byte (bit 0: `0` text, `1` binary), a 2-byte little-endian length,
/// then that many bytes (fewer when the input ends first). A truncated tag or length ends the
/// sequence.
pub fn split_frames(mut data: &[u8]) -> Vec<Message<'_>> {
    let mut out = Vec::new();
    while let [tag, lo, hi, rest @ ..] = data {
        let len = usize::from(u16::from_le_bytes([*lo, *hi])).min(rest.len());
        let (bytes, after) = rest.split_at(len);
        out.push(if tag & 1 == 0 {
            Message::Text(bytes)
        } else {
            Message::Binary(bytes)
        });
        data = after;
    }
    out
}

/// `sio_binary`: a sequence of text and binary messages through one [`socket_io::Decoder`].
///
/// Checks: no panic; each text message gives what [`socket_io::Packet::decode`] (and, for a
/// binary header, [`binary::reconstruct`]) says; binary messages are refused when nothing is
/// pending; a completed binary packet equals [`binary::reconstruct`] of its header and
/// attachments, and re-encoded with [`socket_io::encode_binary`] decodes to the same packet.
pub fn sio_binary(data: &[u8]) {
    let Some((mode, rest)) = split_mode(data) else {
        return;
    };
    let version = sio_version(mode & 1 == 1);
    let mut decoder = socket_io::Decoder::new(version, Limits::DEFAULT);
    // The current binary header's JSON and attachment count, and the attachments so far.
    let mut pending: Option<(String, usize)> = None;
    let mut attachments: Vec<Vec<u8>> = Vec::new();
    for message in split_frames(rest) {
        match message {
            Message::Text(bytes) => {
                let Ok(text) = std::str::from_utf8(bytes) else {
                    continue;
                };
                let result = decoder.push_text(text);
                if pending.is_some() {
                    assert_eq!(result, Err(socket_io::DecodeError::UnexpectedText));
                    pending = None;
                    attachments.clear();
                    assert_eq!(decoder.pending_attachments(), 0, "not reset after an error");
                    continue;
                }
                let expected = socket_io::Packet::decode(text, version, &Limits::DEFAULT);
                match (expected, result) {
                    (Err(e), result) => assert_eq!(result, Err(e)),
                    (Ok(p), Ok(Status::Complete(Decoded::Packet(q)))) => assert_eq!(p, q),
                    (Ok(p), Ok(Status::Partial)) => {
                        let count = p.attachments.expect("Partial without attachments") as usize;
                        assert_eq!(decoder.pending_attachments(), count);
                        let json = p.data_str().expect("a binary header with placeholders");
                        pending = Some((json.to_owned(), count));
                    }
                    (Ok(p), Err(e)) => {
                        let count = p.attachments.expect("error after a valid packet") as usize;
                        assert_eq!(placeholder_error(p.data_str(), count), Some(e));
                    }
                    (Ok(p), other) => panic!("{p:?} gave {other:?}"),
                }
            }
            Message::Binary(bytes) => {
                let result = decoder.push_binary(bytes);
                let Some((json, count)) = &pending else {
                    assert_eq!(result, Err(socket_io::DecodeError::UnexpectedBinary));
                    continue;
                };
                attachments.push(bytes.to_vec());
                if attachments.len() < *count {
                    assert_eq!(result, Ok(Status::Partial));
                    assert_eq!(decoder.pending_attachments(), count - attachments.len());
                    continue;
                }
                let Ok(Status::Complete(Decoded::Binary(packet))) = result else {
                    panic!("the last attachment gave {result:?}");
                };
                let rebuilt = binary::reconstruct(json, &attachments).expect("checked header");
                assert!(same_value(&packet.data, &rebuilt), "Decoder != reconstruct");
                check_binary_packet_roundtrip(&packet, version);
                pending = None;
                attachments.clear();
                assert_eq!(decoder.pending_attachments(), 0);
            }
        }
    }
}

fn check_binary_packet_roundtrip(
    packet: &socket_io::BinaryPacket,
    version: socket_io::ProtocolVersion,
) {
    let _ = packet.to_string();
    let mut text = String::new();
    let mut attachments = Vec::new();
    let encoded = socket_io::encode_binary(
        packet.kind,
        &packet.namespace,
        packet.ack_id,
        &packet.data,
        &mut text,
        &mut attachments,
    );
    if let Err(e) = encoded {
        // The encoder applies the revision 5 rules; revision 4 accepts reserved event names.
        assert!(
            version == socket_io::ProtocolVersion::V4
                && e == socket_io::ApiMisuse::InvalidPayload(
                    socket_io::DecodeError::ReservedEventName
                ),
            "cannot re-encode {packet:?}: {e:?}"
        );
        return;
    }
    let again = decode_messages(version, &text, &attachments);
    match again {
        Ok(Some(Decoded::Binary(q))) => {
            assert_eq!(
                (q.kind, &q.namespace, q.ack_id),
                (packet.kind, &packet.namespace, packet.ack_id),
                "re-encoded header {text:?}"
            );
            assert!(
                same_value(&q.data, &packet.data),
                "re-encoded data {text:?}"
            );
        }
        other => panic!(
            "re-encoded {text:?} + {} attachments gave {other:?}",
            attachments.len()
        ),
    }
}

/// Feeds one text message and its attachments to a fresh decoder; the final result.
fn decode_messages(
    version: socket_io::ProtocolVersion,
    text: &str,
    attachments: &[Vec<u8>],
) -> Result<Option<Decoded<'static>>, socket_io::DecodeError> {
    let mut decoder = socket_io::Decoder::new(version, Limits::DEFAULT);
    let mut last = decoder.push_text(text)?;
    for attachment in attachments {
        last = decoder.push_binary(attachment)?;
    }
    Ok(last.complete())
}

/// Structural equality of two values, with numbers equal when they are within a few ULPs (the
/// JSON float parser is not guaranteed to round-trip the last bit).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => {
                        (x - y).abs() <= x.abs().max(y.abs()) * 4.0 * f64::EPSILON
                    }
                    _ => false,
                }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_value(vx, vy))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------------
// Structured: Socket.IO round trip
// ---------------------------------------------------------------------------------------------

/// How deep generated values nest at most (see [`Json::to_value`]).
pub const MAX_DEPTH: usize = 64;

/// A JSON value that may hold binary, as the fuzzer generates it.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A float (non-finite becomes `null`).
    Float(f64),
    /// A string.
    Str(String),
    /// Binary data (an attachment).
    Bin(Vec<u8>),
    /// An array.
    Arr(Vec<Json>),
    /// An object, members in order (duplicates allowed).
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The codec value. A member named `_placeholder` is renamed `_placeholder_`: a user object
    /// that looks like a placeholder cannot be told apart from one on the wire (SIO5-BIN-018
    /// covers plain packets only), so it is not a round-trip property.
    ///
    /// Nesting is cut at [`MAX_DEPTH`] levels (deeper values become `null`): serde_json builds
    /// trees at most 128 levels deep, and the comparisons here go through such trees.
    pub fn to_value(&self) -> Value {
        self.to_value_at(0)
    }

    fn to_value_at(&self, depth: usize) -> Value {
        if depth >= MAX_DEPTH {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(n) => Value::from(*n),
            Json::UInt(n) => Value::from(*n),
            Json::Float(f) => Value::from(*f),
            Json::Str(s) => Value::String(s.clone()),
            Json::Bin(b) => Value::Binary(b.clone()),
            Json::Arr(items) => {
                Value::Array(items.iter().map(|i| i.to_value_at(depth + 1)).collect())
            }
            Json::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| {
                        let k = if k == "_placeholder" {
                            "_placeholder_".to_owned()
                        } else {
                            k.clone()
                        };
                        (k, v.to_value_at(depth + 1))
                    })
                    .collect(),
            ),
        }
    }
}

/// An event name: text or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Name {
    /// A string name.
    Text(String),
    /// A numeric name.
    Number(i64),
}

/// One Socket.IO packet to build, encode and decode.
#[derive(Debug, Clone, PartialEq)]
pub enum SioOp {
    /// CONNECT with an optional auth object.
    Connect {
        /// Namespace (made valid: `/` prefixed, commas removed).
        nsp: String,
        /// Auth object members.
        auth: Option<Vec<(String, Json)>>,
    },
    /// DISCONNECT.
    Disconnect {
        /// Namespace.
        nsp: String,
    },
    /// EVENT or BINARY_EVENT (binary when `args` hold binary).
    Event {
        /// Namespace.
        nsp: String,
        /// Ack id (reduced modulo 2^53).
        ack: Option<u64>,
        /// Event name.
        name: Name,
        /// Arguments.
        args: Vec<Json>,
    },
    /// ACK or BINARY_ACK.
    Ack {
        /// Namespace.
        nsp: String,
        /// Ack id (reduced modulo 2^53).
        ack: u64,
        /// Arguments.
        args: Vec<Json>,
    },
    /// CONNECT_ERROR (revision 4: ERROR).
    ConnectError {
        /// Namespace.
        nsp: String,
        /// Payload.
        data: Json,
    },
}

/// Input of [`sio_roundtrip`].
#[derive(Debug, Clone, PartialEq)]
pub struct SioCase {
    /// Revision 4 instead of 5.
    pub v4: bool,
    /// The packets.
    pub ops: Vec<SioOp>,
}

fn namespace(raw: &str) -> Namespace<'static> {
    let name: String = raw.chars().filter(|&c| c != ',').collect();
    let name = if name.starts_with('/') {
        name
    } else {
        format!("/{name}")
    };
    Namespace::new(name).expect("a / prefix and no comma")
}

fn ack_id(raw: u64) -> AckId {
    AckId::new(raw % (AckId::MAX.get() + 1)).expect("reduced into range")
}

fn json_text(value: &Value) -> String {
    serde_json::to_string(value).expect("a Value always serializes")
}

/// `sio_roundtrip`: arbitrary packets of every type (binary values included) are encoded with
/// the public encoders and decoded by the [`socket_io::Decoder`]; the result must equal what was
/// encoded. Packets the encoders refuse (a reserved event name, a revision 5 CONNECT_ERROR that
/// is neither a string nor an object) are skipped.
pub fn sio_roundtrip(case: &SioCase) {
    let version = sio_version(case.v4);
    for op in &case.ops {
        match op {
            SioOp::Connect { nsp, auth } => {
                let auth = auth
                    .as_ref()
                    .map(|members| json_text(&Json::Obj(members.clone()).to_value()));
                let raw = auth.map(|a| RawValue::from_string(a).expect("valid JSON"));
                let packet = socket_io::Packet::connect(namespace(nsp), raw.as_deref())
                    .expect("an object is a valid CONNECT payload");
                check_plain_roundtrip(&packet, version);
            }
            SioOp::Disconnect { nsp } => {
                check_plain_roundtrip(&socket_io::Packet::disconnect(namespace(nsp)), version);
            }
            SioOp::Event {
                nsp,
                ack,
                name,
                args,
            } => {
                let mut items = vec![match name {
                    Name::Text(s) => Value::String(s.clone()),
                    Name::Number(n) => Value::from(*n),
                }];
                items.extend(args.iter().map(Json::to_value));
                check_data_roundtrip(
                    version,
                    SioType::Event,
                    &namespace(nsp),
                    ack.map(ack_id),
                    &Value::Array(items),
                );
                if let Name::Text(name) = name {
                    check_encode_event(version, &namespace(nsp), name, args, ack.map(ack_id));
                }
            }
            SioOp::Ack { nsp, ack, args } => {
                let data = Value::Array(args.iter().map(Json::to_value).collect());
                let nsp = namespace(nsp);
                check_data_roundtrip(version, SioType::Ack, &nsp, Some(ack_id(*ack)), &data);
                let args: Vec<Value> = args.iter().map(|a| strip_binary(&a.to_value())).collect();
                let mut out = String::new();
                socket_io::encode_ack(&nsp, ack_id(*ack), &args, &mut out)
                    .expect("a Vec is a sequence");
                let decoded = socket_io::Packet::decode(&out, version, &Limits::DEFAULT)
                    .unwrap_or_else(|e| panic!("encode_ack wrote {out:?}, refused with {e:?}"));
                let back: Vec<Value> = decoded.args().expect("an array of values");
                assert!(
                    same_value(&Value::Array(back), &Value::Array(args)),
                    "{out:?}"
                );
            }
            SioOp::ConnectError { nsp, data } => {
                let json = json_text(&strip_binary(&data.to_value()));
                let raw = RawValue::from_string(json).expect("valid JSON");
                let packet = if case.v4 {
                    Ok(socket_io::Packet {
                        kind: SioType::ConnectError,
                        namespace: namespace(nsp),
                        ack_id: None,
                        attachments: None,
                        data: Some(Cow::Borrowed(&*raw)),
                    })
                } else {
                    socket_io::Packet::connect_error(namespace(nsp), &raw)
                };
                if let Ok(packet) = packet {
                    check_plain_roundtrip(&packet, version);
                }
            }
        }
    }
}

/// A value with every binary replaced by the array of its bytes (how serde writes bytes).
fn strip_binary(value: &Value) -> Value {
    match value {
        Value::Binary(bytes) => {
            Value::Array(bytes.iter().map(|&b| Value::from(u64::from(b))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(strip_binary).collect()),
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), strip_binary(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Encodes a packet with [`socket_io::Packet::encode`] and decodes it with the Decoder.
fn check_plain_roundtrip(packet: &socket_io::Packet<'_>, version: socket_io::ProtocolVersion) {
    // A revision 4 ERROR whose payload is a non-negative number has no wire form: its digits
    // would read as the ack id (SIO4-PKT-004). Such packets are built by the generator, never
    // decoded, so they are left out here.
    if is_sio4_error_number(packet, version) {
        return;
    }
    let wire = packet.to_wire();
    let mut decoder = socket_io::Decoder::new(version, Limits::DEFAULT);
    match decoder.push_text(&wire) {
        Ok(Status::Complete(Decoded::Packet(q))) => {
            assert_eq!(&q, packet, "encoded as {wire:?}")
        }
        other => panic!("{packet:?} encoded as {wire:?} decoded as {other:?}"),
    }
}

/// Encodes `data` with [`socket_io::encode_binary`] and decodes text and attachments.
fn check_data_roundtrip(
    version: socket_io::ProtocolVersion,
    kind: SioType,
    nsp: &Namespace<'_>,
    ack: Option<AckId>,
    data: &Value,
) {
    let mut text = String::new();
    let mut attachments = Vec::new();
    if let Err(e) = socket_io::encode_binary(kind, nsp, ack, data, &mut text, &mut attachments) {
        assert_eq!(
            e,
            socket_io::ApiMisuse::InvalidPayload(socket_io::DecodeError::ReservedEventName),
            "encode_binary refused {data:?}"
        );
        return;
    }
    assert_eq!(attachments.is_empty(), !data.has_binary());
    let limit = socket_io::Limits::default().max_attachments;
    if attachments.len() > limit {
        // More attachments than a default decoder takes: refused by design (SIO5-BIN-010).
        let got = decode_messages(version, &text, &attachments);
        assert!(
            matches!(got, Err(socket_io::DecodeError::TooManyAttachments)),
            "{} attachments decoded as {got:?}",
            attachments.len()
        );
        return;
    }
    match decode_messages(version, &text, &attachments) {
        Ok(Some(Decoded::Packet(p))) => {
            assert!(!data.has_binary());
            assert_eq!((&p.namespace, p.ack_id), (nsp, ack), "{text:?}");
            let got = match Value::from_json_str(p.data_str().expect("payload")) {
                Ok(got) => got,
                // Deeper than serde_json builds a tree (128 levels): the text packet itself
                // decoded; only this comparison cannot be made.
                Err(e) if e.to_string().contains("recursion limit") => return,
                Err(e) => panic!("{text:?}: {e}"),
            };
            assert!(
                same_value(&got, data),
                "{text:?} decoded as {got:?}, want {data:?}"
            );
        }
        Ok(Some(Decoded::Binary(p))) => {
            assert!(data.has_binary());
            assert_eq!((&p.namespace, p.ack_id), (nsp, ack), "{text:?}");
            assert!(
                same_value(&p.data, data),
                "{text:?} decoded as {:?}",
                p.data
            );
        }
        other => panic!("{data:?} encoded as {text:?} + {attachments:?} decoded as {other:?}"),
    }
}

/// Encodes with [`socket_io::encode_event`] and checks the decoded name and arguments.
fn check_encode_event(
    version: socket_io::ProtocolVersion,
    nsp: &Namespace<'_>,
    name: &str,
    args: &[Json],
    ack: Option<AckId>,
) {
    let args: Vec<Value> = args.iter().map(|a| strip_binary(&a.to_value())).collect();
    let mut out = String::new();
    if socket_io::encode_event(nsp, name, &args, ack, &mut out).is_err() {
        assert!(out.is_empty(), "encode_event appended on error");
        return;
    }
    let packet = socket_io::Packet::decode(&out, version, &Limits::DEFAULT)
        .unwrap_or_else(|e| panic!("encode_event wrote {out:?}, refused with {e:?}"));
    let got = packet
        .event_name()
        .and_then(|n| n.as_str().map(str::to_owned));
    assert_eq!(got.as_deref(), Some(name), "{out:?}");
    let back: Vec<Value> = packet.args().expect("an array of values");
    assert!(
        same_value(&Value::Array(back), &Value::Array(args)),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Structured: Engine.IO round trip
// ---------------------------------------------------------------------------------------------

/// One Engine.IO packet as the fuzzer generates it.
#[derive(Debug, Clone, PartialEq)]
pub struct EioPacket {
    /// Packet type, reduced modulo 7.
    pub kind: u8,
    /// Binary data instead of `text`.
    pub binary: Option<Vec<u8>>,
    /// Text data (used when `binary` is `None`).
    pub text: String,
}

impl EioPacket {
    fn to_packet(&self) -> engine_io::Packet<'static> {
        let kind = EioType::ALL[usize::from(self.kind % 7)];
        let data = match &self.binary {
            Some(bytes) => PacketData::Binary(Cow::Owned(bytes.clone())),
            None => PacketData::Text(Cow::Owned(self.text.clone())),
        };
        engine_io::Packet { kind, data }
    }
}

/// Input of [`eio_roundtrip`].
#[derive(Debug, Clone, PartialEq)]
pub struct EioCase {
    /// Engine.IO v3 instead of v4.
    pub v3: bool,
    /// Packets, encoded one by one and as a payload.
    pub packets: Vec<EioPacket>,
    /// Seed of the chunking of the streamed payload.
    pub chunk_seed: u64,
    /// A handshake: sid, upgrades, ping interval, ping timeout, max payload.
    pub handshake: (String, Vec<String>, u64, u64, Option<u64>),
    /// An error body: code and message.
    pub error_body: (u8, String),
}

/// `eio_roundtrip`: arbitrary Engine.IO packets (v3 or v4) are encoded in every packet form and
/// in every payload format of their version, and decoded back (one-shot and streamed in
/// data-chosen chunks); an arbitrary handshake and error body are encoded and decoded back.
pub fn eio_roundtrip(case: &EioCase) {
    let version = eio_version(case.v3);
    let packets: Vec<_> = case.packets.iter().map(EioPacket::to_packet).collect();
    for packet in &packets {
        check_eio_packet_roundtrip(packet, version);
    }
    let formats: &[PayloadFormat] = if case.v3 {
        &[PayloadFormat::V3Text, PayloadFormat::V3Binary]
    } else {
        &[PayloadFormat::V4]
    };
    for &format in formats {
        let carried: Vec<_> = packets
            .iter()
            .filter(|p| payload_can_carry(format, p))
            .cloned()
            .collect();
        check_payload_roundtrip(format, &carried);
        // And once more with the case's own chunking.
        let mut body = Vec::new();
        if format == PayloadFormat::V3Binary {
            payload::encode_v3_binary(&carried, &mut body);
        } else {
            let mut text = String::new();
            if format == PayloadFormat::V4 {
                payload::encode_v4(&carried, &mut text);
            } else {
                payload::encode_v3_text(&carried, &mut text);
            }
            body = text.into_bytes();
        }
        if !body.is_empty() {
            let streamed = decode_stream(format, &body, case.chunk_seed, body.len());
            assert_eq!(
                streamed,
                (carried, None),
                "streamed with seed {}",
                case.chunk_seed
            );
        }
    }

    let (sid, upgrades, ping_interval, ping_timeout, max_payload) = &case.handshake;
    if let Ok(sid) = Sid::new(sid) {
        let mut handshake =
            Handshake::new(sid, *ping_interval, *ping_timeout).with_upgrades(upgrades.iter());
        if let Some(max) = max_payload {
            handshake = handshake.with_max_payload(*max);
        }
        let open = engine_io::Packet::open(&handshake);
        let mut text = String::new();
        open.encode_text(version, &mut text);
        let decoded = engine_io::Packet::decode_text(&text, version).expect("an open packet");
        let json = decoded.data.as_text().expect("text data");
        assert_eq!(Handshake::decode(json), Ok(handshake), "{text:?}");
    }

    let body = ErrorBody {
        code: case.error_body.0,
        message: case.error_body.1.clone(),
    };
    let mut out = String::new();
    body.encode(&mut out);
    assert_eq!(ErrorBody::decode(&out), Ok(body), "{out:?}");
}

// ---------------------------------------------------------------------------------------------
// Structured: session machines
// ---------------------------------------------------------------------------------------------

use std::time::{Duration, Instant};

use super::engine_io::session as eio_session;
use super::socket_io::session as sio_session;

/// Most outputs one drain may produce, and most timer firings one time advance may cause,
/// before the machine counts as looping forever.
const LOOP_GUARD: usize = 100_000;

/// Checks one `Timeout` output: a deadline is never before the time of the call it follows.
fn check_deadline(at: Option<Instant>, now: Instant, epoch: Instant, what: &str) {
    if let Some(at) = at {
        assert!(
            at >= now,
            "{what}: Timeout at {:?} is before now {:?} (time went backwards)",
            at.saturating_duration_since(epoch),
            now.saturating_duration_since(epoch),
        );
    }
}

/// Lets time pass until `target`, firing each due deadline at its own instant, as a driver
/// would. `fire` handles a timeout at the given instant, drains, and returns the new deadline.
fn advance(
    now: &mut Instant,
    deadline: &mut Option<Instant>,
    target: Instant,
    mut fire: impl FnMut(Instant) -> Option<Instant>,
) {
    let mut fired = 0;
    while let Some(at) = *deadline {
        if at > target {
            break;
        }
        *now = at.max(*now);
        *deadline = fire(*now);
        fired += 1;
        assert!(
            fired < LOOP_GUARD,
            "timers keep firing without time passing"
        );
    }
    *now = target.max(*now);
}

/// One step of an Engine.IO session story, applied to a client or a server machine.
#[derive(Debug, Clone, PartialEq)]
pub enum EioSessionOp {
    /// Let this many milliseconds pass (×10); due timers fire on the way.
    Advance(u16),
    /// A valid open packet from the server (client only; over the client's first transport).
    Open {
        /// `pingInterval` in ms.
        ping_interval: u16,
        /// `pingTimeout` in ms.
        ping_timeout: u16,
        /// Whether `websocket` is offered as an upgrade.
        upgrades: bool,
    },
    /// These packets as a polling body: a GET response (client) or a POST (server).
    Body(Vec<EioPacket>),
    /// Raw polling body bytes, as [`EioSessionOp::Body`].
    RawBody(Vec<u8>),
    /// One packet as a WebSocket message (server: on connection `conn`).
    Ws {
        /// The packet.
        packet: EioPacket,
        /// Connection index (server).
        conn: u8,
    },
    /// A raw WebSocket message (server: on connection `conn`).
    RawWs {
        /// A binary message instead of text (text must be UTF-8; other bytes are dropped).
        binary: bool,
        /// The message.
        data: Vec<u8>,
        /// Connection index (server).
        conn: u8,
    },
    /// A transport event or command, chosen by `kind` (see [`eio_session_ops`]).
    Event {
        /// Which event.
        kind: u8,
        /// Connection index (server).
        conn: u8,
    },
    /// The application sends a message.
    Send(EioPacket),
}

/// Input of [`eio_session_ops`].
#[derive(Debug, Clone, PartialEq)]
pub struct EioSessionCase {
    /// Engine.IO v3 instead of v4.
    pub v3: bool,
    /// The session starts over WebSocket instead of polling.
    pub websocket: bool,
    /// Server `pingInterval`, `pingTimeout`, `upgradeTimeout` in ms (each + 100) and
    /// `maxPayload` in bytes.
    pub server_config: (u16, u16, u16, u32),
    /// Whether the server allows upgrades.
    pub allow_upgrades: bool,
    /// The story.
    pub ops: Vec<EioSessionOp>,
}

fn eio_body(packets: &[engine_io::Packet<'_>], version: engine_io::ProtocolVersion) -> Vec<u8> {
    let mut out = String::new();
    if version == engine_io::ProtocolVersion::V3 {
        payload::encode_v3_text(packets, &mut out);
    } else {
        payload::encode_v4(packets, &mut out);
    }
    out.into_bytes()
}

fn ws_frame(packet: &EioPacket, version: engine_io::ProtocolVersion) -> (bool, Vec<u8>) {
    let mut data = Vec::new();
    let kind = packet
        .to_packet()
        .encode_websocket(version, false, &mut data);
    (kind == FrameKind::Binary, data)
}

fn ws_message(binary: bool, data: &[u8]) -> Option<eio_session::WsMessage<'_>> {
    if binary {
        Some(eio_session::WsMessage::Binary(data))
    } else {
        std::str::from_utf8(data)
            .ok()
            .map(eio_session::WsMessage::Text)
    }
}

fn eio_message(packet: &EioPacket) -> eio_session::Message {
    match &packet.binary {
        Some(bytes) => eio_session::Message::Binary(bytes.clone()),
        None => eio_session::Message::Text(packet.text.clone()),
    }
}

/// `eio_session_ops`: the same story of inputs, commands and time advances is played into an
/// Engine.IO [`eio_session::ClientSession`] and into an [`eio_session::ServerSession`].
///
/// Events by `kind % 7`: client — POST complete, WebSocket open, WebSocket closed, transport
/// closed, start upgrade, close, nothing; server — GET, GET aborted, POST started (the body
/// follows as an empty body), WebSocket open, WebSocket closed, close, nothing.
///
/// Checks: never panics; every `Timeout(Some(at))` output is at or after the time of the call
/// it follows; timers do not fire forever at one instant; a drain ends.
pub fn eio_session_ops(case: &EioSessionCase) {
    eio_client_story(case);
    eio_server_story(case);
}

fn eio_client_story(case: &EioSessionCase) {
    let version = eio_version(case.v3);
    let transport = if case.websocket {
        engine_io::TransportKind::WebSocket
    } else {
        engine_io::TransportKind::Polling
    };
    let epoch = Instant::now();
    let mut now = epoch;
    let mut client = eio_session::ClientSession::new(version, transport, now);
    let mut deadline = drain_eio_client(&mut client, now, epoch);
    for op in &case.ops {
        match op {
            EioSessionOp::Advance(ms) => {
                let target = now + Duration::from_millis(u64::from(*ms) * 10);
                advance(&mut now, &mut deadline, target, |at| {
                    client.handle_timeout(at);
                    drain_eio_client(&mut client, at, epoch)
                });
                continue;
            }
            EioSessionOp::Open {
                ping_interval,
                ping_timeout,
                upgrades,
            } => {
                let sid = Sid::new("fuzz-sid").expect("a valid sid");
                let mut handshake =
                    Handshake::new(sid, u64::from(*ping_interval), u64::from(*ping_timeout));
                if *upgrades {
                    handshake = handshake.with_upgrades(["websocket"]);
                }
                let open = engine_io::Packet::open(&handshake);
                if case.websocket {
                    let mut text = String::new();
                    open.encode_text(version, &mut text);
                    client.handle_ws_message(eio_session::WsMessage::Text(&text), now);
                } else {
                    client.handle_polling_response(&eio_body(&[open], version), now);
                }
            }
            EioSessionOp::Body(packets) => {
                let packets: Vec<_> = packets.iter().map(EioPacket::to_packet).collect();
                client.handle_polling_response(&eio_body(&packets, version), now);
            }
            EioSessionOp::RawBody(body) => client.handle_polling_response(body, now),
            EioSessionOp::Ws { packet, .. } => {
                let (binary, data) = ws_frame(packet, version);
                if let Some(message) = ws_message(binary, &data) {
                    client.handle_ws_message(message, now);
                }
            }
            EioSessionOp::RawWs { binary, data, .. } => {
                if let Some(message) = ws_message(*binary, data) {
                    client.handle_ws_message(message, now);
                }
            }
            EioSessionOp::Event { kind, .. } => match kind % 7 {
                0 => client.handle_post_complete(now),
                1 => client.handle_ws_open(now),
                2 => client.handle_ws_closed(now),
                3 => client.handle_transport_closed(now),
                4 => {
                    let _ = client.start_upgrade();
                }
                5 => client.close(),
                _ => {}
            },
            EioSessionOp::Send(packet) => client.send_message(eio_message(packet)),
        }
        let _ = (
            client.state(),
            client.is_open(),
            client.handshake(),
            client.version(),
        );
        let _ = client.last_timeout_reason();
        deadline = drain_eio_client(&mut client, now, epoch);
    }
}

fn drain_eio_client(
    client: &mut eio_session::ClientSession,
    now: Instant,
    epoch: Instant,
) -> Option<Instant> {
    for _ in 0..LOOP_GUARD {
        if let eio_session::Output::Timeout(at) = client.poll_output() {
            check_deadline(at, now, epoch, "engine.io client");
            return at;
        }
    }
    panic!("engine.io client: poll_output never drains");
}

fn eio_server_story(case: &EioSessionCase) {
    let version = eio_version(case.v3);
    let transport = if case.websocket {
        engine_io::TransportKind::WebSocket
    } else {
        engine_io::TransportKind::Polling
    };
    let (interval, timeout, upgrade_timeout, max_payload) = case.server_config;
    let config = eio_session::ServerConfig {
        ping_interval: Duration::from_millis(100 + u64::from(interval)),
        ping_timeout: Duration::from_millis(100 + u64::from(timeout)),
        max_payload: u64::from(max_payload),
        allow_upgrades: case.allow_upgrades,
        upgrade_timeout: Duration::from_millis(100 + u64::from(upgrade_timeout)),
    };
    let epoch = Instant::now();
    let mut now = epoch;
    let mut ids = eio_session::CounterSidGenerator::default();
    let mut server = eio_session::ServerSession::new(config, version, transport, &mut ids, now);
    let mut conns = vec![server.handshake_conn()];
    let mut deadline = drain_eio_server(&mut server, now, epoch);
    for op in &case.ops {
        let pick = |conns: &[eio_session::ConnId], i: u8| conns[usize::from(i) % conns.len()];
        match op {
            EioSessionOp::Advance(ms) => {
                let target = now + Duration::from_millis(u64::from(*ms) * 10);
                advance(&mut now, &mut deadline, target, |at| {
                    server.handle_timeout(at);
                    drain_eio_server(&mut server, at, epoch)
                });
                continue;
            }
            EioSessionOp::Open { .. } => {}
            EioSessionOp::Body(packets) => {
                let packets: Vec<_> = packets.iter().map(EioPacket::to_packet).collect();
                conns.push(server.handle_post(&eio_body(&packets, version), now));
            }
            EioSessionOp::RawBody(body) => conns.push(server.handle_post(body, now)),
            EioSessionOp::Ws { packet, conn } => {
                let (binary, data) = ws_frame(packet, version);
                if let Some(message) = ws_message(binary, &data) {
                    server.handle_ws_message(pick(&conns, *conn), message, now);
                }
            }
            EioSessionOp::RawWs { binary, data, conn } => {
                if let Some(message) = ws_message(*binary, data) {
                    server.handle_ws_message(pick(&conns, *conn), message, now);
                }
            }
            EioSessionOp::Event { kind, conn } => match kind % 7 {
                0 => conns.push(server.handle_get(now)),
                1 => server.handle_get_aborted(pick(&conns, *conn), now),
                2 => {
                    let id = server.handle_post_started(now);
                    conns.push(id);
                    server.handle_post_body(id, b"", now);
                }
                3 => conns.push(server.handle_ws_open(now)),
                4 => server.handle_ws_closed(pick(&conns, *conn), now),
                5 => server.close(),
                _ => {}
            },
            EioSessionOp::Send(packet) => server.send_message(eio_message(packet)),
        }
        let _ = (
            server.state(),
            server.is_closed(),
            server.sid(),
            server.version(),
        );
        let _ = (server.handshake(), server.last_timeout_reason());
        deadline = drain_eio_server(&mut server, now, epoch);
    }
}

fn drain_eio_server(
    server: &mut eio_session::ServerSession,
    now: Instant,
    epoch: Instant,
) -> Option<Instant> {
    for _ in 0..LOOP_GUARD {
        if let eio_session::Output::Timeout(at) = server.poll_output() {
            check_deadline(at, now, epoch, "engine.io server");
            return at;
        }
    }
    panic!("engine.io server: poll_output never drains");
}

/// One step of a Socket.IO session story, applied to a client or a server machine.
#[derive(Debug, Clone, PartialEq)]
pub enum SioSessionOp {
    /// Let this many milliseconds pass (×10); due timers fire on the way.
    Advance(u16),
    /// A packet from the peer, encoded (with its attachments) and fed message by message.
    Packet(SioOp),
    /// A raw Engine.IO message from the peer.
    Raw {
        /// A binary message instead of text (text must be UTF-8; other bytes are dropped).
        binary: bool,
        /// The message.
        data: Vec<u8>,
    },
    /// Client command: connect a namespace.
    Connect {
        /// Namespace.
        nsp: String,
        /// Auth object members.
        auth: Option<Vec<(String, Json)>>,
    },
    /// Command: emit an event.
    Emit {
        /// Namespace.
        nsp: String,
        /// Event name.
        event: String,
        /// Arguments.
        args: Vec<Json>,
        /// Ask for an acknowledgement.
        ack: bool,
    },
    /// Command: acknowledge a received event.
    Ack {
        /// Namespace.
        nsp: String,
        /// Ack id.
        id: u8,
        /// Arguments.
        args: Vec<Json>,
    },
    /// Command: disconnect a namespace.
    Disconnect {
        /// Namespace.
        nsp: String,
    },
    /// Server command: accept a pending namespace.
    Accept {
        /// Namespace.
        nsp: String,
    },
    /// Server command: refuse a pending namespace.
    Refuse {
        /// Namespace.
        nsp: String,
        /// Message.
        message: String,
    },
    /// Server command: close the connection.
    Close,
    /// The Engine.IO connection closed.
    EngineClosed,
}

/// Input of [`sio_session_ops`].
#[derive(Debug, Clone, PartialEq)]
pub struct SioSessionCase {
    /// Revision 4 instead of 5.
    pub v4: bool,
    /// Server connect timeout in ms (+ 100).
    pub connect_timeout: u16,
    /// The story.
    pub ops: Vec<SioSessionOp>,
}

/// The Engine.IO messages that carry `op` (nothing when the encoders refuse it).
fn sio_op_messages(op: &SioOp, v4: bool) -> Vec<sio_session::EngineMessage> {
    use sio_session::EngineMessage;
    let text = |packet: &socket_io::Packet<'_>| vec![EngineMessage::Text(packet.to_wire())];
    let with_data = |kind, nsp: &str, ack, data: Value| {
        let mut text = String::new();
        let mut attachments = Vec::new();
        match socket_io::encode_binary(
            kind,
            &namespace(nsp),
            ack,
            &data,
            &mut text,
            &mut attachments,
        ) {
            Ok(()) => std::iter::once(EngineMessage::Text(text))
                .chain(attachments.into_iter().map(EngineMessage::Binary))
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    match op {
        SioOp::Connect { nsp, auth } => {
            let auth = auth
                .as_ref()
                .map(|members| json_text(&strip_binary(&Json::Obj(members.clone()).to_value())));
            let raw = auth.map(|a| RawValue::from_string(a).expect("valid JSON"));
            socket_io::Packet::connect(namespace(nsp), raw.as_deref())
                .map(|p| text(&p))
                .unwrap_or_default()
        }
        SioOp::Disconnect { nsp } => text(&socket_io::Packet::disconnect(namespace(nsp))),
        SioOp::Event {
            nsp,
            ack,
            name,
            args,
        } => {
            let mut items = vec![match name {
                Name::Text(s) => Value::String(s.clone()),
                Name::Number(n) => Value::from(*n),
            }];
            items.extend(args.iter().map(Json::to_value));
            with_data(SioType::Event, nsp, ack.map(ack_id), Value::Array(items))
        }
        SioOp::Ack { nsp, ack, args } => with_data(
            SioType::Ack,
            nsp,
            Some(ack_id(*ack)),
            Value::Array(args.iter().map(Json::to_value).collect()),
        ),
        SioOp::ConnectError { nsp, data } => {
            let json = json_text(&strip_binary(&data.to_value()));
            let raw = RawValue::from_string(json).expect("valid JSON");
            if v4 {
                text(&socket_io::Packet {
                    kind: SioType::ConnectError,
                    namespace: namespace(nsp),
                    ack_id: None,
                    attachments: None,
                    data: Some(Cow::Borrowed(&*raw)),
                })
            } else {
                socket_io::Packet::connect_error(namespace(nsp), &raw)
                    .map(|p| text(&p))
                    .unwrap_or_default()
            }
        }
    }
}

fn raw_message(binary: bool, data: &[u8]) -> Option<sio_session::EngineMessage> {
    if binary {
        Some(sio_session::EngineMessage::Binary(data.to_vec()))
    } else {
        std::str::from_utf8(data)
            .ok()
            .map(|t| sio_session::EngineMessage::Text(t.to_owned()))
    }
}

fn args_value(args: &[Json]) -> Value {
    Value::Array(args.iter().map(Json::to_value).collect())
}

/// `sio_session_ops`: the same story of messages, commands and time advances is played into a
/// Socket.IO [`sio_session::Client`] and into a [`sio_session::Server`] (any namespace
/// allowed). Commands the state refuses return a `SessionError`, which is fine.
///
/// Checks: never panics; every `Timeout(Some(at))` output is at or after the time of the call
/// it follows; timers do not fire forever at one instant; a drain ends.
pub fn sio_session_ops(case: &SioSessionCase) {
    let version = sio_version(case.v4);
    let epoch = Instant::now();

    // The client.
    let mut now = epoch;
    let mut config = sio_session::ClientConfig::default();
    config.version = version;
    let mut client = sio_session::Client::new(config);
    drain_sio(|| client.poll_output(), now, epoch, "socket.io client");
    for op in &case.ops {
        match op {
            SioSessionOp::Advance(ms) => now += Duration::from_millis(u64::from(*ms) * 10),
            SioSessionOp::Packet(op) => {
                for message in sio_op_messages(op, case.v4) {
                    client.handle_message(message, now);
                }
            }
            SioSessionOp::Raw { binary, data } => {
                if let Some(message) = raw_message(*binary, data) {
                    client.handle_message(message, now);
                }
            }
            SioSessionOp::Connect { nsp, auth } => {
                let auth = auth.as_ref().map(|m| Json::Obj(m.clone()).to_value());
                let _ = client.connect(namespace(nsp), auth.as_ref(), now);
            }
            SioSessionOp::Emit {
                nsp,
                event,
                args,
                ack,
            } => {
                let _ = client.emit(&namespace(nsp), event, &args_value(args), *ack, now);
            }
            SioSessionOp::Ack { nsp, id, args } => {
                let id = ack_id(u64::from(*id));
                let _ = client.ack(&namespace(nsp), id, &args_value(args), now);
            }
            SioSessionOp::Disconnect { nsp } => {
                let _ = client.disconnect(&namespace(nsp), now);
            }
            SioSessionOp::EngineClosed => client.handle_engine_closed(now),
            SioSessionOp::Accept { .. } | SioSessionOp::Refuse { .. } | SioSessionOp::Close => {}
        }
        let _ = (client.is_closed(), client.socket_id(&Namespace::MAIN));
        let _ = client.namespace_state(&Namespace::MAIN);
        let at = drain_sio(|| client.poll_output(), now, epoch, "socket.io client");
        assert_eq!(at, None, "the Socket.IO client arms no timer");
    }

    // The server.
    let mut now = epoch;
    let config = sio_session::ServerConfig::new(sio_session::NamespacePolicy::Any)
        .with_version(version)
        .with_connect_timeout(Duration::from_millis(100 + u64::from(case.connect_timeout)));
    let mut n = 0u64;
    let sids = move |_: &Namespace<'_>| {
        n += 1;
        format!("fuzz-{n}")
    };
    let mut server = sio_session::Server::new(config, sids, now);
    let mut deadline = drain_sio(|| server.poll_output(), now, epoch, "socket.io server");
    for op in &case.ops {
        match op {
            SioSessionOp::Advance(ms) => {
                let target = now + Duration::from_millis(u64::from(*ms) * 10);
                advance(&mut now, &mut deadline, target, |at| {
                    server.handle_timeout(at);
                    drain_sio(|| server.poll_output(), at, epoch, "socket.io server")
                });
                continue;
            }
            SioSessionOp::Packet(op) => {
                for message in sio_op_messages(op, case.v4) {
                    server.handle_message(message, now);
                }
            }
            SioSessionOp::Raw { binary, data } => {
                if let Some(message) = raw_message(*binary, data) {
                    server.handle_message(message, now);
                }
            }
            SioSessionOp::Emit {
                nsp,
                event,
                args,
                ack,
            } => {
                let _ = server.emit(&namespace(nsp), event, &args_value(args), *ack, now);
            }
            SioSessionOp::Ack { nsp, id, args } => {
                let id = ack_id(u64::from(*id));
                let _ = server.ack(&namespace(nsp), id, &args_value(args), now);
            }
            SioSessionOp::Disconnect { nsp } => {
                let _ = server.disconnect(&namespace(nsp), now);
            }
            SioSessionOp::Accept { nsp } => {
                let _ = server.accept(&namespace(nsp), now);
            }
            SioSessionOp::Refuse { nsp, message } => {
                let _ = server.refuse(&namespace(nsp), message, None, now);
            }
            SioSessionOp::Close => {
                let _ = server.close(now);
            }
            SioSessionOp::EngineClosed => server.handle_engine_closed(now),
            SioSessionOp::Connect { .. } => {}
        }
        let _ = (server.is_closed(), server.last_timeout_reason());
        let _ = (
            server.joined().count(),
            server.namespace_state(&Namespace::MAIN),
        );
        deadline = drain_sio(|| server.poll_output(), now, epoch, "socket.io server");
    }
}

fn drain_sio<E>(
    mut poll: impl FnMut() -> sio_session::Output<E>,
    now: Instant,
    epoch: Instant,
    what: &str,
) -> Option<Instant> {
    for _ in 0..LOOP_GUARD {
        if let sio_session::Output::Timeout(at) = poll() {
            check_deadline(at, now, epoch, what);
            return at;
        }
    }
    panic!("{what}: poll_output never drains");
}
