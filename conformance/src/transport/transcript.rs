//! [`Transcript`]: the timed record of everything a test case sent and received.
//!
//! One transcript is created per test case; every transport the case opens records into it
//! (it is a cheap `Arc` clone), so a failing case can print the whole exchange in the order it
//! happened, like a browser's devtools frame view:
//!
//! ```text
//! +  12ms →  POST /socket.io/?EIO=4&transport=polling&sid=abc  body "40"
//! +  15ms ←  200 text/html  "ok"
//! + 310ms ⇐  ws text "2"
//! + 311ms ⇒  ws text "3"
//! + 900ms ⇐  ws close 1005
//! ```
//!
//! `→`/`←` are HTTP (and raw TCP) out/in, `⇒`/`⇐` WebSocket out/in, `·` a local note, `!` an
//! error or timeout. Offsets are milliseconds since the transcript's epoch. Text is quoted with
//! non-printable bytes escaped (`\x1e`); binary is hex.
//!
//! The transcript is bounded: each body keeps at most [`MAX_BODY`] bytes (the full length is
//! kept beside it), and after [`MAX_ENTRIES`] entries a single "truncated" note is stored and
//! later entries are only counted.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Bytes of each body kept in an entry.
pub(crate) const MAX_BODY: usize = 4096;
/// Entries kept per transcript, the "truncated" note included.
pub(crate) const MAX_ENTRIES: usize = 10_000;
/// Headers kept per entry, and characters kept per header value.
const MAX_HEADERS: usize = 64;
const MAX_HEADER_VALUE: usize = 512;

/// A shared, append-only, timed log of one test case's traffic. Clone it freely: clones share
/// the same log.
#[derive(Clone, Debug)]
pub(crate) struct Transcript {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    epoch: Instant,
    entries: Vec<Entry>,
    dropped: usize,
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Entry {
    /// Milliseconds since the transcript's epoch.
    pub(crate) at_ms: u64,
    /// Which way the bytes went.
    pub(crate) direction: Direction,
    /// What happened.
    #[serde(flatten)]
    pub(crate) kind: EntryKind,
}

/// Which way an entry's bytes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    /// From the runner to the server.
    Out,
    /// From the server to the runner.
    In,
    /// Neither: a note, an error, a timeout.
    Local,
}

/// What an entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub(crate) enum EntryKind {
    /// An HTTP request as sent; `headers` are the ones the case chose (not `Host` or
    /// `Content-Length`, which the client adds).
    HttpRequest {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: Body,
    },
    /// A complete HTTP response.
    HttpResponse {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
    },
    /// The runner dropped a request's connection before the response completed.
    HttpAbort { method: String, target: String },
    /// A WebSocket upgrade request.
    WsConnect {
        target: String,
        headers: Vec<(String, String)>,
    },
    /// The server accepted the upgrade (status 101).
    WsOpen {
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// The server answered the upgrade with something other than 101.
    WsRefused {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
    },
    /// A WebSocket text message.
    WsText { body: Body },
    /// A WebSocket binary message (always hex).
    WsBinary { body: Body },
    /// A WebSocket ping control frame.
    WsPing { body: Body },
    /// A WebSocket pong control frame.
    WsPong { body: Body },
    /// A WebSocket close frame; `code` is `None` when the frame carries no status (shown as 1005).
    WsClose { code: Option<u16>, reason: String },
    /// The connection ended without a close frame: EOF or error (in), or `drop_tcp` (out).
    WsEnd { message: String },
    /// Raw TCP bytes.
    Raw { body: Body },
    /// A transport error.
    Error { during: String, message: String },
    /// A bounded wait that ran out.
    Timeout { during: String, after_ms: u64 },
    /// Free-form text.
    Note { text: String },
}

/// A captured body: UTF-8 text as is, anything else as lowercase hex; at most [`MAX_BODY`] bytes
/// of it are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Body {
    /// `text` or `hex`.
    pub(crate) encoding: BodyEncoding,
    /// The kept prefix, as text or hex.
    pub(crate) data: String,
    /// The full length in bytes.
    pub(crate) len: usize,
    /// Whether `data` holds only a prefix.
    pub(crate) truncated: bool,
}

/// How [`Body::data`] is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum BodyEncoding {
    /// UTF-8 text.
    Text,
    /// Lowercase hex, two digits per byte.
    Hex,
}

