//! Clients that cases drive: Engine.IO sessions with raw control, and a Socket.IO connection
//! that keeps its heartbeat alive by itself.
//!
//! Every byte goes through the codec (house style: the codec is the single source of truth for
//! bytes); the `*_raw` methods exist for cases that must send what a correct encoder refuses to
//! produce, and say so where they are called.
//!
//! - [`EngineWs`]: one Engine.IO session over WebSocket (WebSocket-only, or the new transport of
//!   an upgrade). Pings are answered only if the case asks (`auto_pong`).
//! - [`EnginePolling`]: one Engine.IO session over HTTP long-polling, request by request.
//! - [`SioConn`]: a Socket.IO connection over either transport, with a driver task that answers
//!   pings, keeps a GET outstanding on polling, decodes every message with the codec's
//!   `socket_io::Decoder`, and buffers what arrives so a case never misses a packet
//!   (interop-bugs #25).

mod driver;
mod eio_ws;
mod engine;
mod items;
mod link;
mod messages;
mod polling_steps;
mod show;
mod sio;
pub(crate) mod v3;
mod ws_steps;

pub(crate) use eio_ws::Incoming;
pub(crate) use engine::{
    EnginePolling, EngineWs, decode_body_shown, decoded, encode_query, error_code, polling_query,
};
pub(crate) use messages::{
    connect_text, event_message, event_text, event0_text, is_text_starting, message_back,
    sio_packet,
};
pub(crate) use polling_steps::expect_sid_gone;
pub(crate) use show::{
    describe_frame, incoming_text, packet_text, response_text, show_body, show_packets,
};
pub(crate) use sio::{SioConn, SioItem, Transport, event_args, show};
pub(crate) use ws_steps::connection_ended;
