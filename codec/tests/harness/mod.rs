//! Loading `fixtures/`: files, cases, the JavaScript reference verdicts and the divergences.
//!
//! Fixture files are parsed with the codec's own order-preserving [`Value`], because re-encoding
//! a decoded form must keep JSON members in wire order; comparisons convert to
//! `serde_json::Value`, where member order does not matter.

pub(crate) mod engine_io;
pub(crate) mod socket_io;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use socketio_codec::socket_io::Value;

/// The `fixtures/` folder.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// One fixture file.
pub(crate) struct Fixture {
    /// Path relative to `fixtures/`, with `/` separators.
    pub(crate) rel: String,
    /// `engine-io` or `socket-io`.
    pub(crate) layer: String,
    /// `v3`, `v4` or `v5`.
    pub(crate) version: String,
    /// `packet`, `payload`, `handshake`, `query`, `error-body` or `binary`.
    pub(crate) kind: String,
    /// The file's `options` object, or `Null`.
    pub(crate) options: Value,
    /// The cases.
    pub(crate) cases: Vec<Case>,
}

/// One input: text, binary, or a sequence of frames.
#[derive(Debug, Clone)]
pub(crate) enum Wire {
    Text(String),
    Binary(Vec<u8>),
    Frames(Vec<Wire>),
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expect {
    Decoded(serde_json::Value),
    Error(String),
    Incomplete,
}

/// What our codec did with an input: the same shape as [`Expect`].
pub(crate) type Outcome = Expect;

/// One case of a fixture file.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) wire: Wire,
    pub(crate) expect: Expect,
    /// The decoded form, member order kept (for re-encoding).
    pub(crate) decoded_ordered: Option<Value>,
    pub(crate) canonical: Option<Wire>,
}

impl Case {
    /// The key of this case in `verdicts.json` and `divergences.toml`.
    pub(crate) fn key(&self, fixture: &Fixture) -> String {
        format!("{}#{}", fixture.rel, self.name)
    }
}

/// Loads every fixture file under `engine-io/` and `socket-io/` (not `session/` stories).
pub(crate) fn load_all() -> Vec<Fixture> {
    let root = fixtures_dir();
    let mut paths = Vec::new();
    for layer in ["engine-io", "socket-io"] {
        collect_json(&root.join(layer), &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "session"))
        .map(|p| load(&root, &p))
        .collect()
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_json(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn load(root: &Path, path: &Path) -> Fixture {
    let rel = path
        .strip_prefix(root)
        .expect("under fixtures/")
        .to_string_lossy()
        .replace('\\', "/");
    let parts: Vec<&str> = rel.split('/').collect();
    assert!(
        parts.len() == 5 && matches!(parts[3], "valid" | "invalid"),
        "{rel}: fixtures live at <layer>/<version>/<kind>/{{valid,invalid}}/<slug>.json"
    );
    let text = std::fs::read_to_string(path).expect("read fixture");
    let file = Value::from_json_str(&text).unwrap_or_else(|e| panic!("{rel}: not JSON: {e}"));
    let valid = parts[3] == "valid";
    let cases = match file.get("cases") {
        Some(Value::Array(cases)) => cases,
        _ => panic!("{rel}: no `cases` array"),
    };
    let cases = cases
        .iter()
        .map(|c| {
            let name = c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{rel}: a case without a name"))
                .to_owned();
            let wire = c
                .get("wire")
                .map(parse_wire)
                .unwrap_or_else(|| panic!("{rel}#{name}: no wire"));
            let expect = match (c.get("decoded"), c.get("error"), c.get("incomplete")) {
                (Some(d), None, None) if valid => Expect::Decoded(to_json(d)),
                (None, Some(Value::String(e)), None) if !valid => Expect::Error(e.clone()),
                (None, None, Some(Value::Bool(true))) if valid => Expect::Incomplete,
                _ => panic!(
                    "{rel}#{name}: a valid/ case has `decoded` or `incomplete`, an invalid/ case `error`"
                ),
            };
            Case {
                name,
                wire,
                expect,
                decoded_ordered: c.get("decoded").cloned(),
                canonical: c.get("canonical").map(parse_wire),
            }
        })
        .collect();
    Fixture {
        layer: parts[0].to_owned(),
        version: parts[1].to_owned(),
        kind: parts[2].to_owned(),
        options: file.get("options").cloned().unwrap_or(Value::Null),
        rel,
        cases,
    }
}

fn parse_wire(v: &Value) -> Wire {
    match v {
        Value::String(s) => Wire::Text(s.clone()),
        Value::Object(_) => {
            let hex = v
                .get("hex")
                .and_then(Value::as_str)
                .expect("wire object has `hex`");
            Wire::Binary(from_hex(hex))
        }
        Value::Array(frames) => Wire::Frames(frames.iter().map(parse_wire).collect()),
        other => panic!("unsupported wire form {other:?}"),
    }
}

/// Converts an ordered value (no binary inside) to `serde_json::Value`.
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    serde_json::Value::try_from(v.clone()).expect("fixture JSON holds no binary")
}

pub(crate) fn from_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short, readable rendering of a wire, for failure messages and snapshots.
pub(crate) fn show_wire(w: &Wire) -> String {
    match w {
        Wire::Text(s) => format!("{s:?}"),
        Wire::Binary(b) => format!("hex {}", to_hex(b)),
        Wire::Frames(f) => f.iter().map(show_wire).collect::<Vec<_>>().join(" + "),
    }
}

/// `fixtures/reference/verdicts.json`: the JavaScript parsers' verdict per case.
pub(crate) fn load_verdicts() -> BTreeMap<String, serde_json::Value> {
    let path = fixtures_dir().join("reference/verdicts.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `bash fixtures/reference/run.sh` (needs Node.js 20 and npm) to produce it",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("verdicts.json is a JSON object")
}

/// `fixtures/divergences.toml`: case key → reason.
pub(crate) fn load_divergences() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fixtures_dir().join("divergences.toml"))
        .expect("read fixtures/divergences.toml");
    let mut out = BTreeMap::new();
    let mut case: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line == "[[divergence]]" {
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("divergences.toml:{}: expected key = \"value\"", i + 1));
        let value: String = serde_json::from_str(value.trim())
            .unwrap_or_else(|e| panic!("divergences.toml:{}: {e}", i + 1));
        match key.trim() {
            "case" => case = Some(value),
            "reason" => {
                let key = case
                    .take()
                    .unwrap_or_else(|| panic!("divergences.toml:{}: reason before case", i + 1));
                assert!(
                    !value.trim().is_empty(),
                    "divergences.toml: {key} has no reason"
                );
                assert!(
                    out.insert(key.clone(), value).is_none(),
                    "divergences.toml: {key} twice"
                );
            }
            other => panic!("divergences.toml:{}: unknown key {other}", i + 1),
        }
    }
    out
}
