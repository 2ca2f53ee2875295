//! Engine.IO sessions with raw control, for Engine.IO cases.

use std::time::Duration;

use bytes::Bytes;
use socketio_codec::engine_io::{
    FrameKind, Handshake, Packet, PacketType, ProtocolVersion, Sid, payload,
};

use crate::ctx::{Ctx, parse_open};
use crate::transport::{HttpResponse, PendingRequest, PollingClient, WsConn, WsConnect, WsEvent};

const V4: ProtocolVersion = ProtocolVersion::V4;

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
        match ws.recv(ctx.quick()).await? {
            Incoming::Packet(p) if p.kind == PacketType::Open => {
                let json = p.data.as_text().unwrap_or_default();
                let handshake =
                    Handshake::decode(json).map_err(|e| format!("open packet: {}", e.code()))?;
                ws.handshake = Some(handshake);
                Ok(ws)
            }
            other => Err(format!("expected the open packet first, got {other:?}")),
        }
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
        ctx.params.require("websocket")?;
        match WsConn::connect(&ctx.connector, &ctx.transcript, query, &[], ctx.quick()).await {
            Ok(WsConnect::Open(ws)) => Ok(EngineWs {
                ws,
                handshake: None,
                auto_pong: false,
                quick: ctx.quick(),
            }),
            Ok(WsConnect::Refused(r)) => Err(format!(
                "WebSocket refused with HTTP {}: {:?}",
                r.status,
                String::from_utf8_lossy(&r.body)
            )),
            Err(e) => Err(format!("WebSocket connect failed: {e}")),
        }
    }

    /// Sends one packet, encoded by the codec.
    pub(crate) async fn send(&mut self, packet: &Packet<'_>) -> Result<(), String> {
        let mut out = Vec::new();
        let result = match packet.encode_websocket(V4, false, &mut out) {
            FrameKind::Text => {
                let text = String::from_utf8(out).map_err(|_| "encoder wrote non-UTF-8 text")?;
                self.ws.send_text(text).await
            }
            FrameKind::Binary => self.ws.send_binary(out).await,
        };
        result.map_err(|e| e.to_string())
    }

    /// Sends a text frame as is — for cases that send malformed data on purpose.
    pub(crate) async fn send_raw_text(&mut self, text: &str) -> Result<(), String> {
        self.ws
            .send_text(text.to_owned())
            .await
            .map_err(|e| e.to_string())
    }

    /// Sends a binary frame as is.
    pub(crate) async fn send_raw_binary(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.ws
            .send_binary(bytes.to_vec())
            .await
            .map_err(|e| e.to_string())
    }

    /// The next packet (or the end), within `timeout`; server noops are skipped. With
    /// `auto_pong`, pings are answered and skipped too.
    pub(crate) async fn recv(&mut self, timeout: Duration) -> Result<Incoming, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Each round consumes one message; bounded by the deadline and a hard count.
        for _ in 0..100_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.ws.recv(left).await.map_err(|e| e.to_string())?;
            let packet = match &event {
                WsEvent::Text(t) => Packet::decode_text(t, V4).map(Packet::into_owned),
                WsEvent::Binary(b) => Packet::decode_binary(b, V4).map(Packet::into_owned),
                WsEvent::Closed { .. } => return Ok(Incoming::Closed(event.browser_close_code())),
            };
            match packet {
                Ok(p) if self.auto_pong && p.kind == PacketType::Ping => {
                    self.send(&Packet::pong()).await?;
                }
                // A client discards a server noop (EIO4-PKT-010's note); python-engineio sends
                // one on the WebSocket after the upgrade packet `5`. The transcript keeps it.
                Ok(p) if p.kind == PacketType::Noop => {}
                Ok(p) => return Ok(Incoming::Packet(p)),
                Err(e) => return Ok(Incoming::Undecodable(e.code().to_owned())),
            }
        }
        Err("too many messages".to_owned())
    }

    /// Reads until the connection ends; `Ok(code)` if it ends within `timeout`.
    pub(crate) async fn wait_closed(&mut self, timeout: Duration) -> Result<Option<u16>, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..100_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Ok(Incoming::Closed(code)) => return Ok(code),
                Ok(_) => {}
                Err(e) if e.contains("closed") => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Err("too many messages".to_owned())
    }

    /// Closes the WebSocket (bounded).
    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None, self.quick).await;
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
        format!(
            "EIO=4&transport=polling&sid={}",
            encode_query(self.sid().as_str())
        )
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
    if response.status != 200 {
        return Ok(Vec::new());
    }
    let text =
        std::str::from_utf8(&response.body).map_err(|_| "GET body is not UTF-8".to_owned())?;
    payload::decode_v4(text)
        .map(|p| {
            p.map(Packet::into_owned)
                .map_err(|e| format!("undecodable payload ({}): {text:?}", e.code()))
        })
        .collect()
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
