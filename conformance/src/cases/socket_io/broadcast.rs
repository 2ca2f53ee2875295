//! Broadcast and rooms (testee contract BCAST and ROOM; spec/socket-io-v5.md NS-009).
//!
//! Other cases run at the same time on the same namespaces, so every broadcast carries a token
//! unique to this case and clients only count events that carry it.

use socketio_codec::socket_io::Value;

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, Transport, event_args};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "TESTEE1-BCAST-001/every-client-once-websocket",
        title: "`broadcast` reaches every client of the namespace exactly once, sender included (WebSocket)",
        requirements: &["TESTEE1-BCAST-001", "SIO5-EVT-001"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_all, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-BCAST-001/every-client-once-polling",
        title: "`broadcast` reaches every client of the namespace exactly once, sender included (polling)",
        requirements: &["TESTEE1-BCAST-001", "SIO5-EVT-001"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_all, Transport::Polling),
    },
    Case {
        id: "TESTEE1-BCAST-002/others-exclude-sender-websocket",
        title: "`broadcast-others` reaches every other client once and not the sender (WebSocket)",
        requirements: &["TESTEE1-BCAST-002"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_others, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-BCAST-002/others-exclude-sender-polling",
        title: "`broadcast-others` reaches every other client once and not the sender (polling)",
        requirements: &["TESTEE1-BCAST-002"],
        features: &["broadcast"],
        run: case_fn_on!(broadcast_others, Transport::Polling),
    },
    Case {
        id: "TESTEE1-ROOM-002/room-members-only",
        title: "`to-room` reaches the members of the room and nobody else",
        requirements: &["TESTEE1-ROOM-002", "TESTEE1-ROOM-001"],
        features: &["rooms"],
        run: case_fn_on!(room_members_only, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-009/namespaces-isolated",
        title: "a broadcast on / does not reach a client joined only to /custom",
        requirements: &["SIO5-NS-009", "TESTEE1-BCAST-001"],
        features: &["broadcast"],
        run: case_fn_on!(namespaces_isolated, Transport::WebSocket),
    },
];

fn token(case: &str) -> Value {
    // Unique per case run: the case name and this process's clock.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Value::String(format!("{case}-{nanos}"))
}

async fn clients(
    ctx: &Ctx,
    transport: Transport,
    n: usize,
    nsp: &str,
) -> Result<Vec<SioConn>, String> {
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        all.push(SioConn::open_joined(ctx, transport, nsp, None).await?.0);
    }
    Ok(all)
}

/// How many times each client saw `name` with `token` first: waits for one, then watches a
/// short window for duplicates.
async fn count_received(
    ctx: &Ctx,
    conns: &mut [SioConn],
    nsp: &str,
    name: &str,
    token: &Value,
) -> Vec<usize> {
    let mut counts = Vec::with_capacity(conns.len());
    for conn in conns.iter_mut() {
        let mut n = 0;
        if conn
            .expect(name, ctx.quick(), |i| i.is_event_with(nsp, name, token))
            .await
            .is_ok()
        {
            n += 1;
        }
        counts.push(n);
    }
    // Duplicates would have arrived by now; look once more, briefly, on every client.
    for (conn, n) in conns.iter_mut().zip(counts.iter_mut()) {
        while conn
            .expect(name, ctx.tolerance(), |i| i.is_event_with(nsp, name, token))
            .await
            .is_ok()
        {
            *n += 1;
            if *n > 100 {
                break;
            }
        }
    }
    counts
}

async fn broadcast_all(ctx: Ctx, transport: Transport) -> Verdict {
    let n = ctx.clients;
    let token = token("broadcast");
    let expected = format!("each of {n} clients receives `broadcast-back` once");
    let mut conns = match clients(&ctx, transport, n, "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conns[0].emit(
        "/",
        &event_args("broadcast", std::slice::from_ref(&token)),
        None,
    ) {
        return Verdict::error(e);
    }
    let counts = count_received(&ctx, &mut conns, "/", "broadcast-back", &token).await;
    conns.iter().for_each(|c| c.close());
    Verdict::check(
        counts.iter().all(|c| *c == 1),
        expected,
        format!("received counts per client {counts:?}"),
    )
}

async fn broadcast_others(ctx: Ctx, transport: Transport) -> Verdict {
    let n = ctx.clients;
    let token = token("others");
    let expected = format!(
        "the sender receives nothing; each of the {} others once",
        n - 1
    );
    let mut conns = match clients(&ctx, transport, n, "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conns[0].emit(
        "/",
        &event_args("broadcast-others", std::slice::from_ref(&token)),
        None,
    ) {
        return Verdict::error(e);
    }
    let counts = count_received(&ctx, &mut conns, "/", "broadcast-back", &token).await;
    conns.iter().for_each(|c| c.close());
    let ok = counts[0] == 0 && counts[1..].iter().all(|c| *c == 1);
    Verdict::check(
        ok,
        expected,
        format!("received counts per client (sender first) {counts:?}"),
    )
}

async fn room_members_only(ctx: Ctx, transport: Transport) -> Verdict {
    let token = token("room");
    let room = Value::String(format!("room-{}", token.as_str().unwrap_or_default()));
    let expected = "the two members receive `room-back` once; the non-member nothing".to_owned();
    let mut conns = match clients(&ctx, transport, 3, "/").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    for (i, conn) in conns.iter_mut().take(2).enumerate() {
        let id = 10 + u64::try_from(i).unwrap_or(0);
        if let Err(e) = conn.emit(
            "/",
            &event_args("join", std::slice::from_ref(&room)),
            Some(id),
        ) {
            return Verdict::error(e);
        }
        match conn.expect_ack("/", id, ctx.quick()).await {
            Ok(args) if args.first() == Some(&room) => {}
            Ok(args) => return Verdict::fail(expected, format!("`join` acked with {args:?}")),
            Err(seen) => return Verdict::fail(expected, format!("`join` not acked: {seen}")),
        }
    }
    if let Err(e) = conns[0].emit(
        "/",
        &event_args("to-room", &[room.clone(), token.clone()]),
        None,
    ) {
        return Verdict::error(e);
    }
    let counts = count_received(&ctx, &mut conns, "/", "room-back", &token).await;
    conns.iter().for_each(|c| c.close());
    Verdict::check(
        counts == [1, 1, 0],
        expected,
        format!("received counts (member, member, non-member) {counts:?}"),
    )
}

async fn namespaces_isolated(ctx: Ctx, transport: Transport) -> Verdict {
    let token = token("isolated");
    let expected = "the / client receives `broadcast-back`; the /custom client does not".to_owned();
    let (mut main, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let (mut custom, _) = match SioConn::open_joined(&ctx, transport, "/custom", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = main.emit(
        "/",
        &event_args("broadcast", std::slice::from_ref(&token)),
        None,
    ) {
        return Verdict::error(e);
    }
    let on_main = main
        .expect("broadcast-back", ctx.quick(), |i| {
            i.is_event_with("/", "broadcast-back", &token)
        })
        .await
        .is_ok();
    let leaked = custom
        .expect_none(ctx.tolerance() * 2, |i| {
            i.event()
                .is_some_and(|(_, args, _)| args.first() == Some(&token))
        })
        .await;
    main.close();
    custom.close();
    match leaked {
        Err(item) => Verdict::fail(expected, format!("the /custom client received {item}")),
        Ok(()) => Verdict::check(
            on_main,
            expected,
            format!("/ client received it: {on_main}; /custom: nothing"),
        ),
    }
}
