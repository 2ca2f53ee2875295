//! Runs Socket.IO fixtures (packet, binary sequences) in the four modes.

use serde_json::{Value as Json, json};
use socketio_codec::Status;
use socketio_codec::socket_io::{
    AckId, Decoded, Decoder, Limits, Namespace, Packet, PacketType, ProtocolVersion, Value, binary,
    encode_binary,
};

use super::{Case, Expect, Fixture, Wire, from_hex, to_hex};

/// Checks one case; pushes a message per failed mode and returns the snapshot line.
pub(crate) fn check(f: &Fixture, c: &Case, fail: &mut Vec<String>) -> String {
    let v = match f.version.as_str() {
        "v4" => ProtocolVersion::V4,
        "v5" => ProtocolVersion::V5,
        other => panic!("{}: unknown Socket.IO version {other}", f.rel),
    };
    let mut limits = Limits::default();
    if let Some(Value::Number(n)) = f.options.get("maxAttachments") {
        let n = n.as_u64().expect("maxAttachments is an integer");
        limits = limits.with_max_attachments(usize::try_from(n).expect("fits"));
    }
    let key = c.key(f);
    match f.kind.as_str() {
        "packet" => check_packet(&key, c, v, &limits, fail),
        "binary" => check_binary(&key, c, v, &limits, fail),
        other => panic!("{}: unknown Socket.IO fixture kind {other}", f.rel),
    }
}

fn check_packet(
    key: &str,
    c: &Case,
    v: ProtocolVersion,
    limits: &Limits,
    fail: &mut Vec<String>,
) -> String {
    let Wire::Text(wire) = &c.wire else {
        panic!("{key}: a Socket.IO packet is text")
    };
    let (whole, line) = match Packet::decode(wire, v, limits) {
        Ok(p) => (Expect::Decoded(packet_json(&p)), p.to_string()),
        Err(e) => (
            Expect::Error(e.code().to_owned()),
            format!("error {}", e.code()),
        ),
    };
    if whole != c.expect {
        fail.push(format!(
            "{key} [whole]: expected {:?}, got {whole:?}",
            c.expect
        ));
    }
    // The stateful decoder agrees with the one-shot decode on every non-binary packet.
    let mut decoder = Decoder::new(v, limits.clone());
    match (decoder.push_text(wire), &whole) {
        (Ok(Status::Complete(Decoded::Packet(p))), Expect::Decoded(d)) if packet_json(&p) == *d => {
        }
        (Ok(Status::Partial), Expect::Decoded(d)) if d["attachments"].is_u64() => {}
        (Err(e), Expect::Error(code)) if e.code() == code => {}
        (got, _) => fail.push(format!(
            "{key} [decoder]: the stateful decoder gave {got:?}"
        )),
    }
    if let Expect::Decoded(d) = &c.expect {
        // Mode 3: trailing characters after a JSON payload make it invalid JSON.
        if !d["data"].is_null() {
            let longer = format!("{wire} x");
            match Packet::decode(&longer, v, limits) {
                Err(e) if e.code() == "invalid-json" => {}
                other => fail.push(format!(
                    "{key} [trailing]: expected invalid-json, got {other:?}"
                )),
            }
        }
        // Mode 4: re-encode from the decoded form.
        let ordered = c.decoded_ordered.as_ref().expect("decoded form");
        let data = match ordered.get("data") {
            None | Some(Value::Null) => None,
            Some(data) => Some(serde_json::to_string(data).expect("serialize")),
        };
        let raw = data
            .as_deref()
            .map(|d| serde_json::from_str::<&serde_json::value::RawValue>(d).expect("raw JSON"));
        let packet = Packet {
            kind: type_from_name(d["type"].as_str().expect("type")),
            namespace: Namespace::new(d["nsp"].as_str().expect("nsp").to_owned())
                .expect("namespace"),
            ack_id: d["id"].as_u64().map(|id| AckId::new(id).expect("ack id")),
            attachments: d["attachments"]
                .as_u64()
                .map(|n| u32::try_from(n).expect("count")),
            data: raw.map(std::borrow::Cow::Borrowed),
        };
        let mut out = String::new();
        packet.encode(&mut out);
        let target = match &c.canonical {
            Some(Wire::Text(t)) => t,
            None => wire,
            Some(other) => panic!("{key}: canonical must be text, got {other:?}"),
        };
        if out != *target {
            fail.push(format!(
                "{key} [re-encode]: expected {target:?}, got {out:?}"
            ));
        }
    }
    line
}

