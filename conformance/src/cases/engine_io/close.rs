//! Closing (spec/engine-io-v4.md, CLOSE, with the polling close rules POLL-012/013).
//!
//! Cases that outlive a Socket.IO server's connect timeout join `/` first, so that only the
//! behaviour under test can end the session.

use std::time::{Duration, Instant};

use socketio_codec::engine_io::{Packet, PacketType};

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EnginePolling, EngineWs, Incoming, decoded, error_code, event0_text, expect_sid_gone,
    incoming_text, polling_query, response_text, sio_packet,
};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-POLL-012/client-close-polling",
        title: "a POSTed close `1` ends the session: the parked GET gets `6`, later requests 400 code 1",
        requirements: &[
            "EIO4-POLL-012",
            "EIO4-POLL-013",
            "EIO4-CLOSE-001",
            "EIO4-CLOSE-008",
        ],
        features: &[],
        run: case_fn!(client_close_polling),
    },
    Case {
        id: "EIO4-CLOSE-004/client-close-websocket",
        title: "closing the WebSocket ends the session at once: its sid then gets 400 code 1",
        requirements: &["EIO4-CLOSE-004", "EIO4-CLOSE-002", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(client_close_websocket),
    },
    Case {
        id: "EIO4-CLOSE-003/close-packet-websocket",
        title: "a close packet `1` sent over WebSocket closes the session (SHOULD; the reference ignores it)",
        requirements: &["EIO4-CLOSE-003"],
        features: &["core"],
        run: case_fn!(close_packet_websocket),
    },
    Case {
        id: "EIO4-CLOSE-005/server-close-polling",
        title: "a server-side close (`close-me`) reaches a polling client as the close packet `1`",
        requirements: &[
            "EIO4-CLOSE-005",
            "EIO4-CLOSE-006",
            "EIO4-CLOSE-008",
            "TESTEE1-SDISC-002",
        ],
        features: &["server-disconnect"],
        run: case_fn!(server_close_polling),
    },
    Case {
        id: "EIO4-CLOSE-007/server-close-websocket",
        title: "a server-side close (`close-me`) closes the WebSocket and forgets the sid",
        requirements: &["EIO4-CLOSE-007", "EIO4-CLOSE-008", "TESTEE1-SDISC-002"],
        features: &["server-disconnect"],
        run: case_fn!(server_close_websocket),
    },
    // interop-bugs #8: abandoned polling sessions were never reclaimed.
    Case {
        id: "EIO4-CLOSE-009/abandoned-polling-reaped",
        title: "a polling session abandoned for pingInterval + pingTimeout is discarded",
        requirements: &["EIO4-CLOSE-009", "EIO4-HB-003", "EIO4-CLOSE-008"],
        features: &["core"],
        run: case_fn!(abandoned_polling_reaped),
    },
    // interop-bugs #8: sessions left in a never-completed upgrade were never reclaimed.
    Case {
        id: "EIO4-CLOSE-009/abandoned-upgrade-reaped",
        title: "a session abandoned in the middle of an upgrade is discarded and its probe WebSocket closed",
        requirements: &["EIO4-CLOSE-009", "EIO4-CLOSE-008"],
        features: &["core"],
        run: case_fn!(abandoned_upgrade_reaped),
    },
];

