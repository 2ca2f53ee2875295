//! A Socket.IO connection for cases: a driver task owns the Engine.IO transport, answers pings,
//! keeps a GET outstanding on polling, and decodes every message with the codec's
//! `socket_io::Decoder`; the case reads buffered items and never misses one (interop-bugs #25).

use std::collections::VecDeque;
use std::time::Duration;

use socketio_codec::Status;
use socketio_codec::engine_io::{Packet as EioPacket, PacketData, PacketType as EioType, Sid};
use socketio_codec::socket_io::{
    AckId, BinaryPacket, Decoded, Decoder, Limits, Namespace, Packet, PacketType, ProtocolVersion,
    Value, encode_binary,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::engine::{EnginePolling, EngineWs, Incoming, decode_body};
use crate::ctx::Ctx;

/// The Engine.IO transport under a [`SioConn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    WebSocket,
    Polling,
}

impl Transport {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Polling => "polling",
        }
    }
}

/// Compact JSON text of values, binary shown as `<hex>` (for `expected` / `seen`).
pub(crate) fn show(values: &[Value]) -> String {
    fn one(v: &Value, out: &mut String) {
        match v {
            Value::Binary(b) => {
                out.push('<');
                for byte in b {
                    out.push_str(&format!("{byte:02x}"));
                }
                out.push('>');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    one(item, out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (k, item)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    one(item, out);
                }
                out.push('}');
            }
            other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
        }
    }
    let mut out = String::new();
    one(&Value::Array(values.to_vec()), &mut out);
    out
}

/// The event `name` with `args`, as the array an EVENT carries.
pub(crate) fn event_args(name: &str, args: &[Value]) -> Value {
    let mut all = vec![Value::String(name.to_owned())];
    all.extend_from_slice(args);
    Value::Array(all)
}

/// What arrives on a Socket.IO connection.
#[derive(Debug, Clone)]
pub(crate) enum SioItem {
    /// A packet without attachments.
    Packet(Packet<'static>),
    /// A binary packet with its attachments in place.
    Binary(BinaryPacket),
    /// A message the codec rejected (its error code): the server sent something invalid.
    Invalid(String),
    /// The Engine.IO connection ended, and how.
    Closed(String),
}

impl SioItem {
    /// The namespace of a packet item.
    pub(crate) fn namespace(&self) -> Option<&str> {
        match self {
            SioItem::Packet(p) => Some(p.namespace.as_str()),
            SioItem::Binary(b) => Some(b.namespace.as_str()),
            _ => None,
        }
    }