fn check_binary(
    key: &str,
    c: &Case,
    v: ProtocolVersion,
    limits: &Limits,
    fail: &mut Vec<String>,
) -> String {
    let Wire::Frames(frames) = &c.wire else {
        panic!("{key}: a binary case is a frame sequence")
    };
    // Modes 1 and 2: frame by frame, as a connection delivers them.
    let mut decoder = Decoder::new(v, limits.clone());
    let mut outcome = Expect::Incomplete;
    let mut line = "incomplete".to_owned();
    let mut completed_at = None;
    for (i, frame) in frames.iter().enumerate() {
        let result = match frame {
            Wire::Text(t) => decoder.push_text(t),
            Wire::Binary(b) => decoder.push_binary(b),
            Wire::Frames(_) => panic!("{key}: nested frames"),
        };
        match result {
            Ok(Status::Partial) => {}
            Ok(Status::Complete(Decoded::Binary(p))) => {
                outcome = Expect::Decoded(binary_json(&p));
                line = p.to_string();
                completed_at = Some(i);
            }
            Ok(Status::Complete(Decoded::Packet(p))) => {
                outcome = Expect::Decoded(packet_json(&p));
                line = p.to_string();
                completed_at = Some(i);
            }
            Ok(Status::Complete(other)) => panic!("{key}: unexpected {other:?}"),
            Err(e) => {
                outcome = Expect::Error(e.code().to_owned());
                line = format!("error {}", e.code());
                break;
            }
        }
    }
    if outcome != c.expect {
        fail.push(format!(
            "{key} [frames]: expected {:?}, got {outcome:?}",
            c.expect
        ));
    }
    let Expect::Decoded(d) = &c.expect else {
        return line;
    };
    // A valid sequence completes on its last frame, never earlier.
    if completed_at != Some(frames.len() - 1) {
        fail.push(format!(
            "{key} [frames]: completed at frame {completed_at:?} of {}",
            frames.len()
        ));
    }
    // The same packet through the one-shot path: header decode, then reconstruct.
    if let (Some(Wire::Text(header)), Some(att)) = (frames.first(), binary_frames(&frames[1..])) {
        let via_reconstruct = Packet::decode(header, v, limits)
            .map_err(|e| e.code())
            .and_then(|p| {
                binary::reconstruct(p.data_str().unwrap_or("null"), &att).map_err(|e| e.code())
            });
        match via_reconstruct {
            Ok(value) if value_json(&value) == d["data"] => {}
            other => fail.push(format!("{key} [reconstruct]: {other:?}")),
        }
    }
    // Mode 3: a packet after the sequence is decoded on its own.
    match decoder.push_text(r#"2["tail"]"#) {
        Ok(Status::Complete(Decoded::Packet(p))) if p.kind == PacketType::Event => {}
        other => fail.push(format!("{key} [trailing]: next packet gave {other:?}")),
    }
    // Mode 4: re-encode the rebuilt packet.
    let ordered = c.decoded_ordered.as_ref().expect("decoded form");
    let data = with_binary(ordered.get("data").expect("data"));
    let kind = type_from_name(d["type"].as_str().expect("type"));
    let ns = Namespace::new(d["nsp"].as_str().expect("nsp").to_owned()).expect("namespace");
    let ack = d["id"].as_u64().map(|id| AckId::new(id).expect("ack id"));
    let mut text = String::new();
    let mut attachments = Vec::new();
    match encode_binary(kind, &ns, ack, &data, &mut text, &mut attachments) {
        Ok(()) => {
            let mut got = vec![Wire::Text(text)];
            got.extend(attachments.into_iter().map(Wire::Binary));
            let target = c.canonical.as_ref().unwrap_or(&c.wire);
            if super::show_wire(&Wire::Frames(got.clone())) != super::show_wire(target) {
                fail.push(format!(
                    "{key} [re-encode]: expected {}, got {}",
                    super::show_wire(target),
                    super::show_wire(&Wire::Frames(got))
                ));
            }
        }
        Err(e) => fail.push(format!("{key} [re-encode]: {e}")),
    }
    line
}

fn binary_frames(frames: &[Wire]) -> Option<Vec<Vec<u8>>> {
    frames
        .iter()
        .map(|f| match f {
            Wire::Binary(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

fn type_from_name(name: &str) -> PacketType {
    PacketType::ALL
        .iter()
        .copied()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("unknown packet type {name}"))
}

fn packet_json(p: &Packet<'_>) -> Json {
    json!({
        "type": p.kind.name(),
        "nsp": p.namespace.as_str(),
        "id": p.ack_id.map(AckId::get),
        "attachments": p.attachments,
        "data": p.data_str().map(|d| serde_json::from_str::<Json>(d).expect("validated JSON")),
    })
}

fn binary_json(p: &socketio_codec::socket_io::BinaryPacket) -> Json {
    json!({
        "type": p.kind.name(),
        "nsp": p.namespace.as_str(),
        "id": p.ack_id.map(AckId::get),
        "attachments": count_binary(&p.data),
        "data": value_json(&p.data),
    })
}

fn count_binary(v: &Value) -> usize {
    match v {
        Value::Binary(_) => 1,
        Value::Array(items) => items.iter().map(count_binary).sum(),
        Value::Object(members) => members.iter().map(|(_, v)| count_binary(v)).sum(),
        _ => 0,
    }
}

/// The fixture form of a value: binary as `{"$binary":"<hex>"}`.
fn value_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.clone()),
        Value::String(s) => Json::String(s.clone()),
        Value::Binary(b) => json!({"$binary": to_hex(b)}),
        Value::Array(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Object(members) => Json::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), value_json(v)))
                .collect(),
        ),
    }
}

/// The inverse of [`value_json`], keeping member order.
fn with_binary(v: &Value) -> Value {
    match v {
        Value::Object(members) if members.len() == 1 && members[0].0 == "$binary" => {
            Value::Binary(from_hex(members[0].1.as_str().expect("hex string")))
        }
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), with_binary(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(with_binary).collect()),
        other => other.clone(),
    }
}
