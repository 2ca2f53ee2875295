//! The transport layer against tiny in-test servers on 127.0.0.1: a plain HTTP/1.1 responder and
//! a WebSocket echo. This tests the transports themselves, not any Socket.IO server.

#[path = "../src/transport/mod.rs"]
#[allow(dead_code)]
mod transport;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;

use transport::{
    CloseCause, Connector, PollingClient, RawEnd, Target, Transcript, TransportError, WsConn,
    WsConnect, WsEvent, raw_exchange,
};

const SHORT: Duration = Duration::from_millis(150);
const LONG: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------------
// In-test servers

/// A plain HTTP/1.1 responder. `?mode=hang` never answers (and reports when the client goes
/// away), `?mode=delay` answers after 300 ms, anything else answers 200 with the request body (or
/// `ok`). A request line that is not `METHOD /target HTTP/1.1` gets 400 and a close.
struct HttpServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    events: mpsc::UnboundedReceiver<String>,
}

async fn http_server() -> HttpServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let (tx, events) = mpsc::unbounded_channel();
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_http(sock, tx.clone()));
        }
    });
    HttpServer {
        addr,
        accepted,
        events,
    }
}

async fn serve_http(mut sock: TcpStream, events: mpsc::UnboundedSender<String>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match tokio::time::timeout(LONG, sock.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => data.extend_from_slice(&buf[..n]),
            _ => return,
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut words = head.lines().next().unwrap_or("").split(' ');
    let (method, target, version) = (words.next(), words.next(), words.next());
    let (Some(method), Some(target), Some("HTTP/1.1")) = (method, target, version) else {
        let _ = sock
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    };
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        match tokio::time::timeout(LONG, sock.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let _ = events.send(format!("{method} {target}"));
    if target.contains("mode=hang") {
        // Never answer; report when the client drops the connection.
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_secs(5), sock.read(&mut buf)).await
        {
            if n == 0 {
                let _ = events.send(format!("closed {target}"));
                return;
            }
        }
        return;
    }
    if target.contains("mode=delay") {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let body = if body.is_empty() {
        b"ok".to_vec()
    } else {
        body
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(&body).await;
}

/// A WebSocket echo. `?refuse` answers the upgrade with 400; the text messages `close-code`,
/// `close-nocode` and `burst` make it close with 4001 "bye", close without a code, or send three
/// messages at once. It reports how each connection ended.
async fn ws_server() -> (SocketAddr, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, events) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve_ws(sock, tx.clone()));
        }
    });
    (addr, events)
}

/// The upgrade callback: `?refuse` gets a 400 like engine.io's "Transport unknown".
// The error type is tungstenite's callback signature, not ours to shrink.
#[allow(clippy::result_large_err)]
fn refuse(req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
    if req.uri().query().unwrap_or("").contains("refuse") {
        let body = "Transport unknown";
        let refusal = http::Response::builder()
            .status(400)
            .header("content-type", "text/html")
            .header("content-length", body.len())
            .body(Some(body.to_owned()))
            .unwrap();
        return Err(refusal);
    }
    Ok(resp)
}

async fn serve_ws(sock: TcpStream, events: mpsc::UnboundedSender<String>) {
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(sock, refuse).await else {
        return;
    };
    let outcome = loop {
        let message = match tokio::time::timeout(LONG, ws.next()).await {
            Ok(Some(Ok(message))) => message,
            Ok(Some(Err(e))) => break format!("error: {e}"),
            Ok(None) => break "eof".to_owned(),
            Err(_) => break "idle".to_owned(),
        };
        let reply = match message {
            Message::Text(t) if t.as_str() == "close-code" => Message::Close(Some(CloseFrame {
                code: 4001.into(),
                reason: "bye".into(),
            })),
            Message::Text(t) if t.as_str() == "close-nocode" => Message::Close(None),
            Message::Text(t) if t.as_str() == "burst" => {
                for m in ["a", "b"] {
                    let _ = ws.feed(Message::text(m)).await;
                }
                Message::text("c")
            }
            Message::Close(frame) => {
                let code = frame.map(|f| u16::from(f.code));
                let _ = ws.close(None).await;
                break format!("close frame {code:?}");
            }
            m @ (Message::Text(_) | Message::Binary(_)) => m,
            _ => continue,
        };
        if ws.send(reply).await.is_err() {
            break "send failed".to_owned();
        }
    };
    let _ = events.send(outcome);
}

