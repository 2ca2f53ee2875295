//! Upgrade from polling to WebSocket (spec/engine-io-v4.md, UPG).
//!
//! Timing-sensitive cases first answer one ping over polling ([`sync_to_pong`]): the next ping is
//! then `pingInterval` away (EIO4-HB-004), so a parked GET is not released by a ping while the
//! case probes. The helpers at the bottom are shared with `heartbeat.rs`, `close.rs` and
//! `security.rs`.

use std::time::{Duration, Instant};

use socketio_codec::engine_io::{Packet, PacketType, payload};

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EnginePolling, EngineWs, Incoming, decoded, error_code, event_text, incoming_text,
    message_back, packet_text, response_text,
};
use crate::ctx::Ctx;
use crate::transport::HttpResponse;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-UPG-005/probe-and-upgrade",
        title: "`2probe` on a WebSocket with the sid gets `3probe`; after `5` the WebSocket carries the session",
        requirements: &[
            "EIO4-UPG-005",
            "EIO4-UPG-001",
            "EIO4-UPG-004",
            "EIO4-UPG-009",
        ],
        features: &[],
        run: case_fn!(probe_and_upgrade),
    },
    Case {
        id: "EIO4-UPG-006/parked-get-released",
        title: "a GET parked during the probe is answered with noop `6` within about 100 ms",
        requirements: &["EIO4-UPG-006", "EIO4-POLL-003"],
        features: &[],
        run: case_fn!(parked_get_released),
    },
    Case {
        id: "EIO4-UPG-009/events-after-upgrade",
        title: "after the upgrade, a Socket.IO event sent on the WebSocket is echoed on it",
        requirements: &["EIO4-UPG-009", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn!(events_after_upgrade),
    },
    Case {
        id: "EIO4-UPG-010/exactly-once-in-order",
        title: "packets emitted around the upgrade arrive exactly once and in order across both transports",
        requirements: &["EIO4-UPG-010", "EIO4-UPG-009", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn!(exactly_once_in_order),
    },
    // interop-bugs #4: extra polls during the upgrade were held until the next ping.
    Case {
        id: "EIO4-UPG-007/extra-polls-not-delayed",
        title: "extra polling GETs during the probe are answered promptly and the upgrade completes at once",
        requirements: &["EIO4-UPG-007", "EIO4-UPG-006"],
        features: &[],
        run: case_fn!(extra_polls_not_delayed),
    },
    Case {
        id: "EIO4-UPG-002/unknown-sid",
        title: "a WebSocket upgrade with an unknown sid is refused and never answers `3probe`",
        requirements: &["EIO4-UPG-002"],
        features: &[],
        run: case_fn!(unknown_sid),
    },
    Case {
        id: "EIO4-UPG-011/other-packet-aborts-upgrade",
        title: "a packet other than `5` on the new WebSocket closes it and the polling session goes on",
        requirements: &["EIO4-UPG-011"],
        features: &[],
        run: case_fn!(other_packet_aborts_upgrade),
    },
    Case {
        id: "EIO4-UPG-013/polling-refused-after-upgrade",
        title: "after the upgrade, polling GET and POST with the sid get 400 and code 3",
        requirements: &["EIO4-UPG-013", "EIO4-ERR-005"],
        features: &[],
        run: case_fn!(polling_refused_after_upgrade),
    },
    Case {
        id: "EIO4-UPG-003/second-websocket-after-upgrade",
        title: "a second WebSocket for an upgraded sid is refused and the first keeps working",
        requirements: &["EIO4-UPG-003", "EIO4-WS-006"],
        features: &[],
        run: case_fn!(second_websocket_after_upgrade),
    },
    Case {
        id: "EIO4-UPG-003/second-websocket-while-upgrading",
        title: "a second WebSocket for a sid that is upgrading is refused and the first upgrade completes",
        requirements: &["EIO4-UPG-003"],
        features: &[],
        run: case_fn!(second_websocket_while_upgrading),
    },
    Case {
        id: "EIO4-UPG-012/upgrade-timeout",
        title: "without `5`, the server closes the probing WebSocket after its upgrade timeout and keeps polling",
        requirements: &["EIO4-UPG-012"],
        features: &["core"],
        run: case_fn!(upgrade_timeout),
    },
    Case {
        id: "EIO4-UPG-014/heartbeat-not-restarted",
        title: "the first ping after the upgrade follows the schedule of the last pong, not the upgrade",
        requirements: &["EIO4-UPG-014", "EIO4-HB-004"],
        features: &[],
        run: case_fn!(heartbeat_not_restarted),
    },
];

/// The spec's release delay for a GET pending during the probe (EIO4-UPG-006: "about 100 ms").
const RELEASE_DELAY: Duration = Duration::from_millis(100);

async fn probe_and_upgrade(ctx: Ctx) -> Verdict {
    let expected = "`3probe` on the WebSocket; after `5` the next ping arrives on the WebSocket";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    let mut get = ep.spawn_get(ctx.quick());
    let (mut ws, sent) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::fail(expected, e),
    };
    let answered = sent.elapsed();
    let released = match get.wait(ctx.quick()).await {
        Ok(r) => response_text(&r),
        Err(e) => format!("GET failed: {e}"),
    };
    if let Err(e) = ws.send(&Packet::upgrade()).await {
        return Verdict::fail(expected, format!("sending `5` failed: {e}"));
    }
    let upgraded = Instant::now();
    let verdict = match ws.recv(ctx.heartbeat_window()).await {
        Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
            let _ = ws.send(&Packet::pong()).await;
            Verdict::pass(
                expected,
                format!(
                    "`3probe` {} ms after `2probe`; parked GET got {released}; ping on the \
                     WebSocket {} ms after `5`",
                    answered.as_millis(),
                    upgraded.elapsed().as_millis()
                ),
            )
        }
        other => Verdict::fail(
            expected,
            format!(
                "`3probe` received, GET got {released}; after `5` the WebSocket gave {}",
                incoming_text(&other)
            ),
        ),
    };
    ws.close().await;
    verdict
}

