//! A shared, timestamped record of what went over the wire, for failure reports.

use std::fmt::Display;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// A cheap-to-clone log of wire events, each line stamped with the time since creation.
///
/// Lines look like `+  12ms  c>s  POST 40{"token":"abc"}`. With `echo` set every line is also
/// written to stderr as it is recorded.
#[derive(Debug, Clone)]
pub struct Transcript {
    inner: Arc<Mutex<Vec<String>>>,
    start: Instant,
    echo: bool,
}

impl Transcript {
    /// An empty transcript; `echo` also prints each line to stderr.
    pub fn new(echo: bool) -> Self {
        Transcript {
            inner: Arc::default(),
            start: Instant::now(),
            echo,
        }
    }

    /// Records one line: `dir` is a short direction tag (`c>s`, `s>c`, `--`), `what` the rest.
    pub fn log(&self, dir: &str, what: impl Display) {
        let ms = self.start.elapsed().as_millis();
        let line = format!("+{ms:>6}ms  {dir:<4} {what}");
        if self.echo {
            eprintln!("{line}");
        }
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    /// Every line recorded so far.
    pub fn lines(&self) -> Vec<String> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The whole transcript, one line per event.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in self.lines() {
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// A body as one readable token: text quoted with escapes (`\u{1e}` separators show), other
/// bytes as hex.
/// Text longer than [`TEXT_CUT`] characters is cut, with its length in bytes.
pub(crate) fn show_bytes(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(text) => show_text(text),
        Err(_) => show_binary(data),
    }
}

/// Characters of a text body or frame shown in a transcript line.
const TEXT_CUT: usize = 400;

/// Text quoted with escapes, cut after [`TEXT_CUT`] characters.
pub(crate) fn show_text(text: &str) -> String {
    match text.char_indices().nth(TEXT_CUT) {
        Some((cut, _)) => format!("{:?} … ({} bytes)", &text[..cut], text.len()),
        None => format!("{text:?}"),
    }
}

/// Binary data as hex, long data cut after 16 bytes.
pub(crate) fn show_binary(data: &[u8]) -> String {
    let hex: Vec<String> = data.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let more = if data.len() > 16 { " …" } else { "" };
    format!("binary[{}] {}{more}", data.len(), hex.join(" "))
}

/// A WebSocket message: `text "…"` or `binary[n] …`.
pub(crate) fn show_frame(frame: &socketio_codec::engine_io::session::Frame) -> String {
    match frame.as_text() {
        Some(text) => format!("text {}", show_text(text)),
        None => show_binary(&frame.data),
    }
}
