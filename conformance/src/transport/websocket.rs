//! WebSocket transport: raw text and binary messages over `ws://` or `wss://`.
//!
//! [`WsConn::connect`] sends the upgrade request (the case's query and extra headers) on a fresh
//! connection. A 101 gives an open [`WsConn`]; any other answer gives a [`WsRefusal`] with the
//! status, headers and body, because the runner grades refusals (protocol-facts A.8).
//!
//! Once open, a reader task pushes every incoming message, and finally one `Closed` event, into an
//! unbounded queue the moment it arrives. A case therefore never misses a message that arrived
//! between two reads, even when the server batches writes (interop-bugs #25).
//! [`WsConn::recv`] takes the next event, waiting at most its timeout.
//!
//! Messages are not interpreted: one Engine.IO packet is one WebSocket message, encoded by the
//! case. Close frames, pings and pongs are recorded; tungstenite answers pings and close frames
//! itself, as any client library would.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::error::{TransportError, one_line};
use super::stream::{Connector, Stream};
use super::transcript::{Body, Direction, EntryKind, Transcript, capture_headers};

/// Largest incoming message and frame accepted (big echo cases need room).
pub(crate) const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;
/// After a close frame arrives, how long the reader waits for the connection to end.
const POST_CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The outcome of an upgrade request that the server answered.
#[derive(Debug)]
pub(crate) enum WsConnect {
    /// 101: the WebSocket is open.
    Open(WsConn),
    /// Any other status: the server refused the upgrade.
    Refused(WsRefusal),
}

/// A non-101 answer to an upgrade request.
#[derive(Clone, Debug)]
pub(crate) struct WsRefusal {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The response headers.
    pub(crate) headers: HeaderMap,
    /// The body bytes that arrived together with the response head (a body the server wrote
    /// separately, later, may be missing).
    pub(crate) body: Vec<u8>,
}

/// One thing that came in on an open WebSocket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WsEvent {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// The connection ended; always the last event.
    Closed {
        /// The close frame's status code; `None` when there was no code or no frame.
        code: Option<u16>,
        /// The close frame's reason, or the error text when the connection failed.
        reason: String,
        /// How it ended.
        cause: CloseCause,
    },
}

/// How a WebSocket connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CloseCause {
    /// The server sent a close frame.
    CloseFrame,
    /// The TCP connection ended without a close frame.
    Eof,
    /// A read error: reset, TLS failure, or a frame that breaks RFC 6455 (e.g. garbage after the
    /// 101, which a browser reports as 1006).
    Error,
}

/// An open WebSocket. Dropping it drops the connection without a close frame.
#[derive(Debug)]
pub(crate) struct WsConn {
    sink: Option<SplitSink<WebSocketStream<Stream>, Message>>,
    events: mpsc::UnboundedReceiver<WsEvent>,
    reader: JoinHandle<()>,
    transcript: Transcript,
    send_timeout: Duration,
    response_headers: HeaderMap,
}

