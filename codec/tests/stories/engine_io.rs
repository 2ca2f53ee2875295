//! Drivers for the Engine.IO machines: `eio-server` ([`ServerSession`]) and `eio-client`
//! ([`ClientSession`]).
//!
//! Connections are named by the request that opened them, counted per kind from 1 in story
//! order: the handshake request is `get#1` (or `ws#1`), the next GET `get#2`, the first POST
//! `post#1`, the first WebSocket `ws#1`.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;
use socketio_codec::engine_io::session::{
    ClientEvent, ClientSession, ClientTransmit, ConnId, CounterSidGenerator, Message, Output,
    ServerConfig, ServerEvent, ServerSession, ServerTransmit, WsMessage,
};
use socketio_codec::engine_io::{FrameKind, Handshake, ProtocolVersion, TransportKind};
use socketio_codec::socket_io::Value;

use super::{
    Data, Driver, Fed, Story, bytes_json, check_keys, data_field, hex_json, ms_field, str_field,
    timeout_item, u64_field,
};

fn version(story: &Story) -> ProtocolVersion {
    if story.version == "v3" {
        ProtocolVersion::V3
    } else {
        ProtocolVersion::V4
    }
}

fn transport(config: &Value) -> Result<TransportKind, String> {
    match config.get("transport").map(Value::as_str) {
        None | Some(Some("polling")) => Ok(TransportKind::Polling),
        Some(Some("websocket")) => Ok(TransportKind::WebSocket),
        _ => Err("config `transport` must be \"polling\" or \"websocket\"".to_owned()),
    }
}

fn message(data: Data) -> Message {
    match data {
        Data::Text(t) => Message::Text(t),
        Data::Binary(b) => Message::Binary(b),
    }
}

fn message_json(m: &Message) -> serde_json::Value {
    match m {
        Message::Text(t) => json!(t),
        Message::Binary(b) => hex_json(b),
    }
}

fn kind(step: &Value) -> (&str, bool) {
    match (
        step.get("in").and_then(Value::as_str),
        step.get("cmd").and_then(Value::as_str),
    ) {
        (Some(k), _) => (k, false),
        (None, Some(k)) => (k, true),
        _ => ("", false),
    }
}

/// The `eio-server` driver.
pub(crate) struct Server {
    session: ServerSession,
    epoch: Instant,
    names: BTreeMap<ConnId, String>,
    counts: BTreeMap<&'static str, usize>,
    latest: BTreeMap<&'static str, ConnId>,
}

impl Server {
    pub(crate) fn new(story: &Story, epoch: Instant) -> Result<Server, String> {
        let c = &story.config;
        check_keys(
            c,
            &[
                "transport",
                "pingInterval",
                "pingTimeout",
                "maxPayload",
                "allowUpgrades",
                "upgradeTimeout",
            ],
        )
        .map_err(|e| format!("config: {e}"))?;
        let mut config = ServerConfig::default();
        if let Some(d) = ms_field(c, "pingInterval")? {
            config.ping_interval = d;
        }
        if let Some(d) = ms_field(c, "pingTimeout")? {
            config.ping_timeout = d;
        }
        if let Some(n) = u64_field(c, "maxPayload")? {
            config.max_payload = n;
        }
        if let Some(d) = ms_field(c, "upgradeTimeout")? {
            config.upgrade_timeout = d;
        }
        match c.get("allowUpgrades") {
            None => {}
            Some(Value::Bool(b)) => config.allow_upgrades = *b,
            Some(_) => return Err("config `allowUpgrades` must be a boolean".to_owned()),
        }
        let transport = transport(c)?;
        let mut sids = CounterSidGenerator::default();
        let session = ServerSession::new(config, version(story), transport, &mut sids, epoch);
        let mut server = Server {
            session,
            epoch,
            names: BTreeMap::new(),
            counts: BTreeMap::new(),
            latest: BTreeMap::new(),
        };
        let handshake = server.session.handshake_conn();
        let kind = if transport == TransportKind::WebSocket {
            "ws"
        } else {
            "get"
        };
        server.name(kind, handshake);
        Ok(server)
    }

    fn name(&mut self, kind: &'static str, id: ConnId) -> String {
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        let name = format!("{kind}#{n}");
        self.names.insert(id, name.clone());
        self.latest.insert(kind, id);
        name
    }

    fn conn(&self, step: &Value, kind: &'static str) -> Result<ConnId, String> {
        match step.get("conn") {
            None => self
                .latest
                .get(kind)
                .copied()
                .ok_or_else(|| format!("no {kind} connection yet; name one with `conn`")),
            Some(v) => {
                let name = v.as_str().ok_or("`conn` must be a string")?;
                self.names
                    .iter()
                    .find(|(_, n)| n.as_str() == name)
                    .map(|(id, _)| *id)
                    .ok_or_else(|| format!("unknown connection `{name}`"))
            }
        }
    }