fn connector(addr: SocketAddr) -> Connector {
    Connector::new(Target::parse(&format!("http://{addr}")).unwrap(), None)
}

async fn next_event(events: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(LONG, events.recv())
        .await
        .expect("server event in time")
        .expect("server alive")
}

async fn open_ws(addr: SocketAddr, transcript: &Transcript) -> WsConn {
    match WsConn::connect(
        &connector(addr),
        transcript,
        "EIO=4&transport=websocket",
        &[],
        LONG,
    )
    .await
    {
        Ok(WsConnect::Open(ws)) => ws,
        other => panic!("expected an open websocket, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Polling

#[tokio::test]
async fn polling_records_requests_and_responses() {
    let server = http_server().await;
    let transcript = Transcript::new();
    let client = PollingClient::new(connector(server.addr), transcript.clone());

    let response = client.get("EIO=4&transport=polling", LONG).await.unwrap();
    assert_eq!((response.status, response.text()), (200, Some("ok")));
    assert_eq!(response.content_type(), Some("text/plain; charset=UTF-8"));

    let response = client
        .post("EIO=4&transport=polling&sid=abc", "4hello\u{1e}4x", LONG)
        .await
        .unwrap();
    assert_eq!(response.text(), Some("4hello\u{1e}4x"));

    let headers = [("Origin", "http://example.com")];
    let response = client
        .request(Method::PUT, "sid=abc", &headers, Bytes::new(), LONG)
        .await
        .unwrap();
    assert_eq!(response.status, 200);

    let rendered = transcript.render();
    let lines: Vec<&str> = rendered
        .lines()
        .map(|l| l.split_once("ms ").unwrap().1)
        .collect();
    assert_eq!(
        lines,
        [
            "→  GET /socket.io/?EIO=4&transport=polling",
            "←  200 text/plain; charset=UTF-8  \"ok\"",
            "→  POST /socket.io/?EIO=4&transport=polling&sid=abc  [content-type: text/plain;charset=UTF-8]  body \"4hello\\x1e4x\"",
            "←  200 text/plain; charset=UTF-8  \"4hello\\x1e4x\"",
            "→  PUT /socket.io/?sid=abc  [Origin: http://example.com]",
            "←  200 text/plain; charset=UTF-8  \"ok\"",
        ],
        "{rendered}"
    );
    assert_eq!(transcript.to_json()["entries"][1]["status"], 200);
}

#[tokio::test]
async fn concurrent_requests_use_separate_connections() {
    let server = http_server().await;
    let client = PollingClient::new(connector(server.addr), Transcript::new());
    let started = Instant::now();
    let mut get = client.spawn_request(Method::GET, "mode=delay&n=1", &[], Bytes::new(), LONG);
    let post = client.request(Method::POST, "mode=delay&n=2", &[], "4x", LONG);
    let (got, posted) = tokio::join!(get.wait(LONG), post);
    assert_eq!(got.unwrap().text(), Some("ok"));
    assert_eq!(posted.unwrap().text(), Some("4x"));
    // Each waits 300 ms on the server: one shared connection would take 600 ms.
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn aborting_a_pending_request_drops_its_connection() {
    let mut server = http_server().await;
    let transcript = Transcript::new();
    let client = PollingClient::new(connector(server.addr), transcript.clone());
    let mut get = client.spawn_request(Method::GET, "mode=hang", &[], Bytes::new(), LONG);
    assert_eq!(
        next_event(&mut server.events).await,
        "GET /socket.io/?mode=hang"
    );

    // A wait that times out leaves the request running.
    let err = get.wait(Duration::from_millis(50)).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(!get.is_finished());

    assert!(get.abort().await);
    assert_eq!(
        next_event(&mut server.events).await,
        "closed /socket.io/?mode=hang"
    );
    assert!(
        transcript
            .render()
            .contains("→  abort GET /socket.io/?mode=hang (connection dropped)")
    );
}

#[tokio::test]
async fn request_timeout_fires_and_is_recorded() {
    let mut server = http_server().await;
    let transcript = Transcript::new();
    let client = PollingClient::new(connector(server.addr), transcript.clone());
    let started = Instant::now();
    let err = client
        .request(Method::GET, "mode=hang", &[], Bytes::new(), SHORT)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        err,
        TransportError::Timeout {
            during: "http response",
            after: SHORT
        }
    );
    assert!(
        transcript
            .render()
            .contains("!  timeout after 150ms waiting for response to GET /socket.io/?mode=hang")
    );
    // The timed-out request's connection was dropped.
    assert_eq!(
        next_event(&mut server.events).await,
        "GET /socket.io/?mode=hang"
    );
    assert_eq!(
        next_event(&mut server.events).await,
        "closed /socket.io/?mode=hang"
    );
}

#[tokio::test]
async fn refused_connection_is_a_typed_error() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let transcript = Transcript::new();
    let client = PollingClient::new(connector(addr), transcript.clone());
    let err = client.get("EIO=4", LONG).await.unwrap_err();
    assert_eq!(
        err,
        TransportError::ConnectRefused {
            addr: addr.to_string()
        }
    );
    assert_eq!(err.code(), "connect-refused");
    assert!(
        transcript
            .render()
            .contains(&format!("connection refused by {addr}"))
    );
}

#[tokio::test]
async fn invalid_header_is_api_misuse() {
    let server = http_server().await;
    let client = PollingClient::new(connector(server.addr), Transcript::new());
    let err = client
        .request(Method::GET, "", &[("bad header", "x")], Bytes::new(), LONG)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "api-misuse");
}

// ---------------------------------------------------------------------------------------------
// WebSocket

#[tokio::test]
async fn websocket_echoes_text_and_binary() {
    let (addr, _events) = ws_server().await;
    let transcript = Transcript::new();
    let mut ws = open_ws(addr, &transcript).await;

    ws.send_text("4hello").await.unwrap();
    assert_eq!(
        ws.recv(LONG).await.unwrap(),
        WsEvent::Text("4hello".to_owned())
    );
    ws.send_binary(vec![1u8, 2, 3]).await.unwrap();
    assert_eq!(ws.recv(LONG).await.unwrap(), WsEvent::Binary(vec![1, 2, 3]));

    let big = vec![0xabu8; 2 * 1024 * 1024];
    ws.send_binary(big.clone()).await.unwrap();
    assert_eq!(ws.recv(LONG).await.unwrap(), WsEvent::Binary(big));

    let rendered = transcript.render();
    for line in [
        "⇒  ws connect GET /socket.io/?EIO=4&transport=websocket",
        "⇐  ws 101 open",
        "⇒  ws text \"4hello\"",
        "⇐  ws text \"4hello\"",
        "⇐  ws binary 010203 (3 bytes)",
        "… (2097152 bytes)",
    ] {
        assert!(rendered.contains(line), "missing {line:?} in\n{rendered}");
    }
}

#[tokio::test]
async fn websocket_buffers_messages_between_reads() {
    let (addr, _events) = ws_server().await;
    let mut ws = open_ws(addr, &Transcript::new()).await;
    ws.send_text("burst").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let queued: Vec<_> = std::iter::from_fn(|| ws.try_recv()).collect();
    let expected: Vec<_> = ["a", "b", "c"].map(|s| WsEvent::Text(s.to_owned())).into();
    assert_eq!(queued, expected);
}

#[tokio::test]
async fn websocket_refusal_captures_status_and_body() {
    let (addr, _events) = ws_server().await;
    let transcript = Transcript::new();
    let outcome = WsConn::connect(
        &connector(addr),
        &transcript,
        "EIO=4&transport=websocket&refuse=1",
        &[],
        LONG,
    )
    .await;
    let Ok(WsConnect::Refused(refusal)) = outcome else {
        panic!("expected a refusal, got {outcome:?}")
    };
    assert_eq!(refusal.status, 400);
    assert_eq!(refusal.body, b"Transport unknown");
    assert!(
        transcript
            .render()
            .contains("⇐  ws refused 400 text/html  \"Transport unknown\"")
    );
}

#[tokio::test]
async fn websocket_close_codes_are_captured() {
    let (addr, mut events) = ws_server().await;
    let transcript = Transcript::new();

    let mut ws = open_ws(addr, &transcript).await;
    ws.send_text("close-code").await.unwrap();
    let closed = ws.recv(LONG).await.unwrap();
    assert_eq!(
        closed,
        WsEvent::Closed {
            code: Some(4001),
            reason: "bye".into(),
            cause: CloseCause::CloseFrame
        }
    );
    assert_eq!(closed.browser_close_code(), Some(4001));
    assert!(ws.recv(LONG).await.unwrap_err().is_closed());
    assert!(ws.send_text("late").await.is_err());
    next_event(&mut events).await;

    let mut ws = open_ws(addr, &transcript).await;
    ws.send_text("close-nocode").await.unwrap();
    let closed = ws.recv(LONG).await.unwrap();
    assert_eq!(closed.browser_close_code(), Some(1005));
    assert!(transcript.render().contains("⇐  ws close 1005\n"));
}

#[tokio::test]
async fn websocket_recv_times_out() {
    let (addr, _events) = ws_server().await;
    let transcript = Transcript::new();
    let mut ws = open_ws(addr, &transcript).await;
    let started = Instant::now();
    let err = ws.recv(SHORT).await.unwrap_err();
    assert_eq!(
        err,
        TransportError::Timeout {
            during: "ws recv",
            after: SHORT
        }
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        transcript
            .render()
            .contains("!  timeout after 150ms waiting for ws message")
    );
}

#[tokio::test]
async fn websocket_graceful_close_and_abrupt_drop() {
    let (addr, mut events) = ws_server().await;
    let transcript = Transcript::new();

    let mut ws = open_ws(addr, &transcript).await;
    ws.close(Some(1000), LONG).await.unwrap();
    assert_eq!(next_event(&mut events).await, "close frame Some(1000)");

    let mut ws = open_ws(addr, &transcript).await;
    ws.send_text("4x").await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    ws.drop_tcp().await;
    let seen = next_event(&mut events).await;
    assert!(
        seen.starts_with("error:") || seen == "eof",
        "server saw {seen:?}"
    );
    // The echo that arrived before the drop is still readable, then the queue is closed.
    assert_eq!(ws.recv(LONG).await.unwrap(), WsEvent::Text("4x".into()));
    assert!(ws.recv(LONG).await.unwrap_err().is_closed());
    assert!(
        transcript
            .render()
            .contains("⇒  ws ended without close frame: runner dropped the TCP connection")
    );
}

#[tokio::test]
async fn websocket_to_plain_http_server_is_an_upgrade_refusal() {
    let server = http_server().await;
    let outcome = WsConn::connect(
        &connector(server.addr),
        &Transcript::new(),
        "EIO=4",
        &[],
        LONG,
    )
    .await;
    assert!(
        matches!(outcome, Ok(WsConnect::Refused(ref r)) if r.status == 200),
        "{outcome:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Raw

#[tokio::test]
async fn raw_exchange_sends_malformed_bytes() {
    let server = http_server().await;
    let transcript = Transcript::new();
    let reply = raw_exchange(
        &connector(server.addr),
        &transcript,
        b"GARBAGE\r\n\r\n",
        LONG,
    )
    .await
    .unwrap();
    assert!(
        reply.bytes.starts_with(b"HTTP/1.1 400 Bad Request"),
        "{:?}",
        String::from_utf8_lossy(&reply.bytes)
    );
    assert_eq!(reply.end, RawEnd::Eof);
    assert!(
        transcript
            .render()
            .contains("→  raw 11 bytes \"GARBAGE\\r\\n\\r\\n\"")
    );

    let hang = b"GET /socket.io/?mode=hang HTTP/1.1\r\nHost: x\r\n\r\n";
    let reply = raw_exchange(&connector(server.addr), &transcript, hang, SHORT)
        .await
        .unwrap();
    assert_eq!((reply.bytes.len(), reply.end), (0, RawEnd::Timeout));
}
