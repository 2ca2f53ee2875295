//! Size limits (spec/engine-io-v4.md, LIM). Sizes derive from the handshake's `maxPayload`.
//!
//! The bodies are Socket.IO `message` events padded to an exact size, so that an accepted body
//! has a visible effect (the testee's `message-back` echo).

use socketio_codec::engine_io::{Packet, PacketType};
use socketio_codec::socket_io::Value;

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EnginePolling, EngineWs, connection_ended, decode_body_shown, describe_frame, event_args,
    event_message, show_body,
};
use crate::ctx::Ctx;
use crate::transport::WsEvent;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-LIM-006/post-at-max-payload",
        title: "a POST body of exactly maxPayload bytes is accepted",
        requirements: &["EIO4-LIM-006", "EIO4-LIM-001"],
        features: &["core"],
        run: case_fn!(post_at_max),
    },
    Case {
        id: "EIO4-LIM-002/post-over-max-payload",
        title: "a POST body of maxPayload + 1 bytes gets 413 and the session survives",
        requirements: &["EIO4-LIM-002", "EIO4-LIM-003", "EIO4-LIM-001"],
        features: &["core"],
        run: case_fn!(post_over_max),
    },
    Case {
        id: "EIO4-LIM-006/websocket-at-max-payload",
        title: "a WebSocket message of exactly maxPayload bytes is accepted",
        requirements: &["EIO4-LIM-006", "EIO4-LIM-001"],
        features: &["core"],
        run: case_fn!(websocket_at_max),
    },
    Case {
        id: "EIO4-LIM-004/websocket-over-max-payload",
        title: "a WebSocket message of maxPayload + 1 bytes closes the connection (1009)",
        requirements: &["EIO4-LIM-004", "EIO4-LIM-005", "EIO4-LIM-001"],
        features: &["core"],
        run: case_fn!(websocket_over_max),
    },
];

/// The largest limit these cases exercise (bigger bodies would only measure the network).
const MAX_TESTED: u64 = 64 * 1024 * 1024;

/// The advertised limit, or the verdict to return when it cannot be tested.
fn limit(ctx: &Ctx) -> Result<usize, Verdict> {
    match ctx.params.max_payload {
        None => Err(Verdict::new(
            Grade::Informational,
            "a `maxPayload` in the open packet to derive the sizes from",
            "the server advertises no maxPayload (EIO4-HS-006 is only a SHOULD): the limit is \
             not tested",
        )),
        Some(max) if !(32..=MAX_TESTED).contains(&max) => Err(Verdict::new(
            Grade::Informational,
            format!("a maxPayload between 32 and {MAX_TESTED} bytes to test"),
            format!("maxPayload {max}: not tested"),
        )),
        Some(max) => Ok(usize::try_from(max).unwrap_or(usize::MAX)),
    }
}

/// A `message` event (Socket.IO text, without the Engine.IO `4`) whose Engine.IO packet
/// (`4` included) is exactly `size` bytes, and its padding string. `None` if `size` is too small.
fn sized_event(size: usize) -> Option<(String, String)> {
    let overhead = 1 + event_message(
        &event_args("message", &[Value::String(String::new())]),
        None,
    )
    .0
    .len();
    let fill = "x".repeat(size.checked_sub(overhead)?);
    let (text, _) = event_message(&event_args("message", &[Value::String(fill.clone())]), None);
    (text.len() + 1 == size).then_some((text, fill))
}

/// The echo of a `message` with the string `fill`, as Engine.IO text (with its `4`).
fn echo_of(fill: &str) -> String {
    let (text, _) = event_message(
        &event_args("message-back", &[Value::String(fill.to_owned())]),
        None,
    );
    format!("4{text}")
}

async fn open_joined_polling(ctx: &Ctx) -> Result<EnginePolling, Verdict> {
    let p = EnginePolling::open(ctx)
        .await
        .map_err(|e| Verdict::error(format!("could not open a polling session: {e}")))?;
    if let Err(e) = p.join_and_auth(ctx).await {
        p.close().await;
        return Err(Verdict::error(e));
    }
    Ok(p)
}