async fn client_close_polling(ctx: Ctx) -> Verdict {
    let expected = "POST `1` answered; the parked GET answered 200 with noop `6`; a later GET \
                    gets 400 with code 1";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let mut get = ep.park(&ctx).await;
    let posted = match ep.post(&[Packet::close()]).await {
        Ok(r) => response_text(&r),
        Err(e) => e,
    };
    let released = match get.wait(ctx.quick()).await {
        Ok(r) => {
            let packets = decoded(&r);
            let noop = r.status == 200
                && !packets.is_empty()
                && packets.iter().all(|p| p.kind == PacketType::Noop);
            if noop {
                Ok(response_text(&r))
            } else {
                Err(response_text(&r))
            }
        }
        Err(e) => Err(format!("the parked GET was not answered: {e}")),
    };
    let gone = expect_sid_gone(&ctx, ep.sid().as_str()).await;
    let seen = format!(
        "POST `1`: {posted}; parked GET: {}; later GET: {}",
        released.as_ref().unwrap_or_else(|e| e),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(released.is_ok() && gone.is_ok(), expected, seen)
}

async fn client_close_websocket(ctx: Ctx) -> Verdict {
    let p = &ctx.params;
    // Until the earliest moment a ping timeout could end the session, only the close can.
    let limit = p.ping_interval + p.ping_timeout;
    let expected = format!(
        "after the client closes the WebSocket, a polling GET with its sid gets 400 with code 1 \
         (before a ping timeout could have fired, {} ms after open)",
        limit.as_millis()
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
    let _ = ws.ws.close(None, ctx.quick()).await;
    let closed = Instant::now();
    let step = (ctx.tolerance() / 10).max(Duration::from_millis(5));
    let mut last = String::new();
    // Bounded by the limit; each round is one GET. A live WebSocket session answers a polling
    // GET at once with 400 code 3 (transport mismatch).
    for _ in 0..10_000 {
        if opened.elapsed() >= limit {
            break;
        }
        match expect_sid_gone(&ctx, &sid).await {
            Ok(r) => {
                return Verdict::pass(
                    expected,
                    format!(
                        "{r} {} ms after the close ({} ms after open)",
                        closed.elapsed().as_millis(),
                        opened.elapsed().as_millis()
                    ),
                );
            }
            Err(r) => last = r,
        }
        tokio::time::sleep(step).await;
    }
    Verdict::fail(
        expected,
        format!(
            "still not gone {} ms after open; last answer: {last}",
            opened.elapsed().as_millis()
        ),
    )
}

async fn close_packet_websocket(ctx: Ctx) -> Verdict {
    let window = ctx.quick();
    let expected = format!(
        "after a `1` packet on the WebSocket, the session closed within {} ms (the WebSocket \
         closed and its sid unknown)",
        window.as_millis()
    );
    let mut ws = match EngineWs::open(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ws.join(&ctx).await {
        return Verdict::error(e);
    }
    let sid = ws
        .handshake
        .as_ref()
        .map(|h| h.sid.as_str().to_owned())
        .unwrap_or_default();
    // Pongs keep the heartbeat alive: only the close packet can end the session.
    ws.auto_pong = true;
    let sent = Instant::now();
    if let Err(e) = ws.send(&Packet::close()).await {
        return Verdict::error(format!("sending `1` failed: {e}"));
    }
    let verdict = match ws.wait_closed(window).await {
        Ok(code) => {
            let at = sent.elapsed();
            let gone = expect_sid_gone(&ctx, &sid).await;
            Verdict::check(
                gone.is_ok(),
                expected,
                format!(
                    "WebSocket closed (code {code:?}) {} ms after `1`; GET with the sid: {}",
                    at.as_millis(),
                    gone.unwrap_or_else(|e| e)
                ),
            )
        }
        Err(_) => Verdict::new(
            Grade::NonStrict,
            expected,
            format!(
                "the `1` packet was ignored: the WebSocket session was still open {} ms later \
                 (as on the reference server)",
                sent.elapsed().as_millis()
            ),
        ),
    };
    ws.close().await;
    verdict
}

async fn server_close_polling(ctx: Ctx) -> Verdict {
    let expected = "after `close-me`, GETs deliver the close packet `1` last (a DISCONNECT `41` \
                    and noops may come first); then the sid gets 400 with code 1";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    let get = ep.park(&ctx).await;
    let close_me = event0_text("close-me");
    if let Err(e) = ep.post(&[Packet::message(&close_me)]).await {
        return Verdict::error(e);
    }
    let mut bodies = Vec::new();
    let mut got_close = false;
    let mut pending = Some(get);
    let deadline = Instant::now() + ctx.quick();
    // Bounded by the deadline; each round is one GET (the parked one first).
    for _ in 0..100 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let mut get = pending
            .take()
            .unwrap_or_else(|| ep.spawn_get(ctx.heartbeat_window() + ctx.quick()));
        let r = match get.wait(left).await {
            Ok(r) => r,
            Err(e) => {
                bodies.push(format!("GET failed: {e}"));
                break;
            }
        };
        bodies.push(response_text(&r));
        if r.status != 200 {
            break;
        }
        let packets = decoded(&r);
        if packets.iter().any(|p| p.kind == PacketType::Ping) {
            let _ = ep.post(&[Packet::pong()]).await;
        }
        if packets.iter().any(|p| p.kind == PacketType::Close) {
            got_close = true;
            break;
        }
    }
    let gone = expect_sid_gone(&ctx, ep.sid().as_str()).await;
    let seen = format!(
        "GETs: {}; then {}",
        bodies.join(", "),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(got_close && gone.is_ok(), expected, seen)
}

async fn server_close_websocket(ctx: Ctx) -> Verdict {
    let expected = "after `close-me`, the server closes the WebSocket (a DISCONNECT `41` may come \
                    first); then the sid gets 400 with code 1";
    let mut ws = match EngineWs::open(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ws.join(&ctx).await {
        return Verdict::error(e);
    }
    let sid = ws
        .handshake
        .as_ref()
        .map(|h| h.sid.as_str().to_owned())
        .unwrap_or_default();
    ws.auto_pong = true;
    let sent = Instant::now();
    if let Err(e) = ws.send(&Packet::message(&event0_text("close-me"))).await {
        return Verdict::error(e);
    }
    let mut before = Vec::new();
    let mut closed = None;
    let deadline = Instant::now() + ctx.quick();
    // Bounded by the deadline; each round reads one packet.
    for _ in 0..1000 {
        let left = deadline.saturating_duration_since(Instant::now());
        match ws.recv(left).await {
            Ok(Incoming::Packet(p)) => before.push(
                sio_packet(&p)
                    .map(|s| s.to_wire())
                    .unwrap_or_else(|| incoming_text(&Ok(Incoming::Packet(p)))),
            ),
            Ok(Incoming::Closed(code)) => {
                closed = Some(format!(
                    "closed (code {code:?}) {} ms after `close-me`",
                    sent.elapsed().as_millis()
                ));
                break;
            }
            Err(e) if e.contains("closed") => {
                closed = Some(format!("ended ({e})"));
                break;
            }
            other => {
                before.push(incoming_text(&other));
                break;
            }
        }
    }
    ws.close().await;
    let gone = expect_sid_gone(&ctx, &sid).await;
    let seen = format!(
        "received [{}]; WebSocket {}; then {}",
        before.join(", "),
        closed.as_deref().unwrap_or("still open"),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(closed.is_some() && gone.is_ok(), expected, seen)
}

async fn abandoned_polling_reaped(ctx: Ctx) -> Verdict {
    let window = ctx.heartbeat_window();
    let expected = format!(
        "a joined polling session left without GETs or pongs is gone {} ms after open: 400 with \
         code 1",
        window.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let opened = Instant::now();
    // Joined, so a Socket.IO connect timeout cannot be what ends it.
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    tokio::time::sleep(window.saturating_sub(opened.elapsed())).await;
    match expect_sid_gone(&ctx, ep.sid().as_str()).await {
        Ok(r) => Verdict::pass(
            expected,
            format!("{r} {} ms after open", opened.elapsed().as_millis()),
        ),
        Err(r) => {
            let _ = ep.post(&[Packet::close()]).await;
            Verdict::fail(
                expected,
                format!(
                    "{r} {} ms after open: the session was kept",
                    opened.elapsed().as_millis()
                ),
            )
        }
    }
}

async fn abandoned_upgrade_reaped(ctx: Ctx) -> Verdict {
    let window = ctx.heartbeat_window();
    let expected = format!(
        "a session left after `3probe` (no `5`, no polls, no pongs) discarded within {} ms of \
         open: the probe WebSocket closed and the sid answered 400 with code 1",
        window.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let opened = Instant::now();
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    let (mut ws, _) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let closed = match ws
        .wait_closed(window.saturating_sub(opened.elapsed()))
        .await
    {
        Ok(code) => Ok(format!(
            "probe WebSocket closed (code {code:?}) {} ms after open",
            opened.elapsed().as_millis()
        )),
        Err(e) => Err(format!(
            "probe WebSocket still open {} ms after open ({e})",
            opened.elapsed().as_millis()
        )),
    };
    ws.close().await;
    let gone = match ctx
        .polling()
        .get(&polling_query(ep.sid().as_str()), ctx.quick())
        .await
    {
        Ok(r) if r.status == 400 && error_code(&r) == Some(1) => Ok(response_text(&r)),
        Ok(r) => Err(response_text(&r)),
        Err(e) => Err(format!("GET failed: {e}")),
    };
    let seen = format!(
        "{}; GET with the sid: {}",
        closed.as_ref().unwrap_or_else(|e| e),
        gone.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(closed.is_ok() && gone.is_ok(), expected, seen)
}
