//! Session stories: loading `fixtures/*/*/session/*.json`, the drivers that feed one machine, and
//! the timed-line rendering shared by failure messages and snapshots.
//!
//! A story file is parsed with the codec's order-preserving [`Value`], because command arguments
//! (`emit` args, `auth`) must reach the wire with their members in file order. Outputs are
//! compared as `serde_json::Value`, where member order does not matter.

pub(crate) mod engine_io;
pub(crate) mod socket_io;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use socketio_codec::socket_io::Value;

/// One story file.
pub(crate) struct Story {
    /// Path relative to `fixtures/`, with `/` separators.
    pub(crate) rel: String,
    /// Whether it lives in a `pending/` folder (known machine discrepancy, not replayed).
    pub(crate) pending: bool,
    /// The `description`.
    pub(crate) description: String,
    /// `eio-server`, `eio-client`, `sio-server` or `sio-client`.
    pub(crate) machine: String,
    /// `v3`, `v4` or `v5`: the protocol revision the machine speaks.
    pub(crate) version: String,
    /// The `config` object (`Null` when absent).
    pub(crate) config: Value,
    /// The steps, in order.
    pub(crate) steps: Vec<Value>,
}

/// The `fixtures/` folder.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every story under `fixtures/<layer>/<version>/session/` (and its `pending/` folder), sorted.
pub(crate) fn load_all() -> Result<Vec<Story>, String> {
    let root = fixtures_dir();
    let mut paths = Vec::new();
    for layer in ["engine-io", "socket-io"] {
        let Ok(versions) = std::fs::read_dir(root.join(layer)) else {
            continue;
        };
        for version in versions.flatten() {
            let session = version.path().join("session");
            json_files(&session, &mut paths);
            json_files(&session.join("pending"), &mut paths);
        }
    }
    paths.sort();
    paths.iter().map(|p| load(&root, p)).collect()
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

const MACHINES: &[(&str, &str, &[&str])] = &[
    ("eio-server", "engine-io", &["v3", "v4"]),
    ("eio-client", "engine-io", &["v3", "v4"]),
    ("sio-server", "socket-io", &["v4", "v5"]),
    ("sio-client", "socket-io", &["v4", "v5"]),
];

fn load(root: &Path, path: &Path) -> Result<Story, String> {
    let rel = path
        .strip_prefix(root)
        .map_err(|_| format!("{} is not under fixtures/", path.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    let fail = |what: String| format!("{rel}: {what}");
    let parts: Vec<&str> = rel.split('/').collect();
    let pending = match parts.as_slice() {
        [_, _, "session", _] => false,
        [_, _, "session", "pending", _] => true,
        _ => {
            return Err(fail(
                "stories live at <layer>/<version>/session/<slug>.json".into(),
            ));
        }
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("read: {e}")))?;
    let file = Value::from_json_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    check_keys(
        &file,
        &["description", "requirements", "machine", "config", "steps"],
    )
    .map_err(fail)?;
    let description = str_field(&file, "description").map_err(fail)?;
    match file.get("requirements") {
        Some(Value::Array(ids)) if !ids.is_empty() && ids.iter().all(|i| i.as_str().is_some()) => {}
        _ => {
            return Err(fail(
                "`requirements` must be a non-empty array of IDs".into(),
            ));
        }
    }
    let machine = str_field(&file, "machine").map_err(fail)?;
    let Some((_, layer, versions)) = MACHINES.iter().find(|(m, _, _)| *m == machine) else {
        return Err(fail(format!("unknown machine `{machine}`")));
    };
    if parts[0] != *layer || !versions.contains(&parts[1]) {
        return Err(fail(format!(
            "machine `{machine}` does not belong under {}/{}",
            parts[0], parts[1]
        )));
    }
    let steps = match file.get("steps") {
        Some(Value::Array(steps)) if !steps.is_empty() => steps.clone(),
        _ => return Err(fail("`steps` must be a non-empty array".into())),
    };
    Ok(Story {
        rel: rel.clone(),
        pending,
        description,
        machine,
        version: parts[1].to_owned(),
        config: file.get("config").cloned().unwrap_or(Value::Null),
        steps,
    })
}

/// What a driver did with one `in` / `cmd` step.
pub(crate) struct Fed {
    /// Extra text for the timed line, e.g. ` -> get#2` for a request that opens a connection.
    pub(crate) note: String,
    /// The command's error code, when a command failed.
    pub(crate) error: Option<String>,
}

impl Fed {
    pub(crate) fn ok() -> Fed {
        Fed {
            note: String::new(),
            error: None,
        }
    }

    pub(crate) fn opened(name: String) -> Fed {
        Fed {
            note: format!(" -> {name}"),
            error: None,
        }
    }

    pub(crate) fn result(r: Result<(), String>) -> Fed {
        Fed {
            note: String::new(),
            error: r.err(),
        }
    }
}

/// One machine under a story: feeds steps, drains outputs in the story's JSON form.
pub(crate) trait Driver {
    /// Feeds one `in` or `cmd` step at `now`. `Err` is a malformed step.
    fn feed(&mut self, step: &Value, now: Instant) -> Result<Fed, String>;
    /// Drains `poll_output` until the timeout, which is the last item.
    fn drain(&mut self) -> Vec<serde_json::Value>;
}

/// Builds the driver of `story`, creating the machine at `epoch`.
pub(crate) fn driver(story: &Story, epoch: Instant) -> Result<Box<dyn Driver>, String> {
    match story.machine.as_str() {
        "eio-server" => Ok(Box::new(engine_io::Server::new(story, epoch)?)),
        "eio-client" => Ok(Box::new(engine_io::Client::new(story, epoch)?)),
        "sio-server" => Ok(Box::new(socket_io::Server::new(story, epoch)?)),
        "sio-client" => Ok(Box::new(socket_io::Client::new(story, epoch)?)),
        other => Err(format!("unknown machine `{other}`")),
    }
}

/// One rendered line: time offset, direction (`in`, `cmd`, `out`) and text.
pub(crate) type Line = (u64, &'static str, String);

/// A story run as timed lines: `+25000ms  out  ws-text ws#2 "2"`.
pub(crate) fn render_lines(lines: &[Line]) -> String {
    let width = lines
        .iter()
        .map(|(ms, _, _)| format!("+{ms}ms").len())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(ms, dir, text)| format!("{:<width$}  {dir:<3}  {text}", format!("+{ms}ms")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an `in` / `cmd` step: its kind, then its other members as `key=json`.
pub(crate) fn describe_step(step: &Value) -> (&'static str, String) {
    let (dir, kind) = match (step.get("in"), step.get("cmd")) {
        (Some(k), _) => ("in", k.as_str().unwrap_or("?")),
        (None, Some(k)) => ("cmd", k.as_str().unwrap_or("?")),
        _ => ("?", "?"),
    };
    let mut text = kind.to_owned();
    if let Value::Object(members) = step {
        for (k, v) in members {
            if matches!(k.as_str(), "at" | "in" | "cmd") {
                continue;
            }
            text.push_str(&format!(" {k}={}", compact(&to_json(v))));
        }
    }
    (dir, text)
}

/// One output item as the text of a timed line.
pub(crate) fn describe_output(item: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match item {
        J::String(s) => s.clone(),
        J::Object(map) if map.contains_key("event") => {
            let mut text = format!("event {}", map["event"].as_str().unwrap_or("?"));
            for (k, v) in map.iter().filter(|(k, _)| *k != "event") {
                text.push_str(&format!(" {k}={}", compact(v)));
            }
            text
        }
        J::Object(map) if map.len() == 1 => {
            let (k, v) = map.iter().next().expect("one member");
            match (k.as_str(), v) {
                ("timeout", J::Null) => "timeout none".to_owned(),
                ("timeout", J::Number(n)) => format!("timeout at +{n}ms"),
                ("http", J::Object(h)) => format!(
                    "http {} {} {}",
                    h.get("to").and_then(J::as_str).unwrap_or("?"),
                    h.get("status").map_or("?".to_owned(), compact),
                    h.get("body").map_or("?".to_owned(), compact)
                ),
                (kind, J::Object(f)) if f.contains_key("to") => format!(
                    "{kind} {} {}",
                    f.get("to").and_then(J::as_str).unwrap_or("?"),
                    f.get("data").map_or("?".to_owned(), compact)
                ),
                (kind, J::String(s)) if matches!(kind, "ws-close" | "reset") => {
                    format!("{kind} {s}")
                }
                (kind, v) => format!("{kind} {}", compact(v)),
            }
        }
        other => compact(other),
    }
}

/// Compact JSON text.
pub(crate) fn compact(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "?".to_owned())
}

/// Converts an ordered story value (no binary inside) to `serde_json::Value`.
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    serde_json::Value::try_from(v.clone()).unwrap_or(serde_json::Value::Null)
}

/// Milliseconds from `epoch` to `at`.
pub(crate) fn offset_ms(epoch: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch).as_millis()).unwrap_or(u64::MAX)
}

/// `{"timeout": ms}` or `{"timeout": null}`.
pub(crate) fn timeout_item(epoch: Instant, at: Option<Instant>) -> serde_json::Value {
    serde_json::json!({ "timeout": at.map(|t| offset_ms(epoch, t)) })
}

/// Fails on members other than `allowed`.
pub(crate) fn check_keys(obj: &Value, allowed: &[&str]) -> Result<(), String> {
    match obj {
        Value::Object(members) => {
            for (k, _) in members {
                if !allowed.contains(&k.as_str()) {
                    return Err(format!("unknown member `{k}` (allowed: {allowed:?})"));
                }
            }
            Ok(())
        }
        Value::Null => Ok(()),
        _ => Err("expected an object".to_owned()),
    }
}

/// A required string member.
pub(crate) fn str_field(obj: &Value, key: &str) -> Result<String, String> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("`{key}` must be a string"))
}