    fn show(&self, id: ConnId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("conn#{}", id.0))
    }
}

impl Driver for Server {
    fn feed(&mut self, step: &Value, now: Instant) -> Result<Fed, String> {
        let s = &mut self.session;
        Ok(match kind(step) {
            ("get", false) => {
                check_keys(step, &["at", "in"])?;
                let id = s.handle_get(now);
                Fed::opened(self.name("get", id))
            }
            ("get-aborted", false) => {
                check_keys(step, &["at", "in", "conn"])?;
                let id = self.conn(step, "get")?;
                self.session.handle_get_aborted(id, now);
                Fed::ok()
            }
            ("post", false) => {
                check_keys(step, &["at", "in", "body"])?;
                let body = body_bytes(step)?;
                let id = s.handle_post_started(now);
                let name = self.name("post", id);
                self.session.handle_post_body(id, &body, now);
                Fed::opened(name)
            }
            ("post-start", false) => {
                check_keys(step, &["at", "in"])?;
                let id = s.handle_post_started(now);
                Fed::opened(self.name("post", id))
            }
            ("post-body", false) => {
                check_keys(step, &["at", "in", "conn", "body"])?;
                let id = self.conn(step, "post")?;
                let body = body_bytes(step)?;
                self.session.handle_post_body(id, &body, now);
                Fed::ok()
            }
            ("ws-open", false) => {
                check_keys(step, &["at", "in"])?;
                let id = s.handle_ws_open(now);
                Fed::opened(self.name("ws", id))
            }
            (k @ ("ws-text" | "ws-binary"), false) => {
                check_keys(step, &["at", "in", "conn", "data"])?;
                let id = self.conn(step, "ws")?;
                match (k, data_field(step, "data")?) {
                    ("ws-text", Data::Text(t)) => {
                        self.session.handle_ws_message(id, WsMessage::Text(&t), now);
                    }
                    ("ws-binary", Data::Binary(b)) => {
                        self.session
                            .handle_ws_message(id, WsMessage::Binary(&b), now);
                    }
                    _ => return Err("ws-text takes a string, ws-binary {\"hex\": …}".to_owned()),
                }
                Fed::ok()
            }
            ("ws-closed", false) => {
                check_keys(step, &["at", "in", "conn"])?;
                let id = self.conn(step, "ws")?;
                self.session.handle_ws_closed(id, now);
                Fed::ok()
            }
            ("timeout", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_timeout(now);
                Fed::ok()
            }
            ("send", true) => {
                check_keys(step, &["at", "cmd", "data"])?;
                s.send_message(message(data_field(step, "data")?));
                Fed::ok()
            }
            ("close", true) => {
                check_keys(step, &["at", "cmd"])?;
                s.close();
                Fed::ok()
            }
            (k, _) => return Err(format!("eio-server has no step `{k}`")),
        })
    }

    fn drain(&mut self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let item = match self.session.poll_output() {
                Output::Timeout(at) => {
                    out.push(timeout_item(self.epoch, at));
                    return out;
                }
                Output::Transmit(t) => self.transmit_json(&t),
                Output::Event(e) => match e {
                    ServerEvent::Message(m) => {
                        json!({"event": "message", "data": message_json(&m)})
                    }
                    ServerEvent::Upgraded => json!({"event": "upgraded"}),
                    ServerEvent::UpgradeFailed => json!({"event": "upgrade-failed"}),
                    ServerEvent::Closed(r) => json!({"event": "closed", "reason": r.code()}),
                    other => json!({ "unknown": format!("{other:?}") }),
                },
            };
            out.push(item);
        }
    }
}

impl Server {
    fn transmit_json(&self, t: &ServerTransmit) -> serde_json::Value {
        match t {
            ServerTransmit::Http {
                to,
                status,
                content_type,
                body,
            } => json!({"http": {
                "to": self.show(*to),
                "status": status,
                "body": bytes_json(body),
                "contentType": content_type,
            }}),
            ServerTransmit::Reset { to } => json!({ "reset": self.show(*to) }),
            ServerTransmit::WsFrame { to, frame } => match frame.kind {
                FrameKind::Text => json!({"ws-text": {
                    "to": self.show(*to),
                    "data": String::from_utf8_lossy(&frame.data),
                }}),
                FrameKind::Binary => json!({"ws-binary": {
                    "to": self.show(*to),
                    "data": hex_json(&frame.data),
                }}),
            },
            ServerTransmit::WsClose { to } => json!({ "ws-close": self.show(*to) }),
            other => json!({ "unknown": format!("{other:?}") }),
        }
    }
}

