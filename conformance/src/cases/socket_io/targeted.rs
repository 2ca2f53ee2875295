//! Targeted emit (testee contract TGT).

use socketio_codec::socket_io::Value;

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, Transport, event_args, show};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "TESTEE1-TGT-001/private-reaches-target-only-websocket",
        title: "`private` to one socket id reaches that socket only, with the sender's id (WebSocket)",
        requirements: &["TESTEE1-TGT-001"],
        features: &["targeted"],
        run: case_fn_on!(private_target_only, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-TGT-001/private-reaches-target-only-polling",
        title: "`private` to one socket id reaches that socket only, with the sender's id (polling)",
        requirements: &["TESTEE1-TGT-001"],
        features: &["targeted"],
        run: case_fn_on!(private_target_only, Transport::Polling),
    },
    Case {
        id: "TESTEE1-TGT-002/private-to-unknown-id",
        title: "`private` to an id nobody has changes nothing: the sender keeps working",
        requirements: &["TESTEE1-TGT-002"],
        features: &["targeted"],
        run: case_fn_on!(private_unknown, Transport::WebSocket),
    },
];

async fn private_target_only(ctx: Ctx, transport: Transport) -> Verdict {
    let token = Value::String(format!("private-{}", transport.name()));
    let mut conns = Vec::new();
    let mut sids = Vec::new();
    for _ in 0..3 {
        match SioConn::open_joined(&ctx, transport, "/", None).await {
            Ok((c, sid)) => {
                conns.push(c);
                sids.push(sid);
            }
            Err(e) => return Verdict::error(e),
        }
    }
    let expected = format!(
        "client 1 ({}) receives `private-back` with [{:?}, {}]; clients 0 and 2 nothing",
        sids[1],
        sids[0],
        show(std::slice::from_ref(&token))
    );
    let target = Value::String(sids[1].clone());
    if let Err(e) = conns[0].emit("/", &event_args("private", &[target, token.clone()]), None) {
        return Verdict::error(e);
    }
    let sender = Value::String(sids[0].clone());
    let got = conns[1]
        .expect("private-back", ctx.quick(), |i| {
            i.namespace() == Some("/")
                && i.event()
                    .is_some_and(|(n, args, _)| n == "private-back" && args.get(1) == Some(&token))
        })
        .await;
    let mut leaks = Vec::new();
    for i in [0, 2] {
        let leaked = conns[i]
            .expect_none(ctx.tolerance(), |it| {
                it.event()
                    .is_some_and(|(n, args, _)| n == "private-back" && args.get(1) == Some(&token))
            })
            .await;
        if let Err(item) = leaked {
            leaks.push(format!("client {i} received {item}"));
        }
    }
    conns.iter().for_each(|c| c.close());
    match got {
        Err(seen) => Verdict::fail(expected, seen),
        Ok(item) => {
            let args = item.event().map(|(_, a, _)| a).unwrap_or_default();
            let ok = args.first() == Some(&sender) && leaks.is_empty();
            Verdict::check(
                ok,
                expected,
                format!(
                    "target got {}; {}",
                    show(&args),
                    if leaks.is_empty() {
                        "no leak".to_owned()
                    } else {
                        leaks.join("; ")
                    }
                ),
            )
        }
    }
}

async fn private_unknown(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "nothing breaks: a later `message` is still echoed";
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let unknown = Value::String("no-such-socket-id".into());
    if let Err(e) = conn.emit(
        "/",
        &event_args("private", &[unknown, Value::from(1u64)]),
        None,
    ) {
        return Verdict::error(e);
    }
    if let Err(e) = conn.emit(
        "/",
        &event_args("message", &[Value::from("still-here")]),
        None,
    ) {
        return Verdict::error(e);
    }
    let verdict = match conn.expect_event("/", "message-back", ctx.quick()).await {
        Ok((args, _)) => Verdict::check(args == [Value::from("still-here")], expected, show(&args)),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}
