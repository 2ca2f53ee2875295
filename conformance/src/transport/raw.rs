//! Raw TCP (or TLS) exchanges, for cases that must send malformed HTTP on purpose.
//!
//! [`raw_exchange`] writes the case's bytes on a fresh connection as they are, then collects what
//! the server sends back until it closes the connection, the timeout runs out, or
//! [`MAX_RAW_RESPONSE`] bytes have arrived. Which of these ended the read is part of the answer
//! ([`RawEnd`]), since "the server hung" and "the server closed" grade differently.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use super::error::TransportError;
use super::stream::Connector;
use super::transcript::{Body, Direction, EntryKind, Transcript};

/// Most bytes collected from the server in one exchange.
pub(crate) const MAX_RAW_RESPONSE: usize = 1024 * 1024;

/// What the server sent back, and why reading stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawResponse {
    /// Everything received, in order.
    pub(crate) bytes: Vec<u8>,
    /// Why reading stopped.
    pub(crate) end: RawEnd,
}

/// Why [`raw_exchange`] stopped reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawEnd {
    /// The server closed the connection cleanly.
    Eof,
    /// The timeout ran out with the connection still open.
    Timeout,
    /// [`MAX_RAW_RESPONSE`] bytes arrived.
    Limit,
    /// The connection failed (reset, TLS alert, ...) while writing or reading.
    Error(String),
}

/// Write `bytes` on a fresh connection to the target and read the reply, all within `timeout`.
///
/// The write side is left open (no half-close), as a real client would leave it.
///
/// Errors: connect/TLS failures, and `Timeout` when even the connection could not be opened in
/// time. Anything after the connection is open is reported in [`RawResponse::end`].
pub(crate) async fn raw_exchange(
    connector: &Connector,
    transcript: &Transcript,
    bytes: &[u8],
    timeout: Duration,
) -> Result<RawResponse, TransportError> {
    let deadline = Instant::now() + timeout;
    transcript.record(
        Direction::Out,
        EntryKind::Raw {
            body: Body::capture(bytes),
        },
    );
    let mut stream = match tokio::time::timeout_at(deadline, connector.connect()).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => {
            transcript.error("raw connect", err.to_string());
            return Err(err);
        }
        Err(_) => {
            transcript.timeout("raw connect", timeout);
            return Err(TransportError::Timeout {
                during: "raw connect",
                after: timeout,
            });
        }
    };

    let write = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    let write_error = match tokio::time::timeout_at(deadline, write).await {
        Ok(Ok(())) => None,
        // A server may reply and close before reading everything: still collect its reply.
        Ok(Err(e)) => Some(TransportError::from_io("raw write", &e).to_string()),
        Err(_) => Some("timed out while writing".to_owned()),
    };
    let mut received = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let end = loop {
        if received.len() >= MAX_RAW_RESPONSE {
            break RawEnd::Limit;
        }
        let want = buf.len().min(MAX_RAW_RESPONSE - received.len());
        match tokio::time::timeout_at(deadline, stream.read(&mut buf[..want])).await {
            Ok(Ok(0)) => break RawEnd::Eof,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => {
                let read_error = TransportError::from_io("raw read", &e).to_string();
                break RawEnd::Error(write_error.clone().unwrap_or(read_error));
            }
            Err(_) => break RawEnd::Timeout,
        }
    };

    if !received.is_empty() {
        transcript.record(
            Direction::In,
            EntryKind::Raw {
                body: Body::capture(&received),
            },
        );
    }
    match &end {
        RawEnd::Eof => transcript.note("raw: server closed the connection"),
        RawEnd::Timeout => transcript.timeout("raw reply (connection still open)", timeout),
        RawEnd::Limit => transcript.note(format!(
            "raw: stopped reading after {MAX_RAW_RESPONSE} bytes"
        )),
        RawEnd::Error(message) => transcript.error("raw exchange", message.clone()),
    }
    Ok(RawResponse {
        bytes: received,
        end,
    })
}
