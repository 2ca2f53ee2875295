//! HTTP long-polling transport: raw HTTP/1.1 requests on fresh connections.
//!
//! Each request opens its own TCP (or TLS) connection and closes it when the response is complete,
//! so a long-poll GET and a POST run side by side exactly as the protocol requires (protocol-facts
//! A.7.1), and dropping a request drops exactly its connection. That is how a case aborts a GET
//! ("an aborted GET closes the session", A.7.5).
//!
//! Nothing is encoded here: the body is the Engine.IO payload bytes the case built (with the codec
//! or by hand), and the response body comes back as bytes. No `Accept-Encoding` is sent unless the
//! case adds one. Every request, response, abort, error and timeout is recorded in the case's
//! [`Transcript`].
//!
//! A timeout on [`PollingClient::request`] drops the connection too: a timed-out long-poll GET has
//! been aborted, and the server will close the session. To wait for a GET in steps, use
//! [`PollingClient::spawn_request`] and [`PendingRequest::wait`], which leaves the request running
//! when its wait times out.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HOST, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::task::JoinHandle;

use super::error::TransportError;
use super::stream::Connector;
use super::transcript::{Body, Direction, EntryKind, Transcript, capture_headers};

/// Largest response body accepted; a bigger one fails with [`TransportError::Protocol`].
pub(crate) const MAX_RESPONSE_BODY: usize = 64 * 1024 * 1024;
/// How long [`PendingRequest::abort`] waits for the request task to wind down.
const ABORT_GRACE: Duration = Duration::from_secs(1);

/// Sends HTTP requests to the target's Engine.IO path. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct PollingClient {
    connector: Connector,
    transcript: Transcript,
}

/// A complete HTTP response.
#[derive(Clone, Debug)]
pub(crate) struct HttpResponse {
    /// Status code.
    pub(crate) status: u16,
    /// All response headers.
    pub(crate) headers: HeaderMap,
    /// The whole body (at most [`MAX_RESPONSE_BODY`] bytes).
    pub(crate) body: Bytes,
}

/// A request running in the background, started by [`PollingClient::spawn_request`].
///
/// Dropping it aborts the request (its connection is dropped).
#[derive(Debug)]
pub(crate) struct PendingRequest {
    handle: Option<JoinHandle<Result<HttpResponse, TransportError>>>,
    transcript: Transcript,
    method: String,
    target: String,
}

/// A request checked and built, ready to send.
struct Prepared {
    request: Request<Full<Bytes>>,
    method: String,
    target: String,
    recorded_headers: Vec<(String, String)>,
    body: Bytes,
}

impl PollingClient {
    /// A client for the connector's target that records into `transcript`.
    pub(crate) fn new(connector: Connector, transcript: Transcript) -> Self {
        Self {
            connector,
            transcript,
        }
    }