impl Transcript {
    /// A new, empty transcript whose epoch is now.
    pub(crate) fn new() -> Self {
        Self::with_epoch(Instant::now())
    }

    /// A new, empty transcript with the given epoch (e.g. the case's start).
    pub(crate) fn with_epoch(epoch: Instant) -> Self {
        let inner = Inner {
            epoch,
            entries: Vec::new(),
            dropped: 0,
        };
        Self {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    /// The instant offsets are measured from.
    pub(crate) fn epoch(&self) -> Instant {
        self.lock().epoch
    }

    /// Append an entry stamped with the current time.
    pub(crate) fn record(&self, direction: Direction, kind: EntryKind) {
        let mut inner = self.lock();
        let at_ms = millis(inner.epoch.elapsed());
        inner.push(Entry {
            at_ms,
            direction,
            kind,
        });
    }

    /// Append a free-form note, e.g. what the case is about to check.
    pub(crate) fn note(&self, text: impl Into<String>) {
        self.record(Direction::Local, EntryKind::Note { text: text.into() });
    }

    /// Record a timeout of `during` after `after`.
    pub(crate) fn timeout(&self, during: &str, after: Duration) {
        let kind = EntryKind::Timeout {
            during: during.to_owned(),
            after_ms: millis(after),
        };
        self.record(Direction::Local, kind);
    }

    /// Record a transport error.
    pub(crate) fn error(&self, during: &str, message: impl Into<String>) {
        let kind = EntryKind::Error {
            during: during.to_owned(),
            message: message.into(),
        };
        self.record(Direction::Local, kind);
    }

    /// A copy of the entries recorded so far.
    pub(crate) fn entries(&self) -> Vec<Entry> {
        self.lock().entries.clone()
    }

    /// How many entries were dropped after the cap was reached.
    pub(crate) fn dropped(&self) -> usize {
        self.lock().dropped
    }

    /// The devtools-style text form, one line per entry, each ending in `\n`.
    pub(crate) fn render(&self) -> String {
        let inner = self.lock();
        let mut out = render_entries(&inner.entries);
        if inner.dropped > 0 {
            let _ = writeln!(out, "… {} more entries dropped", inner.dropped);
        }
        out
    }

    /// The JSON form for reports: `{"entries": [...], "dropped": n}`.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let inner = self.lock();
        serde_json::json!({ "entries": inner.entries, "dropped": inner.dropped })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves a log that is still worth printing.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Transcript {
    fn default() -> Self {
        Self::new()
    }
}

impl Inner {
    fn push(&mut self, entry: Entry) {
        match self.entries.len() {
            n if n + 1 < MAX_ENTRIES => self.entries.push(entry),
            n if n + 1 == MAX_ENTRIES => {
                let text = format!("transcript truncated after {} entries", MAX_ENTRIES - 1);
                let note = EntryKind::Note { text };
                self.entries.push(Entry {
                    at_ms: entry.at_ms,
                    direction: Direction::Local,
                    kind: note,
                });
                self.dropped += 1;
            }
            _ => self.dropped += 1,
        }
    }
}

impl Body {
    /// Capture `bytes` as text when they are UTF-8, as hex otherwise.
    pub(crate) fn capture(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => Self::text(text),
            Err(_) => Self::hex(bytes),
        }
    }

    /// Capture text, keeping at most [`MAX_BODY`] bytes (cut on a character boundary).
    pub(crate) fn text(text: &str) -> Self {
        let mut end = text.len().min(MAX_BODY);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Self {
            encoding: BodyEncoding::Text,
            data: text[..end].to_owned(),
            len: text.len(),
            truncated: end < text.len(),
        }
    }

    /// Capture bytes as hex, keeping at most [`MAX_BODY`] bytes.
    pub(crate) fn hex(bytes: &[u8]) -> Self {
        let kept = &bytes[..bytes.len().min(MAX_BODY)];
        let mut data = String::with_capacity(kept.len() * 2);
        for b in kept {
            let _ = write!(data, "{b:02x}");
        }
        Self {
            encoding: BodyEncoding::Hex,
            data,
            len: bytes.len(),
            truncated: kept.len() < bytes.len(),
        }
    }

    /// Whether the full body was empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The quoted (text) or hex form used in [`Transcript::render`].
    pub(crate) fn display(&self) -> String {
        let mut out = match self.encoding {
            BodyEncoding::Text => format!("\"{}\"", escape(&self.data)),
            BodyEncoding::Hex => self.data.clone(),
        };
        if self.truncated {
            let _ = write!(out, "… ({} bytes)", self.len);
        } else if self.encoding == BodyEncoding::Hex {
            let _ = write!(out, " ({} bytes)", self.len);
        }
        out
    }
}

/// Bound a header list for storage.
pub(crate) fn capture_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .take(MAX_HEADERS)
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value);
            let value: String = value.chars().take(MAX_HEADER_VALUE).collect();
            (name.to_owned(), value)
        })
        .collect()
}

