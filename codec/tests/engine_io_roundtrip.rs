//! Property tests for the Engine.IO codec: encode→decode round trips for single packets and the
//! three payload formats, no panics on arbitrary input, and chunk-split invariance of the
//! streaming payload decoder.

use std::borrow::Cow;

use proptest::prelude::*;
use socketio_codec::Status;
use socketio_codec::engine_io::payload::{self, Decoder, PayloadFormat};
use socketio_codec::engine_io::{
    DecodeError, ErrorBody, FrameKind, Handshake, Packet, PacketData, PacketType, ProtocolVersion,
    Query,
};

type Decoded = Vec<Result<Packet<'static>, DecodeError>>;

fn version() -> impl Strategy<Value = ProtocolVersion> {
    prop_oneof![Just(ProtocolVersion::V3), Just(ProtocolVersion::V4)]
}

fn kind() -> impl Strategy<Value = PacketType> {
    (0u8..=6).prop_map(|n| PacketType::from_u8(n).unwrap())
}

/// Text that includes multi-byte and astral characters (and, unless `no_separator`, `\x1e`).
fn text(no_separator: bool) -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec!['a', '4', ':', 'b', '€', '😀', '\x1e', '0', '\u{ffff}']),
    ];
    prop::collection::vec(chars, 0..12).prop_map(move |cs| {
        cs.into_iter()
            .filter(|c| !(no_separator && *c == '\x1e'))
            .collect()
    })
}

/// A packet that `version` can represent exactly; `payload_v4` keeps `\x1e` out of text data.
fn packet(version: ProtocolVersion, payload_v4: bool) -> impl Strategy<Value = Packet<'static>> {
    let text_packet = (kind(), text(payload_v4)).prop_map(|(kind, data)| Packet {
        kind,
        data: PacketData::Text(Cow::Owned(data)),
    });
    let binary_kind = match version {
        ProtocolVersion::V4 => Just(PacketType::Message).boxed(),
        _ => kind().boxed(),
    };
    let binary_packet =
        (binary_kind, prop::collection::vec(any::<u8>(), 0..16)).prop_map(|(kind, data)| Packet {
            kind,
            data: PacketData::Binary(Cow::Owned(data)),
        });
    prop_oneof![text_packet, binary_packet]
}

fn versioned_packet() -> impl Strategy<Value = (ProtocolVersion, Packet<'static>)> {
    version().prop_flat_map(|v| packet(v, false).prop_map(move |p| (v, p)))
}

fn packets(
    version: ProtocolVersion,
    payload_v4: bool,
) -> impl Strategy<Value = Vec<Packet<'static>>> {
    prop::collection::vec(packet(version, payload_v4), 1..6)
}

fn owned<'a>(it: impl Iterator<Item = Result<Packet<'a>, DecodeError>>) -> Decoded {
    it.map(|r| r.map(Packet::into_owned)).collect()
}

/// The one-shot decoding of `body` in `format` (`None` when the text formats get non-UTF-8).
fn one_shot(format: PayloadFormat, body: &[u8]) -> Option<Decoded> {
    match format {
        PayloadFormat::V4 => std::str::from_utf8(body)
            .ok()
            .map(|s| owned(payload::decode_v4(s))),
        PayloadFormat::V3Text => std::str::from_utf8(body)
            .ok()
            .map(|s| owned(payload::decode_v3_text(s))),
        _ => Some(owned(payload::decode_v3_binary(body))),
    }
}

