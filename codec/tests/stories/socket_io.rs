//! Drivers for the Socket.IO machines: `sio-server` ([`session::Server`]) and `sio-client`
//! ([`session::Client`]).
//!
//! Arguments and payloads are JSON; a binary value is written `{"$binary": "<hex>"}`, as in the
//! decoded form of `socket-io/*/binary` fixtures. Socket ids come from a counter: the n-th
//! accepted socket of the story is `socket-<n>`, from 1.

use std::time::Instant;

use serde_json::json;
use socketio_codec::socket_io::session::{
    self, ClientConfig, ClientEvent, EngineMessage, NamespacePolicy, Output, ServerConfig,
    ServerEvent, SessionError, SidGenerator,
};
use socketio_codec::socket_io::{AckId, EventName, Limits, Namespace, ProtocolVersion, Value};

use super::{
    Data, Driver, Fed, Story, check_keys, data_field, from_hex, hex_json, ms_field, str_field,
    timeout_item, to_hex, u64_field,
};

fn version(story: &Story) -> ProtocolVersion {
    if story.version == "v4" {
        ProtocolVersion::V4
    } else {
        ProtocolVersion::V5
    }
}

fn limits(config: &Value) -> Result<Limits, String> {
    let mut limits = Limits::DEFAULT;
    if let Some(n) = u64_field(config, "maxAttachments")? {
        limits.max_attachments = usize::try_from(n).map_err(|e| e.to_string())?;
    }
    Ok(limits)
}

/// Socket ids `socket-1`, `socket-2`, …
struct CounterSids(u64);

impl SidGenerator for CounterSids {
    fn next_sid(&mut self, _: &Namespace<'_>) -> String {
        self.0 += 1;
        format!("socket-{}", self.0)
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

/// `nsp` of a step, `/` when absent.
fn nsp(step: &Value) -> Result<Namespace<'static>, String> {
    match step.get("nsp") {
        None => Ok(Namespace::MAIN),
        Some(Value::String(s)) => Namespace::new(s.clone()).map_err(|e| format!("`nsp`: {e}")),
        Some(_) => Err("`nsp` must be a string".to_owned()),
    }
}

/// A story JSON value with `{"$binary": "<hex>"}` turned into binary.
fn value_in(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::Object(members) if members.len() == 1 && members[0].0 == "$binary" => {
            let hex = members[0]
                .1
                .as_str()
                .ok_or("`$binary` takes a hex string")?;
            Value::Binary(from_hex(hex)?)
        }
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| Ok((k.clone(), value_in(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Array(items) => Value::Array(items.iter().map(value_in).collect::<Result<_, _>>()?),
        other => other.clone(),
    })
}

/// A machine value as story JSON, binary as `{"$binary": "<hex>"}`.
fn value_out(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => json!(s),
        Value::Binary(b) => json!({ "$binary": to_hex(b) }),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(value_out).collect()),
        Value::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), value_out(v)))
                .collect(),
        ),
    }
}

fn args(step: &Value) -> Result<Value, String> {
    match step.get("args") {
        None => Ok(Value::Array(Vec::new())),
        Some(v) => value_in(v),
    }
}

fn ack_id(step: &Value) -> Result<AckId, String> {
    let id = u64_field(step, "id")?.ok_or("`id` is required")?;
    AckId::new(id).map_err(|e| e.to_string())
}

fn ack_flag(step: &Value) -> Result<bool, String> {
    match step.get("ack") {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err("`ack` must be a boolean".to_owned()),
    }
}

fn name_json(name: &EventName<'_>) -> serde_json::Value {
    match name {
        EventName::Number(n) => serde_json::Value::Number(n.clone()),
        other => json!(other.as_str().unwrap_or_default()),
    }
}

fn code(e: SessionError) -> String {
    e.code().to_owned()
}

fn engine_message(step: &Value) -> Result<EngineMessage, String> {
    Ok(match data_field(step, "data")? {
        Data::Text(t) => EngineMessage::Text(t),
        Data::Binary(b) => EngineMessage::Binary(b),
    })
}

fn message_json(m: &EngineMessage) -> serde_json::Value {
    match m {
        EngineMessage::Text(t) => json!({ "message": t }),
        EngineMessage::Binary(b) => json!({ "message": hex_json(b) }),
    }
}

/// Adds `"id"` when present.
fn with_id(mut v: serde_json::Value, id: Option<AckId>) -> serde_json::Value {
    if let Some(id) = id {
        v["id"] = json!(id.get());
    }
    v
}

/// The `sio-server` driver.
pub(crate) struct Server {
    machine: session::Server<CounterSids>,
    epoch: Instant,
}