/// An optional unsigned integer member.
pub(crate) fn u64_field(obj: &Value, key: &str) -> Result<Option<u64>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a non-negative integer")),
        Some(_) => Err(format!("`{key}` must be a non-negative integer")),
    }
}

/// An optional duration in milliseconds.
pub(crate) fn ms_field(obj: &Value, key: &str) -> Result<Option<Duration>, String> {
    Ok(u64_field(obj, key)?.map(Duration::from_millis))
}

/// Data in the fixture convention: a JSON string is text, `{"hex": …}` is binary.
pub(crate) enum Data {
    Text(String),
    Binary(Vec<u8>),
}

/// A required data member (`data`, `body`).
pub(crate) fn data_field(obj: &Value, key: &str) -> Result<Data, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(Data::Text(s.clone())),
        Some(v @ Value::Object(_)) => {
            let hex = v
                .get("hex")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("`{key}` object must be {{\"hex\": …}}"))?;
            Ok(Data::Binary(from_hex(hex)?))
        }
        _ => Err(format!("`{key}` must be a string or {{\"hex\": …}}")),
    }
}

/// Bytes as the story's data form: a string when UTF-8, else `{"hex": …}`.
pub(crate) fn bytes_json(bytes: &[u8]) -> serde_json::Value {
    match std::str::from_utf8(bytes) {
        Ok(t) => serde_json::Value::String(t.to_owned()),
        Err(_) => hex_json(bytes),
    }
}

/// `{"hex": "…"}`.
pub(crate) fn hex_json(bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({ "hex": to_hex(bytes) })
}

pub(crate) fn from_hex(hex: &str) -> Result<Vec<u8>, String> {
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad hex `{hex}`"));
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