    /// The transcript this client records into.
    pub(crate) fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Send one request to `<path>?<query>` and wait, at most `timeout` in all (connect, send,
    /// whole response), for the response.
    ///
    /// `headers` are added as given (a `Host` here replaces the automatic one); the query is used
    /// verbatim. Call this for every polling exchange whose response is expected promptly.
    ///
    /// Errors: connect/TLS failures; `Timeout` (the request is then aborted); `Closed` when the
    /// server drops the connection before a complete response; `Protocol` for a malformed
    /// response; `ApiMisuse` for a header or query that is not valid HTTP (use
    /// [`super::raw::raw_exchange`] to send such bytes on purpose).
    pub(crate) async fn request(
        &self,
        method: Method,
        query: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        match self.prepare(method, query, headers, body.into()) {
            Ok(prepared) => {
                run(
                    self.connector.clone(),
                    self.transcript.clone(),
                    prepared,
                    timeout,
                )
                .await
            }
            Err(err) => {
                self.transcript.error("http request", err.to_string());
                Err(err)
            }
        }
    }

    /// `GET <path>?<query>` with no extra headers. See [`Self::request`].
    pub(crate) async fn get(
        &self,
        query: &str,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        self.request(Method::GET, query, &[], Bytes::new(), timeout)
            .await
    }

    /// `POST <path>?<query>` with `body` as `text/plain;charset=UTF-8`, as the reference client
    /// sends it. See [`Self::request`].
    pub(crate) async fn post(
        &self,
        query: &str,
        body: impl Into<Bytes>,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        let headers = [("content-type", "text/plain;charset=UTF-8")];
        self.request(Method::POST, query, &headers, body, timeout)
            .await
    }

    /// Start a request in the background, e.g. a long-poll GET that should stay pending while the
    /// case POSTs or opens a WebSocket. `timeout` bounds the whole request; each
    /// [`PendingRequest::wait`] has its own bound too.
    ///
    /// Must be called from inside a tokio runtime. Errors surface from `wait`.
    pub(crate) fn spawn_request(
        &self,
        method: Method,
        query: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
        timeout: Duration,
    ) -> PendingRequest {
        let method_name = method.to_string();
        let target = self.connector.target().http_path(query);
        let connector = self.connector.clone();
        let transcript = self.transcript.clone();
        let prepared = self.prepare(method, query, headers, body.into());
        let handle = tokio::spawn(async move {
            match prepared {
                Ok(prepared) => run(connector, transcript, prepared, timeout).await,
                Err(err) => {
                    transcript.error("http request", err.to_string());
                    Err(err)
                }
            }
        });
        PendingRequest {
            handle: Some(handle),
            transcript: self.transcript.clone(),
            method: method_name,
            target,
        }
    }

    fn prepare(
        &self,
        method: Method,
        query: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Prepared, TransportError> {
        let target = self.connector.target().http_path(query);
        let misuse = |message: String| TransportError::ApiMisuse { message };
        let mut builder = Request::builder()
            .method(method.clone())
            .uri(target.as_str());
        let has_host = headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"));
        if !has_host {
            builder = builder.header(HOST, self.connector.target().authority());
        }
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| misuse(format!("invalid header name {name:?}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| misuse(format!("invalid value for header {name}: {value:?}")))?;
            builder = builder.header(name, value);
        }
        let request = builder
            .body(Full::new(body.clone()))
            .map_err(|e| misuse(format!("cannot build request for {target:?}: {e}")))?;
        let recorded_headers = headers.iter().map(|(n, v)| (*n, v.as_bytes()));
        Ok(Prepared {
            request,
            method: method.to_string(),
            target,
            recorded_headers: capture_headers(recorded_headers),
            body,
        })
    }
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive), if present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type` header, if any.
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// The body as UTF-8 text, if it is valid UTF-8.
    pub(crate) fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

impl PendingRequest {
    /// Wait at most `timeout` for the response. On timeout the request keeps running, so the case
    /// can wait again or [`abort`](Self::abort) it.
    ///
    /// Errors: `Timeout` for this wait; the request's own error; `ApiMisuse` when the response was
    /// already returned by an earlier `wait`.
    pub(crate) async fn wait(&mut self, timeout: Duration) -> Result<HttpResponse, TransportError> {
        let Some(handle) = self.handle.as_mut() else {
            return Err(TransportError::ApiMisuse {
                message: "response already taken".to_owned(),
            });
        };
        match tokio::time::timeout(timeout, handle).await {
            Ok(joined) => {
                self.handle = None;
                joined.unwrap_or_else(|e| {
                    Err(TransportError::Closed {
                        during: "http response",
                        message: format!("request task ended: {e}"),
                    })
                })
            }
            Err(_) => {
                self.transcript.timeout(
                    &format!("pending response to {} {}", self.method, self.target),
                    timeout,
                );
                Err(TransportError::Timeout {
                    during: "http response",
                    after: timeout,
                })
            }
        }
    }

    /// Whether the request has finished (response, error or its own timeout), so `wait` returns
    /// at once.
    pub(crate) fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Drop the request's connection now, mid-request. Returns whether it was still in flight
    /// (`false`: it had already finished, so nothing was aborted).
    pub(crate) async fn abort(mut self) -> bool {
        let Some(handle) = self.handle.take() else {
            return false;
        };
        if handle.is_finished() {
            self.transcript.note(format!(
                "abort of {} {} had no effect: already finished",
                self.method, self.target
            ));
            return false;
        }
        handle.abort();
        // The connection closes when the task's future is dropped; wait for that, briefly.
        let _ = tokio::time::timeout(ABORT_GRACE, handle).await;
        let kind = EntryKind::HttpAbort {
            method: self.method.clone(),
            target: self.target.clone(),
        };
        self.transcript.record(Direction::Out, kind);
        true
    }
}

impl Drop for PendingRequest {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}

/// Run a prepared request within `timeout`, recording it, its response or its failure.
async fn run(
    connector: Connector,
    transcript: Transcript,
    prepared: Prepared,
    timeout: Duration,
) -> Result<HttpResponse, TransportError> {
    let Prepared {
        request,
        method,
        target,
        recorded_headers,
        body,
    } = prepared;
    let kind = EntryKind::HttpRequest {
        method: method.clone(),
        target: target.clone(),
        headers: recorded_headers,
        body: Body::capture(&body),
    };
    transcript.record(Direction::Out, kind);
    match tokio::time::timeout(timeout, exchange(&connector, request)).await {
        Ok(Ok(response)) => {
            let headers = response
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes()));
            let kind = EntryKind::HttpResponse {
                status: response.status,
                headers: capture_headers(headers),
                body: Body::capture(&response.body),
            };
            transcript.record(Direction::In, kind);
            Ok(response)
        }
        Ok(Err(err)) => {
            transcript.error(&format!("{method} {target}"), err.to_string());
            Err(err)
        }
        Err(_) => {
            transcript.timeout(&format!("response to {method} {target}"), timeout);
            Err(TransportError::Timeout {
                during: "http response",
                after: timeout,
            })
        }
    }
}

/// Connect, send, and read the whole response. The connection is dropped on return.
async fn exchange(
    connector: &Connector,
    request: Request<Full<Bytes>>,
) -> Result<HttpResponse, TransportError> {
    let stream = connector.connect().await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| map_hyper("http handshake", &e))?;
    let response = async move {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| map_hyper("http response", &e))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, MAX_RESPONSE_BODY)
            .collect()
            .await
            .map_err(|e| match e.downcast_ref::<hyper::Error>() {
                Some(e) => map_hyper("http response body", e),
                None => TransportError::Protocol {
                    during: "http response body",
                    message: format!("body larger than {MAX_RESPONSE_BODY} bytes ({e})"),
                },
            })?;
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: body.to_bytes(),
        })
    };
    tokio::pin!(conn, response);
    // Drive the connection and the exchange together in this task, so that dropping the task
    // (abort, timeout) drops the connection with it.
    tokio::select! {
        result = &mut response => result,
        _ = &mut conn => response.await,
    }
}

/// Classify a hyper error: I/O problems by their `io::Error`, parse failures as protocol errors.
fn map_hyper(during: &'static str, err: &hyper::Error) -> TransportError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return TransportError::from_io(during, io);
        }
        source = s.source();
    }
    let message = super::error::one_line(&err.to_string());
    if err.is_parse() || err.is_parse_status() {
        TransportError::Protocol { during, message }
    } else {
        TransportError::Closed { during, message }
    }
}