/// Render entries as devtools-style lines.
pub(crate) fn render_entries(entries: &[Entry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let _ = writeln!(
            out,
            "+{:>4}ms {}  {}",
            entry.at_ms,
            arrow(entry),
            describe(&entry.kind)
        );
    }
    out
}

fn arrow(entry: &Entry) -> &'static str {
    use EntryKind as K;
    let ws = matches!(
        entry.kind,
        K::WsConnect { .. }
            | K::WsOpen { .. }
            | K::WsRefused { .. }
            | K::WsText { .. }
            | K::WsBinary { .. }
            | K::WsPing { .. }
            | K::WsPong { .. }
            | K::WsClose { .. }
            | K::WsEnd { .. }
    );
    match (entry.direction, ws) {
        (Direction::Out, false) => "→",
        (Direction::In, false) => "←",
        (Direction::Out, true) => "⇒",
        (Direction::In, true) => "⇐",
        (Direction::Local, _) => match entry.kind {
            K::Error { .. } | K::Timeout { .. } => "!",
            _ => "·",
        },
    }
}

fn describe(kind: &EntryKind) -> String {
    use EntryKind as K;
    match kind {
        K::HttpRequest {
            method,
            target,
            headers,
            body,
        } => {
            let mut s = format!("{method} {target}");
            if !headers.is_empty() {
                let list: Vec<String> = headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", escape(v)))
                    .collect();
                let _ = write!(s, "  [{}]", list.join("; "));
            }
            if !body.is_empty() {
                let _ = write!(s, "  body {}", body.display());
            }
            s
        }
        K::HttpResponse {
            status,
            headers,
            body,
        } => {
            format!("{status}{}  {}", content_type(headers), body.display())
        }
        K::HttpAbort { method, target } => format!("abort {method} {target} (connection dropped)"),
        K::WsConnect { target, headers } => {
            let mut s = format!("ws connect GET {target}");
            if !headers.is_empty() {
                let list: Vec<String> = headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", escape(v)))
                    .collect();
                let _ = write!(s, "  [{}]", list.join("; "));
            }
            s
        }
        K::WsOpen { status, .. } => format!("ws {status} open"),
        K::WsRefused {
            status,
            headers,
            body,
        } => {
            format!(
                "ws refused {status}{}  {}",
                content_type(headers),
                body.display()
            )
        }
        K::WsText { body } => format!("ws text {}", body.display()),
        K::WsBinary { body } => format!("ws binary {}", body.display()),
        K::WsPing { body } => format!("ws ping {}", body.display()),
        K::WsPong { body } => format!("ws pong {}", body.display()),
        K::WsClose { code, reason } => {
            let mut s = format!("ws close {}", code.unwrap_or(1005));
            if !reason.is_empty() {
                let _ = write!(s, " \"{}\"", escape(reason));
            }
            s
        }
        K::WsEnd { message } => format!("ws ended without close frame: {message}"),
        K::Raw { body } => format!("raw {} bytes {}", body.len, body.display()),
        K::Error { during, message } => format!("error during {during}: {message}"),
        K::Timeout { during, after_ms } => {
            format!("timeout after {after_ms}ms waiting for {during}")
        }
        K::Note { text } => text.clone(),
    }
}

fn content_type(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| format!(" {v}"))
        .unwrap_or_default()
}

