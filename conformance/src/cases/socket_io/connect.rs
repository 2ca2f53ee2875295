//! Namespace connection (spec/socket-io-v5.md, NS; testee contract CORE and CERR).

use std::time::Duration;

use serde_json::json;
use socketio_codec::socket_io::{PacketType, Value};

use crate::case::{Case, Grade, Verdict, case_fn_on};
use crate::client::{SioConn, SioItem, Transport};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-NS-002/main-with-auth-websocket",
        title: "CONNECT on / with auth over WebSocket: reply with a sid, then `auth` echoes the auth",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(main_with_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-002/main-with-auth-polling",
        title: "CONNECT on / with auth over polling: reply with a sid, then `auth` echoes the auth",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(main_with_auth, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-002/custom-with-auth-websocket",
        title: "CONNECT on /custom with auth over WebSocket",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(custom_with_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-002/custom-with-auth-polling",
        title: "CONNECT on /custom with auth over polling",
        requirements: &["SIO5-NS-001", "SIO5-NS-002", "TESTEE1-CORE-001"],
        features: &["core"],
        run: case_fn_on!(custom_with_auth, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-002/main-without-auth-websocket",
        title: "CONNECT on / without a payload over WebSocket: `auth` carries {}",
        requirements: &["SIO5-NS-002", "SIO5-NS-003", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(without_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-002/main-without-auth-polling",
        title: "CONNECT on / without a payload over polling: `auth` carries {}",
        requirements: &["SIO5-NS-002", "SIO5-NS-003", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(without_auth, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-009/two-namespaces-interleaved-websocket",
        title: "/ and /custom joined on one WebSocket connection, own sids, interleaved echoes stay in \
                their namespace",
        requirements: &[
            "SIO5-NS-009",
            "SIO5-EVT-005",
            "TESTEE1-CORE-001",
            "TESTEE1-CORE-003",
        ],
        features: &["core"],
        run: case_fn_on!(two_namespaces, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-009/two-namespaces-interleaved-polling",
        title: "/ and /custom joined on one polling connection, own sids, interleaved echoes stay in \
                their namespace",
        requirements: &[
            "SIO5-NS-009",
            "SIO5-EVT-005",
            "TESTEE1-CORE-001",
            "TESTEE1-CORE-003",
        ],
        features: &["core"],
        run: case_fn_on!(two_namespaces, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-004/sid-not-engine-sid-websocket",
        title: "the Socket.IO sids of / and /custom differ from the Engine.IO sid (WebSocket)",
        requirements: &["SIO5-NS-004", "SIO5-NS-003"],
        features: &["core"],
        run: case_fn_on!(sid_not_engine_sid, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-004/sid-not-engine-sid-polling",
        title: "the Socket.IO sids of / and /custom differ from the Engine.IO sid (polling)",
        requirements: &["SIO5-NS-004", "SIO5-NS-003"],
        features: &["core"],
        run: case_fn_on!(sid_not_engine_sid, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-006/unknown-namespace-websocket",
        title: "an unknown namespace gets CONNECT_ERROR `Invalid namespace`, the connection stays \
                usable (WebSocket)",
        requirements: &["SIO5-NS-006", "SIO5-NS-008", "TESTEE1-CERR-002"],
        features: &["core", "connect-error"],
        run: case_fn_on!(unknown_namespace, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-006/unknown-namespace-polling",
        title: "an unknown namespace gets CONNECT_ERROR `Invalid namespace`, the connection stays \
                usable (polling)",
        requirements: &["SIO5-NS-006", "SIO5-NS-008", "TESTEE1-CERR-002"],
        features: &["core", "connect-error"],
        run: case_fn_on!(unknown_namespace, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-007/refused-with-data-websocket",
        title: "/refuse gets CONNECT_ERROR {message: refused, data: {code: 4242}}, the connection \
                stays usable (WebSocket)",
        requirements: &["SIO5-NS-007", "SIO5-NS-008", "TESTEE1-CERR-001"],
        features: &["core", "connect-error"],
        run: case_fn_on!(refused_with_data, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-007/refused-with-data-polling",
        title: "/refuse gets CONNECT_ERROR {message: refused, data: {code: 4242}}, the connection \
                stays usable (polling)",
        requirements: &["SIO5-NS-007", "SIO5-NS-008", "TESTEE1-CERR-001"],
        features: &["core", "connect-error"],
        run: case_fn_on!(refused_with_data, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-010/connect-timeout-websocket",
        title: "a WebSocket connection that joins no namespace (but keeps ponging) is closed after \
                the connect timeout",
        requirements: &["SIO5-NS-010", "TESTEE1-CONF-005"],
        features: &["core"],
        run: case_fn_on!(connect_timeout, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-010/connect-timeout-polling",
        title: "a polling connection that joins no namespace (but keeps ponging) is closed after \
                the connect timeout",
        requirements: &["SIO5-NS-010", "TESTEE1-CONF-005"],
        features: &["core"],
        run: case_fn_on!(connect_timeout, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-011/query-in-namespace-websocket",
        title: "`40/custom?x=1,` is refused for the namespace `/custom?x=1` (no query stripping, \
                WebSocket)",
        requirements: &["SIO5-NS-011", "SIO5-NS-006", "TESTEE1-CERR-002"],
        features: &["core", "connect-error"],
        run: case_fn_on!(query_in_namespace, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-011/query-in-namespace-polling",
        title: "`40/custom?x=1,` is refused for the namespace `/custom?x=1` (no query stripping, \
                polling)",
        requirements: &["SIO5-NS-011", "SIO5-NS-006", "TESTEE1-CERR-002"],
        features: &["core", "connect-error"],
        run: case_fn_on!(query_in_namespace, Transport::Polling),
    },
    Case {
        id: "SIO5-STATE-004/duplicate-connect-websocket",
        title: "a second CONNECT for / on the same WebSocket connection closes it, no second socket",
        requirements: &["SIO5-STATE-004", "SIO5-STATE-003"],
        features: &["core"],
        run: case_fn_on!(duplicate_connect, Transport::WebSocket),
    },
    Case {
        id: "SIO5-STATE-004/duplicate-connect-polling",
        title: "a second CONNECT for / on the same polling connection closes it, no second socket",
        requirements: &["SIO5-STATE-004", "SIO5-STATE-003"],
        features: &["core"],
        run: case_fn_on!(duplicate_connect, Transport::Polling),
    },
    Case {
        id: "SIO5-PKT-008/namespace-without-comma-websocket",
        title: "`40/custom` without the trailing comma joins /custom (WebSocket)",
        requirements: &["SIO5-PKT-008", "SIO5-NS-003"],
        features: &["core"],
        run: case_fn_on!(namespace_without_comma, Transport::WebSocket),
    },
    Case {
        id: "SIO5-PKT-008/namespace-without-comma-polling",
        title: "`40/custom` without the trailing comma joins /custom (polling)",
        requirements: &["SIO5-PKT-008", "SIO5-NS-003"],
        features: &["core"],
        run: case_fn_on!(namespace_without_comma, Transport::Polling),
    },
];

async fn with_auth(ctx: Ctx, transport: Transport, nsp: &str) -> Verdict {
    let auth = json!({"token": "t-123", "n": 1, "nested": {"ok": true}});
    let expected = format!("CONNECT reply on {nsp} with a string sid, then `auth` with {auth}");
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let sid = match conn.connect(nsp, Some(auth.clone())).await {
        Ok(sid) => sid,
        Err(seen) => return Verdict::fail(expected, seen),
    };
    let verdict = match conn.expect_event(nsp, "auth", ctx.quick()).await {
        Ok((args, _)) => {
            let echoed = args.first().cloned().map(serde_json::Value::try_from);
            let ok = matches!(&echoed, Some(Ok(v)) if *v == auth) && args.len() == 1;
            Verdict::check(ok, expected, format!("sid {sid:?}, auth args {args:?}"))
        }
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn main_with_auth(ctx: Ctx, transport: Transport) -> Verdict {
    with_auth(ctx, transport, "/").await
}

async fn custom_with_auth(ctx: Ctx, transport: Transport) -> Verdict {
    with_auth(ctx, transport, "/custom").await
}

/// Sends `text` (a CONNECT spelled by the case) and waits for the CONNECT / CONNECT_ERROR answer
/// on a namespace that `nsp_matches`, or for the end of the connection.
async fn connect_answer(
    conn: &mut SioConn,
    text: &str,
    what: &str,
    timeout: Duration,
    nsp_matches: impl Fn(&str) -> bool,
) -> Result<SioItem, String> {
    conn.send_text_raw(text);
    conn.expect(what, timeout, |i| {
        matches!(i, SioItem::Packet(p) if nsp_matches(p.namespace.as_str())
            && matches!(p.kind, PacketType::Connect | PacketType::ConnectError))
            || matches!(i, SioItem::Closed(_) | SioItem::Invalid(_))
    })
    .await
}

/// The JSON payload of a plain packet item (`None` without one).
fn payload_json(item: &SioItem) -> Option<serde_json::Value> {
    match item {
        SioItem::Packet(p) => p.data_str().and_then(|d| serde_json::from_str(d).ok()),
        _ => None,
    }
}

/// Emits `message` with one tag argument on `nsp` and expects `message-back` with that tag:
/// proof the connection (and the namespace socket) still works.
pub(super) async fn echo_works(conn: &mut SioConn, ctx: &Ctx, nsp: &str) -> Result<(), String> {
    let name = match nsp.trim_start_matches('/') {
        "" => "main",
        other => other,
    };
    let tag = Value::String(format!("alive-{name}"));
    let sent = Value::Array(vec![Value::String("message".into()), tag.clone()]);
    conn.emit(nsp, &sent, None)?;
    let (args, _) = conn.expect_event(nsp, "message-back", ctx.quick()).await?;
    if args == vec![tag.clone()] {
        Ok(())
    } else {
        Err(format!(
            "`message-back` on {nsp} carried {args:?}, not [{tag:?}]"
        ))
    }
}

async fn without_auth(ctx: Ctx, transport: Transport) -> Verdict {
    let expected =
        "`40` is answered with a CONNECT holding a sid, then `auth` with the one argument {}";
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let sid = match conn.connect("/", None).await {
        Ok(sid) => sid,
        Err(seen) => return Verdict::fail(expected, seen),
    };
    let verdict = match conn.expect_event("/", "auth", ctx.quick()).await {
        Ok((args, _)) => Verdict::check(
            args == vec![Value::Object(Vec::new())],
            expected,
            format!("sid {sid:?}, `auth` arguments {args:?}"),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn two_namespaces(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "two CONNECT answers with different sids; three `message-back` on / and three on \
                    /custom, each in its own namespace and in emit order";
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let main_sid = match conn.connect("/", None).await {
        Ok(sid) => sid,
        Err(seen) => return Verdict::fail(expected, format!("joining /: {seen}")),
    };
    let custom_sid = match conn.connect("/custom", None).await {
        Ok(sid) => sid,
        Err(seen) => return Verdict::fail(expected, format!("joining /custom: {seen}")),
    };
    // Interleave: /, /custom, /, /custom, ... each argument names its namespace and rank.
    for i in 1..=3 {
        for nsp in ["/", "/custom"] {
            let tag = format!("{nsp}#{i}");
            let args = Value::Array(vec![Value::String("message".into()), Value::String(tag)]);
            if let Err(e) = conn.emit(nsp, &args, None) {
                return Verdict::error(e);
            }
        }
    }
    let mut arrivals: Vec<(String, String)> = Vec::new();
    let deadline = tokio::time::Instant::now() + ctx.quick();
    // Bounded by the deadline and by six echoes.
    while arrivals.len() < 6 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match conn.next(left).await {
            Some(item @ (SioItem::Packet(_) | SioItem::Binary(_))) => {
                if let Some((name, args, _)) = item.event()
                    && name == "message-back"
                {
                    let nsp = item.namespace().unwrap_or_default().to_owned();
                    let tag = match args.as_slice() {
                        [Value::String(t)] => t.clone(),
                        other => format!("{other:?}"),
                    };
                    arrivals.push((nsp, tag));
                }
            }
            Some(other) => {
                arrivals.push(("-".into(), other.describe()));
                break;
            }
            None => break,
        }
    }
    conn.close();
    let per_ns = |nsp: &str| -> Vec<String> {
        arrivals
            .iter()
            .filter(|(n, _)| n == nsp)
            .map(|(_, t)| t.clone())
            .collect()
    };
    let want = |nsp: &str| -> Vec<String> { (1..=3).map(|i| format!("{nsp}#{i}")).collect() };
    let cross_order_kept = arrivals.iter().map(|(_, t)| t.clone()).eq([
        "/#1",
        "/custom#1",
        "/#2",
        "/custom#2",
        "/#3",
        "/custom#3",
    ]
    .map(String::from));
    let seen = format!(
        "sids {main_sid:?} and {custom_sid:?}; arrivals (namespace, tag) {arrivals:?}; order \
         across namespaces {} (informational)",
        if cross_order_kept { "kept" } else { "not kept" }
    );
    let ok = main_sid != custom_sid
        && per_ns("/") == want("/")
        && per_ns("/custom") == want("/custom")
        && arrivals.len() == 6;
    Verdict::check(ok, expected, seen)
}

async fn sid_not_engine_sid(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the sids of / and /custom are strings different from the Engine.IO sid";
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let engine_sid = conn.engine_sid.as_str().to_owned();
    let main_sid = conn.connect("/", None).await;
    let custom_sid = conn.connect("/custom", None).await;
    conn.close();
    match (main_sid, custom_sid) {
        (Ok(main), Ok(custom)) => Verdict::check(
            main != engine_sid && custom != engine_sid,
            expected,
            format!("Engine.IO sid {engine_sid:?}, / sid {main:?}, /custom sid {custom:?}"),
        ),
        (main, custom) => Verdict::fail(expected, format!("/: {main:?}; /custom: {custom:?}")),
    }
}

/// Sends a CONNECT for `nsp` that the server must refuse with exactly `payload`, then checks the
/// connection still joins / and echoes (SIO5-NS-008).
async fn refused(ctx: Ctx, transport: Transport, nsp: &str, payload: serde_json::Value) -> Verdict {
    let expected =
        format!("44{nsp},{payload}, then the same connection joins / and echoes `message`");
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let answer = connect_answer(
        &mut conn,
        &format!("0{nsp},"),
        &format!("the CONNECT answer for {nsp}"),
        ctx.quick(),
        |n| n == nsp,
    )
    .await;
    let item = match answer {
        Ok(item) => item,
        Err(seen) => {
            conn.close();
            return Verdict::fail(expected, seen);
        }
    };
    let refused_ok = matches!(&item, SioItem::Packet(p) if p.kind == PacketType::ConnectError)
        && payload_json(&item).as_ref() == Some(&payload);
    if !refused_ok {
        conn.close();
        return Verdict::fail(expected, format!("answer: {}", item.describe()));
    }
    let after = match conn.connect("/", None).await {
        Ok(_) => echo_works(&mut conn, &ctx, "/").await,
        Err(e) => Err(format!("joining / afterwards: {e}")),
    };
    conn.close();
    match after {
        Ok(()) => Verdict::pass(
            expected,
            format!("{}; then / joined and echoed", item.describe()),
        ),
        Err(e) => Verdict::fail(expected, format!("{}; then {e}", item.describe())),
    }
}

async fn unknown_namespace(ctx: Ctx, transport: Transport) -> Verdict {
    refused(
        ctx,
        transport,
        "/unknown-ns",
        json!({"message": "Invalid namespace"}),
    )
    .await
}

async fn refused_with_data(ctx: Ctx, transport: Transport) -> Verdict {
    refused(
        ctx,
        transport,
        "/refuse",
        json!({"message": "refused", "data": {"code": 4242}}),
    )
    .await
}

async fn connect_timeout(ctx: Ctx, transport: Transport) -> Verdict {
    // The connect timeout is not announced in the handshake (TESTEE1-CONF-005), so the wait is
    // bounded by two heartbeat periods plus a second; the reference testee uses 1000 ms.
    let p = &ctx.params;
    let bound = ctx.scaled((p.ping_interval + p.ping_timeout) * 2 + Duration::from_secs(1));
    let expected = format!(
        "the Engine.IO connection is closed while the client keeps ponging and joins nothing \
         (waited up to {} ms: the connect timeout is not announced)",
        bound.as_millis()
    );
    let started = tokio::time::Instant::now();
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let result = conn.expect_closed(bound).await;
    let elapsed = started.elapsed().as_millis();
    conn.close();
    match result {
        Ok(how) => Verdict::pass(expected, format!("{how} after {elapsed} ms")),
        Err(seen) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "still open after {elapsed} ms ({seen}); the server's connect timeout may be \
                 longer than the wait"
            ),
        ),
    }
}

async fn query_in_namespace(ctx: Ctx, transport: Transport) -> Verdict {
    let expected =
        r#"44/custom?x=1,{"message":"Invalid namespace"} (the query is part of the name)"#;
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let answer = connect_answer(
        &mut conn,
        "0/custom?x=1,",
        "the CONNECT answer for /custom?x=1 (or /custom)",
        ctx.quick(),
        |n| n.starts_with("/custom"),
    )
    .await;
    conn.close();
    let item = match answer {
        Ok(item) => item,
        Err(seen) => return Verdict::fail(expected, seen),
    };
    let ok = matches!(&item, SioItem::Packet(p) if p.kind == PacketType::ConnectError
        && p.namespace.as_str() == "/custom?x=1")
        && payload_json(&item) == Some(json!({"message": "Invalid namespace"}));
    Verdict::check(ok, expected, item.describe())
}

async fn duplicate_connect(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after a second `40` on a joined connection: the connection is closed (SHOULD), \
                    and no second CONNECT answer with a new sid (MUST)";
    let (mut conn, sid) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(seen) = conn.expect_event("/", "auth", ctx.quick()).await {
        conn.close();
        return Verdict::fail(expected, format!("no `auth` after the first join: {seen}"));
    }
    conn.send_text_raw("0");
    let mut seen = Vec::new();
    let mut second_sid = None;
    let mut closed = None;
    let deadline = tokio::time::Instant::now() + ctx.quick();
    // Bounded by the deadline and an item count.
    for _ in 0..1000 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(item) = conn.next(left).await else {
            break;
        };
        seen.push(item.describe());
        match &item {
            SioItem::Closed(how) => {
                closed = Some(how.clone());
                break;
            }
            SioItem::Packet(p) if p.kind == PacketType::Connect => {
                second_sid = payload_json(&item)
                    .and_then(|v| v.get("sid").and_then(|s| s.as_str()).map(str::to_owned));
            }
            _ => {}
        }
    }
    conn.close();
    let seen = format!(
        "first sid {sid:?}; after the second `40`: [{}]",
        seen.join("; ")
    );
    match (second_sid, closed) {
        (Some(other), _) if other != sid => Verdict::fail(expected, seen),
        (_, Some(_)) => Verdict::pass(expected, seen),
        _ => Verdict::new(Grade::NonStrict, expected, format!("not closed; {seen}")),
    }
}

async fn namespace_without_comma(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "`40/custom` is answered with 40/custom,{\"sid\":…}, then `auth` {} on /custom";
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    // Sent as raw text on purpose: the codec's encoder always writes the comma.
    let answer = connect_answer(
        &mut conn,
        "0/custom",
        "the CONNECT answer for /custom",
        ctx.quick(),
        |n| n.starts_with("/custom"),
    )
    .await;
    let item = match answer {
        Ok(item) => item,
        Err(seen) => {
            conn.close();
            return Verdict::fail(expected, seen);
        }
    };
    let joined = matches!(&item, SioItem::Packet(p) if p.kind == PacketType::Connect
        && p.namespace.as_str() == "/custom")
        && payload_json(&item).is_some_and(|v| v.get("sid").is_some_and(|s| s.is_string()));
    if !joined {
        conn.close();
        return Verdict::fail(expected, item.describe());
    }
    let auth = conn.expect_event("/custom", "auth", ctx.quick()).await;
    conn.close();
    match auth {
        Ok((args, _)) => Verdict::check(
            args == vec![Value::Object(Vec::new())],
            expected,
            format!("{}; `auth` {args:?}", item.describe()),
        ),
        Err(seen) => Verdict::fail(expected, format!("{}; {seen}", item.describe())),
    }
}