async fn parked_get_released(ctx: Ctx) -> Verdict {
    let limit = ctx.scaled(RELEASE_DELAY + ctx.tolerance());
    let expected = format!(
        "the parked GET answered 200 with noop `6` within {} ms of `2probe`",
        limit.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    let mut get = ep.spawn_get(ctx.quick());
    let (mut ws, sent) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let verdict = match get.wait(ctx.quick()).await {
        Ok(r) => {
            let at = sent.elapsed();
            let packets = decoded(&r);
            let noop_only = r.status == 200
                && !packets.is_empty()
                && packets.iter().all(|p| p.kind == PacketType::Noop);
            Verdict::check(
                noop_only && at <= limit,
                expected,
                format!("{} after {} ms", response_text(&r), at.as_millis()),
            )
        }
        Err(e) => Verdict::fail(expected, format!("the GET did not complete: {e}")),
    };
    let _ = ws.send(&Packet::upgrade()).await;
    ws.close().await;
    verdict
}

async fn events_after_upgrade(ctx: Ctx) -> Verdict {
    let expected = "`42[\"message-back\",\"x\"]` on the WebSocket after `5`";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    let mut ws = match ep.upgrade(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::fail(expected, e),
    };
    ws.auto_pong = true;
    if let Err(e) = ws
        .send(&Packet::message(&event_text("message", &"x".into())))
        .await
    {
        return Verdict::fail(expected, format!("send failed: {e}"));
    }
    let mut seen = Vec::new();
    let mut verdict = None;
    // Bounded: each round takes one packet within quick().
    for _ in 0..20 {
        match ws.recv(ctx.quick()).await {
            Ok(Incoming::Packet(p)) => {
                if let Some(arg) = message_back(&p) {
                    verdict = Some(Verdict::check(
                        arg == "x",
                        expected,
                        format!("message-back with {arg}"),
                    ));
                    break;
                }
                seen.push(packet_text(&p));
            }
            other => {
                seen.push(incoming_text(&other));
                break;
            }
        }
    }
    ws.close().await;
    verdict.unwrap_or_else(|| Verdict::fail(expected, format!("seen: {}", seen.join(", "))))
}

async fn exactly_once_in_order(ctx: Ctx) -> Verdict {
    const N: u64 = 6;
    let expected = format!(
        "`message-back` 1..={N} exactly once and in order: 1..=3 POSTed while `2probe` is in \
         flight, 4..=6 sent on the WebSocket after `5`"
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    // Acting as the reference client does: a GET is parked and a POST is in flight when
    // `3probe` arrives; both are allowed to finish, no new polling request follows (EIO4-UPG-008).
    let mut get = ep.spawn_get(ctx.quick());
    let mut ws = match EngineWs::upgrade(&ctx, ep.sid()).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::fail(expected, e),
    };
    let batch: Vec<String> = (1..=3)
        .map(|i| event_text("message", &serde_json::json!(i)))
        .collect();
    let packets: Vec<Packet<'_>> = batch.iter().map(|t| Packet::message(t)).collect();
    let mut body = String::new();
    payload::encode_v4(&packets, &mut body);
    let post = ep.http.spawn_request(
        http::Method::POST,
        &ep.query(),
        &[("content-type", "text/plain;charset=UTF-8")],
        body,
        ctx.quick(),
    );
    if let Err(e) = ws.send(&Packet::ping_probe()).await {
        return Verdict::fail(expected, format!("sending `2probe` failed: {e}"));
    }
    match ws.recv(ctx.quick()).await {
        Ok(Incoming::Packet(p)) if p == Packet::pong_probe() => {}
        other => {
            return Verdict::fail(expected, format!("no `3probe`: {}", incoming_text(&other)));
        }
    }
    let mut post = post;
    match post.wait(ctx.quick()).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => return Verdict::fail(expected, format!("POST: {}", response_text(&r))),
        Err(e) => return Verdict::fail(expected, format!("POST failed: {e}")),
    }
    let mut on_polling = Vec::new();
    let mut others = Vec::new();
    match get.wait(ctx.quick()).await {
        Ok(r) if r.status == 200 => {
            for p in decoded(&r) {
                match message_back(&p) {
                    Some(v) => on_polling.push(v),
                    None => others.push(packet_text(&p)),
                }
            }
        }
        Ok(r) => return Verdict::fail(expected, format!("parked GET: {}", response_text(&r))),
        Err(e) => return Verdict::fail(expected, format!("parked GET failed: {e}")),
    }
    if let Err(e) = ws.send(&Packet::upgrade()).await {
        return Verdict::fail(expected, format!("sending `5` failed: {e}"));
    }
    ws.auto_pong = true;
    for i in 4..=N {
        let text = event_text("message", &serde_json::json!(i));
        if let Err(e) = ws.send(&Packet::message(&text)).await {
            return Verdict::fail(expected, format!("send failed: {e}"));
        }
    }
    let mut on_ws = Vec::new();
    let deadline = Instant::now() + ctx.quick();
    // Bounded by the deadline and a count; then a short window catches duplicates.
    for _ in 0..100 {
        let total = on_polling.len() + on_ws.len();
        let left = if total as u64 >= N {
            ctx.tolerance()
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        match ws.recv(left).await {
            Ok(Incoming::Packet(p)) => match message_back(&p) {
                Some(v) => on_ws.push(v),
                None => others.push(packet_text(&p)),
            },
            Ok(other) => {
                others.push(incoming_text(&Ok(other)));
                break;
            }
            Err(_) => break,
        }
    }
    ws.close().await;
    let all: Vec<serde_json::Value> = on_polling.iter().chain(&on_ws).cloned().collect();
    let want: Vec<serde_json::Value> = (1..=N).map(|i| serde_json::json!(i)).collect();
    let show = |v: &[serde_json::Value]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    Verdict::check(
        all == want,
        expected,
        format!(
            "on polling [{}], on the WebSocket [{}]; other packets: [{}]",
            show(&on_polling),
            show(&on_ws),
            others.join(", ")
        ),
    )
}

async fn extra_polls_not_delayed(ctx: Ctx) -> Verdict {
    let per_get = ctx.scaled(RELEASE_DELAY + ctx.tolerance());
    let expected = format!(
        "the parked GET and 2 extra GETs each answered within {} ms during the probe; after `5` \
         a GET gets 400 (upgrade complete)",
        per_get.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    let mut get = ep.spawn_get(ctx.scaled(ctx.params.ping_interval) + ctx.quick());
    let (mut ws, sent) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let mut timings = Vec::new();
    let mut slow = false;
    let mut start = sent;
    // The parked GET, then two more that a conforming client would not send (EIO4-UPG-008):
    // servers must still answer them promptly (EIO4-UPG-007, interop-bugs #4).
    for i in 0..3 {
        if i > 0 {
            start = Instant::now();
            get = ep.spawn_get(ctx.scaled(ctx.params.ping_interval) + ctx.quick());
        }
        let wait = ctx.scaled(ctx.params.ping_interval) + ctx.quick();
        match get.wait(wait).await {
            Ok(r) => {
                let at = start.elapsed();
                slow |= at > per_get || r.status != 200;
                let packets = decoded(&r);
                if packets.iter().any(|p| p.kind == PacketType::Ping) {
                    let _ = ep.post(&[Packet::pong()]).await;
                }
                timings.push(format!("{} in {} ms", response_text(&r), at.as_millis()));
            }
            Err(e) => {
                timings.push(format!("failed: {e}"));
                slow = true;
                break;
            }
        }
    }
    if let Err(e) = ws.send(&Packet::upgrade()).await {
        return Verdict::fail(expected, format!("sending `5` failed: {e}"));
    }
    let done = match ep.http.get(&ep.query(), ctx.quick()).await {
        Ok(r) if r.status == 400 => Ok(response_text(&r)),
        Ok(r) => Err(response_text(&r)),
        Err(e) => Err(format!("failed: {e}")),
    };
    let total = sent.elapsed();
    ws.close().await;
    let seen = format!(
        "GETs during the probe: {}; GET after `5`: {}; probe to completion {} ms",
        timings.join("; "),
        done.as_ref().unwrap_or_else(|e| e),
        total.as_millis()
    );
    Verdict::check(!slow && done.is_ok(), expected, seen)
}

async fn unknown_sid(ctx: Ctx) -> Verdict {
    let expected =
        "the WebSocket refused before the 101 (e.g. 400), or closed after it, and no `3probe`";
    let query = "EIO=4&transport=websocket&sid=no-such-session-id";
    let mut ws = match EngineWs::connect(&ctx, query).await {
        Ok(ws) => ws,
        Err(e) if e.contains("refused") => return Verdict::pass(expected, e),
        Err(e) => return Verdict::fail(expected, e),
    };
    let _ = ws.send(&Packet::ping_probe()).await;
    let verdict = match ws.recv(ctx.quick()).await {
        Ok(Incoming::Closed(code)) => {
            Verdict::pass(expected, format!("101, then closed (code {code:?})"))
        }
        Err(e) if e.contains("closed") => Verdict::pass(expected, format!("101, then {e}")),
        other => Verdict::fail(expected, format!("101, then {}", incoming_text(&other))),
    };
    ws.close().await;
    verdict
}

async fn other_packet_aborts_upgrade(ctx: Ctx) -> Verdict {
    let expected = "after `4x` on the probing WebSocket: that WebSocket closed; the polling session \
                    still answers GET (200) and POST (200 `ok`)";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    let mut get = ep.spawn_get(ctx.quick());
    let (mut ws, _) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let released = match get.wait(ctx.quick()).await {
        Ok(r) => response_text(&r),
        Err(e) => format!("failed: {e}"),
    };
    if let Err(e) = ws.send(&Packet::message("x")).await {
        return Verdict::fail(expected, format!("sending `4x` failed: {e}"));
    }
    let closed = match ws.wait_closed(ctx.quick()).await {
        Ok(code) => Ok(format!("WebSocket closed (code {code:?})")),
        Err(e) => Err(format!("WebSocket not closed: {e}")),
    };
    ws.close().await;
    // The polling session: the next GET returns at the latest with the next ping.
    let wait = ctx.heartbeat_window() + ctx.quick();
    let polled = match ep.get(wait).await {
        Ok((r, packets)) if r.status == 200 => {
            let answer = if packets.iter().any(|p| p.kind == PacketType::Ping) {
                Packet::pong()
            } else {
                Packet::noop()
            };
            match ep.post(&[answer]).await {
                Ok(p) if p.status == 200 && p.body.as_ref() == b"ok" => Ok(format!(
                    "GET {}, POST {}",
                    response_text(&r),
                    response_text(&p)
                )),
                Ok(p) => Err(format!(
                    "GET {}, POST {}",
                    response_text(&r),
                    response_text(&p)
                )),
                Err(e) => Err(format!("GET {}, POST {e}", response_text(&r))),
            }
        }
        Ok((r, _)) => Err(format!("GET {}", response_text(&r))),
        Err(e) => Err(e),
    };
    let _ = ep.post(&[Packet::close()]).await;
    let seen = format!(
        "parked GET got {released}; {}; polling: {}",
        closed.as_ref().unwrap_or_else(|e| e),
        polled.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(closed.is_ok() && polled.is_ok(), expected, seen)
}

async fn polling_refused_after_upgrade(ctx: Ctx) -> Verdict {
    let expected = "GET and POST with the upgraded sid: HTTP 400 with {\"code\":3,…}";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let mut ws = match ep.upgrade(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    ws.auto_pong = true;
    let get = ep.http.get(&ep.query(), ctx.quick()).await;
    let post = ep.post(&[Packet::noop()]).await;
    let code3 = |r: &HttpResponse| r.status == 400 && error_code(r) == Some(3);
    let ok = get.as_ref().is_ok_and(code3) && post.as_ref().is_ok_and(code3);
    let show = |r: Result<&HttpResponse, String>| match r {
        Ok(r) => response_text(r),
        Err(e) => e,
    };
    // The WebSocket should still carry the session (informational).
    let alive = match ws.recv(ctx.tolerance()).await {
        Ok(Incoming::Closed(code)) => format!("the WebSocket then closed ({code:?})"),
        _ => "the WebSocket stayed open".to_owned(),
    };
    ws.close().await;
    Verdict::check(
        ok,
        expected,
        format!(
            "GET: {}; POST: {}; {alive}",
            show(get.as_ref().map_err(ToString::to_string)),
            show(post.as_ref().map_err(Clone::clone))
        ),
    )
}

async fn second_websocket_after_upgrade(ctx: Ctx) -> Verdict {
    let expected = "the second WebSocket refused or closed without `3probe`; the first one still \
                    gets pings";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let mut first = match ep.upgrade(&ctx).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    let second = refused_probe(&ctx, &ep).await;
    let alive = first_still_works(&ctx, &mut first).await;
    first.close().await;
    let seen = format!(
        "second: {}; first: {}",
        second.as_ref().unwrap_or_else(|e| e),
        alive.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(second.is_ok() && alive.is_ok(), expected, seen)
}

async fn second_websocket_while_upgrading(ctx: Ctx) -> Verdict {
    let expected = "while the first WebSocket is probing, a second one is refused or closed \
                    without `3probe`; the first completes the upgrade and gets pings";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.sync_to_pong(&ctx).await {
        return Verdict::error(e);
    }
    let mut get = ep.spawn_get(ctx.quick());
    let (mut first, _) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let second = refused_probe(&ctx, &ep).await;
    let _ = get.wait(ctx.quick()).await;
    let alive = match first.send(&Packet::upgrade()).await {
        Ok(()) => first_still_works(&ctx, &mut first).await,
        Err(e) => Err(format!("sending `5` failed: {e}")),
    };
    first.close().await;
    let seen = format!(
        "second: {}; first: {}",
        second.as_ref().unwrap_or_else(|e| e),
        alive.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(second.is_ok() && alive.is_ok(), expected, seen)
}

async fn upgrade_timeout(ctx: Ctx) -> Verdict {
    // The upgrade timeout is not announced in the handshake (reference: 10000 ms), so the wait is
    // bounded at 12 s and a WebSocket still open then is only reported.
    let bound = ctx.scaled(Duration::from_secs(12));
    let expected = format!(
        "without `5`, the probing WebSocket closed by the server (within the {} ms the runner \
         waits) while the polling session stays alive",
        bound.as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    // A Socket.IO server closes a session that joins no namespace within its connect timeout
    // (1000 ms on the testee), so this long case joins `/` first.
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    let (mut ws, sent) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    // Keep polling (answering pings) so the session outlives the heartbeat; GETs are released
    // with noops while the upgrade is pending.
    let mut closed_at = None;
    let mut polls = 0u32;
    let mut failure = None;
    for _ in 0..100_000 {
        if let Some(event) = ws.ws.try_recv() {
            if event.is_closed() {
                closed_at = Some(sent.elapsed());
                break;
            }
            continue;
        }
        if sent.elapsed() >= bound {
            break;
        }
        let mut get = ep.spawn_get(ctx.heartbeat_window() + ctx.quick());
        match get.wait(ctx.heartbeat_window() + ctx.quick()).await {
            Ok(r) if r.status == 200 => {
                polls += 1;
                if decoded(&r).iter().any(|p| p.kind == PacketType::Ping) {
                    let _ = ep.post(&[Packet::pong()]).await;
                }
            }
            Ok(r) => {
                failure = Some(format!("GET {}", response_text(&r)));
                break;
            }
            Err(e) => {
                failure = Some(format!("GET failed: {e}"));
                break;
            }
        }
    }
    let after = if failure.is_none() && closed_at.is_some() {
        // After the abort, the next GET parks until a ping (or noop); the session must answer.
        match ep.get(ctx.heartbeat_window() + ctx.quick()).await {
            Ok((r, packets)) if r.status == 200 => {
                if packets.iter().any(|p| p.kind == PacketType::Ping) {
                    let _ = ep.post(&[Packet::pong()]).await;
                }
                None
            }
            Ok((r, _)) => Some(format!("GET after the close: {}", response_text(&r))),
            Err(e) => Some(format!("GET after the close failed: {e}")),
        }
    } else {
        None
    };
    let failure = failure.or(after);
    ws.close().await;
    let _ = ep.post(&[Packet::close()]).await;
    match (closed_at, failure) {
        (_, Some(f)) => Verdict::fail(
            expected,
            format!("the polling session died during the pending upgrade: {f} ({polls} polls)"),
        ),
        (Some(at), None) => Verdict::pass(
            expected,
            format!(
                "WebSocket closed {} ms after `2probe`; polling alive ({polls} polls)",
                at.as_millis()
            ),
        ),
        (None, None) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "the WebSocket was still open {} ms after `2probe` (the server's upgrade timeout \
                 is longer than the runner waits, or absent); polling alive ({polls} polls)",
                sent.elapsed().as_millis()
            ),
        ),
    }
}

async fn heartbeat_not_restarted(ctx: Ctx) -> Verdict {
    let interval = ctx.params.ping_interval;
    let tolerance = ctx.tolerance();
    let hold = interval.mul_f64(0.7);
    let expected = format!(
        "the first ping on the WebSocket {} ms after the last pong (± {} ms), although `5` was \
         sent {} ms after that pong (a restarted schedule would ping at {} ms)",
        interval.as_millis(),
        tolerance.as_millis(),
        hold.as_millis(),
        (hold + interval).as_millis()
    );
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let ponged = match ep.sync_to_pong(&ctx).await {
        Ok(_) => Instant::now(),
        Err(e) => return Verdict::error(e),
    };
    let mut get = ep.spawn_get(ctx.quick());
    let (mut ws, _) = match ep.probe(&ctx).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let _ = get.wait(ctx.quick()).await;
    tokio::time::sleep(hold.saturating_sub(ponged.elapsed())).await;
    let upgraded_at = ponged.elapsed();
    if let Err(e) = ws.send(&Packet::upgrade()).await {
        return Verdict::fail(expected, format!("sending `5` failed: {e}"));
    }
    let verdict = match ws.recv(ctx.heartbeat_window() + interval).await {
        Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
            let at = ponged.elapsed();
            let _ = ws.send(&Packet::pong()).await;
            let ok = at + tolerance >= interval && at <= ctx.scaled(interval + tolerance);
            Verdict::check(
                ok,
                expected,
                format!(
                    "`5` sent {} ms after the pong; ping {} ms after the pong",
                    upgraded_at.as_millis(),
                    at.as_millis()
                ),
            )
        }
        other => Verdict::fail(expected, incoming_text(&other)),
    };
    ws.close().await;
    verdict
}

/// Opens a second upgrade WebSocket for `ep`'s sid: `Ok` when it is refused, or closed without
/// answering `2probe`.
async fn refused_probe(ctx: &Ctx, ep: &EnginePolling) -> Result<String, String> {
    let mut ws = match EngineWs::upgrade(ctx, ep.sid()).await {
        Ok(ws) => ws,
        Err(e) if e.contains("refused") => return Ok(e),
        Err(e) => return Err(e),
    };
    let _ = ws.send(&Packet::ping_probe()).await;
    let result = match ws.recv(ctx.quick()).await {
        Ok(Incoming::Closed(code)) => Ok(format!("101, then closed (code {code:?})")),
        Err(e) if e.contains("closed") => Ok(format!("101, then {e}")),
        other => Err(format!("101, then {}", incoming_text(&other))),
    };
    ws.close().await;
    result
}

/// Waits for a ping on an upgraded WebSocket and answers it.
async fn first_still_works(ctx: &Ctx, ws: &mut EngineWs) -> Result<String, String> {
    let started = Instant::now();
    match ws.recv(ctx.heartbeat_window()).await {
        Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
            ws.send(&Packet::pong()).await?;
            Ok(format!(
                "ping after {} ms, answered",
                started.elapsed().as_millis()
            ))
        }
        other => Err(incoming_text(&other)),
    }
}