/// Escape text for a quoted display: `"`, `\`, and every non-printable character.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64, direction: Direction, kind: EntryKind) -> Entry {
        Entry {
            at_ms: ms,
            direction,
            kind,
        }
    }

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn renders_like_devtools() {
        let entries = [
            at(
                12,
                Direction::Out,
                EntryKind::HttpRequest {
                    method: "POST".into(),
                    target: "/socket.io/?EIO=4&transport=polling&sid=abc".into(),
                    headers: vec![],
                    body: Body::text("40"),
                },
            ),
            at(
                15,
                Direction::In,
                EntryKind::HttpResponse {
                    status: 200,
                    headers: headers(&[("content-type", "text/html"), ("content-length", "2")]),
                    body: Body::text("ok"),
                },
            ),
            at(
                310,
                Direction::In,
                EntryKind::WsText {
                    body: Body::text("2"),
                },
            ),
            at(
                311,
                Direction::Out,
                EntryKind::WsText {
                    body: Body::text("3"),
                },
            ),
            at(
                400,
                Direction::In,
                EntryKind::WsBinary {
                    body: Body::hex(&[1, 2, 3]),
                },
            ),
            at(
                900,
                Direction::In,
                EntryKind::WsClose {
                    code: None,
                    reason: String::new(),
                },
            ),
            at(
                901,
                Direction::Local,
                EntryKind::Timeout {
                    during: "ws recv".into(),
                    after_ms: 500,
                },
            ),
            at(
                12345,
                Direction::Local,
                EntryKind::Note {
                    text: "done".into(),
                },
            ),
        ];
        let expected = "\
+  12ms →  POST /socket.io/?EIO=4&transport=polling&sid=abc  body \"40\"
+  15ms ←  200 text/html  \"ok\"
+ 310ms ⇐  ws text \"2\"
+ 311ms ⇒  ws text \"3\"
+ 400ms ⇐  ws binary 010203 (3 bytes)
+ 900ms ⇐  ws close 1005
+ 901ms !  timeout after 500ms waiting for ws recv
+12345ms ·  done
";
        assert_eq!(render_entries(&entries), expected);
    }

    #[test]
    fn escapes_non_printable_bytes() {
        assert_eq!(escape("4a\u{1e}4b"), "4a\\x1e4b");
        assert_eq!(
            escape("\"q\"\\\n\u{7f}€\u{85}"),
            "\\\"q\\\"\\\\\\n\\x7f€\\u{85}"
        );
        assert_eq!(
            Body::text("42[\"x\"]\u{1e}2").display(),
            "\"42[\\\"x\\\"]\\x1e2\""
        );
    }

    #[test]
    fn bodies_are_capped_with_full_length() {
        let big = "a".repeat(MAX_BODY + 10);
        let body = Body::text(&big);
        assert_eq!(
            (body.data.len(), body.len, body.truncated),
            (MAX_BODY, MAX_BODY + 10, true)
        );
        assert!(
            body.display()
                .ends_with(&format!("… ({} bytes)", MAX_BODY + 10))
        );

        // A cut never splits a character.
        let euros = "€".repeat(MAX_BODY);
        let body = Body::text(&euros);
        assert!(body.data.len() <= MAX_BODY && body.data.chars().all(|c| c == '€'));

        let bin = vec![0xffu8; MAX_BODY * 2];
        let body = Body::capture(&bin);
        assert_eq!(
            (body.encoding, body.data.len(), body.truncated),
            (BodyEncoding::Hex, MAX_BODY * 2, true)
        );
    }

    #[test]
    fn entry_count_is_capped_with_one_note() {
        let t = Transcript::new();
        for i in 0..MAX_ENTRIES + 5 {
            t.note(format!("n{i}"));
        }
        let entries = t.entries();
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert!(
            matches!(&entries[MAX_ENTRIES - 1].kind, EntryKind::Note { text } if text.starts_with("transcript truncated"))
        );
        assert_eq!(t.dropped(), 6);
        assert!(t.render().ends_with("… 6 more entries dropped\n"));
    }

    #[test]
    fn clones_share_the_log_and_serialize_to_json() {
        let t = Transcript::new();
        let t2 = t.clone();
        t2.record(
            Direction::In,
            EntryKind::WsClose {
                code: Some(1000),
                reason: "bye".into(),
            },
        );
        let json = t.to_json();
        assert_eq!(json["dropped"], 0);
        let entry = &json["entries"][0];
        assert_eq!(entry["kind"], "ws_close");
        assert_eq!(entry["direction"], "in");
        assert_eq!(entry["code"], 1000);
        assert_eq!(entry["reason"], "bye");
        assert!(t.render().contains("⇐  ws close 1000 \"bye\""));
    }
}