impl Server {
    pub(crate) fn new(story: &Story, epoch: Instant) -> Result<Server, String> {
        let c = &story.config;
        check_keys(c, &["namespaces", "connectTimeout", "maxAttachments"])
            .map_err(|e| format!("config: {e}"))?;
        let policy = match c.get("namespaces") {
            None => NamespacePolicy::Any,
            Some(Value::String(s)) if s == "any" => NamespacePolicy::Any,
            Some(Value::Array(list)) => NamespacePolicy::Only(
                list.iter()
                    .map(|n| {
                        let s = n.as_str().ok_or("`namespaces` holds strings")?;
                        Namespace::new(s.to_owned()).map_err(|e| e.to_string())
                    })
                    .collect::<Result<_, String>>()?,
            ),
            Some(_) => return Err("config `namespaces` is \"any\" or an array".to_owned()),
        };
        let mut config = ServerConfig::new(policy).with_version(version(story));
        if let Some(d) = ms_field(c, "connectTimeout")? {
            config = config.with_connect_timeout(d);
        }
        config.limits = limits(c)?;
        Ok(Server {
            machine: session::Server::new(config, CounterSids(0), epoch),
            epoch,
        })
    }
}

impl Driver for Server {
    fn feed(&mut self, step: &Value, now: Instant) -> Result<Fed, String> {
        let m = &mut self.machine;
        Ok(match kind(step) {
            ("message", false) => {
                check_keys(step, &["at", "in", "data"])?;
                m.handle_message(engine_message(step)?, now);
                Fed::ok()
            }
            ("engine-closed", false) => {
                check_keys(step, &["at", "in"])?;
                m.handle_engine_closed(now);
                Fed::ok()
            }
            ("timeout", false) => {
                check_keys(step, &["at", "in"])?;
                m.handle_timeout(now);
                Fed::ok()
            }
            ("accept", true) => {
                check_keys(step, &["at", "cmd", "nsp", "error"])?;
                Fed::result(m.accept(&nsp(step)?, now).map(drop).map_err(code))
            }
            ("refuse", true) => {
                check_keys(step, &["at", "cmd", "nsp", "message", "data", "error"])?;
                let data = step.get("data").map(value_in).transpose()?;
                let message = str_field(step, "message")?;
                Fed::result(
                    m.refuse(&nsp(step)?, &message, data.as_ref(), now)
                        .map_err(code),
                )
            }
            ("emit", true) => {
                check_keys(step, &["at", "cmd", "nsp", "event", "args", "ack", "error"])?;
                let event = str_field(step, "event")?;
                Fed::result(
                    m.emit(&nsp(step)?, &event, &args(step)?, ack_flag(step)?, now)
                        .map(drop)
                        .map_err(code),
                )
            }
            ("ack", true) => {
                check_keys(step, &["at", "cmd", "nsp", "id", "args", "error"])?;
                Fed::result(
                    m.ack(&nsp(step)?, ack_id(step)?, &args(step)?, now)
                        .map_err(code),
                )
            }
            ("disconnect", true) => {
                check_keys(step, &["at", "cmd", "nsp", "error"])?;
                Fed::result(m.disconnect(&nsp(step)?, now).map_err(code))
            }
            ("close", true) => {
                check_keys(step, &["at", "cmd", "error"])?;
                Fed::result(m.close(now).map_err(code))
            }
            (k, _) => return Err(format!("sio-server has no step `{k}`")),
        })
    }

    fn drain(&mut self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let item = match self.machine.poll_output() {
                Output::Timeout(at) => {
                    out.push(timeout_item(self.epoch, at));
                    return out;
                }
                Output::Transmit(m) => message_json(&m),
                Output::CloseEngine => json!("close-engine"),
                Output::Event(e) => server_event(&e),
                other => json!({ "unknown": format!("{other:?}") }),
            };
            out.push(item);
        }
    }
}