    /// `(event name, arguments after the name)` when this is an EVENT / BINARY_EVENT.
    pub(crate) fn event(&self) -> Option<(String, Vec<Value>, Option<u64>)> {
        let (data, ack) = match self {
            SioItem::Packet(p) if p.kind == PacketType::Event => (
                Value::from_json_str(p.data_str()?).ok()?,
                p.ack_id.map(AckId::get),
            ),
            SioItem::Binary(b) if b.kind == PacketType::BinaryEvent => {
                (b.data.clone(), b.ack_id.map(AckId::get))
            }
            _ => return None,
        };
        let Value::Array(mut items) = data else {
            return None;
        };
        if items.is_empty() {
            return None;
        }
        let name = match items.remove(0) {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((name, items, ack))
    }

    /// Whether this is event `name` on `nsp` whose first argument is `first`.
    pub(crate) fn is_event_with(&self, nsp: &str, name: &str, first: &Value) -> bool {
        self.namespace() == Some(nsp)
            && self
                .event()
                .is_some_and(|(n, args, _)| n == name && args.first() == Some(first))
    }

    /// `(ack id, arguments)` when this is an ACK / BINARY_ACK.
    pub(crate) fn ack(&self) -> Option<(u64, Vec<Value>)> {
        let (data, id) = match self {
            SioItem::Packet(p) if p.kind == PacketType::Ack => (
                p.data_str()
                    .map_or(Ok(Value::Array(Vec::new())), Value::from_json_str)
                    .ok()?,
                p.ack_id?.get(),
            ),
            SioItem::Binary(b) if b.kind == PacketType::BinaryAck => {
                (b.data.clone(), b.ack_id?.get())
            }
            _ => return None,
        };
        match data {
            Value::Array(items) => Some((id, items)),
            _ => None,
        }
    }

    /// A one-line description for "seen" reports.
    pub(crate) fn describe(&self) -> String {
        match self {
            SioItem::Packet(p) => p.to_string(),
            SioItem::Binary(b) => b.to_string(),
            SioItem::Invalid(code) => format!("undecodable message ({code})"),
            SioItem::Closed(how) => format!("connection closed ({how})"),
        }
    }
}

enum Command {
    /// One Engine.IO message (a Socket.IO packet's text, or an attachment).
    Message(EioPacket<'static>),
    /// Engine.IO text sent as is (WebSocket frame / POST body) — malformed on purpose.
    RawEngine(String),
    /// Close the transport cleanly.
    Close,
    /// Drop the TCP connection without a close frame (WebSocket only).
    DropTcp,
}

/// A Socket.IO connection (revision 5 over Engine.IO 4).
pub(crate) struct SioConn {
    commands: mpsc::UnboundedSender<Command>,
    items: mpsc::UnboundedReceiver<SioItem>,
    buffer: VecDeque<SioItem>,
    /// The Engine.IO session id.
    pub(crate) engine_sid: Sid,
    pub(crate) transport: Transport,
    quick: Duration,
    driver: JoinHandle<()>,
}

impl Drop for SioConn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl SioConn {
    /// Opens an Engine.IO session over `transport` and starts its driver. No namespace is joined.
    pub(crate) async fn open(ctx: &Ctx, transport: Transport) -> Result<SioConn, String> {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (item_tx, items) = mpsc::unbounded_channel();
        let (engine_sid, driver) = match transport {
            Transport::WebSocket => {
                let ws = EngineWs::open(ctx).await?;
                let sid = ws
                    .handshake
                    .as_ref()
                    .map(|h| h.sid.clone())
                    .ok_or("no handshake")?;
                (sid, tokio::spawn(drive_ws(ws, command_rx, item_tx)))
            }
            Transport::Polling => {
                let polling = EnginePolling::open(ctx).await?;
                let sid = polling.sid().clone();
                let long = ctx.heartbeat_window() + ctx.quick();
                (
                    sid,
                    tokio::spawn(drive_polling(polling, long, command_rx, item_tx)),
                )
            }
        };
        Ok(SioConn {
            commands,
            items,
            buffer: VecDeque::new(),
            engine_sid,
            transport,
            quick: ctx.quick(),
            driver,
        })
    }

    /// Opens a connection and joins `nsp` with `auth`; returns it with the Socket.IO sid.
    pub(crate) async fn open_joined(
        ctx: &Ctx,
        transport: Transport,
        nsp: &str,
        auth: Option<serde_json::Value>,
    ) -> Result<(SioConn, String), String> {
        let mut conn = Self::open(ctx, transport).await?;
        let sid = conn.connect(nsp, auth).await?;
        Ok((conn, sid))
    }

    /// Sends one Socket.IO packet (encoded by the codec).
    pub(crate) fn send(&self, packet: &Packet<'_>) {
        self.send_text_raw(&packet.to_wire());
    }

    /// Sends Socket.IO text as one Engine.IO message, as is (malformed on purpose if need be).
    pub(crate) fn send_text_raw(&self, text: &str) {
        let _ = self
            .commands
            .send(Command::Message(EioPacket::message(text).into_owned()));
    }

    /// Sends one binary Engine.IO message (an attachment), as is.
    pub(crate) fn send_binary_raw(&self, bytes: &[u8]) {
        let _ = self
            .commands
            .send(Command::Message(EioPacket::binary(bytes).into_owned()));
    }

    /// Sends Engine.IO-level text as is: a WebSocket frame, or a whole POST body.
    pub(crate) fn send_engine_raw(&self, text: &str) {
        let _ = self.commands.send(Command::RawEngine(text.to_owned()));
    }

    /// Emits `args` (event name first; binary anywhere) on `nsp`, asking for an ack when `ack`.
    pub(crate) fn emit(&self, nsp: &str, args: &Value, ack: Option<u64>) -> Result<(), String> {
        self.emit_kind(PacketType::Event, nsp, args, ack)
    }

    /// Answers the server's ack request `id` with `args` (binary anywhere).
    pub(crate) fn ack(&self, nsp: &str, id: u64, args: &Value) -> Result<(), String> {
        self.emit_kind(PacketType::Ack, nsp, args, Some(id))
    }