impl WsConn {
    /// Send the upgrade request for `<path>?<query>` with `headers` (each replaces a default
    /// handshake header of the same name, so a case can send a wrong `Sec-WebSocket-Version` on
    /// purpose) and wait at most `timeout` for the answer. `timeout` also bounds each later send.
    ///
    /// Errors: connect/TLS failures; `Timeout`; `Closed` or `Protocol` when the answer is not an
    /// HTTP response; `ApiMisuse` for an invalid header or query.
    pub(crate) async fn connect(
        connector: &Connector,
        transcript: &Transcript,
        query: &str,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<WsConnect, TransportError> {
        let target = connector.target().http_path(query);
        let recorded = capture_headers(headers.iter().map(|(n, v)| (*n, v.as_bytes())));
        transcript.record(
            Direction::Out,
            EntryKind::WsConnect {
                target: target.clone(),
                headers: recorded,
            },
        );
        let result = match build_request(connector, query, headers) {
            Ok(request) => tokio::time::timeout(timeout, handshake(connector, request)).await,
            Err(err) => Ok(Err(err)),
        };
        let (ws, response) = match result {
            Ok(Ok(Ok(pair))) => pair,
            Ok(Ok(Err(refusal))) => {
                let headers = refusal
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_bytes()));
                let kind = EntryKind::WsRefused {
                    status: refusal.status,
                    headers: capture_headers(headers),
                    body: Body::capture(&refusal.body),
                };
                transcript.record(Direction::In, kind);
                return Ok(WsConnect::Refused(refusal));
            }
            Ok(Err(err)) => {
                transcript.error(&format!("ws connect {target}"), err.to_string());
                return Err(err);
            }
            Err(_) => {
                transcript.timeout(&format!("ws upgrade response to {target}"), timeout);
                return Err(TransportError::Timeout {
                    during: "ws upgrade",
                    after: timeout,
                });
            }
        };
        let response_headers = response.headers().clone();
        let recorded = capture_headers(
            response_headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        );
        let kind = EntryKind::WsOpen {
            status: response.status().as_u16(),
            headers: recorded,
        };
        transcript.record(Direction::In, kind);

        let (sink, stream) = ws.split();
        let (tx, events) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read_loop(stream, tx, transcript.clone()));
        Ok(WsConnect::Open(Self {
            sink: Some(sink),
            events,
            reader,
            transcript: transcript.clone(),
            send_timeout: timeout,
            response_headers,
        }))
    }

    /// The 101 response's headers.
    pub(crate) fn response_headers(&self) -> &HeaderMap {
        &self.response_headers
    }

    /// The next incoming event, waiting at most `timeout`. Events queue up from the moment they
    /// arrive, so none is lost between calls.
    ///
    /// Errors: `Timeout` (recorded; the connection stays open); `Closed` once the `Closed` event
    /// has been returned, or after [`drop_tcp`](Self::drop_tcp).
    pub(crate) async fn recv(&mut self, timeout: Duration) -> Result<WsEvent, TransportError> {
        match tokio::time::timeout(timeout, self.events.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(TransportError::Closed {
                during: "ws recv",
                message: "the connection has ended and every event was received".to_owned(),
            }),
            Err(_) => {
                self.transcript.timeout("ws message", timeout);
                Err(TransportError::Timeout {
                    during: "ws recv",
                    after: timeout,
                })
            }
        }
    }

    /// The next event if one is already queued.
    pub(crate) fn try_recv(&mut self) -> Option<WsEvent> {
        self.events.try_recv().ok()
    }

    /// Send one text message.
    ///
    /// Errors: `Timeout` when the server does not read (the connect timeout bounds each send);
    /// `Closed` when the connection is gone; `ApiMisuse` after `close` or `drop_tcp`.
    pub(crate) async fn send_text(
        &mut self,
        text: impl Into<String>,
    ) -> Result<(), TransportError> {
        self.send_message(Message::text(text.into())).await
    }

    /// Send one binary message. Errors as for [`send_text`](Self::send_text).
    pub(crate) async fn send_binary(
        &mut self,
        data: impl Into<Bytes>,
    ) -> Result<(), TransportError> {
        self.send_message(Message::Binary(data.into())).await
    }

    /// Send any tungstenite message, including pings and raw frames (`Message::Frame`), for cases
    /// that need more than text and binary. Errors as for [`send_text`](Self::send_text).
    pub(crate) async fn send_message(&mut self, message: Message) -> Result<(), TransportError> {
        record_message(&self.transcript, Direction::Out, &message);
        let Some(sink) = self.sink.as_mut() else {
            let err = TransportError::ApiMisuse {
                message: "send after close or drop_tcp".to_owned(),
            };
            self.transcript.error("ws send", err.to_string());
            return Err(err);
        };
        match tokio::time::timeout(self.send_timeout, sink.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                let err = map_ws_error("ws send", e);
                self.transcript.error("ws send", err.to_string());
                Err(err)
            }
            Err(_) => {
                self.transcript.timeout("ws send", self.send_timeout);
                Err(TransportError::Timeout {
                    during: "ws send",
                    after: self.send_timeout,
                })
            }
        }
    }

    /// Close gracefully: send a close frame (`code` `None` sends one without a status, as a
    /// browser's `ws.close()` does), then wait at most `timeout` for the server's close frame and
    /// the end of the connection. Events that arrive meanwhile, the server's `Closed` included,
    /// stay queued for [`recv`](Self::recv). The connection is dropped on return either way.
    ///
    /// Errors: `Timeout` when the server did not finish the closing handshake in time; send
    /// errors as for [`send_text`](Self::send_text).
    pub(crate) async fn close(
        &mut self,
        code: Option<u16>,
        timeout: Duration,
    ) -> Result<(), TransportError> {
        let frame = code.map(|code| CloseFrame {
            code: CloseCode::from(code),
            reason: "".into(),
        });
        let sent = self.send_message(Message::Close(frame)).await;
        // With no close frame sent there is no closing handshake to wait for.
        let finished = sent.is_ok()
            && tokio::time::timeout(timeout, &mut self.reader)
                .await
                .is_ok();
        self.sink = None;
        self.reader.abort();
        sent?;
        if finished {
            Ok(())
        } else {
            self.transcript.timeout("ws closing handshake", timeout);
            Err(TransportError::Timeout {
                during: "ws close",
                after: timeout,
            })
        }
    }

    /// Drop the TCP connection now, without a close frame, to check that the server notices a
    /// vanished peer. Events already queued stay readable; after them `recv` returns `Closed`.
    pub(crate) async fn drop_tcp(&mut self) {
        self.reader.abort();
        // The stream closes once both halves are gone: wait for the reader's half to drop.
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.reader).await;
        if self.sink.take().is_some() {
            let kind = EntryKind::WsEnd {
                message: "runner dropped the TCP connection".to_owned(),
            };
            self.transcript.record(Direction::Out, kind);
        }
    }
}