fn server_event(e: &ServerEvent) -> serde_json::Value {
    match e {
        ServerEvent::ConnectRequest {
            namespace,
            auth,
            query,
        } => {
            let mut v = json!({
                "event": "connect-request",
                "nsp": namespace.as_str(),
                "auth": value_out(auth),
            });
            if let Some(q) = query {
                v["query"] = json!(q);
            }
            v
        }
        ServerEvent::Event {
            namespace,
            socket_id,
            name,
            args,
            ack_id,
        } => with_id(
            json!({
                "event": "event",
                "nsp": namespace.as_str(),
                "socketId": socket_id,
                "name": name_json(name),
                "args": value_out(args),
            }),
            *ack_id,
        ),
        ServerEvent::Ack {
            namespace,
            socket_id,
            id,
            args,
        } => json!({
            "event": "ack",
            "nsp": namespace.as_str(),
            "socketId": socket_id,
            "id": id.get(),
            "args": value_out(args),
        }),
        ServerEvent::Disconnected {
            namespace,
            socket_id,
            reason,
        } => json!({
            "event": "disconnected",
            "nsp": namespace.as_str(),
            "socketId": socket_id,
            "reason": reason.as_str(),
        }),
        ServerEvent::ProtocolViolation(v) => {
            json!({"event": "protocol-violation", "code": v.code()})
        }
        ServerEvent::ConnectTimeout => json!({"event": "connect-timeout"}),
        other => json!({ "unknown": format!("{other:?}") }),
    }
}

/// The `sio-client` driver.
pub(crate) struct Client {
    machine: session::Client,
    epoch: Instant,
}

impl Client {
    pub(crate) fn new(story: &Story, epoch: Instant) -> Result<Client, String> {
        check_keys(&story.config, &["maxAttachments"]).map_err(|e| format!("config: {e}"))?;
        let mut config = ClientConfig::default();
        config.version = version(story);
        config.limits = limits(&story.config)?;
        Ok(Client {
            machine: session::Client::new(config),
            epoch,
        })
    }
}

impl Driver for Client {
    fn feed(&mut self, step: &Value, now: Instant) -> Result<Fed, String> {
        let m = &mut self.machine;
        Ok(match kind(step) {
            ("message", false) => {
                check_keys(step, &["at", "in", "data"])?;
                m.handle_message(engine_message(step)?, now);
                Fed::ok()
            }
            ("engine-closed", false) => {
                check_keys(step, &["at", "in"])?;
                m.handle_engine_closed(now);
                Fed::ok()
            }
            ("connect", true) => {
                check_keys(step, &["at", "cmd", "nsp", "auth", "error"])?;
                let auth = step.get("auth").map(value_in).transpose()?;
                Fed::result(m.connect(nsp(step)?, auth.as_ref(), now).map_err(code))
            }
            ("emit", true) => {
                check_keys(step, &["at", "cmd", "nsp", "event", "args", "ack", "error"])?;
                let event = str_field(step, "event")?;
                Fed::result(
                    m.emit(&nsp(step)?, &event, &args(step)?, ack_flag(step)?, now)
                        .map(drop)
                        .map_err(code),
                )
            }
            ("ack", true) => {
                check_keys(step, &["at", "cmd", "nsp", "id", "args", "error"])?;
                Fed::result(
                    m.ack(&nsp(step)?, ack_id(step)?, &args(step)?, now)
                        .map_err(code),
                )
            }
            ("disconnect", true) => {
                check_keys(step, &["at", "cmd", "nsp", "error"])?;
                Fed::result(m.disconnect(&nsp(step)?, now).map_err(code))
            }
            (k, _) => return Err(format!("sio-client has no step `{k}`")),
        })
    }

    fn drain(&mut self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        loop {
            let item = match self.machine.poll_output() {
                Output::Timeout(at) => {
                    out.push(timeout_item(self.epoch, at));
                    return out;
                }
                Output::Transmit(m) => message_json(&m),
                Output::CloseEngine => json!("close-engine"),
                Output::Event(e) => client_event(&e),
                other => json!({ "unknown": format!("{other:?}") }),
            };
            out.push(item);
        }
    }
}

fn client_event(e: &ClientEvent) -> serde_json::Value {
    match e {
        ClientEvent::Connected { namespace, sid } => {
            json!({"event": "connected", "nsp": namespace.as_str(), "sid": sid})
        }
        ClientEvent::ConnectError { namespace, data } => {
            json!({"event": "connect-error", "nsp": namespace.as_str(), "data": value_out(data)})
        }
        ClientEvent::Event {
            namespace,
            name,
            args,
            ack_id,
        } => with_id(
            json!({
                "event": "event",
                "nsp": namespace.as_str(),
                "name": name_json(name),
                "args": value_out(args),
            }),
            *ack_id,
        ),
        ClientEvent::Ack {
            namespace,
            id,
            args,
        } => json!({
            "event": "ack",
            "nsp": namespace.as_str(),
            "id": id.get(),
            "args": value_out(args),
        }),
        ClientEvent::Disconnected { namespace, reason } => json!({
            "event": "disconnected",
            "nsp": namespace.as_str(),
            "reason": reason.as_str(),
        }),
        ClientEvent::ProtocolError(e) => json!({"event": "protocol-error", "code": e.code()}),
        other => json!({ "unknown": format!("{other:?}") }),
    }
}
