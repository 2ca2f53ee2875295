//! Engine.IO v3 sessions and Socket.IO revision 4 connections, for the EIO3 / SIO4 cases and the
//! runner's revision detection.
//!
//! Everything goes through the codec with [`ProtocolVersion::V3`]: length-prefixed text payloads
//! (lengths in UTF-16 units), binary payloads (`application/octet-stream`), WebSocket binary frames
//! with the `04` type byte, and the client-driven heartbeat (the client pings every
//! `pingInterval`, the server answers `3`). The revision of a session is the one requested
//! (`EIO=3`), never guessed from the open packet.
// spec: EIO3-VER-003

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use socketio_codec::engine_io::{
    Handshake, Packet, PacketData, PacketType, ProtocolVersion, Sid, payload,
};
use socketio_codec::socket_io::{
    Decoder, Limits, PacketType as SioType, ProtocolVersion as SioVersion, Value,
};
use tokio::sync::mpsc;

use super::driver::{
    AbortOnDrop, IDLE, Post, deliver, on_get, on_packet, on_ws_read, post_command, ws_command,
};
use super::eio_ws::{self, Incoming, RecvPacket};
use super::engine::encode_query;
use super::link::{Command, Link};
use super::sio::{SioItem, Transport};
use crate::ctx::{Ctx, ServerParams};
use crate::transport::{
    Connector, HttpResponse, PendingRequest, PollingClient, Transcript, WsConn, WsConnect, WsEvent,
};

/// Engine.IO revision 3.
pub(crate) const V3: ProtocolVersion = ProtocolVersion::V3;

/// The content type of a v3 binary payload (EIO3-PAY-010).
pub(crate) const OCTET_STREAM: &str = "application/octet-stream";

// ---------------------------------------------------------------------------------------------
// Revision detection
// ---------------------------------------------------------------------------------------------

/// The Engine.IO revision a case needs, from its ID: 3 for `EIO3-` / `SIO4-`, 4 for `EIO4-` /
/// `SIO5-` / `TESTEE1-`. The version-negotiation cases (`EIO3-VER-`, `SIO4-COMPAT-001/`) run on
/// every server: they check what a server of either kind answers.
pub(crate) fn case_revision(id: &str) -> Option<u8> {
    if id.starts_with("EIO3-VER-") || id.starts_with("SIO4-COMPAT-001/") {
        None
    } else if id.starts_with("EIO3-") || id.starts_with("SIO4-") {
        Some(3)
    } else if id.starts_with("EIO4-") || id.starts_with("SIO5-") || id.starts_with("TESTEE1-") {
        Some(4)
    } else {
        None
    }
}

impl ServerParams {
    /// The revisions the server speaks, for messages: `v3 and v4`, `v4 only`, `v3 only`.
    pub(crate) fn revisions(&self) -> &'static str {
        match (self.eio3, self.eio4) {
            (true, true) => "Engine.IO v3 and v4",
            (true, false) => "Engine.IO v3 only",
            (false, true) => "Engine.IO v4 only",
            (false, false) => "neither Engine.IO v3 nor v4",
        }
    }

    /// `Err` saying why when the server does not speak the revision the case `id` needs.
    pub(crate) fn require_revision(&self, id: &str) -> Result<(), String> {
        match case_revision(id) {
            Some(3) if !self.eio3 => Err(format!(
                "the server does not speak Engine.IO v3 / Socket.IO revision 4 (it speaks {})",
                self.revisions()
            )),
            Some(4) if !self.eio4 => Err(format!(
                "the server does not speak Engine.IO v4 / Socket.IO revision 5 (it speaks {})",
                self.revisions()
            )),
            _ => Ok(()),
        }
    }
}

/// Whether `body` is a v3 text payload whose first packet is an open packet: what an engine.io
/// 3.x server answers to a v4 handshake, since it ignores `EIO`. A v4 client must treat it as a
/// failed handshake (EIO3-VER-004), which the runner's detection does.
// spec: EIO3-VER-004
pub(crate) fn is_v3_open_payload(body: &[u8]) -> bool {
    parse_v3_open(body, false).is_ok()
}