impl Drop for WsConn {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl WsEvent {
    /// The close code a browser's `CloseEvent` would report: the frame's code, 1005 for a close
    /// frame without one, 1006 for a connection that ended without a close frame. `None` for
    /// messages.
    pub(crate) fn browser_close_code(&self) -> Option<u16> {
        match self {
            Self::Closed {
                code,
                cause: CloseCause::CloseFrame,
                ..
            } => Some(code.unwrap_or(1005)),
            Self::Closed { .. } => Some(1006),
            _ => None,
        }
    }

    /// Whether this is the final `Closed` event.
    pub(crate) fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. })
    }
}

type Handshake = Result<(WebSocketStream<Stream>, http::Response<Option<Vec<u8>>>), WsRefusal>;

fn build_request(
    connector: &Connector,
    query: &str,
    headers: &[(&str, &str)],
) -> Result<http::Request<()>, TransportError> {
    let misuse = |message: String| TransportError::ApiMisuse { message };
    let url = connector.target().ws_url(query);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| misuse(format!("bad ws url {url:?}: {e}")))?;
    let mut seen: Vec<HeaderName> = Vec::new();
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| misuse(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| misuse(format!("invalid value for header {name}: {value:?}")))?;
        if seen.contains(&name) {
            request.headers_mut().append(name, value);
        } else {
            request.headers_mut().insert(name.clone(), value);
            seen.push(name);
        }
    }
    Ok(request)
}

async fn handshake(
    connector: &Connector,
    request: http::Request<()>,
) -> Result<Handshake, TransportError> {
    let stream = connector.connect().await?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_SIZE))
        .max_frame_size(Some(MAX_MESSAGE_SIZE));
    match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
        Ok((ws, response)) => Ok(Ok((ws, response))),
        Err(WsError::Http(response)) => {
            let (parts, body) = (*response).into_parts();
            Ok(Err(WsRefusal {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body: body.unwrap_or_default(),
            }))
        }
        Err(e) => Err(map_ws_error("ws upgrade", e)),
    }
}

