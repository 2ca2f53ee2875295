//! Runs Engine.IO fixtures (packet, payload, handshake, query, error-body) in the four modes.

use std::borrow::Cow;

use serde_json::{Value as Json, json};
use socketio_codec::Status;
use socketio_codec::engine_io::payload::{self, PayloadFormat};
use socketio_codec::engine_io::{
    ErrorBody, ErrorCode, FrameKind, Handshake, Packet, PacketData, PacketType, ProtocolVersion,
    Query, TransportKind,
};

use super::{Case, Expect, Fixture, Outcome, Wire, from_hex, to_hex};

/// Checks one case; pushes a message per failed mode and returns the snapshot line.
pub(crate) fn check(f: &Fixture, c: &Case, fail: &mut Vec<String>) -> String {
    let v = match f.version.as_str() {
        "v3" => ProtocolVersion::V3,
        "v4" => ProtocolVersion::V4,
        other => panic!("{}: unknown Engine.IO version {other}", f.rel),
    };
    let key = c.key(f);
    let mut expect_eq = |mode: &str, got: &Outcome| {
        if *got != c.expect {
            fail.push(format!(
                "{key} [{mode}]: expected {:?}, got {got:?}",
                c.expect
            ));
        }
    };
    let whole = match f.kind.as_str() {
        "packet" => decode_packet(&c.wire, v),
        "payload" => decode_payload(&c.wire, v),
        "handshake" => decode_handshake(&c.wire, v),
        "query" => decode_query(&c.wire, v),
        "error-body" => decode_error_body(&c.wire),
        other => panic!("{}: unknown Engine.IO fixture kind {other}", f.rel),
    };
    expect_eq("whole", &whole);

    if f.kind == "payload" {
        // Mode 2: a streamed body, split at every byte, and fed one byte at a time.
        let (format, bytes) = payload_format(&c.wire, v);
        for at in 0..=bytes.len() {
            expect_eq(
                &format!("split at {at}"),
                &stream(format, &[&bytes[..at], &bytes[at..]]),
            );
        }
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        expect_eq("byte by byte", &stream(format, &singles));
        // Mode 3: trailing data is one more packet; the packets before it are untouched.
        if let Expect::Decoded(Json::Array(packets)) = &c.expect {
            let mut longer = bytes.clone();
            match format {
                PayloadFormat::V4 => longer.extend_from_slice(b"\x1e4tail"),
                PayloadFormat::V3Text => longer.extend_from_slice(b"5:4tail"),
                _ => longer.extend_from_slice(b"\x00\x05\xff4tail"),
            }
            let mut want = packets.clone();
            want.push(json!({"type": "message", "data": "tail"}));
            let got = stream(format, &[&longer]);
            if got != Expect::Decoded(Json::Array(want)) {
                fail.push(format!(
                    "{key} [trailing]: trailing packet changed the result: {got:?}"
                ));
            }
        }
    }

    // Mode 4: re-encode the decoded form.
    if let Expect::Decoded(decoded) = &c.expect {
        let target = c.canonical.as_ref().unwrap_or(&c.wire);
        let encoded = reencode(&f.kind, decoded, &c.wire, v);
        let same = match (target, &encoded) {
            (Wire::Text(a), Wire::Text(b)) => a == b,
            (Wire::Binary(a), Wire::Binary(b)) => a == b,
            _ => false,
        };
        // Queries are compared by meaning: parameter order and escaping are free.
        let same = same || (f.kind == "query" && decode_query(&encoded, v) == c.expect);
        if !same {
            fail.push(format!(
                "{key} [re-encode]: expected {}, got {}",
                super::show_wire(target),
                super::show_wire(&encoded)
            ));
        }
    }
    render(&whole)
}

/// `EIO message "hello"`-style rendering of an outcome.
fn render(outcome: &Outcome) -> String {
    match outcome {
        Expect::Decoded(Json::Array(packets)) => {
            let parts: Vec<String> = packets.iter().map(render_packet).collect();
            format!("[{}]", parts.join(", "))
        }
        Expect::Decoded(d) if d.get("type").is_some() => render_packet(d),
        Expect::Decoded(d) => d.to_string(),
        Expect::Error(code) => format!("error {code}"),
        Expect::Incomplete => "incomplete".to_owned(),
    }
}

fn render_packet(p: &Json) -> String {
    let kind = p["type"].as_str().unwrap_or("?");
    match (p.get("data"), p.get("binary")) {
        (Some(d), _) => format!("EIO {kind} {d}"),
        (_, Some(b)) => format!("EIO {kind} bin={}", b.as_str().unwrap_or("?")),
        _ => format!("EIO {kind}"),
    }
}

