//! Engine.IO decoder targets: `eio_packet` (one packet as a WebSocket frame) and
//! `eio_handshake` (the open packet's JSON, a request query string, an error body).
//!
//! Each decodes the input and checks that what decodes re-encodes, in every form its version
//! has, and decodes to the same value.

use super::common::{eio_version, split_mode, split_mode_text};
use super::engine_io::{self, ErrorBody, FrameKind, Handshake, PacketType as EioType, Query};

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

/// `eio_handshake`: the open packet JSON, a request query string, or an error body.
///
/// Checks: no panic; whatever decodes re-encodes and decodes to the same value (a handshake's
/// unknown keys are not re-encoded, so they are left out of the comparison).
pub fn eio_handshake(data: &[u8]) {
    let Some((mode, text)) = split_mode_text(data) else {
        return;
    };
    match mode % 3 {
        0 => check_handshake(text),
        1 => check_query(text),
        _ => check_error_body(text),
    }
}

/// Re-encodes `packet` in every form `version` has and checks each decodes back to it.
pub(super) fn check_eio_packet_roundtrip(
    packet: &engine_io::Packet<'_>,
    version: engine_io::ProtocolVersion,
) {
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
