//! Error responses (spec/engine-io-v4.md, ERR).

use http::Method;
use socketio_codec::engine_io::{ErrorBody, ErrorCode};

use socketio_codec::engine_io::Packet;

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{describe_frame, encode_query, show_body, v3};
use crate::ctx::Ctx;
use crate::transport::{HttpResponse, WsConn, WsConnect, WsEvent};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-ERR-006/application-refusal",
        title: "a handshake the application refuses is answered 403 with code 4",
        requirements: &["EIO4-ERR-006", "EIO4-ERR-001", "TESTEE1-RREF-001"],
        features: &["request-refusal"],
        run: case_fn!(application_refusal),
    },
    Case {
        id: "EIO4-ERR-002/transport-unknown",
        title: "an unknown transport is refused with 400 and code 0",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-002"],
        features: &[],
        run: case_fn!(transport_unknown),
    },
    Case {
        id: "EIO4-ERR-003/sid-unknown",
        title: "an unknown sid is refused with 400 and code 1",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-003"],
        features: &[],
        run: case_fn!(sid_unknown),
    },
    Case {
        id: "EIO4-ERR-004/bad-handshake-method",
        title: "a POST handshake is refused with 400 and code 2",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-004"],
        features: &[],
        run: case_fn!(bad_method),
    },
    Case {
        id: "EIO4-ERR-007/bad-eio",
        title: "a handshake with EIO=abc is refused with 400 and code 5",
        requirements: &["EIO4-ERR-001", "EIO4-ERR-007", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(bad_eio),
    },
    Case {
        id: "EIO4-WS-008/websocket-bad-eio",
        title: "a WebSocket handshake with EIO=abc ends without opening a session",
        requirements: &["EIO4-WS-008", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(websocket_bad_eio),
    },
    Case {
        id: "EIO4-WS-008/websocket-eio-missing",
        title: "a WebSocket handshake without EIO ends without opening a session",
        requirements: &["EIO4-WS-008", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(websocket_eio_missing),
    },
    Case {
        id: "EIO4-ERR-009/websocket-transport-unknown",
        title: "a WebSocket request with transport=abc is refused with 400 before the 101",
        requirements: &["EIO4-ERR-009", "EIO4-ERR-002"],
        features: &[],
        run: case_fn!(websocket_transport_unknown),
    },
    Case {
        id: "EIO4-ERR-009/websocket-sid-unknown",
        title: "a WebSocket upgrade with an unknown sid is refused with 400 before the 101",
        requirements: &["EIO4-ERR-009", "EIO4-UPG-002", "EIO4-ERR-003"],
        features: &[],
        run: case_fn!(websocket_sid_unknown),
    },
    Case {
        id: "EIO4-ERR-001/content-type-json",
        title: "a polling error response has Content-Type application/json and a code/message body",
        requirements: &["EIO4-ERR-001"],
        features: &[],
        run: case_fn!(content_type_json),
    },
    Case {
        id: "EIO4-ERR-004/put-handshake",
        title: "a PUT handshake is refused with 400 and code 2",
        requirements: &["EIO4-ERR-004", "EIO4-ERR-001"],
        features: &[],
        run: case_fn!(put_handshake),
    },
    Case {
        id: "EIO4-ERR-007/eio-missing",
        title: "a handshake without EIO is refused with 400 and code 5",
        requirements: &["EIO4-ERR-007", "EIO4-ERR-001", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(eio_missing),
    },
    Case {
        id: "EIO4-ERR-002/transport-missing",
        title: "a request without transport is refused with 400 and code 0",
        requirements: &["EIO4-ERR-002", "EIO4-ERR-001"],
        features: &[],
        run: case_fn!(transport_missing),
    },
];

/// Sends one request and expects the JSON error body of `code`, with its HTTP status.
async fn expect_error(ctx: &Ctx, method: Method, query: &str, code: ErrorCode) -> Verdict {
    let expected = error_expected(code);
    match ctx
        .polling()
        .request(method, query, &[], bytes::Bytes::new(), ctx.quick())
        .await
    {
        Ok(response) => error_verdict(expected, code, &response),
        Err(e) => Verdict::fail(expected, format!("request failed: {e}")),
    }
}

/// The expected error response for `code`, in words.
fn error_expected(code: ErrorCode) -> String {
    format!(
        "HTTP {} with body {{\"code\":{},\"message\":\"{}\"}}",
        code.http_status(),
        code.as_u8(),
        code.message()
    )
}

/// PASS when `response` is the error response of `code`.
fn error_verdict(expected: String, code: ErrorCode, response: &HttpResponse) -> Verdict {
    let body = String::from_utf8_lossy(&response.body).into_owned();
    let parsed = ErrorBody::decode(&body);
    let ok = response.status == code.http_status()
        && parsed.as_ref().is_ok_and(|b| b.code == code.as_u8());
    Verdict::check(
        ok,
        expected,
        format!("HTTP {} with body {body:?}", response.status),
    )
}

async fn application_refusal(ctx: Ctx) -> Verdict {
    // TESTEE1-RREF-001: the testee's application refuses handshakes carrying `refuse=1`.
    expect_error(
        &ctx,
        Method::GET,
        "EIO=4&transport=polling&refuse=1",
        ErrorCode::Forbidden,
    )
    .await
}

async fn transport_unknown(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::GET,
        "EIO=4&transport=abc",
        ErrorCode::TransportUnknown,
    )
    .await
}

async fn sid_unknown(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::GET,
        "EIO=4&transport=polling&sid=no-such-session-id",
        ErrorCode::UnknownSid,
    )
    .await
}

async fn bad_method(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::POST,
        "EIO=4&transport=polling",
        ErrorCode::BadHandshakeMethod,
    )
    .await
}

