//! Heartbeat (spec/engine-io-v4.md, HB). Deadlines come from the handshake.

use std::time::Instant;

use crate::case::{Case, Verdict, case_fn};
use crate::ctx::Ctx;
use crate::transport::{WsConn, WsConnect, WsEvent};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-HB-001/websocket-first-ping",
        title: "over WebSocket the first ping arrives about pingInterval after open",
        requirements: &["EIO4-HB-001"],
        features: &[],
        run: case_fn!(first_ping),
    },
    Case {
        id: "EIO4-HB-003/websocket-ping-timeout",
        title: "a session whose pings go unanswered is closed within pingInterval + pingTimeout",
        requirements: &["EIO4-HB-003", "EIO4-HB-008"],
        features: &[],
        run: case_fn!(ping_timeout),
    },
];

async fn open_ws(ctx: &Ctx) -> Result<(WsConn, Instant), String> {
    match WsConn::connect(
        &ctx.connector,
        &ctx.transcript,
        "EIO=4&transport=websocket",
        &[],
        ctx.quick(),
    )
    .await
    {
        Ok(WsConnect::Open(mut ws)) => match ws.recv(ctx.quick()).await {
            Ok(WsEvent::Text(t)) if t.starts_with('0') => Ok((ws, Instant::now())),
            other => Err(format!("no open packet: {other:?}")),
        },
        Ok(WsConnect::Refused(r)) => Err(format!("refused with HTTP {}", r.status)),
        Err(e) => Err(e.to_string()),
    }
}

async fn first_ping(ctx: Ctx) -> Verdict {
    let interval = ctx.params.ping_interval;
    let tolerance = ctx.tolerance();
    let expected = format!(
        "ping `2` {} ms after open (± {} ms)",
        interval.as_millis(),
        tolerance.as_millis()
    );
    let (mut ws, opened) = match open_ws(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let verdict = match ws.recv(ctx.scaled(interval + tolerance * 2)).await {
        Ok(WsEvent::Text(t)) if t == "2" => {
            let at = opened.elapsed();
            let ok = at + tolerance >= interval && at <= ctx.scaled(interval + tolerance);
            Verdict::check(ok, expected, format!("ping after {} ms", at.as_millis()))
        }
        other => Verdict::fail(expected, format!("{other:?}")),
    };
    let _ = ws.close(None, ctx.quick()).await;
    verdict
}

async fn ping_timeout(ctx: Ctx) -> Verdict {
    let window = ctx.heartbeat_window();
    let expected = format!(
        "the server closes the WebSocket within {} ms when pings go unanswered",
        window.as_millis()
    );
    let (mut ws, opened) = match open_ws(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    // Read (and never answer) until the connection ends; bounded by the window.
    for _ in 0..1000 {
        let left = window.saturating_sub(opened.elapsed());
        match ws.recv(left).await {
            Ok(WsEvent::Closed { .. }) => {
                return Verdict::pass(
                    expected,
                    format!("closed after {} ms", opened.elapsed().as_millis()),
                );
            }
            Ok(_) => continue,
            Err(e) if e.is_timeout() => break,
            Err(e) => return Verdict::pass(expected, format!("connection ended: {e}")),
        }
    }
    Verdict::fail(
        expected,
        format!("still open after {} ms", opened.elapsed().as_millis()),
    )
}