    fn emit_kind(
        &self,
        kind: PacketType,
        nsp: &str,
        args: &Value,
        ack: Option<u64>,
    ) -> Result<(), String> {
        let ns = Namespace::new(nsp.to_owned()).map_err(|e| e.to_string())?;
        let ack = ack.map(AckId::new).transpose().map_err(|e| e.to_string())?;
        let mut text = String::new();
        let mut attachments = Vec::new();
        encode_binary(kind, &ns, ack, args, &mut text, &mut attachments)
            .map_err(|e| e.to_string())?;
        self.send_text_raw(&text);
        for attachment in attachments {
            self.send_binary_raw(&attachment);
        }
        Ok(())
    }

    /// Joins `nsp`: sends CONNECT (with `auth`) and waits for the reply. `Ok(sid)` on CONNECT,
    /// `Err` describing a CONNECT_ERROR or whatever else came.
    pub(crate) async fn connect(
        &mut self,
        nsp: &str,
        auth: Option<serde_json::Value>,
    ) -> Result<String, String> {
        let mut text = String::from("0");
        if nsp != "/" {
            text.push_str(nsp);
            text.push(',');
        }
        if let Some(auth) = auth {
            text.push_str(&auth.to_string());
        }
        self.send_text_raw(&text);
        let ns = nsp.to_owned();
        let item = self
            .expect(&format!("the CONNECT reply for {nsp}"), self.quick, |i| {
                matches!(i, SioItem::Packet(p) if p.namespace.as_str() == ns
                    && matches!(p.kind, PacketType::Connect | PacketType::ConnectError))
                    || matches!(i, SioItem::Closed(_) | SioItem::Invalid(_))
            })
            .await?;
        match item {
            SioItem::Packet(p) if p.kind == PacketType::Connect => {
                let data: serde_json::Value = p
                    .data_str()
                    .and_then(|d| serde_json::from_str(d).ok())
                    .unwrap_or(serde_json::Value::Null);
                data.get("sid")
                    .and_then(|s| s.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| format!("CONNECT reply without a sid: {p}"))
            }
            other => Err(other.describe()),
        }
    }

    /// The next item in arrival order, within `timeout`.
    pub(crate) async fn next(&mut self, timeout: Duration) -> Option<SioItem> {
        if let Some(item) = self.buffer.pop_front() {
            return Some(item);
        }
        tokio::time::timeout(timeout, self.items.recv())
            .await
            .ok()
            .flatten()
    }