async fn bad_eio(ctx: Ctx) -> Verdict {
    expect_version_refusal(&ctx, "EIO=abc&transport=polling").await
}

/// ERR-007, with EIO3-VER-002: a server that also speaks v3 may open a v3 session for an `EIO`
/// that is not exactly `4` instead of refusing it; any other answer must be the code-5 refusal.
async fn expect_version_refusal(ctx: &Ctx, query: &str) -> Verdict {
    let code = ErrorCode::UnsupportedProtocolVersion;
    let mut expected = error_expected(code);
    if ctx.params.eio3 {
        expected
            .push_str("; or, since the server speaks Engine.IO v3, a v3 session (EIO3-VER-002)");
    }
    let response = match ctx
        .polling()
        .request(Method::GET, query, &[], bytes::Bytes::new(), ctx.quick())
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("request failed: {e}")),
    };
    let v3_session = (ctx.params.eio3 && response.status == 200)
        .then(|| v3::parse_v3_open(&response.body, v3::is_octet_stream(&response)).ok())
        .flatten();
    match v3_session {
        Some((handshake, _)) => {
            let sid = handshake.sid.as_str().to_owned();
            let close = format!("EIO=3&transport=polling&sid={}", encode_query(&sid));
            let body = v3::v3_text(&[Packet::close()]);
            let _ = ctx.polling().post(&close, body, ctx.quick()).await;
            Verdict::pass(
                expected,
                format!("HTTP 200 opened an Engine.IO v3 session (sid {sid:?})"),
            )
        }
        None => error_verdict(expected, code, &response),
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket refusals and more error bodies.

/// How the server treated a WebSocket request that must not open a session.
enum WsOutcome {
    /// Refused before the 101, with this status and body.
    Refused(u16, String),
    /// The upgrade request failed without an HTTP answer.
    Failed(String),
    /// 101, then the connection ended without any packet (`what` came before the end).
    ClosedAfter101(String),
    /// 101, then the server behaved like an open session (`what` it sent; `open` when its first
    /// frame was an open packet).
    Session { what: String, open: bool },
    /// 101, then nothing within the deadline.
    Silent(String),
}

/// Sends the WebSocket request `query`; after a 101, sends `probe` (if any) and watches what
/// comes back within the quick deadline.
async fn ws_outcome(ctx: &Ctx, query: &str, probe: Option<Packet<'_>>) -> WsOutcome {
    let mut ws =
        match WsConn::connect(&ctx.connector, &ctx.transcript, query, &[], ctx.quick()).await {
            Ok(WsConnect::Open(ws)) => ws,
            Ok(WsConnect::Refused(r)) => {
                return WsOutcome::Refused(r.status, String::from_utf8_lossy(&r.body).into_owned());
            }
            Err(e) => return WsOutcome::Failed(e.to_string()),
        };
    if let Some(probe) = probe {
        let mut text = String::new();
        probe.encode_text(socketio_codec::engine_io::ProtocolVersion::V4, &mut text);
        // A send may fail because the server already closed: that is watched below.
        let _ = ws.send_text(text).await;
    }
    let deadline = tokio::time::Instant::now() + ctx.quick();
    let outcome = match ws.recv(ctx.quick()).await {
        Ok(event @ WsEvent::Closed { .. }) => WsOutcome::ClosedAfter101(describe_frame(&event)),
        Ok(event) => WsOutcome::Session {
            open: matches!(&event, WsEvent::Text(t) if t.starts_with('0')),
            what: describe_frame(&event),
        },
        Err(e) if e.is_timeout() => WsOutcome::Silent(format!(
            "101, then neither a packet nor a close within {} ms",
            ctx.quick().as_millis()
        )),
        Err(e) => WsOutcome::ClosedAfter101(e.to_string()),
    };
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let _ = ws.close(None, left.max(ctx.tolerance())).await;
    outcome
}

/// WS-008: ended without a session, however (refusal, failure, or a close after the 101).
/// With EIO3-VER-002, a server that also speaks v3 may open a v3 session instead.
async fn ws_must_not_open(ctx: &Ctx, query: &str) -> Verdict {
    let mut expected = format!(
        "the WebSocket request `?{query}` ends without a session: refused before the 101, or \
         101 then closed without an open packet (the reference writes a 400 onto the socket: \
         close 1006)"
    );
    if ctx.params.eio3 {
        expected
            .push_str("; or, since the server speaks Engine.IO v3, a v3 session (EIO3-VER-002)");
    }
    match ws_outcome(ctx, query, None).await {
        WsOutcome::Session { what, open: true } if ctx.params.eio3 => Verdict::pass(
            expected,
            format!("101, then {what}: an Engine.IO v3 session"),
        ),
        WsOutcome::Refused(status, body) => {
            Verdict::pass(expected, format!("refused with HTTP {status} {body:?}"))
        }
        WsOutcome::Failed(e) => Verdict::pass(expected, format!("the request failed: {e}")),
        WsOutcome::ClosedAfter101(how) => Verdict::pass(expected, format!("101, then {how}")),
        WsOutcome::Session { what, .. } => Verdict::fail(expected, format!("101, then {what}")),
        WsOutcome::Silent(what) => Verdict::fail(expected, what),
    }
}

async fn websocket_bad_eio(ctx: Ctx) -> Verdict {
    ws_must_not_open(&ctx, "EIO=abc&transport=websocket").await
}

async fn websocket_eio_missing(ctx: Ctx) -> Verdict {
    ws_must_not_open(&ctx, "transport=websocket").await
}

/// ERR-009: a refusal before the 101 is the SHOULD; a close after the 101 is NON-STRICT; a
/// session (or a connection left hanging) breaks the MUST of `must`.
async fn ws_refused_before_101(
    ctx: &Ctx,
    query: &str,
    probe: Option<Packet<'_>>,
    must: &str,
) -> Verdict {
    let expected = format!(
        "the WebSocket request `?{query}` is refused with HTTP 400 and a plain-text message \
         before the 101 (a SHOULD); at the least it must not work ({must})"
    );
    match ws_outcome(ctx, query, probe).await {
        WsOutcome::Refused(400, body) => {
            Verdict::pass(expected, format!("refused with HTTP 400 {body:?}"))
        }
        WsOutcome::Refused(status, body) => Verdict::new(
            Grade::NonStrict,
            expected,
            format!("refused with HTTP {status} {body:?}"),
        ),
        WsOutcome::Failed(e) => {
            Verdict::new(Grade::NonStrict, expected, format!("no HTTP answer: {e}"))
        }
        WsOutcome::ClosedAfter101(how) => {
            Verdict::new(Grade::NonStrict, expected, format!("101, then {how}"))
        }
        WsOutcome::Session { what, .. } => Verdict::fail(expected, format!("101, then {what}")),
        WsOutcome::Silent(what) => Verdict::fail(expected, what),
    }
}

async fn websocket_transport_unknown(ctx: Ctx) -> Verdict {
    ws_refused_before_101(
        &ctx,
        "EIO=4&transport=abc",
        None,
        "EIO4-ERR-002: no session opens",
    )
    .await
}

async fn websocket_sid_unknown(ctx: Ctx) -> Verdict {
    ws_refused_before_101(
        &ctx,
        "EIO=4&transport=websocket&sid=no-such-session-id",
        Some(Packet::ping_probe()),
        "EIO4-UPG-002: `2probe` gets no `3probe`",
    )
    .await
}

async fn content_type_json(ctx: Ctx) -> Verdict {
    let expected = "the refusal of an unknown sid has Content-Type application/json and a JSON \
                    object with a numeric `code` and a string `message`";
    let response = match ctx
        .polling()
        .get(
            "EIO=4&transport=polling&sid=no-such-session-id",
            ctx.quick(),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("request failed: {e}")),
    };
    let content_type = response.content_type().unwrap_or("none").to_owned();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let body: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    let shaped = body.as_ref().is_some_and(|b| {
        b.get("code").is_some_and(serde_json::Value::is_number)
            && b.get("message").is_some_and(serde_json::Value::is_string)
    });
    Verdict::check(
        media == "application/json" && shaped,
        expected,
        format!(
            "HTTP {}, Content-Type {content_type:?}, body {}",
            response.status,
            show_body(&response.body)
        ),
    )
}

async fn put_handshake(ctx: Ctx) -> Verdict {
    expect_error(
        &ctx,
        Method::PUT,
        "EIO=4&transport=polling",
        ErrorCode::BadHandshakeMethod,
    )
    .await
}

async fn eio_missing(ctx: Ctx) -> Verdict {
    expect_version_refusal(&ctx, "transport=polling").await
}

async fn transport_missing(ctx: Ctx) -> Verdict {
    expect_error(&ctx, Method::GET, "EIO=4", ErrorCode::TransportUnknown).await
}
