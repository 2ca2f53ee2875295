//! Engine.IO sessions with raw control, for Engine.IO cases.

use std::time::Duration;

use bytes::Bytes;
use socketio_codec::engine_io::{
    ErrorBody, Handshake, Packet, PacketType, ProtocolVersion, Sid, payload,
};

use super::eio_ws::{self, Incoming, RecvPacket};
use super::show::show_body;
use crate::ctx::{Ctx, parse_open};
use crate::transport::{HttpResponse, PendingRequest, PollingClient, WsConn};

const V4: ProtocolVersion = ProtocolVersion::V4;

/// One Engine.IO session over WebSocket.
pub(crate) struct EngineWs {
    pub(crate) ws: WsConn,
    /// The open packet, for a WebSocket-only session.
    pub(crate) handshake: Option<Handshake>,
    /// Answer pings with pongs inside [`Self::recv`] (and do not return them).
    pub(crate) auto_pong: bool,
    quick: Duration,
}

impl EngineWs {
    /// Opens a WebSocket-only session (`transport=websocket`, no sid) and reads its open packet.
    pub(crate) async fn open(ctx: &Ctx) -> Result<EngineWs, String> {
        let mut ws = Self::connect(ctx, "EIO=4&transport=websocket").await?;
        let first = ws.recv(ctx.quick()).await?;
        ws.handshake = Some(eio_ws::open_handshake(first)?);
        Ok(ws)
    }

    /// Opens the WebSocket of an upgrade for `sid` (nothing is read).
    pub(crate) async fn upgrade(ctx: &Ctx, sid: &Sid) -> Result<EngineWs, String> {
        let query = format!(
            "EIO=4&transport=websocket&sid={}",
            encode_query(sid.as_str())
        );
        Self::connect(ctx, &query).await
    }

    /// Opens a WebSocket with an arbitrary query; a refusal is an `Err` naming the status.
    pub(crate) async fn connect(ctx: &Ctx, query: &str) -> Result<EngineWs, String> {
        Ok(EngineWs {
            ws: eio_ws::connect(ctx, query).await?,
            handshake: None,
            auto_pong: false,
            quick: ctx.quick(),
        })
    }

    /// Sends one packet, encoded by the codec.
    pub(crate) async fn send(&mut self, packet: &Packet<'_>) -> Result<(), String> {
        eio_ws::send_packet(&mut self.ws, packet, V4).await
    }

    /// Sends a text frame as is — for cases that send malformed data on purpose.
    pub(crate) async fn send_raw_text(&mut self, text: &str) -> Result<(), String> {
        eio_ws::send_raw_text(&mut self.ws, text).await
    }

    /// Sends a binary frame as is.
    pub(crate) async fn send_raw_binary(&mut self, bytes: &[u8]) -> Result<(), String> {
        eio_ws::send_raw_binary(&mut self.ws, bytes).await
    }

    /// The next packet (or the end), within `timeout`; server noops are skipped. With
    /// `auto_pong`, pings are answered and skipped too.
    pub(crate) async fn recv(&mut self, timeout: Duration) -> Result<Incoming, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Each round consumes one message; bounded by the deadline and a hard count.
        for _ in 0..100_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.ws.recv(left).await.map_err(|e| e.to_string())?;
            match eio_ws::incoming(&event, V4) {
                Incoming::Packet(p) if self.auto_pong && p.kind == PacketType::Ping => {
                    self.send(&Packet::pong()).await?;
                }
                // A client discards a server noop (EIO4-PKT-010's note); python-engineio sends
                // one on the WebSocket after the upgrade packet `5`. The transcript keeps it.
                Incoming::Packet(p) if p.kind == PacketType::Noop => {}
                other => return Ok(other),
            }
        }
        Err("too many messages".to_owned())
    }

    /// Reads until the connection ends; `Ok(code)` if it ends within `timeout`.
    pub(crate) async fn wait_closed(&mut self, timeout: Duration) -> Result<Option<u16>, String> {
        eio_ws::wait_closed(self, timeout).await
    }

    /// Closes the WebSocket (bounded).
    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None, self.quick).await;
    }
}

impl RecvPacket for EngineWs {
    fn recv_packet(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Incoming, String>> + Send {
        self.recv(timeout)
    }
}

/// One Engine.IO session over HTTP long-polling.
pub(crate) struct EnginePolling {
    pub(crate) http: PollingClient,
    pub(crate) handshake: Handshake,
    quick: Duration,
}

impl EnginePolling {
    /// Opens a polling session.
    pub(crate) async fn open(ctx: &Ctx) -> Result<EnginePolling, String> {
        ctx.params.require("polling")?;
        let http = ctx.polling();
        let response = http
            .get("EIO=4&transport=polling", ctx.quick())
            .await
            .map_err(|e| format!("handshake failed: {e}"))?;
        if response.status != 200 {
            return Err(format!("handshake answered HTTP {}", response.status));
        }
        let handshake = parse_open(&response.body)?;
        Ok(EnginePolling {
            http,
            handshake,
            quick: ctx.quick(),
        })
    }

