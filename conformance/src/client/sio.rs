//! A Socket.IO connection for cases: a driver task owns the Engine.IO transport, answers pings,
//! keeps a GET outstanding on polling, and decodes every message with the codec's
//! `socket_io::Decoder`; the case reads buffered items and never misses one (interop-bugs #25).

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use socketio_codec::engine_io::{
    Packet as EioPacket, PacketData, PacketType as EioType, ProtocolVersion as EioVersion, Sid,
};
use socketio_codec::socket_io::{
    AckId, BinaryPacket, Decoder, Limits, Packet, PacketType, ProtocolVersion, Value,
};
use tokio::sync::mpsc;

use super::driver::{
    AbortOnDrop, IDLE, Post, on_get, on_packet, on_ws_read, post_command, ws_command,
};
use super::eio_ws::Incoming;
use super::engine::{EnginePolling, EngineWs, decode_body};
use super::link::{Command, Link};
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

/// A Socket.IO connection (revision 5 over Engine.IO 4).
pub(crate) struct SioConn {
    link: Link,
    /// The Engine.IO session id.
    pub(crate) engine_sid: Sid,
    pub(crate) transport: Transport,
    quick: Duration,
}

/// A connection reads like its link: `conn.emit(…)`, `conn.expect_event(…)`.
impl Deref for SioConn {
    type Target = Link;

    fn deref(&self) -> &Link {
        &self.link
    }
}

impl DerefMut for SioConn {
    fn deref_mut(&mut self) -> &mut Link {
        &mut self.link
    }
}

impl SioConn {
    /// Opens an Engine.IO session over `transport` and starts its driver. No namespace is joined.
    pub(crate) async fn open(ctx: &Ctx, transport: Transport) -> Result<SioConn, String> {
        let (engine_sid, link) = match transport {
            Transport::WebSocket => {
                let ws = EngineWs::open(ctx).await?;
                let sid = ws
                    .handshake
                    .as_ref()
                    .map(|h| h.sid.clone())
                    .ok_or("no handshake")?;
                (
                    sid,
                    Link::spawn(|commands, items| drive_ws(ws, commands, items)),
                )
            }
            Transport::Polling => {
                let polling = EnginePolling::open(ctx).await?;
                let sid = polling.sid().clone();
                let long = ctx.heartbeat_window() + ctx.quick();
                (
                    sid,
                    Link::spawn(|commands, items| drive_polling(polling, long, commands, items)),
                )
            }
        };
        Ok(SioConn {
            link,
            engine_sid,
            transport,
            quick: ctx.quick(),
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
            .link
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
}

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
            Step::Command(Some(command)) => ws_command(&mut ws.ws, command, EioVersion::V4).await,
            Step::Incoming(Ok(Incoming::Packet(p))) if p.kind == EioType::Ping => {
                let _ = ws.send(&EioPacket::pong()).await;
            }
            Step::Incoming(read) => {
                if !on_ws_read(read, &mut decoder, &items) {
                    return;
                }
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
            Step::Command(Some(command)) => {
                post_command(command, &posts);
                continue;
            }
            Step::Response(answer) => match on_get(answer, &items) {
                Some(response) => response,
                None => return,
            },
        };
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
                EioType::Noop => {}
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
