//! Heartbeat (spec/engine-io-v4.md, HB). Deadlines come from the handshake.

use std::time::{Duration, Instant};

use socketio_codec::engine_io::{Packet, PacketType};

use crate::case::{Case, Grade, Verdict, case_fn, case_fn_on};
use crate::client::{
    EnginePolling, EngineWs, Incoming, Transport, decoded, error_code, event_text, expect_sid_gone,
    incoming_text, response_text,
};
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
    Case {
        id: "EIO4-HB-001/polling-first-ping",
        title: "over polling a GET parked at open gets the first ping about pingInterval after open",
        requirements: &["EIO4-HB-001", "EIO4-POLL-003"],
        features: &[],
        run: case_fn!(polling_first_ping),
    },
    Case {
        id: "EIO4-HB-004/ponged-pings-websocket",
        title: "answered pings keep coming, each about pingInterval after the previous pong (WebSocket)",
        requirements: &["EIO4-HB-004"],
        features: &["core"],
        run: case_fn_on!(ponged_pings, Transport::WebSocket),
    },
    Case {
        id: "EIO4-HB-004/ponged-pings-polling",
        title: "answered pings keep coming, each about pingInterval after the previous pong (polling)",
        requirements: &["EIO4-HB-004"],
        features: &["core"],
        run: case_fn_on!(ponged_pings, Transport::Polling),
    },
    Case {
        id: "EIO4-HB-003/polling-ping-timeout",
        title: "a polling session that does not answer a ping is gone after pingTimeout",
        requirements: &["EIO4-HB-003", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(polling_ping_timeout),
    },
    Case {
        id: "EIO4-HB-005/client-ping-websocket",
        title: "a client ping `2` on an established WebSocket session closes the session",
        requirements: &["EIO4-HB-005"],
        features: &["core"],
        run: case_fn_on!(client_ping, Transport::WebSocket),
    },
    Case {
        id: "EIO4-HB-005/client-ping-polling",
        title: "a client ping `2` POSTed on an established polling session closes the session",
        requirements: &["EIO4-HB-005"],
        features: &["core"],
        run: case_fn_on!(client_ping, Transport::Polling),
    },
    Case {
        id: "EIO4-HB-007/non-pong-traffic",
        title: "whether messages without pongs extend the pong deadline (reported, either is allowed)",
        requirements: &["EIO4-HB-007", "EIO4-HB-003"],
        features: &["core"],
        run: case_fn!(non_pong_traffic),
    },
    // interop-bugs #19: the underlying connection was not closed on ping timeout.
    Case {
        id: "EIO4-HB-008/websocket-ping-timeout-closes",
        title: "on ping timeout the server closes the WebSocket and forgets the sid",
        requirements: &["EIO4-HB-008", "EIO4-HB-003", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(websocket_ping_timeout_closes),
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

async fn polling_first_ping(ctx: Ctx) -> Verdict {
    let interval = ctx.params.ping_interval;
    let tolerance = ctx.tolerance();
    let expected = format!(
        "the GET parked at open answered with ping `2` {} ms after open (± {} ms)",
        interval.as_millis(),
        tolerance.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let opened = Instant::now();
    let verdict = match ep
        .get(ctx.scaled(interval + tolerance * 2) + ctx.quick())
        .await
    {
        Ok((r, packets)) => {
            let at = opened.elapsed();
            let ping = r.status == 200 && packets.iter().all(|p| p.kind == PacketType::Ping);
            let ok = ping
                && !packets.is_empty()
                && at + tolerance >= interval
                && at <= ctx.scaled(interval + tolerance);
            Verdict::check(
                ok,
                expected,
                format!("{} after {} ms", response_text(&r), at.as_millis()),
            )
        }
        Err(e) => Verdict::fail(expected, e),
    };
    let _ = ep.post(&[Packet::close()]).await;
    verdict
}

/// One side of a session for the heartbeat cases: waits for the next ping, skipping other packets.
enum Side {
    Ws(EngineWs),
    Polling(EnginePolling),
}

impl Side {
    async fn open_joined(ctx: &Ctx, transport: Transport) -> Result<Side, String> {
        match transport {
            Transport::WebSocket => {
                let mut ws = EngineWs::open(ctx).await?;
                ws.join(ctx).await?;
                Ok(Side::Ws(ws))
            }
            Transport::Polling => {
                let ep = EnginePolling::open(ctx).await?;
                ep.join(ctx).await?;
                Ok(Side::Polling(ep))
            }
        }
    }

    /// Waits up to `timeout` for a ping (other packets are skipped); `Err` names what came.
    async fn next_ping(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        // Bounded by the deadline; each round reads one packet or one GET.
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self {
                Side::Ws(ws) => match ws.recv(left).await {
                    Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => return Ok(()),
                    Ok(Incoming::Packet(_)) => {}
                    other => return Err(incoming_text(&other)),
                },
                Side::Polling(ep) => {
                    let (r, packets) = ep.get(left).await?;
                    if r.status != 200 {
                        return Err(response_text(&r));
                    }
                    if packets.iter().any(|p| p.kind == PacketType::Ping) {
                        return Ok(());
                    }
                }
            }
        }
        Err(format!("no ping within {} ms", timeout.as_millis()))
    }

    async fn pong(&mut self) -> Result<(), String> {
        match self {
            Side::Ws(ws) => ws.send(&Packet::pong()).await,
            Side::Polling(ep) => match ep.post(&[Packet::pong()]).await? {
                r if r.status == 200 => Ok(()),
                r => Err(format!("pong POST answered {}", response_text(&r))),
            },
        }
    }

    async fn close(self) {
        match self {
            Side::Ws(ws) => ws.close().await,
            Side::Polling(ep) => {
                let _ = ep.post(&[Packet::close()]).await;
            }
        }
    }
}

async fn ponged_pings(ctx: Ctx, transport: Transport) -> Verdict {
    let interval = ctx.params.ping_interval;
    let tolerance = ctx.tolerance();
    let expected = format!(
        "3 more pings after the first, each {} ms (± {} ms) after the previous pong",
        interval.as_millis(),
        tolerance.as_millis()
    );
    let mut side = match Side::open_joined(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    let wait = ctx.heartbeat_window() + ctx.quick();
    if let Err(e) = side.next_ping(wait).await {
        side.close().await;
        return Verdict::fail(expected, format!("first ping: {e}"));
    }
    let mut gaps = Vec::new();
    let mut ok = true;
    for round in 1..=3 {
        if let Err(e) = side.pong().await {
            side.close().await;
            return Verdict::error(e);
        }
        let ponged = Instant::now();
        match side.next_ping(wait).await {
            Ok(()) => {
                let at = ponged.elapsed();
                ok &= at + tolerance >= interval && at <= ctx.scaled(interval + tolerance);
                gaps.push(format!("{} ms", at.as_millis()));
            }
            Err(e) => {
                side.close().await;
                return Verdict::fail(
                    expected,
                    format!("pings after {}; round {round}: {e}", gaps.join(", ")),
                );
            }
        }
    }
    let _ = side.pong().await;
    side.close().await;
    Verdict::check(
        ok,
        expected,
        format!("pings {} after the pongs", gaps.join(", ")),
    )
}

async fn polling_ping_timeout(ctx: Ctx) -> Verdict {
    let p = &ctx.params;
    let check_at = ctx.scaled(p.ping_timeout + ctx.tolerance());
    let expected = format!(
        "a GET {} ms after an unanswered ping gets 400 with code 1 (or the close packet `1`, \
         then 400 with code 1)",
        check_at.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let got = match ep.get(ctx.heartbeat_window() + ctx.quick()).await {
        Ok((r, packets)) if packets.iter().any(|p| p.kind == PacketType::Ping) => r,
        Ok((r, _)) => return Verdict::error(format!("no ping: {}", response_text(&r))),
        Err(e) => return Verdict::error(e),
    };
    let pinged = Instant::now();
    tokio::time::sleep(check_at).await;
    // A live session would park this GET (no ping is due while one is unanswered).
    let first = ep.http.get(&ep.query(), ctx.quick()).await;
    let seen_first = match &first {
        Ok(r) => response_text(r),
        Err(e) => format!("GET failed: {e}"),
    };
    let gone = match &first {
        Ok(r) if r.status == 400 && error_code(r) == Some(1) => true,
        Ok(r)
            if decoded(r)
                .last()
                .is_some_and(|p| p.kind == PacketType::Close) =>
        {
            expect_sid_gone(&ctx, ep.sid().as_str()).await.is_ok()
        }
        _ => false,
    };
    Verdict::check(
        gone,
        expected,
        format!(
            "ping {}; GET {} ms after it: {seen_first}",
            response_text(&got),
            pinged.elapsed().as_millis()
        ),
    )
}

async fn client_ping(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after a client `2`, the session closed (WebSocket closed / the GET in flight \
                    answered) and its sid answered with 400 and code 1";
    let side = match Side::open_joined(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    let sent = Instant::now();
    let (sid, ended) = match side {
        Side::Ws(mut ws) => {
            let sid = ws
                .handshake
                .as_ref()
                .map(|h| h.sid.as_str().to_owned())
                .unwrap_or_default();
            // Pongs keep the heartbeat out of the picture: only the client ping can close.
            ws.auto_pong = true;
            let ended = match ws.send(&Packet::ping()).await {
                Ok(()) => match ws.wait_closed(ctx.quick()).await {
                    Ok(code) => Ok(format!(
                        "WebSocket closed (code {code:?}) after {} ms",
                        sent.elapsed().as_millis()
                    )),
                    Err(e) => Err(format!("WebSocket still open: {e}")),
                },
                Err(e) => Err(format!("send failed: {e}")),
            };
            ws.close().await;
            (sid, ended)
        }
        Side::Polling(ep) => {
            let sid = ep.sid().as_str().to_owned();
            let mut get = ep.park(&ctx).await;
            let ended = match ep.post(&[Packet::ping()]).await {
                Ok(_) => match get.wait(ctx.quick()).await {
                    Ok(r) => Ok(format!(
                        "parked GET answered {} after {} ms",
                        response_text(&r),
                        sent.elapsed().as_millis()
                    )),
                    Err(e) => Err(format!("parked GET not released: {e}")),
                },
                Err(e) => Err(e),
            };
            (sid, ended)
        }
    };
    let gone = expect_sid_gone(&ctx, &sid).await;
    let seen = format!(
        "{}; then {}",
        ended.as_ref().unwrap_or_else(|e| e),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(ended.is_ok() && gone.is_ok(), expected, seen)
}

async fn non_pong_traffic(ctx: Ctx) -> Verdict {
    let p = ctx.params.clone();
    let window = ctx.heartbeat_window();
    let traffic_for = window * 3;
    let expected = format!(
        "either behaviour: closed about {} ms after the first ping although messages keep coming \
         (only pongs count), or kept open while messages come (engine.io ≤ 6.5); in both cases \
         closed within {} ms once the client goes quiet",
        p.ping_timeout.as_millis(),
        window.as_millis()
    );
    let mut ws = match EngineWs::open(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ws.join(&ctx).await {
        return Verdict::error(e);
    }
    let started = Instant::now();
    let step = (p.ping_interval / 4).max(Duration::from_millis(10));
    let mut first_ping = None;
    let mut closed = None;
    let mut sent = 0u32;
    // Never pong; send an event every `step` for `traffic_for`. Bounded by the elapsed time.
    'traffic: while started.elapsed() < traffic_for {
        let text = event_text("message", &serde_json::json!(sent));
        if ws.send(&Packet::message(&text)).await.is_err() {
            closed = Some(started.elapsed());
            break;
        }
        sent += 1;
        let until = Instant::now() + step;
        for _ in 0..1000 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match ws.recv(left).await {
                Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
                    first_ping.get_or_insert(started.elapsed());
                }
                Ok(Incoming::Packet(_)) => {}
                Ok(_) => {
                    closed = Some(started.elapsed());
                    break 'traffic;
                }
                Err(e) if e.contains("closed") => {
                    closed = Some(started.elapsed());
                    break 'traffic;
                }
                Err(_) => break,
            }
        }
    }
    let quiet = if closed.is_none() {
        // Now silent: the session must end within the heartbeat window (EIO4-HB-003).
        let quiet_from = Instant::now();
        match ws.wait_closed(window).await {
            Ok(_) => Ok(quiet_from.elapsed()),
            Err(e) => Err(e),
        }
    } else {
        Ok(Duration::ZERO)
    };
    ws.close().await;
    let ping = first_ping.map_or("no ping".to_owned(), |t| {
        format!("first ping at {} ms", t.as_millis())
    });
    match (closed, quiet) {
        (Some(at), _) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "only pongs count: {ping}, closed at {} ms while {sent} messages were sent \
                 without pongs",
                at.as_millis()
            ),
        ),
        (None, Ok(after)) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "non-pong traffic extends the deadline: {ping}, still open after {} ms of \
                 messages without pongs ({sent} sent); closed {} ms after going quiet",
                traffic_for.as_millis(),
                after.as_millis()
            ),
        ),
        (None, Err(e)) => Verdict::fail(
            expected,
            format!(
                "{ping}; still open {} ms after the client went quiet without ever ponging: {e}",
                window.as_millis()
            ),
        ),
    }
}

async fn websocket_ping_timeout_closes(ctx: Ctx) -> Verdict {
    let window = ctx.heartbeat_window();
    let expected = format!(
        "the WebSocket closed by the server within {} ms without pongs; then a polling GET with \
         its sid gets 400 with code 1",
        window.as_millis()
    );
    let mut ws = match EngineWs::open(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    let opened = Instant::now();
    let sid = ws
        .handshake
        .as_ref()
        .map(|h| h.sid.as_str().to_owned())
        .unwrap_or_default();
    let closed = match ws.wait_closed(window).await {
        Ok(code) => Ok(format!(
            "WebSocket closed (code {code:?}) after {} ms",
            opened.elapsed().as_millis()
        )),
        Err(e) => Err(format!(
            "WebSocket still open after {} ms: {e}",
            window.as_millis()
        )),
    };
    ws.close().await;
    let gone = expect_sid_gone(&ctx, &sid).await;
    let seen = format!(
        "{}; GET with the sid: {}",
        closed.as_ref().unwrap_or_else(|e| e),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(closed.is_ok() && gone.is_ok(), expected, seen)
}
