//! The `eio_session_ops` target: one story of inputs, commands and time advances played into an
//! Engine.IO client session and into a server session.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use super::common::eio_version;
use super::driver::{advance, drain};
use super::eio_payloads::encode_payload;
use super::engine_io::payload::PayloadFormat;
use super::engine_io::session as eio_session;
use super::engine_io::{self, FrameKind, Handshake, Sid};
use super::inputs::{EioPacket, EioSessionCase, EioSessionOp};

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

const CLIENT: &str = "engine.io client";
const SERVER: &str = "engine.io server";

fn eio_client_story(case: &EioSessionCase) {
    let version = eio_version(case.v3);
    let epoch = Instant::now();
    let mut now = epoch;
    let mut client = eio_session::ClientSession::new(version, first_transport(case), now);
    let mut deadline = drain(|| client.poll_output(), now, epoch, CLIENT);
    for op in &case.ops {
        match op {
            EioSessionOp::Advance(ms) => {
                advance(&mut now, &mut deadline, *ms, |at| {
                    client.handle_timeout(at);
                    drain(|| client.poll_output(), at, epoch, CLIENT)
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
                client.handle_polling_response(&built_body(packets, version), now);
            }
            EioSessionOp::RawBody(body) => client.handle_polling_response(body, now),
            EioSessionOp::Ws { .. } | EioSessionOp::RawWs { .. } => {
                if let Some((binary, data, _)) = ws_input(op, version)
                    && let Some(message) = ws_message(binary, &data)
                {
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
        deadline = drain(|| client.poll_output(), now, epoch, CLIENT);
    }
}

fn eio_server_story(case: &EioSessionCase) {
    let version = eio_version(case.v3);
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
    let mut server =
        eio_session::ServerSession::new(config, version, first_transport(case), &mut ids, now);
    let mut conns = vec![server.handshake_conn()];
    let mut deadline = drain(|| server.poll_output(), now, epoch, SERVER);
    for op in &case.ops {
        let pick = |conns: &[eio_session::ConnId], i: u8| conns[usize::from(i) % conns.len()];
        match op {
            EioSessionOp::Advance(ms) => {
                advance(&mut now, &mut deadline, *ms, |at| {
                    server.handle_timeout(at);
                    drain(|| server.poll_output(), at, epoch, SERVER)
                });
                continue;
            }
            EioSessionOp::Open { .. } => {}
            EioSessionOp::Body(packets) => {
                conns.push(server.handle_post(&built_body(packets, version), now));
            }
            EioSessionOp::RawBody(body) => conns.push(server.handle_post(body, now)),
            EioSessionOp::Ws { .. } | EioSessionOp::RawWs { .. } => {
                if let Some((binary, data, conn)) = ws_input(op, version)
                    && let Some(message) = ws_message(binary, &data)
                {
                    server.handle_ws_message(pick(&conns, conn), message, now);
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
        deadline = drain(|| server.poll_output(), now, epoch, SERVER);
    }
}

fn first_transport(case: &EioSessionCase) -> engine_io::TransportKind {
    if case.websocket {
        engine_io::TransportKind::WebSocket
    } else {
        engine_io::TransportKind::Polling
    }
}

/// `packets` as a polling body of `version` (v3: the text format).
fn eio_body(packets: &[engine_io::Packet<'_>], version: engine_io::ProtocolVersion) -> Vec<u8> {
    let format = if version == engine_io::ProtocolVersion::V3 {
        PayloadFormat::V3Text
    } else {
        PayloadFormat::V4
    };
    encode_payload(format, packets)
}

/// The polling body of a [`EioSessionOp::Body`].
fn built_body(packets: &[EioPacket], version: engine_io::ProtocolVersion) -> Vec<u8> {
    let packets: Vec<_> = packets.iter().map(EioPacket::to_packet).collect();
    eio_body(&packets, version)
}

/// The WebSocket message of a `Ws` op (its packet encoded) or a `RawWs` op, as (binary, bytes,
/// connection index); `None` for any other op.
fn ws_input(
    op: &EioSessionOp,
    version: engine_io::ProtocolVersion,
) -> Option<(bool, Cow<'_, [u8]>, u8)> {
    match op {
        EioSessionOp::Ws { packet, conn } => {
            let mut data = Vec::new();
            let kind = packet
                .to_packet()
                .encode_websocket(version, false, &mut data);
            Some((kind == FrameKind::Binary, Cow::Owned(data), *conn))
        }
        EioSessionOp::RawWs { binary, data, conn } => Some((*binary, Cow::Borrowed(data), *conn)),
        _ => None,
    }
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