/// Streams `body` split at `cuts` (offsets, any order), draining after every chunk.
fn streamed(format: PayloadFormat, body: &[u8], cuts: &[usize]) -> Decoded {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(body.len());
    let mut decoder = Decoder::new(format, body.len());
    let mut out = Vec::new();
    let mut start = 0;
    for cut in cuts {
        decoder.push(&body[start..cut]);
        start = cut;
        loop {
            match decoder.next_packet() {
                Ok(Status::Complete(p)) => out.push(Ok(p)),
                Ok(Status::Partial) => break,
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
    loop {
        match decoder.finish() {
            Ok(Some(p)) => out.push(Ok(p)),
            Ok(None) => return out,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
}

fn encode(format: PayloadFormat, packets: &[Packet<'_>]) -> Vec<u8> {
    match format {
        PayloadFormat::V4 => {
            let mut s = String::new();
            payload::encode_v4(packets, &mut s);
            s.into_bytes()
        }
        PayloadFormat::V3Text => {
            let mut s = String::new();
            payload::encode_v3_text(packets, &mut s);
            s.into_bytes()
        }
        _ => {
            let mut b = Vec::new();
            payload::encode_v3_binary(packets, &mut b);
            b
        }
    }
}

/// A format with a list of packets it can carry.
fn format_and_packets() -> impl Strategy<Value = (PayloadFormat, Vec<Packet<'static>>)> {
    prop_oneof![
        packets(ProtocolVersion::V4, true).prop_map(|p| (PayloadFormat::V4, p)),
        packets(ProtocolVersion::V3, false).prop_map(|p| (PayloadFormat::V3Text, p)),
        packets(ProtocolVersion::V3, false).prop_map(|p| (PayloadFormat::V3Binary, p)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    // spec: EIO4-PKT-001, EIO4-PKT-002, EIO4-PKT-008, EIO4-PKT-009, EIO3-PKT-003, EIO3-PKT-004
    #[test]
    fn text_form_round_trips((v, p) in versioned_packet()) {
        let mut s = String::new();
        p.encode_text(v, &mut s);
        prop_assert_eq!(Packet::decode_text(&s, v).map(Packet::into_owned), Ok(p));
    }

    // spec: EIO4-PKT-007, EIO3-PKT-001, EIO3-PKT-002
    #[test]
    fn websocket_form_round_trips((v, p) in versioned_packet(), b64 in any::<bool>()) {
        let mut frame = Vec::new();
        let decoded = match p.encode_websocket(v, b64, &mut frame) {
            FrameKind::Text => {
                let s = std::str::from_utf8(&frame).expect("text frames are UTF-8");
                Packet::decode_text(s, v).map(Packet::into_owned)
            }
            FrameKind::Binary => {
                prop_assert!(p.is_binary() && !b64);
                Packet::decode_binary(&frame, v).map(Packet::into_owned)
            }
        };
        prop_assert_eq!(decoded, Ok(p));
    }

    // spec: EIO4-PAY-001, EIO4-PAY-003, EIO3-PAY-001, EIO3-PAY-002, EIO3-PAY-005, EIO3-PAY-006, EIO3-PAY-007
    #[test]
    fn payloads_round_trip((format, packets) in format_and_packets()) {
        let body = encode(format, &packets);
        let want: Decoded = packets.into_iter().map(Ok).collect();
        prop_assert_eq!(one_shot(format, &body), Some(want));
    }

    #[test]
    fn streaming_matches_one_shot_on_valid_bodies(
        (format, packets) in format_and_packets(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let body = encode(format, &packets);
        prop_assert_eq!(Some(streamed(format, &body, &cuts)), one_shot(format, &body));
    }

    #[test]
    fn streaming_matches_one_shot_on_damaged_bodies(
        (format, packets) in format_and_packets(),
        truncate in any::<usize>(),
        insert in prop::option::of((any::<usize>(), any::<u8>())),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut body = encode(format, &packets);
        body.truncate(truncate % (body.len() + 1));
        if let Some((at, byte)) = insert {
            body.insert(at % (body.len() + 1), byte);
        }
        let whole = streamed(format, &body, &[]);
        prop_assert_eq!(&streamed(format, &body, &cuts), &whole);
        let every_byte: Vec<usize> = (0..body.len()).collect();
        prop_assert_eq!(&streamed(format, &body, &every_byte), &whole);
        if let Some(one) = one_shot(format, &body) {
            prop_assert_eq!(whole, one);
        }
    }

    #[test]
    fn streaming_arbitrary_bytes_is_split_invariant(
        format in prop_oneof![Just(PayloadFormat::V4), Just(PayloadFormat::V3Text), Just(PayloadFormat::V3Binary)],
        body in prop::collection::vec(prop_oneof![any::<u8>(), Just(0x1e), Just(b':'), Just(b'4'), Just(0xff), 0u8..=9], 0..40),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let whole = streamed(format, &body, &[]);
        prop_assert_eq!(&streamed(format, &body, &cuts), &whole);
        if let Some(one) = one_shot(format, &body) {
            prop_assert_eq!(whole, one);
        }
    }

    #[test]
    fn decoders_never_panic(s in ".{0,40}", bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        for v in [ProtocolVersion::V3, ProtocolVersion::V4] {
            let _ = Packet::decode_text(&s, v);
            let _ = Packet::decode_binary(&bytes, v);
        }
        let _ = payload::decode_v4(&s).count();
        let _ = payload::decode_v3_text(&s).count();
        let _ = payload::decode_v3_binary(&bytes).count();
        let _ = Handshake::decode(&s);
        let _ = ErrorBody::decode(&s);
        let _ = Query::parse(&s);
    }
}

// Tricky facts from the protocol digest, end to end.

// spec: EIO4-PKT-003
#[test]
fn empty_message_and_empty_binary() {
    assert_eq!(
        Packet::decode_text("4", ProtocolVersion::V4),
        Ok(Packet::message(""))
    );
    assert_eq!(
        Packet::decode_text("b", ProtocolVersion::V4),
        Ok(Packet::binary(b""))
    );
}

// spec: EIO4-PKT-004, EIO4-PAY-004
#[test]
fn empty_inputs_are_errors() {
    assert_eq!(
        Packet::decode_text("", ProtocolVersion::V4),
        Err(DecodeError::EmptyPacket)
    );
    assert_eq!(
        owned(payload::decode_v4("")),
        [Err(DecodeError::EmptyPayload)]
    );
    assert_eq!(
        owned(payload::decode_v3_text("")),
        [Err(DecodeError::EmptyPayload)]
    );
    assert_eq!(
        owned(payload::decode_v3_binary(b"")),
        [Err(DecodeError::EmptyPayload)]
    );
    assert_eq!(
        owned(payload::decode_v4("4a\x1e\x1e4b")),
        [
            Ok(Packet::message("a")),
            Err(DecodeError::EmptyPayloadPiece)
        ]
    );
}

// spec: EIO3-PAY-002, EIO3-PAY-003, EIO3-PAY-004
#[test]
fn v3_text_lengths_count_utf16_units() {
    assert_eq!(
        owned(payload::decode_v3_text("6:4hello")),
        [Ok(Packet::message("hello"))]
    );
    assert_eq!(
        owned(payload::decode_v3_text("5:4hello")).last(),
        Some(&Err(DecodeError::PayloadLengthNotANumber))
    );
    assert_eq!(
        owned(payload::decode_v3_text("2:4€")),
        [Ok(Packet::message("€"))]
    );
    assert_eq!(
        owned(payload::decode_v3_text("3:4😀")),
        [Ok(Packet::message("😀"))]
    );
    assert_eq!(owned(payload::decode_v3_text("0:")), []);
    let mut out = String::new();
    payload::encode_v3_text(&[], &mut out);
    assert_eq!(out, "0:");
}

// spec: EIO3-PAY-005, EIO3-PAY-006, EIO3-PAY-007
#[test]
fn v3_binary_payload_example() {
    let wire = [
        0x00, 0x06, 0xff, 0x34, 0x68, 0x65, 0x6c, 0x6c, 0x6f, //
        0x01, 0x05, 0xff, 0x04, 0x01, 0x02, 0x03, 0x04,
    ];
    let packets = [Packet::message("hello"), Packet::binary(&[1, 2, 3, 4])];
    assert_eq!(
        owned(payload::decode_v3_binary(&wire)),
        packets.clone().map(Ok)
    );
    let mut out = Vec::new();
    payload::encode_v3_binary(&packets, &mut out);
    assert_eq!(out, wire);
}

// spec: EIO4-LIM-006
#[test]
fn body_of_exactly_max_len_is_accepted() {
    let mut decoder = Decoder::new(PayloadFormat::V4, 6);
    decoder.push(b"4hello");
    assert_eq!(decoder.finish(), Ok(Some(Packet::message("hello"))));
    let mut decoder = Decoder::new(PayloadFormat::V4, 5);
    decoder.push(b"4hello");
    assert_eq!(decoder.finish(), Err(DecodeError::PayloadTooLarge));
}
