//! The `sio_session_ops` target: one story of peer messages, commands and time advances played
//! into a Socket.IO client and into a server.

use std::time::{Duration, Instant};

use super::common::{ack_id, namespace, raw_json, sio_version};
use super::driver::{advance, drain, later};
use super::inputs::{
    Json, SioOp, SioSessionCase, SioSessionOp, args_value, auth_object, connect_error_packet,
    event_data,
};
use super::socket_io::session::{self as sio_session, EngineMessage};
use super::socket_io::{self, Namespace, PacketType as SioType, Value};

/// `sio_session_ops`: the same story of messages, commands and time advances is played into a
/// Socket.IO [`sio_session::Client`] and into a [`sio_session::Server`] (any namespace
/// allowed). Commands the state refuses return a `SessionError`, which is fine.
///
/// Checks: never panics; every `Timeout(Some(at))` output is at or after the time of the call
/// it follows; timers do not fire forever at one instant; a drain ends.
pub fn sio_session_ops(case: &SioSessionCase) {
    let epoch = Instant::now();
    sio_client_story(case, epoch);
    sio_server_story(case, epoch);
}

const CLIENT: &str = "socket.io client";
const SERVER: &str = "socket.io server";

// `ClientConfig` is `#[non_exhaustive]`: the replay test compiles this file outside the crate,
// where a struct literal with `..Default::default()` is not allowed.
#[allow(clippy::field_reassign_with_default)]
fn sio_client_story(case: &SioSessionCase, epoch: Instant) {
    let version = sio_version(case.v4);
    let mut now = epoch;
    let mut config = sio_session::ClientConfig::default();
    config.version = version;
    let mut client = sio_session::Client::new(config);
    drain(|| client.poll_output(), now, epoch, CLIENT);
    for op in &case.ops {
        match op {
            SioSessionOp::Advance(ms) => now = later(now, *ms),
            SioSessionOp::Packet(_) | SioSessionOp::Raw { .. } => {
                for message in peer_messages(op, case.v4) {
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
        let at = drain(|| client.poll_output(), now, epoch, CLIENT);
        assert_eq!(at, None, "the Socket.IO client arms no timer");
    }
}

fn sio_server_story(case: &SioSessionCase, epoch: Instant) {
    let mut now = epoch;
    let config = sio_session::ServerConfig::new(sio_session::NamespacePolicy::Any)
        .with_version(sio_version(case.v4))
        .with_connect_timeout(Duration::from_millis(100 + u64::from(case.connect_timeout)));
    let mut n = 0u64;
    let sids = move |_: &Namespace<'_>| {
        n += 1;
        format!("fuzz-{n}")
    };
    let mut server = sio_session::Server::new(config, sids, now);
    let mut deadline = drain(|| server.poll_output(), now, epoch, SERVER);
    for op in &case.ops {
        match op {
            SioSessionOp::Advance(ms) => {
                advance(&mut now, &mut deadline, *ms, |at| {
                    server.handle_timeout(at);
                    drain(|| server.poll_output(), at, epoch, SERVER)
                });
                continue;
            }
            SioSessionOp::Packet(_) | SioSessionOp::Raw { .. } => {
                for message in peer_messages(op, case.v4) {
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
        deadline = drain(|| server.poll_output(), now, epoch, SERVER);
    }
}

/// The Engine.IO messages a `Packet` or `Raw` op brings from the peer; none for other ops.
fn peer_messages(op: &SioSessionOp, v4: bool) -> Vec<EngineMessage> {
    match op {
        SioSessionOp::Packet(op) => sio_op_messages(op, v4),
        SioSessionOp::Raw { binary, data } => raw_message(*binary, data).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The Engine.IO messages that carry `op` (nothing when the encoders refuse it).
fn sio_op_messages(op: &SioOp, v4: bool) -> Vec<EngineMessage> {
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
            let raw = auth.as_deref().map(auth_object);
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
        } => with_data(SioType::Event, nsp, ack.map(ack_id), event_data(name, args)),
        SioOp::Ack { nsp, ack, args } => {
            with_data(SioType::Ack, nsp, Some(ack_id(*ack)), args_value(args))
        }
        SioOp::ConnectError { nsp, data } => {
            let raw = raw_json(&data.to_value());
            connect_error_packet(namespace(nsp), &raw, v4)
                .map(|p| text(&p))
                .unwrap_or_default()
        }
    }
}

fn raw_message(binary: bool, data: &[u8]) -> Option<EngineMessage> {
    if binary {
        Some(EngineMessage::Binary(data.to_vec()))
    } else {
        std::str::from_utf8(data)
            .ok()
            .map(|t| EngineMessage::Text(t.to_owned()))
    }
}
