//! Disconnection (spec/socket-io-v5.md DISC; testee contract LIFE and SDISC).

use std::time::Duration;

use socketio_codec::socket_io::{PacketType, Value};

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, SioItem, Transport, event_args, show};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-DISC-001/client-namespace-disconnect-websocket",
        title: "a client DISCONNECT gets no answer, keeps Engine.IO open, and watchers see `peer-disconnect` (WebSocket)",
        requirements: &[
            "SIO5-DISC-001",
            "SIO5-DISC-002",
            "TESTEE1-LIFE-001",
            "TESTEE1-LIFE-002",
        ],
        features: &["lifecycle"],
        run: case_fn_on!(client_namespace_disconnect, Transport::WebSocket),
    },
    Case {
        id: "SIO5-DISC-001/client-namespace-disconnect-polling",
        title: "a client DISCONNECT gets no answer, keeps Engine.IO open, and watchers see `peer-disconnect` (polling)",
        requirements: &[
            "SIO5-DISC-001",
            "SIO5-DISC-002",
            "TESTEE1-LIFE-001",
            "TESTEE1-LIFE-002",
        ],
        features: &["lifecycle"],
        run: case_fn_on!(client_namespace_disconnect, Transport::Polling),
    },
    Case {
        id: "TESTEE1-LIFE-002/engine-close-websocket",
        title: "closing the WebSocket ends the socket: watchers see `peer-disconnect`",
        requirements: &["TESTEE1-LIFE-002", "SIO5-DISC-007"],
        features: &["lifecycle"],
        run: case_fn_on!(engine_close, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-LIFE-002/engine-close-polling",
        title: "closing the polling session (POST `1`) ends the socket: watchers see `peer-disconnect`",
        requirements: &["TESTEE1-LIFE-002", "SIO5-DISC-007"],
        features: &["lifecycle"],
        run: case_fn_on!(engine_close, Transport::Polling),
    },
    Case {
        id: "TESTEE1-LIFE-002/dropped-tcp-noticed",
        title: "a dropped TCP connection is noticed within pingInterval + pingTimeout",
        requirements: &["TESTEE1-LIFE-002", "EIO4-HB-003"],
        features: &["lifecycle"],
        run: case_fn_on!(dropped_tcp, Transport::WebSocket),
    },
    Case {
        id: "SIO5-DISC-003/disconnect-me-websocket",
        title: "`disconnect-me`: the server sends DISCONNECT for the namespace and Engine.IO stays open (WebSocket)",
        requirements: &["SIO5-DISC-003", "SIO5-DISC-004", "TESTEE1-SDISC-001"],
        features: &["server-disconnect"],
        run: case_fn_on!(disconnect_me, Transport::WebSocket),
    },
    Case {
        id: "SIO5-DISC-003/disconnect-me-polling",
        title: "`disconnect-me`: the server sends DISCONNECT for the namespace and Engine.IO stays open (polling)",
        requirements: &["SIO5-DISC-003", "SIO5-DISC-004", "TESTEE1-SDISC-001"],
        features: &["server-disconnect"],
        run: case_fn_on!(disconnect_me, Transport::Polling),
    },
    Case {
        id: "SIO5-DISC-005/close-me-websocket",
        title: "`close-me`: DISCONNECT for every joined namespace, then the connection closes (WebSocket)",
        requirements: &["SIO5-DISC-005", "TESTEE1-SDISC-002"],
        features: &["server-disconnect"],
        run: case_fn_on!(close_me, Transport::WebSocket),
    },
    Case {
        id: "SIO5-DISC-005/close-me-polling",
        title: "`close-me`: DISCONNECT for every joined namespace, then the connection closes (polling)",
        requirements: &["SIO5-DISC-005", "TESTEE1-SDISC-002"],
        features: &["server-disconnect"],
        run: case_fn_on!(close_me, Transport::Polling),
    },
    Case {
        id: "SIO5-DISC-006/other-namespaces-unaffected",
        title: "leaving /custom leaves / working on the same connection",
        requirements: &["SIO5-DISC-006", "SIO5-NS-009"],
        features: &["core"],
        run: case_fn_on!(other_namespaces_unaffected, Transport::WebSocket),
    },
];

/// A watcher on `/` (its `watch` acknowledged).
async fn watcher(ctx: &Ctx, transport: Transport) -> Result<SioConn, String> {
    let (mut w, _) = SioConn::open_joined(ctx, transport, "/", None).await?;
    w.emit("/", &event_args("watch", &[]), Some(1))?;
    w.expect_ack("/", 1, ctx.quick()).await?;
    Ok(w)
}

/// Waits for `peer-disconnect` naming `sid`; returns the reason argument.
async fn peer_disconnect(
    w: &mut SioConn,
    sid: &str,
    timeout: Duration,
) -> Result<Vec<Value>, String> {
    let sid = Value::String(sid.to_owned());
    let item = w
        .expect(&format!("`peer-disconnect` for {sid:?}"), timeout, |i| {
            i.is_event_with("/", "peer-disconnect", &sid)
        })
        .await?;
    Ok(item.event().map(|(_, a, _)| a).unwrap_or_default())
}

