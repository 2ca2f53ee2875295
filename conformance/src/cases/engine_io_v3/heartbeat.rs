//! Engine.IO v3 heartbeat (spec/engine-io-v3.md, HB): the client pings, the server answers.

use std::time::{Duration, Instant};

use socketio_codec::engine_io::{Packet, PacketType};

use crate::case::{Case, Grade, Verdict, case_fn, case_fn_on};
use crate::client::v3::{V3Polling, V3Ws, packets_text, response_text};
use crate::client::{Incoming, Transport};
use crate::ctx::Ctx;
use crate::transport::WsEvent;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO3-HB-002/ping-pong-websocket",
        title: "three client pings `2` over a v3 WebSocket are each answered with a pong `3`",
        requirements: &["EIO3-HB-002", "EIO3-HB-001"],
        features: &[],
        run: case_fn_on!(ping_pong, Transport::WebSocket),
    },
    Case {
        id: "EIO3-HB-002/ping-pong-polling",
        title: "three client pings POSTed as `1:2` are each answered with `1:3` in a GET",
        requirements: &["EIO3-HB-002", "EIO3-HB-001"],
        features: &[],
        run: case_fn_on!(ping_pong, Transport::Polling),
    },
    Case {
        id: "EIO3-HB-003/ping-data-websocket",
        title: "a ping with data `2hey` over a v3 WebSocket is answered with a bare pong `3`",
        requirements: &["EIO3-HB-003", "EIO3-HB-002"],
        features: &[],
        run: case_fn_on!(ping_data, Transport::WebSocket),
    },
    Case {
        id: "EIO3-HB-003/ping-data-polling",
        title: "a ping with data `2hey` over v3 polling is answered with a bare pong `3`",
        requirements: &["EIO3-HB-003", "EIO3-HB-002"],
        features: &[],
        run: case_fn_on!(ping_data, Transport::Polling),
    },
    Case {
        id: "EIO3-HB-004/no-server-pings",
        title: "a v3 WebSocket session kept alive by client pings for three intervals gets no ping \
                from the server and stays open",
        requirements: &["EIO3-HB-004", "EIO3-HB-001", "EIO3-HB-002"],
        features: &[],
        run: case_fn!(no_server_pings),
    },
    Case {
        id: "EIO3-HB-005/ping-timeout-websocket",
        title: "a v3 WebSocket session without client pings is closed within pingInterval + \
                pingTimeout, not before",
        requirements: &["EIO3-HB-005"],
        features: &[],
        run: case_fn_on!(ping_timeout, Transport::WebSocket),
    },
    Case {
        id: "EIO3-HB-005/ping-timeout-polling",
        title: "a v3 polling session without client pings is closed within pingInterval + \
                pingTimeout, not before",
        requirements: &["EIO3-HB-005"],
        features: &[],
        run: case_fn_on!(ping_timeout, Transport::Polling),
    },
    Case {
        id: "EIO3-HB-007/client-pong-websocket",
        title: "what a server does with a pong `3` from a v3 client over WebSocket (modern servers \
                close, engine.io 3.x ignores it; reported)",
        requirements: &["EIO3-HB-007", "EIO3-HB-008"],
        features: &[],
        run: case_fn_on!(client_pong, Transport::WebSocket),
    },
    Case {
        id: "EIO3-HB-007/client-pong-polling",
        title: "what a server does with a pong `3` POSTed by a v3 client (modern servers close, \
                engine.io 3.x ignores it; reported)",
        requirements: &["EIO3-HB-007", "EIO3-HB-008"],
        features: &[],
        run: case_fn_on!(client_pong, Transport::Polling),
    },
];

/// One v3 session for the heartbeat cases.
enum Side {
    Ws(V3Ws),
    Polling(V3Polling),
}

impl Side {
    async fn open(ctx: &Ctx, transport: Transport) -> Result<Side, String> {
        Ok(match transport {
            Transport::WebSocket => Side::Ws(V3Ws::open(ctx, false).await?),
            Transport::Polling => Side::Polling(V3Polling::open(ctx, false).await?),
        })
    }

    async fn send(&mut self, packet: &Packet<'_>) -> Result<(), String> {
        match self {
            Side::Ws(ws) => ws.send(packet).await,
            Side::Polling(ep) => match ep.post(std::slice::from_ref(packet)).await? {
                r if r.status == 200 => Ok(()),
                r => Err(format!("POST answered {}", response_text(&r))),
            },
        }
    }