fn packet_json(p: &Packet<'_>) -> Json {
    match &p.data {
        PacketData::Text(t) => json!({"type": p.kind.name(), "data": t}),
        PacketData::Binary(b) => json!({"type": p.kind.name(), "binary": to_hex(b)}),
    }
}

fn packet_from_json(j: &Json) -> Packet<'static> {
    let name = j["type"].as_str().expect("packet type");
    let kind = PacketType::ALL
        .iter()
        .copied()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("unknown packet type {name}"));
    let data = match (j.get("data"), j.get("binary")) {
        (Some(Json::String(t)), None) => PacketData::Text(Cow::Owned(t.clone())),
        (None, Some(Json::String(hex))) => PacketData::Binary(Cow::Owned(from_hex(hex))),
        _ => panic!("a packet form has `data` or `binary`: {j}"),
    };
    Packet { kind, data }
}

fn decode_packet(wire: &Wire, v: ProtocolVersion) -> Outcome {
    let result = match wire {
        Wire::Text(t) => Packet::decode_text(t, v),
        Wire::Binary(b) => Packet::decode_binary(b, v),
        Wire::Frames(_) => panic!("an Engine.IO packet is one frame"),
    };
    match result {
        Ok(p) => Expect::Decoded(packet_json(&p)),
        Err(e) => Expect::Error(e.code().to_owned()),
    }
}

fn payload_format(wire: &Wire, v: ProtocolVersion) -> (PayloadFormat, Vec<u8>) {
    match (wire, v) {
        (Wire::Text(t), ProtocolVersion::V4) => (PayloadFormat::V4, t.as_bytes().to_vec()),
        (Wire::Text(t), _) => (PayloadFormat::V3Text, t.as_bytes().to_vec()),
        (Wire::Binary(b), ProtocolVersion::V3) => (PayloadFormat::V3Binary, b.clone()),
        _ => panic!("a binary payload exists only in v3"),
    }
}

fn collect<'a, E: Into<Outcome>>(iter: impl Iterator<Item = Result<Packet<'a>, E>>) -> Outcome {
    let mut out = Vec::new();
    for item in iter {
        match item {
            Ok(p) => out.push(packet_json(&p)),
            Err(e) => return e.into(),
        }
    }
    Expect::Decoded(Json::Array(out))
}

impl From<socketio_codec::engine_io::DecodeError> for Expect {
    fn from(e: socketio_codec::engine_io::DecodeError) -> Self {
        Expect::Error(e.code().to_owned())
    }
}

fn decode_payload(wire: &Wire, v: ProtocolVersion) -> Outcome {
    match (wire, v) {
        (Wire::Text(t), ProtocolVersion::V4) => collect(payload::decode_v4(t)),
        (Wire::Text(t), _) => collect(payload::decode_v3_text(t)),
        (Wire::Binary(b), _) => collect(payload::decode_v3_binary(b)),
        (Wire::Frames(_), _) => panic!("a payload is one body"),
    }
}

/// Feeds a body to the streaming decoder in the given chunks.
fn stream(format: PayloadFormat, chunks: &[&[u8]]) -> Outcome {
    let mut decoder = payload::Decoder::new(format, 1 << 24);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        // Each call either yields a packet or stops; a body of n bytes holds at most n packets.
        for _ in 0..=chunk.len() + 1 {
            match decoder.next_packet() {
                Ok(Status::Complete(p)) => out.push(packet_json(&p)),
                Ok(Status::Partial) => break,
                Err(e) => return e.into(),
            }
        }
    }
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    for _ in 0..=total + 1 {
        match decoder.finish() {
            Ok(Some(p)) => out.push(packet_json(&p)),
            Ok(None) => return Expect::Decoded(Json::Array(out)),
            Err(e) => return e.into(),
        }
    }
    Expect::Error("stream-decoder-did-not-finish".to_owned())
}

fn decode_handshake(wire: &Wire, v: ProtocolVersion) -> Outcome {
    let Wire::Text(t) = wire else {
        panic!("a handshake is text")
    };
    let packet = match Packet::decode_text(t, v) {
        Ok(p) => p,
        Err(e) => return e.into(),
    };
    let (PacketType::Open, PacketData::Text(json)) = (packet.kind, &packet.data) else {
        return Expect::Error("not-an-open-packet".to_owned());
    };
    match Handshake::decode(json) {
        Ok(h) => {
            let mut j = json!({
                "sid": h.sid.as_str(),
                "upgrades": h.upgrades,
                "pingInterval": h.ping_interval,
                "pingTimeout": h.ping_timeout,
            });
            if let Some(max) = h.max_payload {
                j["maxPayload"] = json!(max);
            }
            Expect::Decoded(j)
        }
        Err(e) => e.into(),
    }
}

