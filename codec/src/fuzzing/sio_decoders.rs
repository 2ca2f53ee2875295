//! Socket.IO decoder targets: `sio_packet` (one packet text) and `sio_binary` (a sequence of
//! text and binary messages through one stateful decoder).
//!
//! Each checks that the decoders agree with each other (`Frame::parse`, `Packet::decode`, the
//! `Decoder`, `binary::reconstruct`) and that what decodes re-encodes and decodes to the same
//! packet.

use super::Status;
use super::common::{same_value, sio_version, split_mode, split_mode_text};
use super::socket_io::{self, Decoded, Frame, Limits, binary};

/// `sio_packet`: one Socket.IO packet text, revision 4 or 5.
///
/// Checks: no panic; [`Frame::parse`] and [`socket_io::Packet::decode`] agree on the header and
/// on header errors; the [`socket_io::Decoder`] agrees with `Packet::decode`; a decoded packet
/// re-encodes and decodes to the same packet; the typed accessors do not panic.
pub fn sio_packet(data: &[u8]) {
    let Some((mode, text)) = split_mode_text(data) else {
        return;
    };
    check_sio_text(text, sio_version(mode & 1 == 1));
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
pub(super) fn decode_messages(
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