async fn client_namespace_disconnect(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the watcher sees `peer-disconnect` (sid, reason); the client gets no answer; \
                    it can join / again on the same Engine.IO connection";
    let mut w = match watcher(&ctx, transport).await {
        Ok(w) => w,
        Err(e) => return Verdict::error(e),
    };
    let (mut a, sid) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    // The `auth` event of the CONNECT is not an answer to the DISCONNECT: take it first.
    if let Err(seen) = a.expect_event("/", "auth", ctx.quick()).await {
        return Verdict::error(format!("no `auth` after CONNECT: {seen}"));
    }
    a.send_text_raw("1");
    let seen_by_watcher = peer_disconnect(&mut w, &sid, ctx.quick()).await;
    let answered = a
        .expect_none(ctx.tolerance(), |i| {
            i.namespace() == Some("/") || matches!(i, SioItem::Closed(_))
        })
        .await;
    let rejoined = a.connect("/", None).await;
    w.close();
    a.close();
    match (seen_by_watcher, answered, rejoined) {
        (Ok(args), Ok(()), Ok(_)) => Verdict::pass(
            expected,
            format!("peer-disconnect {}; no answer; rejoined", show(&args)),
        ),
        (Err(seen), _, _) => Verdict::fail(expected, format!("watcher: {seen}")),
        (_, Err(item), _) => Verdict::fail(
            expected,
            format!("the client got {item} after its DISCONNECT"),
        ),
        (_, _, Err(seen)) => Verdict::fail(expected, format!("could not join / again: {seen}")),
    }
}

async fn engine_close(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the watcher sees `peer-disconnect` for the closed client, with a reason";
    let mut w = match watcher(&ctx, transport).await {
        Ok(w) => w,
        Err(e) => return Verdict::error(e),
    };
    let (a, sid) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    a.close();
    let verdict = match peer_disconnect(&mut w, &sid, ctx.quick()).await {
        Ok(args) => Verdict::check(
            matches!(args.get(1), Some(Value::String(_))),
            expected,
            format!("peer-disconnect {}", show(&args)),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    w.close();
    verdict
}

async fn dropped_tcp(ctx: Ctx, transport: Transport) -> Verdict {
    let window = ctx.heartbeat_window();
    let expected = format!(
        "the watcher sees `peer-disconnect` within {} ms",
        window.as_millis()
    );
    let mut w = match watcher(&ctx, transport).await {
        Ok(w) => w,
        Err(e) => return Verdict::error(e),
    };
    let (a, sid) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let started = std::time::Instant::now();
    a.drop_tcp();
    let verdict = match peer_disconnect(&mut w, &sid, window).await {
        Ok(args) => Verdict::pass(
            expected,
            format!(
                "after {} ms: {}",
                started.elapsed().as_millis(),
                show(&args)
            ),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    w.close();
    verdict
}

async fn disconnect_me(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "DISCONNECT `1` for /, then /custom can still be joined on the same connection";
    let (mut a, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = a.emit("/", &event_args("disconnect-me", &[]), None) {
        return Verdict::error(e);
    }
    let got = a
        .expect("DISCONNECT for /", ctx.quick(), |i| {
            matches!(i, SioItem::Packet(p) if p.kind == PacketType::Disconnect && p.namespace.as_str() == "/")
                || matches!(i, SioItem::Closed(_))
        })
        .await;
    let verdict = match got {
        Ok(SioItem::Packet(_)) => match a.connect("/custom", None).await {
            Ok(_) => Verdict::pass(expected, "DISCONNECT, then /custom joined"),
            Err(seen) => Verdict::fail(
                expected,
                format!("DISCONNECT, but joining /custom failed: {seen}"),
            ),
        },
        Ok(other) => Verdict::fail(expected, other.describe()),
        Err(seen) => Verdict::fail(expected, seen),
    };
    a.close();
    verdict
}

async fn close_me(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "DISCONNECT for / and for /custom, then the Engine.IO connection closes";
    let (mut a, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = a.connect("/custom", None).await {
        return Verdict::error(e);
    }
    if let Err(e) = a.emit("/", &event_args("close-me", &[]), None) {
        return Verdict::error(e);
    }
    let mut seen = Vec::new();
    let mut namespaces = Vec::new();
    let mut closed = false;
    for _ in 0..10 {
        match a.next(ctx.heartbeat_window()).await {
            Some(SioItem::Packet(p)) if p.kind == PacketType::Disconnect => {
                namespaces.push(p.namespace.as_str().to_owned());
                seen.push(p.to_string());
            }
            Some(SioItem::Closed(how)) => {
                seen.push(format!("closed ({how})"));
                closed = true;
                break;
            }
            Some(other) => seen.push(other.describe()),
            None => break,
        }
    }
    namespaces.sort();
    Verdict::check(
        closed && namespaces == ["/", "/custom"],
        expected,
        seen.join("; "),
    )
}

async fn other_namespaces_unaffected(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after `41/custom,` the / namespace still echoes `message`";
    let (mut a, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = a.connect("/custom", None).await {
        return Verdict::error(e);
    }
    a.send_text_raw("1/custom,");
    if let Err(e) = a.emit(
        "/",
        &event_args("message", &[Value::from("after-leaving-custom")]),
        None,
    ) {
        return Verdict::error(e);
    }
    let verdict = match a.expect_event("/", "message-back", ctx.quick()).await {
        Ok((args, _)) => Verdict::check(
            args == [Value::from("after-leaving-custom")],
            expected,
            show(&args),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    a.close();
    verdict
}