    /// The session id.
    pub(crate) fn sid(&self) -> &Sid {
        &self.handshake.sid
    }

    /// The query of this session's requests.
    pub(crate) fn query(&self) -> String {
        polling_query(self.sid().as_str())
    }

    /// POSTs packets as one v4 payload (encoded by the codec).
    pub(crate) async fn post(&self, packets: &[Packet<'_>]) -> Result<HttpResponse, String> {
        let mut body = String::new();
        payload::encode_v4(packets, &mut body);
        self.post_raw(&body).await
    }

    /// POSTs a body as is — for cases that send malformed payloads on purpose.
    pub(crate) async fn post_raw(&self, body: &str) -> Result<HttpResponse, String> {
        self.http
            .post(&self.query(), body.to_owned(), self.quick)
            .await
            .map_err(|e| format!("POST failed: {e}"))
    }

    /// One GET, waiting at most `timeout`; returns the response and its decoded packets (empty
    /// when the status is not 200).
    pub(crate) async fn get(
        &self,
        timeout: Duration,
    ) -> Result<(HttpResponse, Vec<Packet<'static>>), String> {
        let mut pending = self.spawn_get(timeout);
        let response = pending
            .wait(timeout)
            .await
            .map_err(|e| format!("GET failed: {e}"))?;
        let packets = decode_body(&response)?;
        Ok((response, packets))
    }

    /// Starts a GET in the background (a parked long-poll).
    pub(crate) fn spawn_get(&self, timeout: Duration) -> PendingRequest {
        self.http
            .spawn_request(http::Method::GET, &self.query(), &[], Bytes::new(), timeout)
    }

    /// GETs until a non-ping packet arrives (answering pings with pongs), within `timeout`.
    pub(crate) async fn next_packets(
        &self,
        timeout: Duration,
    ) -> Result<Vec<Packet<'static>>, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..10_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let (response, packets) = self.get(left).await?;
            if response.status != 200 {
                return Err(format!("GET answered HTTP {}", response.status));
            }
            let (pings, others): (Vec<_>, Vec<_>) = packets
                .into_iter()
                .partition(|p| p.kind == PacketType::Ping);
            if !pings.is_empty() {
                self.post(&[Packet::pong()]).await?;
            }
            if !others.is_empty() {
                return Ok(others);
            }
        }
        Err(format!(
            "nothing but pings within {} ms",
            timeout.as_millis()
        ))
    }
}

/// Decodes a 200 polling body into packets (none for another status).
pub(crate) fn decode_body(response: &HttpResponse) -> Result<Vec<Packet<'static>>, String> {
    decode_v4_body(response, false)
}

/// [`decode_body`], with the body in the error as [`show_body`] renders it (also when it is not
/// UTF-8), for verdicts.
pub(crate) fn decode_body_shown(response: &HttpResponse) -> Result<Vec<Packet<'static>>, String> {
    decode_v4_body(response, true)
}

/// The packets of a 200 polling response; none when it does not decode or for another status.
pub(crate) fn decoded(r: &HttpResponse) -> Vec<Packet<'static>> {
    decode_body(r).unwrap_or_default()
}

/// The numeric `code` of a JSON error body.
pub(crate) fn error_code(r: &HttpResponse) -> Option<u8> {
    ErrorBody::decode(r.text()?).ok().map(|b| b.code)
}

/// The polling query for `sid` (percent-encoded: sids are opaque, EIO4-HS-014).
pub(crate) fn polling_query(sid: &str) -> String {
    format!("EIO=4&transport=polling&sid={}", encode_query(sid))
}

/// Percent-encodes a query value (session ids are opaque: EIO4-HS-014).
pub(crate) fn encode_query(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a 200 v4 polling body; errors quote the body as [`show_body`] renders it when
/// `shown`, else as debug text (and a body that is not UTF-8 not at all).
fn decode_v4_body(response: &HttpResponse, shown: bool) -> Result<Vec<Packet<'static>>, String> {
    if response.status != 200 {
        return Ok(Vec::new());
    }
    let body = &response.body;
    let text = std::str::from_utf8(body).map_err(|_| match shown {
        true => format!("GET body is not UTF-8: {}", show_body(body)),
        false => "GET body is not UTF-8".to_owned(),
    })?;
    payload::decode_v4(text)
        .map(|p| {
            p.map(Packet::into_owned).map_err(|e| match shown {
                true => format!("undecodable payload ({}): {}", e.code(), show_body(body)),
                false => format!("undecodable payload ({}): {text:?}", e.code()),
            })
        })
        .collect()
}