/// Decodes a query as a server of the folder's version would: a v4 folder is a server without
/// `allowEIO3`, so `EIO=3` is refused there. Errors are named by the Engine.IO error code.
fn decode_query(wire: &Wire, v: ProtocolVersion) -> Outcome {
    let Wire::Text(t) = wire else {
        panic!("a query is text")
    };
    let refuse = |code: ErrorCode| Expect::Error(code.name().to_owned());
    let query = match Query::parse(t) {
        Ok(q) => q,
        Err(e) => return refuse(e.error_code()),
    };
    match query.protocol_version() {
        Err(e) => return refuse(e.error_code()),
        Ok(ProtocolVersion::V3) if v == ProtocolVersion::V4 => {
            return refuse(ErrorCode::UnsupportedProtocolVersion);
        }
        Ok(_) => {}
    }
    Expect::Decoded(json!({
        "eio": query.eio_raw,
        "transport": query.transport.as_str(),
        "sid": query.sid.as_ref().map(|s| s.as_str()),
        "b64": query.b64,
    }))
}

fn decode_error_body(wire: &Wire) -> Outcome {
    let Wire::Text(t) = wire else {
        panic!("an error body is text")
    };
    match ErrorBody::decode(t) {
        Ok(b) => Expect::Decoded(json!({"code": b.code, "message": b.message})),
        Err(e) => e.into(),
    }
}

fn reencode(kind: &str, decoded: &Json, wire: &Wire, v: ProtocolVersion) -> Wire {
    match kind {
        "packet" => {
            let packet = packet_from_json(decoded);
            match wire {
                Wire::Binary(_) => {
                    let mut out = Vec::new();
                    match packet.encode_websocket(v, false, &mut out) {
                        FrameKind::Binary => Wire::Binary(out),
                        FrameKind::Text => Wire::Text(String::from_utf8(out).expect("text frame")),
                    }
                }
                _ => {
                    let mut out = String::new();
                    packet.encode_text(v, &mut out);
                    Wire::Text(out)
                }
            }
        }
        "payload" => {
            let packets: Vec<Packet<'static>> = decoded
                .as_array()
                .expect("payload form is an array")
                .iter()
                .map(packet_from_json)
                .collect();
            match (wire, v) {
                (Wire::Binary(_), _) => {
                    let mut out = Vec::new();
                    payload::encode_v3_binary(&packets, &mut out);
                    Wire::Binary(out)
                }
                (_, ProtocolVersion::V4) => {
                    let mut out = String::new();
                    payload::encode_v4(&packets, &mut out);
                    Wire::Text(out)
                }
                _ => {
                    let mut out = String::new();
                    payload::encode_v3_text(&packets, &mut out);
                    Wire::Text(out)
                }
            }
        }
        "handshake" => {
            let sid = socketio_codec::engine_io::Sid::new(decoded["sid"].as_str().expect("sid"))
                .expect("valid sid");
            let upgrades: Vec<String> = decoded["upgrades"]
                .as_array()
                .expect("upgrades")
                .iter()
                .map(|u| u.as_str().expect("upgrade name").to_owned())
                .collect();
            let mut h = Handshake::new(
                sid,
                decoded["pingInterval"].as_u64().expect("pingInterval"),
                decoded["pingTimeout"].as_u64().expect("pingTimeout"),
            )
            .with_upgrades(upgrades);
            if let Some(max) = decoded.get("maxPayload").and_then(Json::as_u64) {
                h = h.with_max_payload(max);
            }
            let mut out = String::new();
            Packet::open(&h).encode_text(v, &mut out);
            Wire::Text(out)
        }
        "query" => {
            let transport: TransportKind = decoded["transport"]
                .as_str()
                .expect("transport")
                .parse()
                .expect("known transport");
            let mut q = Query::new(v, transport).with_raw_eio(decoded["eio"].as_str());
            if let Some(sid) = decoded["sid"].as_str() {
                q = q.with_sid(socketio_codec::engine_io::Sid::new(sid).expect("valid sid"));
            }
            if decoded["b64"].as_bool() == Some(true) {
                q = q.with_b64(true);
            }
            Wire::Text(q.encode())
        }
        "error-body" => {
            let body = ErrorBody {
                code: u8::try_from(decoded["code"].as_u64().expect("code")).expect("u8 code"),
                message: decoded["message"].as_str().expect("message").to_owned(),
            };
            let mut out = String::new();
            body.encode(&mut out);
            Wire::Text(out)
        }
        other => panic!("unknown kind {other}"),
    }
}
