//! One HTTP/1.1 request per TCP connection (hyper client), as the long-polling transport needs:
//! a parked `GET` and a `POST` run side by side on their own connections.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Largest response body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A complete response: status and body.
#[derive(Debug, Clone)]
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// Sends `method path_and_query` to `authority` (`host:port`) with an optional text body and
/// waits, at most `timeout` in all, for the whole response.
pub(crate) async fn request(
    authority: &str,
    method: Method,
    path_and_query: &str,
    body: Option<String>,
    timeout: Duration,
) -> Result<HttpResponse, String> {
    let what = format!("{method} {path_and_query}");
    tokio::time::timeout(timeout, exchange(authority, method, path_and_query, body))
        .await
        .map_err(|_| format!("{what}: no complete response within {timeout:?}"))?
        .map_err(|e| format!("{what}: {e}"))
}

async fn exchange(
    authority: &str,
    method: Method,
    path_and_query: &str,
    body: Option<String>,
) -> Result<HttpResponse, String> {
    let stream = TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connect {authority}: {e}"))?;
    // Small packets go out at once (no Nagle delay against the peer's delayed ACK).
    let _ = stream.set_nodelay(true);
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    // The connection task ends when `sender` is dropped (or the server closes).
    let conn = tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut builder = Request::builder()
        .method(method)
        .uri(path_and_query)
        .header(HOST, authority);
    if body.is_some() {
        builder = builder.header(CONTENT_TYPE, "text/plain;charset=UTF-8");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| format!("building the request: {e}"))?;
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_bytes();
        Ok(HttpResponse { status, body })
    }
    .await;
    drop(sender);
    conn.abort();
    result
}