fn body_bytes(step: &Value) -> Result<Vec<u8>, String> {
    Ok(match data_field(step, "body")? {
        Data::Text(t) => t.into_bytes(),
        Data::Binary(b) => b,
    })
}

/// The `eio-client` driver.
pub(crate) struct Client {
    session: ClientSession,
    epoch: Instant,
}

impl Client {
    pub(crate) fn new(story: &Story, epoch: Instant) -> Result<Client, String> {
        check_keys(&story.config, &["transport"]).map_err(|e| format!("config: {e}"))?;
        let transport = transport(&story.config)?;
        Ok(Client {
            session: ClientSession::new(version(story), transport, epoch),
            epoch,
        })
    }
}

fn handshake_json(hs: &Handshake) -> serde_json::Value {
    let mut v = json!({
        "sid": hs.sid.as_str(),
        "upgrades": hs.upgrades,
        "pingInterval": hs.ping_interval,
        "pingTimeout": hs.ping_timeout,
    });
    if let Some(max) = hs.max_payload {
        v["maxPayload"] = json!(max);
    }
    v
}

impl Driver for Client {
    fn feed(&mut self, step: &Value, now: Instant) -> Result<Fed, String> {
        let s = &mut self.session;
        Ok(match kind(step) {
            ("get-response", false) => {
                check_keys(step, &["at", "in", "body"])?;
                s.handle_polling_response(&body_bytes(step)?, now);
                Fed::ok()
            }
            ("post-complete", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_post_complete(now);
                Fed::ok()
            }
            ("open", false) => {
                check_keys(step, &["at", "in", "data"])?;
                s.handle_open(&str_field(step, "data")?, now);
                Fed::ok()
            }
            ("ws-open", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_ws_open(now);
                Fed::ok()
            }
            (k @ ("ws-text" | "ws-binary"), false) => {
                check_keys(step, &["at", "in", "data"])?;
                match (k, data_field(step, "data")?) {
                    ("ws-text", Data::Text(t)) => s.handle_ws_message(WsMessage::Text(&t), now),
                    ("ws-binary", Data::Binary(b)) => {
                        s.handle_ws_message(WsMessage::Binary(&b), now);
                    }
                    _ => return Err("ws-text takes a string, ws-binary {\"hex\": …}".to_owned()),
                }
                Fed::ok()
            }
            ("ws-closed", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_ws_closed(now);
                Fed::ok()
            }
            ("transport-closed", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_transport_closed(now);
                Fed::ok()
            }
            ("timeout", false) => {
                check_keys(step, &["at", "in"])?;
                s.handle_timeout(now);
                Fed::ok()
            }
            ("send", true) => {
                check_keys(step, &["at", "cmd", "data", "error"])?;
                s.send_message(message(data_field(step, "data")?));
                Fed::ok()
            }
            ("upgrade", true) => {
                check_keys(step, &["at", "cmd", "error"])?;
                let started = s.start_upgrade();
                Fed::result(if started {
                    Ok(())
                } else {
                    Err("not-started".to_owned())
                })
            }
            ("close", true) => {
                check_keys(step, &["at", "cmd"])?;
                s.close();
                Fed::ok()
            }
            (k, _) => return Err(format!("eio-client has no step `{k}`")),
        })
    }

    fn drain(&mut self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let item = match self.session.poll_output() {
                Output::Timeout(at) => {
                    out.push(timeout_item(self.epoch, at));
                    return out;
                }
                Output::Transmit(t) => match t {
                    ClientTransmit::PollGet => json!("get"),
                    ClientTransmit::PollPost(body) => json!({ "post": body }),
                    ClientTransmit::WsOpen => json!("ws-open"),
                    ClientTransmit::WsFrame(f) => match f.kind {
                        FrameKind::Text => {
                            json!({ "ws-text": String::from_utf8_lossy(&f.data) })
                        }
                        FrameKind::Binary => json!({ "ws-binary": hex_json(&f.data) }),
                    },
                    ClientTransmit::WsClose => json!("ws-close"),
                    other => json!({ "unknown": format!("{other:?}") }),
                },
                Output::Event(e) => match e {
                    ClientEvent::Opened(hs) => {
                        json!({"event": "opened", "handshake": handshake_json(&hs)})
                    }
                    ClientEvent::Message(m) => {
                        json!({"event": "message", "data": message_json(&m)})
                    }
                    ClientEvent::Upgraded => json!({"event": "upgraded"}),
                    ClientEvent::UpgradeFailed => json!({"event": "upgrade-failed"}),
                    ClientEvent::Closed(r) => json!({"event": "closed", "reason": r.code()}),
                    other => json!({ "unknown": format!("{other:?}") }),
                },
            };
            out.push(item);
        }
    }
}