    /// The next pong within `timeout` (other packets skipped): `Ok(its data)`.
    async fn pong(&mut self, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let mut others = Vec::new();
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let packets = match self {
                Side::Ws(ws) => match ws.recv(left).await {
                    Ok(Incoming::Packet(p)) => vec![p],
                    Ok(other) => return Err(format!("{other:?} after {}", packets_text(&others))),
                    Err(e) => return Err(format!("{e} after {}", packets_text(&others))),
                },
                Side::Polling(ep) => match ep.get(left).await {
                    Ok((r, p)) if r.status == 200 => p,
                    Ok((r, _)) => return Err(format!("GET answered {}", response_text(&r))),
                    Err(e) => return Err(e),
                },
            };
            for p in packets {
                if p.kind == PacketType::Pong {
                    return Ok(p.data.as_text().unwrap_or("<binary>").to_owned());
                }
                others.push(p);
            }
        }
        Err(format!(
            "no pong within {} ms; got {}",
            timeout.as_millis(),
            packets_text(&others)
        ))
    }

    async fn close(self) {
        match self {
            Side::Ws(ws) => ws.close().await,
            Side::Polling(ep) => ep.close().await,
        }
    }
}

async fn ping_pong(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "each of three pings `2` answered with a pong `3` within a round trip";
    let mut side = match Side::open(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    let mut seen = Vec::new();
    for round in 1..=3 {
        if let Err(e) = side.send(&Packet::ping()).await {
            side.close().await;
            return Verdict::fail(expected, format!("ping {round}: {e}"));
        }
        let sent = Instant::now();
        match side.pong(ctx.quick()).await {
            Ok(data) => seen.push(format!("`3{data}` after {} ms", sent.elapsed().as_millis())),
            Err(e) => {
                side.close().await;
                return Verdict::fail(expected, format!("{}; ping {round}: {e}", seen.join(", ")));
            }
        }
    }
    side.close().await;
    Verdict::pass(expected, format!("pongs: {}", seen.join(", ")))
}

async fn ping_data(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the ping `2hey` answered with a bare pong `3` (an echo `3hey` is NON-STRICT)";
    let mut side = match Side::open(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    let verdict = match side.send(&Packet::text(PacketType::Ping, "hey")).await {
        Ok(()) => match side.pong(ctx.quick()).await {
            Ok(data) if data.is_empty() => Verdict::pass(expected, "a bare pong `3`"),
            Ok(data) => Verdict::new(
                Grade::NonStrict,
                expected,
                format!("the pong echoes the data: `3{data}`"),
            ),
            Err(e) => Verdict::fail(expected, e),
        },
        Err(e) => Verdict::fail(expected, e),
    };
    side.close().await;
    verdict
}

async fn no_server_pings(ctx: Ctx) -> Verdict {
    let interval = ctx.params.ping_interval;
    let span = ctx.scaled(interval * 3);
    let expected = format!(
        "no ping `2` from the server and the session still open after {} ms of client pings \
         every {} ms",
        span.as_millis(),
        (interval / 2).as_millis()
    );
    let mut ws = match V3Ws::open(&ctx, false).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    ws.keepalive = Some(ws.interval(interval) / 2);
    let started = Instant::now();
    let mut server_pings = 0;
    let mut ended = None;
    // Bounded by `span`: each round reads one frame.
    for _ in 0..10_000 {
        let left = span.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        match ws.recv_event(left).await {
            Ok(WsEvent::Text(t)) if t.starts_with('2') => server_pings += 1,
            Ok(WsEvent::Closed { code, .. }) => {
                ended = Some(format!(
                    "closed ({code:?}) after {} ms",
                    started.elapsed().as_millis()
                ));
                break;
            }
            Ok(_) => {}
            Err(e) if e.contains("imed out") || e.contains("timeout") => break,
            Err(e) => {
                ended = Some(e);
                break;
            }
        }
    }
    // One more ping must still be answered.
    let alive = if ended.is_none() {
        ws.keepalive = None;
        match ws.send(&Packet::ping()).await {
            Ok(()) => match ws.recv(ctx.quick()).await {
                Ok(Incoming::Packet(p)) if p.kind == PacketType::Pong => Ok(()),
                other => Err(format!("the last ping got {other:?}")),
            },
            Err(e) => Err(e),
        }
    } else {
        Err(ended.clone().unwrap_or_default())
    };
    ws.close().await;
    let seen = format!(
        "{server_pings} pings from the server in {} ms; {}",
        span.as_millis(),
        alive.as_ref().map_or_else(
            |e| e.clone(),
            |()| "still open, pongs keep coming".to_owned()
        )
    );
    Verdict::check(server_pings == 0 && alive.is_ok(), expected, seen)
}

async fn ping_timeout(ctx: Ctx, transport: Transport) -> Verdict {
    let p = &ctx.params;
    let nominal = p.ping_interval + p.ping_timeout;
    let window = ctx.heartbeat_window();
    let tolerance = ctx.tolerance();
    let expected = format!(
        "closed about {} ms after open (between {} and {} ms) when the client never pings",
        nominal.as_millis(),
        nominal.saturating_sub(tolerance).as_millis(),
        window.as_millis()
    );
    let side = match Side::open(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    let opened = Instant::now();
    let ended: Result<String, String> = match side {
        Side::Ws(mut ws) => {
            let r = ws.wait_closed(window).await;
            ws.close().await;
            r.map(|code| format!("WebSocket closed ({code:?})"))
        }
        Side::Polling(ep) => {
            // GET until the session ends: a close packet, a noop or an error status.
            let mut how = Err(format!("still open after {} ms", window.as_millis()));
            for _ in 0..100 {
                let left = window.saturating_sub(opened.elapsed());
                if left.is_zero() {
                    break;
                }
                match ep.get(left).await {
                    Ok((r, _)) if r.status != 200 => {
                        how = Ok(format!("GET answered {}", response_text(&r)));
                        break;
                    }
                    Ok((r, packets))
                        if packets
                            .iter()
                            .any(|p| matches!(p.kind, PacketType::Close | PacketType::Noop)) =>
                    {
                        how = Ok(format!("GET answered {}", response_text(&r)));
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        how = if opened.elapsed() >= window {
                            Err(format!("still open after {} ms", window.as_millis()))
                        } else {
                            Ok(e)
                        };
                        break;
                    }
                }
            }
            how
        }
    };
    let at = opened.elapsed();
    match ended {
        Ok(how) => Verdict::check(
            at + tolerance >= nominal,
            expected,
            format!("{how} after {} ms", at.as_millis()),
        ),
        Err(e) => Verdict::fail(expected, e),
    }
}

async fn client_pong(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "either reaction, reported: the session closed (modern engine.io: wrong \
                    heartbeat direction), or the pong ignored and the next ping answered \
                    (engine.io 3.x)";
    let mut side = match Side::open(&ctx, transport).await {
        Ok(s) => s,
        Err(e) => return Verdict::error(e),
    };
    // Wrong direction on purpose: a v3 client must not send `3` (EIO3-HB-007).
    let sent = side.send(&Packet::pong()).await;
    if let Err(e) = sent {
        side.close().await;
        return Verdict::new(
            Grade::Informational,
            expected,
            format!("the pong was refused: {e}"),
        );
    }
    let verdict = match &mut side {
        Side::Ws(ws) => match ws_after_pong(ws, ctx.scaled(ctx.params.ping_interval)).await {
            Ok(Incoming::Closed(code)) => Verdict::new(
                Grade::Informational,
                expected,
                format!("the server closed the WebSocket ({code:?}): the session ended"),
            ),
            Err(e) if e.contains("imed out") || e.contains("timeout") => {
                if let Side::Ws(ws) = &mut side {
                    ws.keepalive = None;
                }
                match side.send(&Packet::ping()).await {
                    Ok(()) => match side.pong(ctx.quick()).await {
                        Ok(_) => Verdict::new(
                            Grade::Informational,
                            expected,
                            "the pong was ignored: the next ping was answered",
                        ),
                        Err(e) => Verdict::new(
                            Grade::Informational,
                            expected,
                            format!("no reaction to the pong, then the ping went unanswered: {e}"),
                        ),
                    },
                    Err(e) => Verdict::new(Grade::Informational, expected, e),
                }
            }
            other => Verdict::new(
                Grade::Informational,
                expected,
                format!("after the pong: {other:?}"),
            ),
        },
        Side::Polling(_) => match side.send(&Packet::ping()).await {
            Ok(()) => match side.pong(ctx.quick()).await {
                Ok(_) => Verdict::new(
                    Grade::Informational,
                    expected,
                    "the pong was ignored: the next ping was answered",
                ),
                Err(e) => Verdict::new(
                    Grade::Informational,
                    expected,
                    format!("the session ended after the pong: {e}"),
                ),
            },
            Err(e) => Verdict::new(
                Grade::Informational,
                expected,
                format!("the session ended after the pong: the next ping {e}"),
            ),
        },
    };
    side.close().await;
    verdict
}

/// The first event after the pong other than Socket.IO messages (the greeting `40`, `auth`).
/// Keeps pinging meanwhile, so a close says something about the pong, not the heartbeat.
async fn ws_after_pong(ws: &mut V3Ws, timeout: Duration) -> Result<Incoming, String> {
    ws.keepalive = Some(ws.interval(timeout) / 2);
    let deadline = Instant::now() + timeout;
    for _ in 0..100 {
        let left = deadline.saturating_duration_since(Instant::now());
        match ws.recv(left).await? {
            Incoming::Packet(p) if p.kind == PacketType::Message => {}
            other => return Ok(other),
        }
    }
    Err("too many messages".to_owned())
}