/// GETs (answering pings) until a message arrives; `Ok(its text)` or `Err(what came)`.
async fn next_message(ctx: &Ctx, p: &EnginePolling) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + ctx.quick();
    for _ in 0..20 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let response = p
            .http
            .get(&p.query(), left)
            .await
            .map_err(|e| format!("GET failed: {e}"))?;
        if response.status != 200 {
            return Err(format!(
                "GET answered HTTP {} {}",
                response.status,
                show_body(&response.body)
            ));
        }
        let packets = decode_body_shown(&response)?;
        if packets.iter().any(|p| p.kind == PacketType::Ping) {
            p.post(&[Packet::pong()]).await?;
        }
        if let Some(m) = packets.iter().find(|p| p.kind != PacketType::Ping) {
            let mut text = String::new();
            m.encode_text(socketio_codec::engine_io::ProtocolVersion::V4, &mut text);
            return Ok(text);
        }
    }
    Err(format!("no message within {} ms", ctx.quick().as_millis()))
}

/// Compares an echo with the expected text, briefly.
fn same_echo(got: &str, want: &str) -> (bool, String) {
    if got == want {
        (
            true,
            format!("the echo of {} bytes came back intact", want.len()),
        )
    } else {
        (
            false,
            format!(
                "a message of {} bytes instead of the {}-byte echo: {}",
                got.len(),
                want.len(),
                show_body(got.as_bytes())
            ),
        )
    }
}