/// Push every incoming message into `tx` as it arrives, then one `Closed` event.
async fn read_loop(
    mut stream: SplitStream<WebSocketStream<Stream>>,
    tx: mpsc::UnboundedSender<WsEvent>,
    transcript: Transcript,
) {
    let mut closed = false;
    loop {
        let next = if closed {
            // Keep reading briefly so tungstenite flushes its close reply and sees the end.
            match tokio::time::timeout(POST_CLOSE_GRACE, stream.next()).await {
                Ok(next) => next,
                Err(_) => break,
            }
        } else {
            stream.next().await
        };
        let message = match next {
            Some(Ok(message)) => message,
            Some(Err(_)) | None if closed => break,
            Some(Err(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake))) | None => {
                end(&tx, &transcript, CloseCause::Eof, "eof".to_owned());
                break;
            }
            Some(Err(e)) => {
                let message = map_ws_error("ws recv", e).to_string();
                end(&tx, &transcript, CloseCause::Error, message);
                break;
            }
        };
        record_message(&transcript, Direction::In, &message);
        let event = match message {
            Message::Text(text) => WsEvent::Text(text.as_str().to_owned()),
            Message::Binary(data) => WsEvent::Binary(data.to_vec()),
            Message::Close(frame) => {
                closed = true;
                let (code, reason) = match frame {
                    Some(f) => (Some(u16::from(f.code)), f.reason.as_str().to_owned()),
                    None => (None, String::new()),
                };
                WsEvent::Closed {
                    code,
                    reason,
                    cause: CloseCause::CloseFrame,
                }
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        // A send error means the WsConn is gone; nobody is listening, so stop.
        if tx.send(event).is_err() {
            break;
        }
    }
}

fn end(
    tx: &mpsc::UnboundedSender<WsEvent>,
    transcript: &Transcript,
    cause: CloseCause,
    message: String,
) {
    transcript.record(
        Direction::In,
        EntryKind::WsEnd {
            message: message.clone(),
        },
    );
    let _ = tx.send(WsEvent::Closed {
        code: None,
        reason: message,
        cause,
    });
}

fn record_message(transcript: &Transcript, direction: Direction, message: &Message) {
    let kind = match message {
        Message::Text(text) => EntryKind::WsText {
            body: Body::text(text.as_str()),
        },
        Message::Binary(data) => EntryKind::WsBinary {
            body: Body::hex(data),
        },
        Message::Ping(data) => EntryKind::WsPing {
            body: Body::hex(data),
        },
        Message::Pong(data) => EntryKind::WsPong {
            body: Body::hex(data),
        },
        Message::Close(frame) => EntryKind::WsClose {
            code: frame.as_ref().map(|f| u16::from(f.code)),
            reason: frame
                .as_ref()
                .map(|f| f.reason.as_str().to_owned())
                .unwrap_or_default(),
        },
        Message::Frame(frame) => EntryKind::Note {
            text: format!("ws raw frame {frame}"),
        },
    };
    transcript.record(direction, kind);
}

fn map_ws_error(during: &'static str, err: WsError) -> TransportError {
    match err {
        WsError::Io(e) => TransportError::from_io(during, &e),
        WsError::ConnectionClosed | WsError::AlreadyClosed => TransportError::Closed {
            during,
            message: "websocket already closed".to_owned(),
        },
        WsError::Url(e) => TransportError::ApiMisuse {
            message: one_line(&e.to_string()),
        },
        WsError::HttpFormat(e) => TransportError::ApiMisuse {
            message: one_line(&e.to_string()),
        },
        other => TransportError::Protocol {
            during,
            message: one_line(&other.to_string()),
        },
    }
}
