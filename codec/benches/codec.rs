//! Codec benchmarks: `socketio-codec` against `socketioxide-parser-common` 0.17 and the physical
//! floors, side by side in one run, on the inputs of `benchmark-anchors.md` byte for byte.
//!
//! Run with `cargo bench -p socketio-codec --bench codec -- --noplot`; the JavaScript side is
//! `node codec/benches/js/bench.js`. Method, results and reproduction: `docs/benchmarks.md`.
//!
//! Every Socket.IO input is timed at three decode levels, each against its true counterpart:
//!
//! | level | ours | socketioxide |
//! |---|---|---|
//! | framing | `Frame::parse` | `decode_str` (+ `decode_bin`) |
//! | validated | `Packet::decode` (binary: `Decoder` text + attachment) | `decode_str` (+ `decode_bin`) + `IgnoredAny` over the body |
//! | typed | `Packet::decode` + `event_name` + `args`/`data_as` into a borrowing struct | `decode_str` + `read_event` + `decode_value`/`decode_default` into the same struct |
//! | encode | `encode_event` / `encode_ack` / `encode_binary` into a reused `String` | `encode_value` + `Packet::*` + `encode` |
//!
//! plus the floors: `memchr` for a byte that is absent (a pure scan) and `serde_json` into
//! `IgnoredAny` over the JSON part. Before timing, `main` checks that both parsers decode every
//! input to the same fields and typed values, and that every encoder reproduces the wire bytes.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use socketio_codec::engine_io;
use socketio_codec::socket_io::{
    AckId, Decoded, Decoder, EventName, Frame, Limits, Namespace, Packet, PacketType,
    ProtocolVersion, RESERVED_EVENT_NAMES, Value, encode_ack, encode_binary, encode_event,
};
use socketio_codec::{Status, engine_io::payload};
use socketioxide_core::Value as SxValue;
use socketioxide_core::packet::{Packet as SxPacket, PacketData};
use socketioxide_core::parser::{Parse, ParseConfig, ParseError, ParserState};
use socketioxide_parser_common::CommonParser;

// ---------------------------------------------------------------------------------------------
// Inputs (benchmark-anchors.md, byte for byte)
// ---------------------------------------------------------------------------------------------