async fn post_at_max(ctx: Ctx) -> Verdict {
    let max = match limit(&ctx) {
        Ok(m) => m,
        Err(v) => return v,
    };
    let Some((text, fill)) = sized_event(max) else {
        return Verdict::error(format!("cannot build a {max}-byte event"));
    };
    let expected = format!(
        "a POST of exactly maxPayload = {max} bytes is answered 200 `ok` (not 413) and the event \
         is echoed"
    );
    let p = match open_joined_polling(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let verdict = match p.post(&[Packet::message(&text)]).await {
        Ok(r) if r.status == 200 => match next_message(&ctx, &p).await {
            Ok(got) => {
                let (ok, seen) = same_echo(&got, &echo_of(&fill));
                Verdict::check(ok, expected, format!("POST: HTTP 200; {seen}"))
            }
            Err(e) => Verdict::fail(expected, format!("POST: HTTP 200; {e}")),
        },
        Ok(r) => Verdict::fail(
            expected,
            format!("POST: HTTP {} {}", r.status, show_body(&r.body)),
        ),
        Err(e) => Verdict::fail(expected, e),
    };
    p.close().await;
    verdict
}

async fn post_over_max(ctx: Ctx) -> Verdict {
    let max = match limit(&ctx) {
        Ok(m) => m,
        Err(v) => return v,
    };
    let Some((text, _)) = sized_event(max + 1) else {
        return Verdict::error(format!("cannot build a {}-byte event", max + 1));
    };
    let expected = format!(
        "a POST of maxPayload + 1 = {} bytes gets HTTP 413 (MUST), and the session stays usable \
         (SHOULD): a small `message` is still echoed",
        max + 1
    );
    let p = match open_joined_polling(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let post_seen;
    let got_413 = match p.post(&[Packet::message(&text)]).await {
        Ok(r) => {
            post_seen = format!("POST: HTTP {} {}", r.status, show_body(&r.body));
            r.status == 413
        }
        Err(e) => {
            post_seen = format!("POST: {e}");
            false
        }
    };
    if !got_413 {
        p.close().await;
        return Verdict::fail(expected, post_seen);
    }
    // Did the session survive? A small echo says so.
    let (small, _) = event_message(
        &event_args("message", &[Value::String("alive".into())]),
        None,
    );
    let alive = match p.post(&[Packet::message(&small)]).await {
        Ok(r) if r.status == 200 => match next_message(&ctx, &p).await {
            Ok(got) if got == echo_of("alive") => Ok("a later `message` was echoed".to_owned()),
            Ok(got) => Err(format!(
                "a later `message` got {}",
                show_body(got.as_bytes())
            )),
            Err(e) => Err(e),
        },
        Ok(r) => Err(format!(
            "a later POST: HTTP {} {}",
            r.status,
            show_body(&r.body)
        )),
        Err(e) => Err(e),
    };
    match alive {
        Ok(seen) => {
            p.close().await;
            Verdict::pass(expected, format!("{post_seen}; {seen}"))
        }
        Err(seen) => Verdict::new(
            Grade::NonStrict,
            expected,
            format!("{post_seen}; the session did not survive: {seen}"),
        ),
    }
}

async fn open_joined_ws(ctx: &Ctx) -> Result<crate::client::EngineWs, Verdict> {
    let mut ws = EngineWs::open_query(ctx, "EIO=4&transport=websocket")
        .await
        .map_err(|e| Verdict::error(format!("could not open a WebSocket session: {e}")))?;
    if let Err(e) = ws.join_and_auth(ctx).await {
        ws.close().await;
        return Err(Verdict::error(e));
    }
    Ok(ws)
}

async fn websocket_at_max(ctx: Ctx) -> Verdict {
    let max = match limit(&ctx) {
        Ok(m) => m,
        Err(v) => return v,
    };
    let Some((text, fill)) = sized_event(max) else {
        return Verdict::error(format!("cannot build a {max}-byte event"));
    };
    let expected = format!(
        "a WebSocket message of exactly maxPayload = {max} bytes is accepted: the event is echoed"
    );
    let mut ws = match open_joined_ws(&ctx).await {
        Ok(ws) => ws,
        Err(v) => return v,
    };
    if let Err(e) = ws.send(&Packet::message(&text)).await {
        ws.close().await;
        return Verdict::fail(expected, format!("send failed: {e}"));
    }
    let verdict = match ws.next_frame(ctx.quick()).await {
        Ok(WsEvent::Text(got)) => {
            let (ok, seen) = same_echo(&got, &echo_of(&fill));
            Verdict::check(ok, expected, seen)
        }
        Ok(other) => Verdict::fail(expected, describe_frame(&other)),
        Err(e) => Verdict::fail(expected, e),
    };
    ws.close().await;
    verdict
}

async fn websocket_over_max(ctx: Ctx) -> Verdict {
    let max = match limit(&ctx) {
        Ok(m) => m,
        Err(v) => return v,
    };
    let Some((text, _)) = sized_event(max + 1) else {
        return Verdict::error(format!("cannot build a {}-byte event", max + 1));
    };
    let expected = format!(
        "a WebSocket message of maxPayload + 1 = {} bytes makes the server close the connection \
         (MUST), with close code 1009 (SHOULD)",
        max + 1
    );
    let mut ws = match open_joined_ws(&ctx).await {
        Ok(ws) => ws,
        Err(v) => return v,
    };
    // The server may close while the message is still being written: a send error is fine.
    let send_error = ws.send(&Packet::message(&text)).await.err();
    let deadline = tokio::time::Instant::now() + ctx.quick();
    let mut seen = Vec::new();
    if let Some(e) = &send_error {
        seen.push(format!("send: {e}"));
    }
    let mut code = None;
    let mut closed = false;
    for _ in 0..20 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_frame(left).await {
            Ok(event @ WsEvent::Closed { .. }) => {
                code = event.browser_close_code();
                closed = true;
                seen.push(describe_frame(&event));
                break;
            }
            Ok(other) => seen.push(describe_frame(&other)),
            Err(e) => {
                // Anything but the deadline is the connection ending (a reset, a broken pipe,
                // or the close already reported to the failed send): no close frame, 1006.
                closed = connection_ended(&e);
                seen.push(e);
                break;
            }
        }
    }
    let seen = seen.join("; ");
    let verdict = if !closed {
        Verdict::fail(expected, seen)
    } else if code == Some(1009) {
        Verdict::pass(expected, seen)
    } else {
        Verdict::new(Grade::NonStrict, expected, seen)
    };
    ws.close().await;
    verdict
}
