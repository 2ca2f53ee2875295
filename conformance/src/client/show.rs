//! One-line texts of what the Engine.IO v4 cases saw, for the `seen` part of a verdict: bodies,
//! packets, WebSocket frames and reads, and HTTP responses. Every text is short and escapes
//! control bytes, so a verdict stays on one line.

use socketio_codec::engine_io::{Packet, ProtocolVersion};

use super::eio_ws::Incoming;
use crate::transport::{HttpResponse, WsEvent};

const V4: ProtocolVersion = ProtocolVersion::V4;

/// A response body for "seen" texts (control bytes escaped, long bodies shortened).
pub(crate) fn show_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() > 300 {
        let head: String = text.chars().take(300).collect();
        format!("{head:?}… ({} bytes)", body.len())
    } else {
        format!("{text:?}")
    }
}

/// One packet for "seen" texts, as [`show_body`] renders its v4 wire text.
pub(crate) fn show_packet(p: &Packet<'_>) -> String {
    let mut text = String::new();
    p.encode_text(V4, &mut text);
    show_body(text.as_bytes())
}

/// Packets for "seen" texts: `[…, …]`, each as [`show_packet`] renders it.
pub(crate) fn show_packets(packets: &[Packet<'_>]) -> String {
    let all: Vec<String> = packets.iter().map(show_packet).collect();
    format!("[{}]", all.join(", "))
}

/// One WebSocket frame (or the end) for "seen" texts.
pub(crate) fn describe_frame(event: &WsEvent) -> String {
    match event {
        WsEvent::Text(t) => format!("text frame {}", show_body(t.as_bytes())),
        WsEvent::Binary(b) => format!("binary frame {}", frame_hex(b)),
        WsEvent::Closed { .. } => format!(
            "connection closed (code {})",
            event
                .browser_close_code()
                .map_or("none".to_owned(), |c| c.to_string())
        ),
    }
}

/// `HTTP <status> <body>` for reports (body cut at 200 characters).
pub(crate) fn response_text(r: &HttpResponse) -> String {
    let body = String::from_utf8_lossy(&r.body);
    let cut: String = body.chars().take(200).collect();
    format!("HTTP {} {cut:?}", r.status)
}

/// The v4 wire text of one packet, quoted.
pub(crate) fn packet_text(p: &Packet<'_>) -> String {
    let mut out = String::new();
    p.encode_text(V4, &mut out);
    format!("{out:?}")
}

/// What a WebSocket read ([`super::EngineWs::recv`]) gave, for reports.
pub(crate) fn incoming_text(i: &Result<Incoming, String>) -> String {
    match i {
        Ok(Incoming::Packet(p)) => packet_text(p),
        Ok(Incoming::Undecodable(code)) => format!("an undecodable frame ({code})"),
        Ok(Incoming::Closed(code)) => format!("the connection closed (code {code:?})"),
        Err(e) => e.clone(),
    }
}

/// The bytes of a binary frame: spaced hex, or only the length past 64 bytes.
fn frame_hex(bytes: &[u8]) -> String {
    if bytes.len() > 64 {
        return format!("of {} bytes", bytes.len());
    }
    let all: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("<{}>", all.join(" "))
}