const SID: &str = "Zx9EoSv4lA0qBBq3";
const CONNECT_MAIN: &str = r#"0{"sid":"Zx9EoSv4lA0qBBq3"}"#;
const CONNECT_NSP: &str = r#"0/custom_nsp,{"sid":"Zx9EoSv4lA0qBBq3"}"#;
const EVENT_MAIN: &str = r#"2["event",{"foo":"bar","arr":[1,2,3]}]"#;
const EVENT_NSP: &str = r#"2/custom_nsp,["event",{"foo":"bar","arr":[1,2,3]}]"#;
const EVENT_ACK: &str = r#"242["event",{"foo":"bar","arr":[1,2,3]}]"#;
const ACK: &str = r#"342[{"foo":"bar"}]"#;
const BINARY_HEADER: &str = r#"51-["event",{"_placeholder":true,"num":0}]"#;
const ATTACHMENT: [u8; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const CUSTOM_NSP: &str = "/custom_nsp";
/// `4hello world 0`, a single Engine.IO message.
const EIO_MESSAGE: &str = "4hello world 0";
/// The 10-byte attachment as a v4 base64 Engine.IO message.
const EIO_BASE64: &str = "bAAECAwQFBgcICQ==";

/// `2["event",[{"id":0,"name":"item 0","tags":["a","b"],"ok":true},…×250]]`, 13,792 bytes.
fn event_250() -> String {
    let items: Vec<String> = (0..250)
        .map(|i| format!(r#"{{"id":{i},"name":"item {i}","tags":["a","b"],"ok":true}}"#))
        .collect();
    format!(r#"2["event",[{}]]"#, items.join(","))
}

/// 100 × `4hello world N` joined by 0x1e, 1,589 bytes.
fn payload_v4() -> String {
    let pieces: Vec<String> = (0..100).map(|i| format!("4hello world {i}")).collect();
    pieces.join("\x1e")
}

/// The same 100 packets as an Engine.IO v3 text payload: `<len>:4hello world N` records.
fn payload_v3() -> String {
    (0..100)
        .map(|i| {
            let p = format!("4hello world {i}");
            format!("{}:{p}", p.len())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The typed values a handler would take (the same structs for both parsers)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Data<'a> {
    foo: &'a str,
    arr: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Foo<'a> {
    foo: &'a str,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Connect<'a> {
    sid: &'a str,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item<'a> {
    id: u32,
    name: &'a str,
    #[serde(borrow)]
    tags: Vec<&'a str>,
    ok: bool,
}

fn data() -> Data<'static> {
    Data {
        foo: "bar",
        arr: vec![1, 2, 3],
    }
}

fn items() -> Vec<Item<'static>> {
    let names: Vec<&'static str> = (0..250)
        .map(|i| &*Box::leak(format!("item {i}").into_boxed_str()))
        .collect();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Item {
            id: i as u32,
            name,
            tags: vec!["a", "b"],
            ok: true,
        })
        .collect()
}

/// What the typed decoders produce, handed to a sink (`black_box` when timing, a `Debug`
/// rendering when checking that both parsers agree) because it borrows from the packet. The event
/// name comes first, as a server looks the handler up before the handler extracts its arguments.
#[derive(Debug)]
#[allow(dead_code)] // the fields are read through `Debug` and `black_box`
enum Typed<'a> {
    Name(&'a str),
    Connect(Connect<'a>),
    Event(Data<'a>),
    Ack(Foo<'a>),
    Binary(&'a [u8]),
    Big(Vec<Item<'a>>),
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Connect,
    Event,
    Ack,
    Binary,
    Big,
}

struct Case {
    /// Criterion group name.
    id: &'static str,
    wire: String,
    namespace: &'static str,
    ack: Option<u64>,
    shape: Shape,
    /// Bytes on the wire (text, plus the attachment for the binary case).
    bytes: usize,
}

impl Case {
    fn json(&self) -> &str {
        let at = self.wire.find(['[', '{']).expect("every input has JSON");
        &self.wire[at..]
    }
}

fn cases() -> Vec<Case> {
    let case = |id, wire: &str, namespace, ack, shape| Case {
        id,
        bytes: wire.len() + if shape == Shape::Binary { 10 } else { 0 },
        wire: wire.to_owned(),
        namespace,
        ack,
        shape,
    };
    vec![
        case("sio/connect_main", CONNECT_MAIN, "/", None, Shape::Connect),
        case(
            "sio/connect_nsp",
            CONNECT_NSP,
            CUSTOM_NSP,
            None,
            Shape::Connect,
        ),
        case("sio/event_main", EVENT_MAIN, "/", None, Shape::Event),
        case("sio/event_nsp", EVENT_NSP, CUSTOM_NSP, None, Shape::Event),
        case("sio/event_ack42", EVENT_ACK, "/", Some(42), Shape::Event),
        case("sio/ack42", ACK, "/", Some(42), Shape::Ack),
        case("sio/binary_event", BINARY_HEADER, "/", None, Shape::Binary),
        case("sio/event_250", &event_250(), "/", None, Shape::Big),
    ]
}

/// The caller's values each encoder starts from.
struct Inputs {
    data: Data<'static>,
    foo: Foo<'static>,
    connect: Connect<'static>,
    items: Vec<Item<'static>>,
    binary: Value,
    custom: Namespace<'static>,
}

impl Inputs {
    fn new() -> Self {
        Self {
            data: data(),
            foo: Foo { foo: "bar" },
            connect: Connect { sid: SID },
            items: items(),
            binary: Value::Array(vec![
                Value::from("event"),
                Value::Binary(ATTACHMENT.to_vec()),
            ]),
            custom: Namespace::new(CUSTOM_NSP).expect("valid namespace"),
        }
    }

    fn namespace(&self, case: &Case) -> &Namespace<'static> {
        if case.namespace == "/" {
            &Namespace::MAIN
        } else {
            &self.custom
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ours
// ---------------------------------------------------------------------------------------------

const LIMITS: Limits = Limits::DEFAULT;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// Level 2 for the binary case: header through the stateful decoder, then the attachment
/// (copied, as socketioxide copies it).
fn ours_binary(decoder: &mut Decoder, header: &str) -> Decoded<'static> {
    match decoder.push_text(header) {
        Ok(Status::Partial) => {}
        other => panic!("binary header: {other:?}"),
    }
    match decoder.push_binary(&ATTACHMENT) {
        Ok(Status::Complete(decoded)) => decoded,
        other => panic!("attachment: {other:?}"),
    }
}

fn text_name<'a>(name: &'a Option<EventName<'a>>) -> &'a str {
    match name {
        Some(EventName::Text(name)) => name,
        other => panic!("event name: {other:?}"),
    }
}

/// Level 3: decode, then the handler's view (event name and arguments) in its own types.
fn ours_typed(case: &Case, wire: &str, decoder: &mut Decoder, mut sink: impl FnMut(&Typed<'_>)) {
    if case.shape == Shape::Binary {
        let Decoded::Binary(packet) = ours_binary(decoder, wire) else {
            panic!("not binary");
        };
        let Value::Array(items) = &packet.data else {
            panic!("not an array");
        };
        let (Some(name), Some(bytes)) = (items[0].as_str(), items[1].as_binary()) else {
            panic!("unexpected binary data");
        };
        sink(&Typed::Name(name));
        return sink(&Typed::Binary(bytes));
    }
    let packet = Packet::decode(wire, V5, &LIMITS).expect("valid packet");
    match case.shape {
        Shape::Connect => sink(&Typed::Connect(packet.data_as().expect("connect"))),
        Shape::Event => {
            sink(&Typed::Name(text_name(&packet.event_name())));
            let (data,) = packet.args().expect("args");
            sink(&Typed::Event(data));
        }
        Shape::Big => {
            sink(&Typed::Name(text_name(&packet.event_name())));
            let (items,) = packet.args().expect("args");
            sink(&Typed::Big(items));
        }
        Shape::Ack => {
            let (ack,) = packet.args().expect("args");
            sink(&Typed::Ack(ack));
        }
        Shape::Binary => unreachable!("handled above"),
    }
}

/// Encode from the caller's typed value into a reused buffer.
fn ours_encode(case: &Case, inputs: &Inputs, out: &mut String, attachments: &mut Vec<Vec<u8>>) {
    out.clear();
    let namespace = inputs.namespace(case);
    let ack = case.ack.map(|id| AckId::new(id).expect("valid ack id"));
    match case.shape {
        Shape::Connect => {
            // No typed CONNECT encoder: serialize the auth object, then frame it.
            let raw = serde_json::value::to_raw_value(&inputs.connect).expect("serializable");
            Packet::connect(namespace.clone(), Some(&raw))
                .expect("object payload")
                .encode(out);
        }
        Shape::Event => {
            encode_event(namespace, "event", &(&inputs.data,), ack, out).expect("encodable")
        }
        Shape::Big => {
            encode_event(namespace, "event", &(&inputs.items,), ack, out).expect("encodable")
        }
        Shape::Ack => {
            encode_ack(namespace, ack.expect("ack id"), &(&inputs.foo,), out).expect("encodable")
        }
        Shape::Binary => {
            attachments.clear();
            encode_binary(
                PacketType::Event,
                namespace,
                ack,
                &inputs.binary,
                out,
                attachments,
            )
            .expect("encodable");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sketches of recommended codec changes (docs/benchmarks.md, "What would close the gaps"),
// built here from public API only. They are not the codec; they show what the change buys.
// ---------------------------------------------------------------------------------------------

/// One-pass level 3: frame, then deserialize the body straight into the handler's types.
/// `serde_json::from_str` checks the syntax of the whole body (trailing data included), so the
/// separate `RawValue` pass of `Packet::decode` is not needed; the per-type rule is a peek.
fn sketch_typed(case: &Case, wire: &str, mut sink: impl FnMut(&Typed<'_>)) {
    let frame = Frame::parse(wire).expect("frame");
    let body = frame.body.expect("payload");
    match case.shape {
        Shape::Connect => {
            assert!(body.starts_with('{'), "CONNECT payload is an object");
            sink(&Typed::Connect(
                serde_json::from_str(body).expect("connect"),
            ));
        }
        Shape::Event => {
            let (name, data): (&str, Data<'_>) = serde_json::from_str(body).expect("args");
            assert!(!RESERVED_EVENT_NAMES.contains(&name), "reserved name");
            sink(&Typed::Name(name));
            sink(&Typed::Event(data));
        }
        Shape::Big => {
            let (name, items): (&str, Vec<Item<'_>>) = serde_json::from_str(body).expect("args");
            assert!(!RESERVED_EVENT_NAMES.contains(&name), "reserved name");
            sink(&Typed::Name(name));
            sink(&Typed::Big(items));
        }
        Shape::Ack => {
            let (ack,): (Foo<'_>,) = serde_json::from_str(body).expect("args");
            sink(&Typed::Ack(ack));
        }
        Shape::Binary => unreachable!("not sketched"),
    }
}

/// Encode with `serde_json` writing into a `Vec<u8>` (the `String`'s own buffer, taken and
/// given back), instead of through a per-chunk UTF-8-checking `io::Write` adapter.
fn sketch_encode(case: &Case, inputs: &Inputs, out: &mut String) {
    use std::io::Write as _;
    let mut buf = std::mem::take(out).into_bytes();
    buf.clear();
    buf.push(match case.shape {
        Shape::Connect => b'0',
        Shape::Event | Shape::Big => b'2',
        Shape::Ack => b'3',
        Shape::Binary => unreachable!("not sketched"),
    });
    let namespace = inputs.namespace(case);
    if !namespace.is_main() {
        buf.extend_from_slice(namespace.as_str().as_bytes());
        buf.push(b',');
    }
    if let Some(id) = case.ack {
        write!(buf, "{id}").expect("Vec<u8> write");
    }
    match case.shape {
        Shape::Connect => serde_json::to_writer(&mut buf, &inputs.connect),
        Shape::Event => serde_json::to_writer(&mut buf, &("event", &inputs.data)),
        Shape::Big => serde_json::to_writer(&mut buf, &("event", &inputs.items)),
        Shape::Ack => serde_json::to_writer(&mut buf, &(&inputs.foo,)),
        Shape::Binary => unreachable!("not sketched"),
    }
    .expect("serializable");
    *out = String::from_utf8(buf).expect("serde_json writes UTF-8");
}

/// v4 payload split with one `memchr_iter` over the body (searcher set up once), each piece
/// through `engine_io::Packet::decode_text`.
fn sketch_decode_v4<'a>(body: &'a str, mut each: impl FnMut(engine_io::Packet<'a>)) {
    let mut start = 0;
    for end in memchr::memchr_iter(0x1e, body.as_bytes()).chain(std::iter::once(body.len())) {
        let piece = &body[start..end];
        assert!(!piece.is_empty(), "empty piece");
        each(engine_io::Packet::decode_text(piece, engine_io::ProtocolVersion::V4).expect("valid"));
        start = end + 1;
    }
}

/// As [`sketch_decode_v4`], reading the packet type from the first byte instead of decoding
/// the first `char` (`Packet::decode_text` does `input.chars()`); base64 pieces (`b…`) would
/// still go through `decode_text`.
fn sketch_decode_v4_bytes<'a>(body: &'a str, mut each: impl FnMut(engine_io::Packet<'a>)) {
    let mut start = 0;
    for end in memchr::memchr_iter(0x1e, body.as_bytes()).chain(std::iter::once(body.len())) {
        let piece = &body[start..end];
        let kind = match piece.as_bytes().first() {
            Some(&b) if b != b'b' => engine_io::PacketType::from_u8(b.wrapping_sub(b'0')),
            _ => None,
        };
        match kind {
            Some(kind) => each(engine_io::Packet::text(kind, &piece[1..])),
            None => each(
                engine_io::Packet::decode_text(piece, engine_io::ProtocolVersion::V4)
                    .expect("valid"),
            ),
        }
        start = end + 1;
    }
}

// ---------------------------------------------------------------------------------------------
// socketioxide-parser-common 0.17
// ---------------------------------------------------------------------------------------------

/// `decode_str`, then for a binary header `decode_bin` with the attachment (anchors' method).
fn sx_decode(case: &Case, wire: String) -> SxPacket {
    let config = ParseConfig::default();
    let state = ParserState::default();
    match CommonParser.decode_str(&config, &state, wire.into()) {
        Ok(packet) if case.shape != Shape::Binary => packet,
        Err(ParseError::NeedsMoreBinaryData) if case.shape == Shape::Binary => CommonParser
            .decode_bin(&config, &state, Bytes::from_static(&ATTACHMENT))
            .expect("attachment"),
        other => panic!("socketioxide decode: {other:?}"),
    }
}

fn sx_value(packet: &mut SxPacket) -> Option<&mut SxValue> {
    match &mut packet.inner {
        PacketData::Connect(value) => value.as_mut(),
        PacketData::Event(value, _)
        | PacketData::EventAck(value, _)
        | PacketData::BinaryEvent(value, _)
        | PacketData::BinaryAck(value, _) => Some(value),
        PacketData::Disconnect | PacketData::ConnectError(_) => None,
    }
}

fn sx_body(packet: &SxPacket) -> Option<&str> {
    match &packet.inner {
        PacketData::Connect(value) => value.as_ref(),
        PacketData::Event(value, _)
        | PacketData::EventAck(value, _)
        | PacketData::BinaryEvent(value, _)
        | PacketData::BinaryAck(value, _) => Some(value),
        PacketData::Disconnect | PacketData::ConnectError(_) => None,
    }
    .and_then(SxValue::as_str)
    .map(|s| s.as_str())
}

fn sx_ack(packet: &SxPacket) -> Option<i64> {
    match &packet.inner {
        PacketData::Event(_, ack) | PacketData::BinaryEvent(_, ack) => *ack,
        PacketData::EventAck(_, ack) | PacketData::BinaryAck(_, ack) => Some(*ack),
        _ => None,
    }
}

/// Level 2 counterpart: framing, then `IgnoredAny` over the body (syntax check only).
fn sx_validated(case: &Case, wire: String) -> SxPacket {
    let packet = sx_decode(case, wire);
    if let Some(body) = sx_body(&packet) {
        serde_json::from_str::<IgnoredAny>(body).expect("valid JSON");
    }
    packet
}

/// Level 3 counterpart: framing, then `read_event` and `decode_value` / `decode_default`.
fn sx_typed(case: &Case, wire: String, mut sink: impl FnMut(&Typed<'_>)) {
    let mut packet = sx_decode(case, wire);
    let value = sx_value(&mut packet).expect("payload");
    match case.shape {
        Shape::Connect => sink(&Typed::Connect(
            CommonParser.decode_default(Some(value)).expect("connect"),
        )),
        Shape::Event => {
            sink(&Typed::Name(CommonParser.read_event(value).expect("name")));
            sink(&Typed::Event(
                CommonParser.decode_value(value, true).expect("args"),
            ));
        }
        Shape::Big => {
            sink(&Typed::Name(CommonParser.read_event(value).expect("name")));
            sink(&Typed::Big(
                CommonParser.decode_value(value, true).expect("args"),
            ));
        }
        Shape::Ack => sink(&Typed::Ack(
            CommonParser.decode_value(value, false).expect("args"),
        )),
        Shape::Binary => {
            sink(&Typed::Name(CommonParser.read_event(value).expect("name")));
            let bytes: Bytes = CommonParser.decode_value(value, true).expect("args");
            sink(&Typed::Binary(&bytes));
        }
    }
}

/// Encode from the caller's typed value: `encode_value`, the packet, then `encode`.
fn sx_encode(case: &Case, inputs: &Inputs) -> SxValue {
    let ns = case.namespace;
    let packet = match case.shape {
        Shape::Connect => SxPacket::connect(
            ns,
            Some(
                CommonParser
                    .encode_default(&inputs.connect)
                    .expect("serializable"),
            ),
        ),
        Shape::Event | Shape::Big | Shape::Binary => {
            let value = match case.shape {
                Shape::Event => CommonParser.encode_value(&inputs.data, Some("event")),
                Shape::Big => CommonParser.encode_value(&inputs.items, Some("event")),
                _ => CommonParser.encode_value(&Bytes::from_static(&ATTACHMENT), Some("event")),
            }
            .expect("serializable");
            let mut packet = SxPacket::event(ns, value);
            if let Some(id) = case.ack {
                packet.inner.set_ack_id(id as i64);
            }
            packet
        }
        Shape::Ack => SxPacket::ack(
            ns,
            CommonParser
                .encode_value(&inputs.foo, None)
                .expect("serializable"),
            case.ack.expect("ack id") as i64,
        ),
    };
    CommonParser.encode(packet)
}

// ---------------------------------------------------------------------------------------------
// Agreement checks, before any timing
// ---------------------------------------------------------------------------------------------

fn check(cases: &[Case], inputs: &Inputs) {
    let expected_len = [27, 39, 38, 50, 40, 18, 42, 13_792];
    let mut decoder = Decoder::new(V5, LIMITS);
    let mut out = String::new();
    let mut attachments = Vec::new();
    for (case, len) in cases.iter().zip(expected_len) {
        let id = case.id;
        assert_eq!(case.wire.len(), len, "{id}: input length");

        // Level 1: both parsers read the same header fields and body.
        let frame = Frame::parse(&case.wire).expect("ours: frame");
        let sx = sx_decode(case, case.wire.clone());
        assert_eq!(
            usize::from(frame.kind.as_char() as u8 - b'0'),
            sx.inner.index(),
            "{id}"
        );
        assert_eq!(
            frame.namespace.as_str(),
            case.namespace,
            "{id}: ours namespace"
        );
        assert_eq!(
            sx.ns.as_str(),
            case.namespace,
            "{id}: socketioxide namespace"
        );
        assert_eq!(frame.ack_id.map(AckId::get), case.ack, "{id}: ours ack");
        assert_eq!(
            sx_ack(&sx).map(|a| a as u64),
            case.ack,
            "{id}: socketioxide ack"
        );
        assert_eq!(frame.body, Some(case.json()), "{id}: ours body");
        assert_eq!(sx_body(&sx), Some(case.json()), "{id}: socketioxide body");

        // Level 2: the payload is valid for both.
        let packet = Packet::decode(&case.wire, V5, &LIMITS).expect("ours: validated");
        assert_eq!(packet.data_str(), Some(case.json()), "{id}");
        sx_validated(case, case.wire.clone());
        if case.shape == Shape::Binary {
            let Decoded::Binary(binary) = ours_binary(&mut decoder, &case.wire) else {
                panic!("{id}: not binary");
            };
            assert_eq!(binary.data, inputs.binary, "{id}: reconstructed data");
        }

        // Level 3: the same typed values, in the same order.
        let mut ours = Vec::new();
        ours_typed(case, &case.wire, &mut decoder, |t| {
            ours.push(format!("{t:?}"))
        });
        let mut theirs = Vec::new();
        sx_typed(case, case.wire.clone(), |t| theirs.push(format!("{t:?}")));
        assert!(!ours.is_empty(), "{id}");
        assert_eq!(ours, theirs, "{id}: typed values differ");

        if case.shape != Shape::Binary {
            let mut sketch = Vec::new();
            sketch_typed(case, &case.wire, |t| sketch.push(format!("{t:?}")));
            assert_eq!(sketch, ours, "{id}: one-pass sketch");
            sketch_encode(case, inputs, &mut out);
            assert_eq!(out, case.wire, "{id}: encode sketch");
        }

        // Encode: both reproduce the wire bytes (and the attachment).
        ours_encode(case, inputs, &mut out, &mut attachments);
        assert_eq!(out, case.wire, "{id}: ours encode");
        let SxValue::Str(text, bins) = sx_encode(case, inputs) else {
            panic!("{id}: socketioxide encoded to bytes");
        };
        assert_eq!(text.as_str(), case.wire, "{id}: socketioxide encode");
        if case.shape == Shape::Binary {
            assert_eq!(attachments, [ATTACHMENT.to_vec()], "{id}: ours attachments");
            let bins: Vec<&[u8]> = bins.iter().flatten().map(|b| &b[..]).collect();
            assert_eq!(bins, [&ATTACHMENT[..]], "{id}: socketioxide attachments");
        }
    }

    // Engine.IO: the payloads split into the 100 messages and re-encode byte for byte.
    let v4 = payload_v4();
    assert_eq!(v4.len(), 1589);
    let messages: Vec<String> = (0..100).map(|i| format!("hello world {i}")).collect();
    let want: Vec<engine_io::Packet<'_>> = messages
        .iter()
        .map(|m| engine_io::Packet::message(m))
        .collect();
    let got: Vec<_> = payload::decode_v4(&v4)
        .collect::<Result<_, _>>()
        .expect("v4 payload");
    assert_eq!(got, want);
    let mut sketch = Vec::new();
    sketch_decode_v4(&v4, |p| sketch.push(p));
    assert_eq!(sketch, want);
    sketch.clear();
    sketch_decode_v4_bytes(&v4, |p| sketch.push(p));
    assert_eq!(sketch, want);
    let mut body = String::new();
    payload::encode_v4(&want, &mut body);
    assert_eq!(body, v4);
    let v3 = payload_v3();
    assert_eq!(v3.len(), 1790);
    let got: Vec<_> = payload::decode_v3_text(&v3)
        .collect::<Result<_, _>>()
        .expect("v3 payload");
    assert_eq!(got, want);
    body.clear();
    payload::encode_v3_text(&want, &mut body);
    assert_eq!(body, v3);
    let message = engine_io::Packet::decode_text(EIO_MESSAGE, engine_io::ProtocolVersion::V4);
    assert_eq!(message, Ok(engine_io::Packet::message("hello world 0")));
    let binary = engine_io::Packet::decode_text(EIO_BASE64, engine_io::ProtocolVersion::V4);
    assert_eq!(binary, Ok(engine_io::Packet::binary(&ATTACHMENT)));
    body.clear();
    binary
        .expect("checked")
        .encode_text(engine_io::ProtocolVersion::V4, &mut body);
    assert_eq!(body, EIO_BASE64);
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

fn bench_case(c: &mut Criterion, case: &Case, inputs: &Inputs) {
    let mut group = c.benchmark_group(case.id);
    group.throughput(Throughput::Bytes(case.bytes as u64));
    let wire = case.wire.as_str();
    let json = case.json();
    let mut decoder = Decoder::new(V5, LIMITS);

    // Level 1.
    group.bench_function("framing/ours", |b| b.iter(|| Frame::parse(black_box(wire))));
    sx_bench(&mut group, "framing/sioxide", wire, |w| sx_decode(case, w));

    // Level 2.
    if case.shape == Shape::Binary {
        group.bench_function("validated/ours", |b| {
            b.iter_with_large_drop(|| ours_binary(&mut decoder, black_box(wire)))
        });
    } else {
        group.bench_function("validated/ours", |b| {
            b.iter(|| Packet::decode(black_box(wire), V5, &LIMITS))
        });
    }
    sx_bench(&mut group, "validated/sioxide+ignored_any", wire, |w| {
        sx_validated(case, w)
    });

    // Level 3.
    group.bench_function("typed/ours", |b| {
        b.iter(|| {
            ours_typed(case, black_box(wire), &mut decoder, |t| {
                black_box(t);
            })
        })
    });
    sx_bench(&mut group, "typed/sioxide", wire, |w| {
        sx_typed(case, w, |t| {
            black_box(t);
        })
    });

    // Encode.
    let mut out = String::new();
    let mut attachments = Vec::new();
    group.bench_function("encode/ours", |b| {
        b.iter(|| {
            ours_encode(case, black_box(inputs), &mut out, &mut attachments);
            black_box(&out);
        })
    });
    group.bench_function("encode/sioxide", |b| {
        b.iter(|| sx_encode(case, black_box(inputs)))
    });

    // Floors.
    group.bench_function("floor/memchr", |b| {
        b.iter(|| {
            let text = memchr::memchr(0xff, black_box(wire.as_bytes()));
            if case.shape == Shape::Binary {
                black_box(memchr::memchr(0xff, black_box(&ATTACHMENT)));
            }
            text
        })
    });
    group.bench_function("floor/ignored_any", |b| {
        b.iter(|| serde_json::from_str::<IgnoredAny>(black_box(json)))
    });
    group.bench_function("floor/raw_value", |b| {
        b.iter(|| serde_json::from_str::<&RawValue>(black_box(json)))
    });

    // Sketches of recommended codec changes.
    if case.shape != Shape::Binary {
        group.bench_function("sketch/typed_one_pass", |b| {
            b.iter(|| {
                sketch_typed(case, black_box(wire), |t| {
                    black_box(t);
                })
            })
        });
        group.bench_function("sketch/encode_vec_writer", |b| {
            b.iter(|| {
                sketch_encode(case, black_box(inputs), &mut out);
                black_box(&out);
            })
        });
    }
    group.finish();
}

/// socketioxide takes an owned `Str`: the `String` is made in setup, outside the timing, and
/// the result is dropped outside it too (upstream's own benchmarks do the same).
fn sx_bench<O>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    wire: &str,
    mut routine: impl FnMut(String) -> O,
) {
    group.bench_function(name, |b| {
        b.iter_batched(|| wire.to_owned(), &mut routine, BatchSize::SmallInput)
    });
}

fn bench_eio(c: &mut Criterion) {
    let v4 = payload_v4();
    let v3 = payload_v3();
    let messages: Vec<String> = (0..100).map(|i| format!("hello world {i}")).collect();
    let packets: Vec<engine_io::Packet<'_>> = messages
        .iter()
        .map(|m| engine_io::Packet::message(m))
        .collect();
    let mut out = String::new();

    let mut group = c.benchmark_group("eio/payload_v4_100");
    group.throughput(Throughput::Bytes(v4.len() as u64));
    group.bench_function("decode/ours", |b| {
        b.iter(|| {
            for packet in payload::decode_v4(black_box(&v4)) {
                black_box(packet.expect("valid"));
            }
        })
    });
    group.bench_function("encode/ours", |b| {
        b.iter(|| {
            out.clear();
            payload::encode_v4(black_box(&packets), &mut out);
            black_box(&out);
        })
    });
    group.bench_function("floor/memchr_split", |b| {
        b.iter(|| {
            let bytes = black_box(v4.as_bytes());
            let mut start = 0;
            for end in memchr::memchr_iter(0x1e, bytes) {
                black_box(&bytes[start..end]);
                start = end + 1;
            }
            black_box(&bytes[start..]);
        })
    });
    group.bench_function("floor/memchr", |b| {
        b.iter(|| memchr::memchr(0xff, black_box(v4.as_bytes())))
    });
    group.bench_function("sketch/decode_memchr_iter", |b| {
        b.iter(|| {
            sketch_decode_v4(black_box(&v4), |packet| {
                black_box(packet);
            })
        })
    });
    group.bench_function("sketch/decode_memchr_iter_first_byte", |b| {
        b.iter(|| {
            sketch_decode_v4_bytes(black_box(&v4), |packet| {
                black_box(packet);
            })
        })
    });
    group.bench_function("std/str_split_collect", |b| {
        b.iter(|| black_box(&v4).split('\x1e').collect::<Vec<&str>>())
    });
    group.finish();

    let mut group = c.benchmark_group("eio/payload_v3_100");
    group.throughput(Throughput::Bytes(v3.len() as u64));
    group.bench_function("decode/ours", |b| {
        b.iter(|| {
            for packet in payload::decode_v3_text(black_box(&v3)) {
                black_box(packet.expect("valid"));
            }
        })
    });
    group.bench_function("encode/ours", |b| {
        b.iter(|| {
            out.clear();
            payload::encode_v3_text(black_box(&packets), &mut out);
            black_box(&out);
        })
    });
    group.bench_function("floor/memchr", |b| {
        b.iter(|| memchr::memchr(0xff, black_box(v3.as_bytes())))
    });
    group.finish();

    for (id, wire) in [
        ("eio/packet_message", EIO_MESSAGE),
        ("eio/packet_base64", EIO_BASE64),
    ] {
        let mut group = c.benchmark_group(id);
        group.throughput(Throughput::Bytes(wire.len() as u64));
        let packet =
            engine_io::Packet::decode_text(wire, engine_io::ProtocolVersion::V4).expect("checked");
        group.bench_function("decode/ours", |b| {
            b.iter(|| {
                engine_io::Packet::decode_text(black_box(wire), engine_io::ProtocolVersion::V4)
            })
        });
        group.bench_function("encode/ours", |b| {
            b.iter(|| {
                out.clear();
                black_box(&packet).encode_text(engine_io::ProtocolVersion::V4, &mut out);
                black_box(&out);
            })
        });
        group.bench_function("floor/memchr", |b| {
            b.iter(|| memchr::memchr(0xff, black_box(wire.as_bytes())))
        });
        group.finish();
    }
}

fn main() {
    let cases = cases();
    let inputs = Inputs::new();
    check(&cases, &inputs);
    println!("checks passed: both parsers agree on every input; encoders are byte-identical");

    let mut c = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for case in &cases {
        bench_case(&mut c, case, &inputs);
    }
    bench_eio(&mut c);
    c.final_summary();
}