/// A v3 handshake over polling (`EIO=3&transport=polling`), or, when polling is refused, over
/// WebSocket. Returns the open packet and whether polling worked.
pub(crate) async fn probe_v3(connector: &Connector) -> Result<(Handshake, bool), String> {
    let timeout = Duration::from_secs(10);
    let polling = PollingClient::new(connector.clone(), Transcript::new());
    let polled = match polling.get("EIO=3&transport=polling", timeout).await {
        Ok(r) if r.status == 200 => parse_v3_open(&r.body, is_octet_stream(&r)).map(|(h, _)| h),
        Ok(r) => Err(format!(
            "the v3 polling handshake answered HTTP {}: {:?}",
            r.status,
            String::from_utf8_lossy(&r.body)
        )),
        Err(e) => Err(format!("the v3 polling handshake failed: {e}")),
    };
    let polling_error = match polled {
        Ok(h) => return Ok((h, true)),
        Err(e) => e,
    };
    let transcript = Transcript::new();
    match WsConn::connect(
        connector,
        &transcript,
        "EIO=3&transport=websocket",
        &[],
        timeout,
    )
    .await
    {
        Ok(WsConnect::Open(mut ws)) => {
            let first = ws.recv(timeout).await;
            let _ = ws.close(None, Duration::from_secs(1)).await;
            match first {
                Ok(WsEvent::Text(t)) => parse_open_packet(&t)
                    .map(|h| (h, false))
                    .map_err(|e| format!("{polling_error}; v3 WebSocket: {e}")),
                other => Err(format!(
                    "{polling_error}; the v3 WebSocket sent no open packet: {other:?}"
                )),
            }
        }
        Ok(WsConnect::Refused(r)) => Err(format!(
            "{polling_error}; the v3 WebSocket was refused with HTTP {}",
            r.status
        )),
        Err(e) => Err(format!("{polling_error}; the v3 WebSocket failed: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

/// Whether a response carries a v3 binary payload (by its content type).
pub(crate) fn is_octet_stream(response: &HttpResponse) -> bool {
    response
        .content_type()
        .is_some_and(|c| c.to_ascii_lowercase().starts_with(OCTET_STREAM))
}

/// Decodes a v3 polling body: a binary payload when `binary`, else a text payload.
pub(crate) fn decode_v3(body: &[u8], binary: bool) -> Result<Vec<Packet<'static>>, String> {
    if binary {
        payload::decode_v3_binary(body)
            .map(|p| {
                p.map(Packet::into_owned)
                    .map_err(|e| format!("undecodable v3 binary payload ({})", e.code()))
            })
            .collect()
    } else {
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
        payload::decode_v3_text(text)
            .map(|p| {
                p.map(Packet::into_owned)
                    .map_err(|e| format!("undecodable v3 payload ({}): {text:?}", e.code()))
            })
            .collect()
    }
}

/// Decodes a 200 polling response (by its content type); no packets for another status.
pub(crate) fn decode_v3_response(response: &HttpResponse) -> Result<Vec<Packet<'static>>, String> {
    if response.status != 200 {
        return Ok(Vec::new());
    }
    decode_v3(&response.body, is_octet_stream(response))
}

/// The v3 text payload of `packets`, encoded by the codec.
pub(crate) fn v3_text(packets: &[Packet<'_>]) -> String {
    let mut out = String::new();
    payload::encode_v3_text(packets, &mut out);
    out
}

/// Decodes one text packet that must be an open packet.
fn parse_open_packet(text: &str) -> Result<Handshake, String> {
    let p = Packet::decode_text(text, V3).map_err(|e| e.code().to_owned())?;
    match (p.kind, p.data.as_text()) {
        (PacketType::Open, Some(json)) => Handshake::decode(json).map_err(|e| e.code().to_owned()),
        (kind, _) => Err(format!("first packet is `{}`, not `open`", kind.name())),
    }
}

/// Decodes a v3 handshake body: the open packet, then the packets that follow it in the same
/// payload (socket.io 2 puts the `/` CONNECT there: EIO3-HS-003).
pub(crate) fn parse_v3_open(
    body: &[u8],
    binary: bool,
) -> Result<(Handshake, Vec<Packet<'static>>), String> {
    let mut packets = decode_v3(body, binary)?.into_iter();
    let first = packets.next().ok_or("an empty payload")?;
    match (first.kind, first.data.as_text()) {
        (PacketType::Open, Some(json)) => {
            let h = Handshake::decode(json).map_err(|e| format!("open packet: {}", e.code()))?;
            Ok((h, packets.collect()))
        }
        (kind, _) => Err(format!("first packet is `{}`, not `open`", kind.name())),
    }
}

/// A short text of a response for `seen`: status, content type and body (hex when binary).
pub(crate) fn response_text(r: &HttpResponse) -> String {
    let body = match r.text() {
        Some(t) if !is_octet_stream(r) => format!("{t:?}"),
        _ => hex(&r.body),
    };
    format!(
        "HTTP {} ({}) {body}",
        r.status,
        r.content_type().unwrap_or("no content type")
    )
}

/// Lower-case hex with spaces, for reports.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(64).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 64 { " …" } else { "" };
    format!("<{}{more}>", shown.join(" "))
}

/// A compact description of packets, for reports.
pub(crate) fn packets_text(packets: &[Packet<'_>]) -> String {
    let shown: Vec<String> = packets
        .iter()
        .map(|p| match &p.data {
            PacketData::Text(t) => format!("{}{t}", p.kind.as_char()),
            PacketData::Binary(b) => format!("{}+binary{}", p.kind.as_char(), hex(b)),
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Engine.IO v3 over polling
// ---------------------------------------------------------------------------------------------

/// One Engine.IO v3 session over HTTP long-polling, request by request.
pub(crate) struct V3Polling {
    pub(crate) http: PollingClient,
    pub(crate) handshake: Handshake,
    /// The handshake response.
    pub(crate) open_response: HttpResponse,
    /// Packets that followed the open packet in the handshake payload.
    pub(crate) initial: Vec<Packet<'static>>,
    /// Whether the session was opened with `b64=1`.
    pub(crate) b64: bool,
    last_ping: Mutex<Instant>,
    interval: Duration,
    quick: Duration,
}

impl V3Polling {
    /// Opens a v3 polling session (`b64=1` when `b64`).
    pub(crate) async fn open(ctx: &Ctx, b64: bool) -> Result<V3Polling, String> {
        Self::open_query(ctx, b64, "").await
    }

    /// Opens a v3 polling session with `extra` (`&k=v…`) appended to the handshake query.
    pub(crate) async fn open_query(ctx: &Ctx, b64: bool, extra: &str) -> Result<V3Polling, String> {
        ctx.params.require("polling")?;
        let http = ctx.polling();
        let query = format!(
            "EIO=3&transport=polling{}{extra}",
            if b64 { "&b64=1" } else { "" }
        );
        let response = http
            .get(&query, ctx.quick())
            .await
            .map_err(|e| format!("v3 handshake failed: {e}"))?;
        if response.status != 200 {
            return Err(format!(
                "v3 handshake answered {}",
                response_text(&response)
            ));
        }
        let (handshake, initial) = parse_v3_open(&response.body, is_octet_stream(&response))
            .map_err(|e| format!("v3 handshake {}: {e}", response_text(&response)))?;
        Ok(V3Polling {
            http,
            interval: Duration::from_millis(handshake.ping_interval),
            handshake,
            open_response: response,
            initial,
            b64,
            last_ping: Mutex::new(Instant::now()),
            quick: ctx.quick(),
        })
    }

    pub(crate) fn sid(&self) -> &Sid {
        &self.handshake.sid
    }

    /// The query of this session's requests.
    pub(crate) fn query(&self) -> String {
        format!(
            "EIO=3&transport=polling{}&sid={}",
            if self.b64 { "&b64=1" } else { "" },
            encode_query(self.sid().as_str())
        )
    }

    /// POSTs packets as one v3 text payload (binary data as `b4…`), encoded by the codec.
    pub(crate) async fn post(&self, packets: &[Packet<'_>]) -> Result<HttpResponse, String> {
        if packets.iter().any(|p| p.kind == PacketType::Ping) {
            *self.last_ping.lock().expect("not poisoned") = Instant::now();
        }
        self.post_raw(v3_text(packets).into_bytes(), "text/plain;charset=UTF-8")
            .await
    }

    /// POSTs a body as is with `content_type` — malformed payloads on purpose, or binary
    /// payloads.
    pub(crate) async fn post_raw(
        &self,
        body: impl Into<Bytes>,
        content_type: &str,
    ) -> Result<HttpResponse, String> {
        self.http
            .request(
                http::Method::POST,
                &self.query(),
                &[("content-type", content_type)],
                body,
                self.quick,
            )
            .await
            .map_err(|e| format!("POST failed: {e}"))
    }

    /// One GET within `timeout`, decoded by its content type.
    pub(crate) async fn get(
        &self,
        timeout: Duration,
    ) -> Result<(HttpResponse, Vec<Packet<'static>>), String> {
        let mut pending = self.spawn_get(timeout);
        let response = pending
            .wait(timeout)
            .await
            .map_err(|e| format!("GET failed: {e}"))?;
        let packets = decode_v3_response(&response)?;
        Ok((response, packets))
    }

    /// Starts a GET in the background (a parked long-poll).
    pub(crate) fn spawn_get(&self, timeout: Duration) -> PendingRequest {
        self.http
            .spawn_request(http::Method::GET, &self.query(), &[], Bytes::new(), timeout)
    }

    /// Sends a ping now.
    pub(crate) async fn ping(&self) -> Result<(), String> {
        match self.post(&[Packet::ping()]).await? {
            r if r.status == 200 => Ok(()),
            r => Err(format!("ping POST answered {}", response_text(&r))),
        }
    }

    /// GETs (keeping the session alive with a ping every half interval while a GET is parked)
    /// until `done` holds for the packets gathered so far, or `timeout`. Returns the responses,
    /// the packets (pongs included) and why it stopped early. A non-200 GET ends the collection.
    pub(crate) async fn collect(
        &self,
        timeout: Duration,
        done: impl Fn(&[Packet<'static>]) -> bool,
    ) -> (Vec<HttpResponse>, Vec<Packet<'static>>, Option<String>) {
        let deadline = Instant::now() + timeout;
        let mut responses = Vec::new();
        let mut packets: Vec<Packet<'static>> = Vec::new();
        let mut get = self.spawn_get(timeout + self.quick);
        // Bounded by the deadline: each round waits for the GET or a ping tick.
        for _ in 0..100_000 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let _ = get.abort().await;
                return (
                    responses,
                    packets,
                    Some(format!("nothing more within {} ms", timeout.as_millis())),
                );
            }
            let since = self.last_ping.lock().expect("not poisoned").elapsed();
            let tick = (self.interval / 2).saturating_sub(since);
            if tick.is_zero() {
                if let Err(e) = self.ping().await {
                    let _ = get.abort().await;
                    return (responses, packets, Some(e));
                }
                continue;
            }
            match get.wait(tick.min(left)).await {
                Ok(r) => {
                    let status = r.status;
                    let decoded = decode_v3_response(&r);
                    responses.push(r);
                    if status != 200 {
                        return (
                            responses,
                            packets,
                            Some(format!("GET answered HTTP {status}")),
                        );
                    }
                    match decoded {
                        Ok(p) => packets.extend(p),
                        Err(e) => return (responses, packets, Some(e)),
                    }
                    if done(&packets) {
                        return (responses, packets, None);
                    }
                    get = self.spawn_get(timeout + self.quick);
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => return (responses, packets, Some(format!("GET failed: {e}"))),
            }
        }
        (responses, packets, Some("too many rounds".to_owned()))
    }

    /// Closes the session with a close packet (`1:1`).
    pub(crate) async fn close(&self) {
        let _ = self.post(&[Packet::close()]).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Engine.IO v3 over WebSocket
// ---------------------------------------------------------------------------------------------

/// One Engine.IO v3 session over WebSocket.
pub(crate) struct V3Ws {
    pub(crate) ws: WsConn,
    /// The open packet, for a WebSocket-only session.
    pub(crate) handshake: Option<Handshake>,
    /// Send a ping whenever this long has passed since the last one, inside [`Self::recv`], and
    /// skip the pongs (the client-driven heartbeat).
    pub(crate) keepalive: Option<Duration>,
    last_ping: Instant,
    quick: Duration,
}

impl V3Ws {
    /// Opens a WebSocket-only v3 session and reads its open packet.
    pub(crate) async fn open(ctx: &Ctx, b64: bool) -> Result<V3Ws, String> {
        let query = format!(
            "EIO=3&transport=websocket{}",
            if b64 { "&b64=1" } else { "" }
        );
        let mut ws = Self::connect(ctx, &query).await?;
        let first = ws.recv(ctx.quick()).await?;
        ws.handshake = Some(eio_ws::open_handshake(first)?);
        ws.last_ping = Instant::now();
        Ok(ws)
    }

    /// Opens the WebSocket of an upgrade of the v3 session `sid` (`EIO=3` on the upgrade request
    /// too: EIO3-URL-002); nothing is read.
    pub(crate) async fn upgrade(ctx: &Ctx, sid: &Sid, b64: bool) -> Result<V3Ws, String> {
        let query = format!(
            "EIO=3&transport=websocket{}&sid={}",
            if b64 { "&b64=1" } else { "" },
            encode_query(sid.as_str())
        );
        Self::connect(ctx, &query).await
    }

    /// Opens a WebSocket with an arbitrary query.
    pub(crate) async fn connect(ctx: &Ctx, query: &str) -> Result<V3Ws, String> {
        Ok(V3Ws {
            ws: eio_ws::connect(ctx, query).await?,
            handshake: None,
            keepalive: None,
            last_ping: Instant::now(),
            quick: ctx.quick(),
        })
    }

    /// The ping interval of the open packet (or `fallback`).
    pub(crate) fn interval(&self, fallback: Duration) -> Duration {
        self.handshake
            .as_ref()
            .map_or(fallback, |h| Duration::from_millis(h.ping_interval))
    }

    /// Sends one packet, encoded by the codec for v3 (binary: a binary frame `04 …`).
    pub(crate) async fn send(&mut self, packet: &Packet<'_>) -> Result<(), String> {
        if packet.kind == PacketType::Ping {
            self.last_ping = Instant::now();
        }
        eio_ws::send_packet(&mut self.ws, packet, V3).await
    }

    /// Sends a text frame as is — malformed or wrong-direction packets on purpose.
    pub(crate) async fn send_raw_text(&mut self, text: &str) -> Result<(), String> {
        eio_ws::send_raw_text(&mut self.ws, text).await
    }

    /// Sends a binary frame as is.
    pub(crate) async fn send_raw_binary(&mut self, bytes: &[u8]) -> Result<(), String> {
        eio_ws::send_raw_binary(&mut self.ws, bytes).await
    }

    /// The next raw WebSocket event within `timeout`, pinging as [`Self::keepalive`] says (pong
    /// text frames `3` are skipped then).
    pub(crate) async fn recv_event(&mut self, timeout: Duration) -> Result<WsEvent, String> {
        let deadline = Instant::now() + timeout;
        for _ in 0..100_000 {
            let left = deadline.saturating_duration_since(Instant::now());
            let wait = match self.keepalive {
                Some(every) => {
                    let due = every.saturating_sub(self.last_ping.elapsed());
                    if due.is_zero() {
                        self.send(&Packet::ping()).await?;
                        continue;
                    }
                    due.min(left)
                }
                None => left,
            };
            match self.ws.recv(wait).await {
                Ok(WsEvent::Text(t)) if self.keepalive.is_some() && t == "3" => {}
                Ok(event) => return Ok(event),
                Err(e) if e.is_timeout() && !left.is_zero() && wait < left => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("too many messages".to_owned())
    }

    /// The next packet (or the end) within `timeout`, decoded by the codec for v3.
    pub(crate) async fn recv(&mut self, timeout: Duration) -> Result<Incoming, String> {
        let event = self.recv_event(timeout).await?;
        Ok(eio_ws::incoming(&event, V3))
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

impl RecvPacket for V3Ws {
    fn recv_packet(
        &mut self,
        timeout: Duration,
    ) -> impl Future<Output = Result<Incoming, String>> + Send {
        self.recv(timeout)
    }
}

// ---------------------------------------------------------------------------------------------
// Socket.IO revision 4
// ---------------------------------------------------------------------------------------------

/// A Socket.IO revision 4 connection over Engine.IO v3: a driver task pings every
/// `pingInterval`, skips pongs, keeps a GET outstanding on polling, decodes every message with
/// the codec's revision 4 decoder and buffers what arrives. `/` is joined by the server itself:
/// its `40` is the first item (from the handshake payload on socket.io 2 polling).
pub(crate) struct SioV3 {
    link: Link,
    pub(crate) engine_sid: Sid,
    pub(crate) transport: Transport,
    /// Whether the `/` CONNECT came in the handshake payload (socket.io 2 over polling).
    pub(crate) connect_in_handshake: bool,
    quick: Duration,
}

/// A connection reads like its link: `conn.emit(…)`, `conn.expect_event(…)`.
impl Deref for SioV3 {
    type Target = Link;

    fn deref(&self) -> &Link {
        &self.link
    }
}

impl DerefMut for SioV3 {
    fn deref_mut(&mut self) -> &mut Link {
        &mut self.link
    }
}

impl SioV3 {
    /// Opens an Engine.IO v3 session over `transport` (`b64=1` when `b64`, `extra` appended to
    /// the handshake query) and starts its driver.
    pub(crate) async fn open(
        ctx: &Ctx,
        transport: Transport,
        b64: bool,
        extra: &str,
    ) -> Result<SioV3, String> {
        let interval = ctx.params.ping_interval;
        let mut connect_in_handshake = false;
        let (engine_sid, link) = match transport {
            Transport::WebSocket => {
                let query = format!(
                    "EIO=3&transport=websocket{}{extra}",
                    if b64 { "&b64=1" } else { "" }
                );
                let mut ws = V3Ws::connect(ctx, &query).await?;
                let h = eio_ws::open_handshake(ws.recv(ctx.quick()).await?)?;
                let every = Duration::from_millis(h.ping_interval).min(interval);
                ws.handshake = Some(h.clone());
                (
                    h.sid,
                    Link::spawn(|commands, items| drive_ws(ws, every, commands, items)),
                )
            }
            Transport::Polling => {
                let polling = V3Polling::open_query(ctx, b64, extra).await?;
                connect_in_handshake = !polling.initial.is_empty();
                let sid = polling.sid().clone();
                let long = ctx.heartbeat_window() + ctx.quick();
                (
                    sid,
                    Link::spawn(|commands, items| drive_polling(polling, long, commands, items)),
                )
            }
        };
        Ok(SioV3 {
            link,
            engine_sid,
            transport,
            connect_in_handshake,
            quick: ctx.quick(),
        })
    }

    /// Opens a connection and waits for the implicit `/` CONNECT (`40`); returns the reply.
    pub(crate) async fn open_main(
        ctx: &Ctx,
        transport: Transport,
        b64: bool,
    ) -> Result<SioV3, String> {
        let mut conn = Self::open(ctx, transport, b64, "").await?;
        conn.expect_main_connect().await?;
        Ok(conn)
    }

    /// Waits for the server's `/` CONNECT; `Ok(packet text)`.
    pub(crate) async fn expect_main_connect(&mut self) -> Result<String, String> {
        match self
            .link
            .expect("the implicit CONNECT of /", self.quick, |i| {
                matches!(i, SioItem::Packet(p) if p.namespace.as_str() == "/"
                    && matches!(p.kind, SioType::Connect | SioType::ConnectError))
                    || matches!(i, SioItem::Closed(_) | SioItem::Invalid(_))
            })
            .await?
        {
            SioItem::Packet(p) if p.kind == SioType::Connect => Ok(p.to_wire()),
            other => Err(other.describe()),
        }
    }

    /// Sends a CONNECT for `nsp` (which may carry `?query`: `40/custom?x=1,`) and returns the
    /// reply packet for the namespace without its query (CONNECT or ERROR), or `Err` with what
    /// came instead.
    pub(crate) async fn connect(&mut self, nsp: &str) -> Result<SioItem, String> {
        // The query rides in the namespace (SIO4-NS-005): sent as text, as a 2.x client does.
        self.send_text_raw(&format!("0{nsp},"));
        let bare = nsp.split('?').next().unwrap_or(nsp).to_owned();
        self.link
            .expect(&format!("the CONNECT reply for {bare}"), self.quick, |i| {
                matches!(i, SioItem::Packet(p) if p.namespace.as_str() == bare
                && matches!(p.kind, SioType::Connect | SioType::ConnectError))
                    || matches!(i, SioItem::Closed(_) | SioItem::Invalid(_))
            })
            .await
    }
}

fn sio_decoder() -> Decoder {
    Decoder::new(SioVersion::V4, Limits::default())
}

async fn drive_ws(
    mut ws: V3Ws,
    every: Duration,
    mut commands: mpsc::UnboundedReceiver<Command>,
    items: mpsc::UnboundedSender<SioItem>,
) {
    enum Step {
        Command(Option<Command>),
        Incoming(Result<Incoming, String>),
        Ping,
    }
    let mut decoder = sio_decoder();
    let mut next_ping = tokio::time::Instant::now() + every;
    // Each round handles one command, one message or one ping; aborted on drop.
    loop {
        let step = tokio::select! {
            biased;
            command = commands.recv() => Step::Command(command),
            () = tokio::time::sleep_until(next_ping) => Step::Ping,
            incoming = ws.recv(IDLE) => Step::Incoming(incoming),
        };
        match step {
            Step::Command(None) => return,
            Step::Command(Some(command)) => ws_command(&mut ws.ws, command, V3).await,
            Step::Ping => {
                next_ping = tokio::time::Instant::now() + every;
                let _ = ws.send(&Packet::ping()).await;
            }
            Step::Incoming(Ok(Incoming::Packet(p)))
                if matches!(p.kind, PacketType::Pong | PacketType::Noop) => {}
            Step::Incoming(read) => {
                if !on_ws_read(read, &mut decoder, &items) {
                    return;
                }
            }
        }
    }
}

async fn drive_polling(
    polling: V3Polling,
    long: Duration,
    mut commands: mpsc::UnboundedReceiver<Command>,
    items: mpsc::UnboundedSender<SioItem>,
) {
    enum Step {
        Command(Option<Command>),
        Response(Result<HttpResponse, crate::transport::TransportError>),
        Ping,
    }
    let polling = std::sync::Arc::new(polling);
    let (posts, post_queue) = mpsc::unbounded_channel();
    let sender = tokio::spawn(send_posts(polling.clone(), post_queue));
    let _stop_sender = AbortOnDrop(sender);
    let mut decoder = sio_decoder();
    let initial = polling.initial.clone();
    for p in &initial {
        if p.kind == PacketType::Message && !deliver(&mut decoder, p, &items) {
            return;
        }
    }
    let every = polling.interval;
    let mut next_ping = tokio::time::Instant::now() + every;
    let mut get = polling.spawn_get(long);
    loop {
        let step = tokio::select! {
            biased;
            command = commands.recv() => Step::Command(command),
            () = tokio::time::sleep_until(next_ping) => Step::Ping,
            response = get.wait(IDLE) => Step::Response(response),
        };
        let response = match step {
            Step::Command(None) => return,
            Step::Command(Some(command)) => {
                post_command(command, &posts);
                continue;
            }
            Step::Ping => {
                next_ping = tokio::time::Instant::now() + every;
                let _ = posts.send(Post::Packet(Packet::ping()));
                continue;
            }
            Step::Response(answer) => match on_get(answer, &items) {
                Some(response) => response,
                None => return,
            },
        };
        let packets = match decode_v3_response(&response) {
            Ok(p) => p,
            Err(e) => {
                let _ = items.send(SioItem::Invalid(e));
                return;
            }
        };
        for p in packets {
            match p.kind {
                PacketType::Pong | PacketType::Noop => {}
                _ => {
                    if !on_packet(&p, &mut decoder, &items) {
                        return;
                    }
                }
            }
        }
        get = polling.spawn_get(long);
    }
}

/// Sends queued packets as v3 text POSTs, one at a time, batching what is queued together.
async fn send_posts(polling: std::sync::Arc<V3Polling>, mut queue: mpsc::UnboundedReceiver<Post>) {
    let mut lookahead: Option<Post> = None;
    loop {
        let first = match lookahead.take() {
            Some(post) => post,
            None => match queue.recv().await {
                Some(post) => post,
                None => return,
            },
        };
        match first {
            Post::Raw(body) => {
                let _ = polling
                    .post_raw(body.into_bytes(), "text/plain;charset=UTF-8")
                    .await;
            }
            Post::Packet(packet) => {
                let mut batch = vec![packet];
                while batch.len() < 15 {
                    match queue.try_recv() {
                        Ok(Post::Packet(p)) => batch.push(p),
                        Ok(other) => {
                            lookahead = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let _ = polling.post(&batch).await;
            }
        }
    }
}

/// Asks a revision 4 testee for its features (`features` with an ack, on the implicit `/`).
pub(crate) async fn discover_features(ctx: &Ctx) -> (Vec<String>, String) {
    let transport = if ctx.params.websocket {
        Transport::WebSocket
    } else {
        Transport::Polling
    };
    let answer = async {
        let mut conn = SioV3::open_main(ctx, transport, false).await?;
        conn.emit(
            "/",
            &Value::Array(vec![Value::String("features".into())]),
            Some(1),
        )?;
        let item = conn.expect_ack_item("/", 1, ctx.quick()).await?;
        conn.close();
        match item.ack().and_then(|(_, args)| args.into_iter().next()) {
            Some(Value::Array(names)) => Ok(names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect::<Vec<_>>()),
            other => Err(format!("`features` answered {other:?}")),
        }
    };
    match tokio::time::timeout(ctx.quick() + Duration::from_secs(1), answer).await {
        Ok(Ok(names)) => (
            names,
            "as the testee's `features` answer says (Socket.IO revision 4)".to_owned(),
        ),
        Ok(Err(e)) => (vec!["core".to_owned()], format!("core only: {e}")),
        Err(_) => (
            vec!["core".to_owned()],
            "core only: no answer to `features`".to_owned(),
        ),
    }
}

/// Decodes the Engine.IO messages among `packets` with a fresh revision 4 decoder (attachments
/// joined to their packets), for cases that read a session packet by packet.
pub(crate) fn sio_items(packets: &[Packet<'_>]) -> Vec<SioItem> {
    let mut decoder = sio_decoder();
    let (tx, mut rx) = mpsc::unbounded_channel();
    for p in packets.iter().filter(|p| p.kind == PacketType::Message) {
        deliver(&mut decoder, p, &tx);
    }
    drop(tx);
    let mut items = Vec::new();
    while let Ok(item) = rx.try_recv() {
        items.push(item);
    }
    items
}