    /// The first item (buffered or new) that `matches`, within `timeout`; other items stay
    /// buffered. `Err` lists what was seen instead.
    pub(crate) async fn expect(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&SioItem) -> bool,
    ) -> Result<SioItem, String> {
        if let Some(pos) = self.buffer.iter().position(&matches) {
            return Ok(self.buffer.remove(pos).expect("position is in range"));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        // Bounded by the deadline; each round takes one item.
        for _ in 0..1_000_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.items.recv()).await {
                Ok(Some(item)) if matches(&item) => return Ok(item),
                Ok(Some(item)) => {
                    let closed = matches!(item, SioItem::Closed(_));
                    self.buffer.push_back(item);
                    if closed {
                        break;
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        let seen: Vec<String> = self.buffer.iter().map(SioItem::describe).collect();
        Err(format!(
            "no {what} within {} ms; seen: [{}]",
            timeout.as_millis(),
            seen.join("; ")
        ))
    }

    /// Waits for event `name` on `nsp`; returns its arguments (after the name) and ack id.
    pub(crate) async fn expect_event(
        &mut self,
        nsp: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<(Vec<Value>, Option<u64>), String> {
        let item = self
            .expect(&format!("event `{name}` on {nsp}"), timeout, |i| {
                i.namespace() == Some(nsp) && i.event().is_some_and(|(n, _, _)| n == name)
            })
            .await?;
        let (_, args, ack) = item.event().expect("matched an event");
        Ok((args, ack))
    }

    /// Waits for the ACK `id` on `nsp`; returns its arguments.
    pub(crate) async fn expect_ack(
        &mut self,
        nsp: &str,
        id: u64,
        timeout: Duration,
    ) -> Result<Vec<Value>, String> {
        let item = self
            .expect(&format!("ACK {id} on {nsp}"), timeout, |i| {
                i.namespace() == Some(nsp) && i.ack().is_some_and(|(a, _)| a == id)
            })
            .await?;
        Ok(item.ack().expect("matched an ack").1)
    }

    /// Waits for the end of the Engine.IO connection; `Ok(how)` within `timeout`.
    pub(crate) async fn expect_closed(&mut self, timeout: Duration) -> Result<String, String> {
        match self
            .expect("end of the connection", timeout, |i| {
                matches!(i, SioItem::Closed(_))
            })
            .await?
        {
            SioItem::Closed(how) => Ok(how),
            _ => unreachable!("matched Closed"),
        }
    }

    /// Asserts nothing matching `matches` arrives within `window`; `Err` names what did.
    pub(crate) async fn expect_none(
        &mut self,
        window: Duration,
        matches: impl Fn(&SioItem) -> bool,
    ) -> Result<(), String> {
        match self.expect("", window, &matches).await {
            Ok(item) => Err(item.describe()),
            Err(_) => Ok(()),
        }
    }

    /// Closes the transport cleanly (the Engine.IO session ends: "transport close").
    pub(crate) fn close(&self) {
        let _ = self.commands.send(Command::Close);
    }

    /// Drops the TCP connection abruptly (WebSocket only).
    pub(crate) fn drop_tcp(&self) {
        let _ = self.commands.send(Command::DropTcp);
    }
}

/// How long a driver waits for the server before looking again (nothing is recorded for a quiet
/// period; the driver ends when the connection ends or the [`SioConn`] is dropped).
const IDLE: Duration = Duration::from_secs(3600);

async fn drive_ws(
    mut ws: EngineWs,
    mut commands: mpsc::UnboundedReceiver<Command>,
    items: mpsc::UnboundedSender<SioItem>,
) {
    enum Step {
        Command(Option<Command>),
        Incoming(Result<Incoming, String>),
    }
    let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
    // Bounded: each round handles one command or one message; the task is aborted on drop.
    loop {
        // Both futures are dropped before the step is handled; both are cancel-safe.
        let step = tokio::select! {
            biased;
            command = commands.recv() => Step::Command(command),
            incoming = ws.recv(IDLE) => Step::Incoming(incoming),
        };
        match step {
            Step::Command(None) => return,
            Step::Command(Some(Command::Message(p))) => {
                let _ = ws.send(&p).await;
            }
            Step::Command(Some(Command::RawEngine(text))) => {
                let _ = ws.send_raw_text(&text).await;
            }
            Step::Command(Some(Command::Close)) => {
                let _ = ws.ws.close(None, Duration::from_secs(2)).await;
            }
            Step::Command(Some(Command::DropTcp)) => ws.ws.drop_tcp().await,
            Step::Incoming(Err(e)) => {
                let _ = items.send(SioItem::Closed(e));
                return;
            }
            Step::Incoming(Ok(Incoming::Packet(p))) => {
                if p.kind == EioType::Ping {
                    let _ = ws.send(&EioPacket::pong()).await;
                } else if p.kind == EioType::Close {
                    // The session is over, whatever may still follow on the socket.
                    let _ = items.send(SioItem::Closed("close packet `1`".to_owned()));
                    return;
                } else if !deliver(&mut decoder, &p, &items) {
                    return;
                }
            }
            Step::Incoming(Ok(Incoming::Undecodable(code))) => {
                let _ = items.send(SioItem::Invalid(format!("engine.io: {code}")));
            }
            Step::Incoming(Ok(Incoming::Closed(code))) => {
                let how = code.map_or("no close frame".to_owned(), |c| {
                    format!("WebSocket close {c}")
                });
                let _ = items.send(SioItem::Closed(how));
                return;
            }
        }
    }
}

async fn drive_polling(
    polling: EnginePolling,
    long: Duration,
    mut commands: mpsc::UnboundedReceiver<Command>,
    items: mpsc::UnboundedSender<SioItem>,
) {
    enum Step {
        Command(Option<Command>),
        Response(Result<crate::transport::HttpResponse, crate::transport::TransportError>),
    }
    let polling = std::sync::Arc::new(polling);
    // One sender task owns the POSTs, so they never overlap (a second concurrent POST closes the
    // session) and the GET side never waits for them: pongs go out right after what is queued.
    let (posts, post_queue) = mpsc::unbounded_channel();
    let sender = tokio::spawn(send_posts(polling.clone(), post_queue));
    let _stop_sender = AbortOnDrop(sender);
    let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
    let mut get = polling.spawn_get(long);
    // Bounded: each round handles one command or one GET response; aborted on drop.
    loop {
        let step = tokio::select! {
            biased;
            command = commands.recv() => Step::Command(command),
            response = get.wait(IDLE) => Step::Response(response),
        };
        let response = match step {
            Step::Command(None) => return,
            Step::Command(Some(Command::Message(p))) => {
                let _ = posts.send(Post::Packet(p));
                continue;
            }
            Step::Command(Some(Command::RawEngine(body))) => {
                let _ = posts.send(Post::Raw(body));
                continue;
            }
            Step::Command(Some(Command::Close)) => {
                let _ = posts.send(Post::Packet(EioPacket::close()));
                continue;
            }
            Step::Command(Some(Command::DropTcp)) => continue,
            Step::Response(Ok(r)) => r,
            Step::Response(Err(e)) => {
                let _ = items.send(SioItem::Closed(format!("GET failed: {e}")));
                return;
            }
        };
        if response.status != 200 {
            let _ = items.send(SioItem::Closed(format!(
                "GET answered HTTP {}",
                response.status
            )));
            return;
        }
        let packets = match decode_body(&response) {
            Ok(p) => p,
            Err(e) => {
                // engine.io-client takes an undecodable payload (an empty body included) as a
                // parser error and closes the transport; so does this reader.
                let _ = items.send(SioItem::Invalid(e));
                let _ = items.send(SioItem::Closed(
                    "the client ended the session on that undecodable GET body".to_owned(),
                ));
                return;
            }
        };
        for p in packets {
            match p.kind {
                EioType::Ping => {
                    let _ = posts.send(Post::Packet(EioPacket::pong()));
                }
                EioType::Close => {
                    let _ = items.send(SioItem::Closed("close packet `1`".to_owned()));
                    return;
                }
                EioType::Noop => {}
                _ => {
                    if !deliver(&mut decoder, &p, &items) {
                        return;
                    }
                }
            }
        }
        get = polling.spawn_get(long);
    }
}

/// What the POST sender sends: a packet (batched with its neighbours) or a raw body.
enum Post {
    Packet(EioPacket<'static>),
    Raw(String),
}

/// Aborts a task when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// At most this many packets in one POST (python-engineio, for one, caps batches at 16:
/// interop-bugs #12).
const MAX_BATCH: usize = 15;

/// Sends queued packets as POSTs, one at a time, batching what is queued together; raw bodies
/// go out alone, in order.
async fn send_posts(
    polling: std::sync::Arc<EnginePolling>,
    mut queue: mpsc::UnboundedReceiver<Post>,
) {
    let budget = polling
        .handshake
        .max_payload
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(100_000)
        / 2;
    let mut lookahead: Option<Post> = None;
    // Ends when the driver drops its sender (or aborts this task).
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
                let _ = polling.post_raw(&body).await;
            }
            Post::Packet(packet) => {
                let mut size = packet_size(&packet);
                let mut batch = vec![packet];
                while batch.len() < MAX_BATCH {
                    match queue.try_recv() {
                        Ok(Post::Packet(p)) if size + packet_size(&p) <= budget => {
                            size += packet_size(&p);
                            batch.push(p);
                        }
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

fn packet_size(p: &EioPacket<'_>) -> usize {
    match &p.data {
        PacketData::Text(t) => t.len() + 2,
        PacketData::Binary(b) => b.len() * 4 / 3 + 4,
    }
}

/// Feeds one Engine.IO message to the Socket.IO decoder; `false` when the reader should stop.
fn deliver(
    decoder: &mut Decoder,
    packet: &EioPacket<'_>,
    items: &mpsc::UnboundedSender<SioItem>,
) -> bool {
    let result = match (packet.kind, &packet.data) {
        (EioType::Message, PacketData::Text(t)) => decoder.push_text(t),
        (EioType::Message, PacketData::Binary(b)) => decoder.push_binary(b),
        (kind, _) => {
            return items
                .send(SioItem::Invalid(format!(
                    "unexpected engine.io packet `{}`",
                    kind.name()
                )))
                .is_ok();
        }
    };
    let item = match result {
        Ok(Status::Partial) => return true,
        Ok(Status::Complete(Decoded::Packet(p))) => SioItem::Packet(p),
        Ok(Status::Complete(Decoded::Binary(b))) => SioItem::Binary(b),
        Ok(Status::Complete(other)) => SioItem::Invalid(format!("unexpected {other}")),
        Err(e) => SioItem::Invalid(e.code().to_owned()),
    };
    items.send(item).is_ok()
}
