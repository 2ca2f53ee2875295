//! Engine.IO over WebSocket, the part that is the same in both revisions: opening the socket,
//! sending a packet as one frame, decoding a frame into an [`Incoming`], and waiting for the end.
//! [`super::EngineWs`] (v4) and [`super::v3::V3Ws`] (v3) add their heartbeat on top; the revision
//! is a parameter, and every byte goes through the codec except in the `send_raw_*` functions.

use std::time::Duration;

use socketio_codec::engine_io::{FrameKind, Handshake, Packet, PacketType, ProtocolVersion};

use crate::ctx::Ctx;
use crate::transport::{WsConn, WsConnect, WsEvent};

/// What arrives on an Engine.IO WebSocket.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A decoded packet.
    Packet(Packet<'static>),
    /// A frame the codec rejected, with its error code.
    Undecodable(String),
    /// The connection ended (the browser's close code: 1005 without a code, 1006 without a frame).
    Closed(Option<u16>),
}

/// Opens a WebSocket with an arbitrary query; a refusal is an `Err` naming the status.
pub(crate) async fn connect(ctx: &Ctx, query: &str) -> Result<WsConn, String> {
    ctx.params.require("websocket")?;
    match WsConn::connect(&ctx.connector, &ctx.transcript, query, &[], ctx.quick()).await {
        Ok(WsConnect::Open(ws)) => Ok(ws),
        Ok(WsConnect::Refused(r)) => Err(format!(
            "WebSocket refused with HTTP {}: {:?}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )),
        Err(e) => Err(format!("WebSocket connect failed: {e}")),
    }
}

/// The handshake of the open packet a session must start with; `Err` names what came instead.
pub(crate) fn open_handshake(first: Incoming) -> Result<Handshake, String> {
    match first {
        Incoming::Packet(p) if p.kind == PacketType::Open => {
            let json = p.data.as_text().unwrap_or_default();
            Handshake::decode(json).map_err(|e| format!("open packet: {}", e.code()))
        }
        other => Err(format!("expected the open packet first, got {other:?}")),
    }
}

/// Sends one packet as one frame, encoded by the codec for `version` (binary data: a binary
/// frame, with the `04` type byte in v3).
pub(crate) async fn send_packet(
    ws: &mut WsConn,
    packet: &Packet<'_>,
    version: ProtocolVersion,
) -> Result<(), String> {
    let mut out = Vec::new();
    let result = match packet.encode_websocket(version, false, &mut out) {
        FrameKind::Text => {
            let text = String::from_utf8(out).map_err(|_| "encoder wrote non-UTF-8 text")?;
            ws.send_text(text).await
        }
        FrameKind::Binary => ws.send_binary(out).await,
    };
    result.map_err(|e| e.to_string())
}

/// Sends a text frame as is — for cases that send malformed data on purpose.
pub(crate) async fn send_raw_text(ws: &mut WsConn, text: &str) -> Result<(), String> {
    ws.send_text(text.to_owned())
        .await
        .map_err(|e| e.to_string())
}

/// Sends a binary frame as is.
pub(crate) async fn send_raw_binary(ws: &mut WsConn, bytes: &[u8]) -> Result<(), String> {
    ws.send_binary(bytes.to_vec())
        .await
        .map_err(|e| e.to_string())
}

/// Decodes one WebSocket event with the codec for `version`.
pub(crate) fn incoming(event: &WsEvent, version: ProtocolVersion) -> Incoming {
    let packet = match event {
        WsEvent::Text(t) => Packet::decode_text(t, version).map(Packet::into_owned),
        WsEvent::Binary(b) => Packet::decode_binary(b, version).map(Packet::into_owned),
        WsEvent::Closed { .. } => return Incoming::Closed(event.browser_close_code()),
    };
    match packet {
        Ok(p) => Incoming::Packet(p),
        Err(e) => Incoming::Undecodable(e.code().to_owned()),
    }
}

/// A WebSocket session that reads packets: what [`wait_closed`] needs.
pub(crate) trait RecvPacket: Send {
    /// The next packet (or the end) within `timeout`.
    fn recv_packet(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Incoming, String>> + Send;
}

/// Reads `ws` until the connection ends; `Ok(code)` if it ends within `timeout`.
pub(crate) async fn wait_closed(
    ws: &mut impl RecvPacket,
    timeout: Duration,
) -> Result<Option<u16>, String> {
    let deadline = tokio::time::Instant::now() + timeout;
    // Bounded by the deadline and a hard count; each round reads one packet.
    for _ in 0..100_000 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.recv_packet(left).await {
            Ok(Incoming::Closed(code)) => return Ok(code),
            Ok(_) => {}
            Err(e) if e.contains("closed") => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Err("too many messages".to_owned())
}
