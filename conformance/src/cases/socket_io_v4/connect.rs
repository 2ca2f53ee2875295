//! Revision 4 namespaces (spec/socket-io-v4.md, NS, COMPAT) over Engine.IO v3.

use serde_json::json;
use socketio_codec::socket_io::{PacketType, Value};

use crate::case::{Case, Grade, Verdict, case_fn_on};
use crate::client::v3::SioV3;
use crate::client::{SioItem, Transport, show};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO4-NS-002/implicit-main-connect-websocket",
        title: "over a v3 WebSocket the server joins / by itself: `40` without payload, then `auth` {}",
        requirements: &[
            "SIO4-NS-002",
            "SIO4-NS-001",
            "SIO4-PKT-003",
            "SIO4-COMPAT-002",
            "TESTEE1-CORE-002",
        ],
        features: &["core"],
        run: case_fn_on!(implicit_main, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-002/implicit-main-connect-polling",
        title: "over v3 polling the server joins / by itself: `40` without payload (in the handshake \
                payload on socket.io 2, separately on modern servers), then `auth` {}",
        requirements: &[
            "SIO4-NS-002",
            "SIO4-NS-001",
            "SIO4-NS-004",
            "SIO4-PKT-003",
            "SIO4-COMPAT-002",
            "TESTEE1-CORE-002",
        ],
        features: &["core"],
        run: case_fn_on!(implicit_main, Transport::Polling),
    },
    Case {
        id: "SIO4-NS-005/namespace-query-auth-websocket",
        title: "`40/custom?token=abc,` is answered `40/custom,` (no payload) and `auth` carries \
                {token: abc} (WebSocket)",
        requirements: &[
            "SIO4-NS-005",
            "SIO4-NS-006",
            "SIO4-NS-007",
            "SIO4-COMPAT-003",
            "SIO4-COMPAT-004",
        ],
        features: &["core"],
        run: case_fn_on!(namespace_query_auth, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-005/namespace-query-auth-polling",
        title: "`40/custom?token=abc,` is answered `40/custom,` (no payload) and `auth` carries \
                {token: abc} (polling)",
        requirements: &[
            "SIO4-NS-005",
            "SIO4-NS-006",
            "SIO4-NS-007",
            "SIO4-COMPAT-003",
            "SIO4-COMPAT-004",
        ],
        features: &["core"],
        run: case_fn_on!(namespace_query_auth, Transport::Polling),
    },
    Case {
        id: "SIO4-NS-009/unknown-namespace-websocket",
        title: "an unknown namespace gets ERROR `44/nope,\"Invalid namespace\"`, the connection stays \
                usable (WebSocket)",
        requirements: &[
            "SIO4-NS-009",
            "SIO4-PKT-001",
            "SIO4-PKT-002",
            "SIO4-COMPAT-005",
            "TESTEE1-CERR-002",
        ],
        features: &["core", "connect-error"],
        run: case_fn_on!(unknown_namespace, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-009/unknown-namespace-polling",
        title: "an unknown namespace gets ERROR `44/nope,\"Invalid namespace\"`, the connection stays \
                usable (polling)",
        requirements: &[
            "SIO4-NS-009",
            "SIO4-PKT-001",
            "SIO4-PKT-002",
            "SIO4-COMPAT-005",
            "TESTEE1-CERR-002",
        ],
        features: &["core", "connect-error"],
        run: case_fn_on!(unknown_namespace, Transport::Polling),
    },
    Case {
        id: "SIO4-NS-008/refused-with-data-websocket",
        title: "/refuse gets ERROR with the error's data {code: 4242} as payload (WebSocket)",
        requirements: &["SIO4-NS-008", "SIO4-PKT-002", "TESTEE1-CERR-001"],
        features: &["core", "connect-error"],
        run: case_fn_on!(refused_with_data, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-008/refused-with-data-polling",
        title: "/refuse gets ERROR with the error's data {code: 4242} as payload (polling)",
        requirements: &["SIO4-NS-008", "SIO4-PKT-002", "TESTEE1-CERR-001"],
        features: &["core", "connect-error"],
        run: case_fn_on!(refused_with_data, Transport::Polling),
    },
    Case {
        id: "SIO4-NS-011/socket-ids-websocket",
        title: "socket ids follow revision 4: the Engine.IO sid on /, `/custom#<sid>` on /custom \
                (WebSocket; reported)",
        requirements: &["SIO4-NS-011", "TESTEE1-TGT-001"],
        features: &["core", "targeted"],
        run: case_fn_on!(socket_ids, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-011/socket-ids-polling",
        title: "socket ids follow revision 4: the Engine.IO sid on /, `/custom#<sid>` on /custom \
                (polling; reported)",
        requirements: &["SIO4-NS-011", "TESTEE1-TGT-001"],
        features: &["core", "targeted"],
        run: case_fn_on!(socket_ids, Transport::Polling),
    },
    Case {
        id: "SIO4-NS-010/event-unjoined-namespace-websocket",
        title: "an EVENT for /custom, never joined, is ignored and the v3 WebSocket stays open",
        requirements: &["SIO4-NS-010", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(unjoined_namespace, Transport::WebSocket),
    },
    Case {
        id: "SIO4-NS-010/event-unjoined-namespace-polling",
        title: "an EVENT for /custom, never joined, is ignored and the v3 polling session stays \
                open",
        requirements: &["SIO4-NS-010", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(unjoined_namespace, Transport::Polling),
    },
];

async fn implicit_main(ctx: Ctx, transport: Transport) -> Verdict {
    let modern = ctx.params.eio4;
    let expected = format!(
        "without any client packet: CONNECT `40` on / without payload{}, then `auth` with {{}}",
        match (transport, modern) {
            (Transport::Polling, true) =>
                " as its own message (modern server: not merged into \
                                           the handshake payload)",
            (Transport::Polling, false) => " (in the handshake payload or later)",
            _ => "",
        }
    );
    let mut conn = match SioV3::open(&ctx, transport, false, "").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let verdict = match conn.expect_main_connect().await {
        Ok(wire) => {
            let merged = conn.connect_in_handshake;
            let bare = wire == "0";
            match conn.expect_event("/", "auth", ctx.quick()).await {
                Ok((args, _)) => {
                    let ok = bare && args == [Value::from(json!({}))] && !(modern && merged);
                    Verdict::check(
                        ok,
                        expected,
                        format!(
                            "CONNECT `4{wire}`{}, then `auth` {}",
                            if merged {
                                " in the handshake payload"
                            } else {
                                " as its own message"
                            },
                            show(&args)
                        ),
                    )
                }
                Err(e) => Verdict::fail(expected, format!("CONNECT `4{wire}`; {e}")),
            }
        }
        Err(e) => Verdict::fail(expected, e),
    };
    conn.close();
    verdict
}

async fn namespace_query_auth(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the reply `40/custom,` (CONNECT without payload), then `auth` on /custom \
                    carrying {\"token\":\"abc\"}";
    let mut conn = match SioV3::open(&ctx, transport, false, "").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.expect_main_connect().await {
        return Verdict::error(e);
    }
    let verdict = match conn.connect("/custom?token=abc").await {
        Ok(SioItem::Packet(p)) if p.kind == PacketType::Connect => {
            let no_payload = p.data_str().is_none();
            match conn.expect_event("/custom", "auth", ctx.quick()).await {
                Ok((args, _)) => {
                    let ok = no_payload && args == [Value::from(json!({"token": "abc"}))];
                    Verdict::check(
                        ok,
                        expected,
                        format!("reply `4{}`, then `auth` {}", p.to_wire(), show(&args)),
                    )
                }
                Err(e) => Verdict::fail(expected, format!("reply `4{}`; {e}", p.to_wire())),
            }
        }
        Ok(other) => Verdict::fail(expected, other.describe()),
        Err(e) => Verdict::fail(expected, e),
    };
    conn.close();
    verdict
}

/// Checks the connection still echoes on `/` after a refusal.
async fn still_usable(ctx: &Ctx, conn: &mut SioV3) -> Result<(), String> {
    let args = Value::from(json!(["message", "still-here"]));
    conn.emit("/", &args, None)?;
    conn.expect_event("/", "message-back", ctx.quick())
        .await
        .map(|_| ())
}

async fn refusal(
    ctx: Ctx,
    transport: Transport,
    nsp: &str,
    accept: impl Fn(&serde_json::Value) -> Option<Grade>,
    expected: String,
) -> Verdict {
    let mut conn = match SioV3::open(&ctx, transport, false, "").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.expect_main_connect().await {
        return Verdict::error(e);
    }
    let verdict = match conn.connect(nsp).await {
        Ok(SioItem::Packet(p)) if p.kind == PacketType::ConnectError => {
            let data: serde_json::Value = p
                .data_str()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or(serde_json::Value::Null);
            let usable = still_usable(&ctx, &mut conn).await;
            let seen = format!(
                "`4{}`; then {}",
                p.to_wire(),
                usable
                    .as_ref()
                    .map_or_else(|e| e.clone(), |()| "the echo on / still works".to_owned())
            );
            match accept(&data) {
                Some(grade) if usable.is_ok() => Verdict::new(grade, expected, seen),
                _ => Verdict::fail(expected, seen),
            }
        }
        Ok(other) => Verdict::fail(expected, other.describe()),
        Err(e) => Verdict::fail(expected, e),
    };
    conn.close();
    verdict
}

async fn unknown_namespace(ctx: Ctx, transport: Transport) -> Verdict {
    let modern = ctx.params.eio4;
    let expected = format!(
        "ERROR `44/nope,\"Invalid namespace\"`{}; the connection still echoes on /",
        if modern {
            " (a modern server may send {\"message\":\"Invalid namespace\"}: SIO4-COMPAT-005)"
        } else {
            ""
        }
    );
    let accept = move |data: &serde_json::Value| {
        if *data == json!("Invalid namespace")
            || (modern && *data == json!({"message": "Invalid namespace"}))
        {
            Some(Grade::Pass)
        } else {
            None
        }
    };
    refusal(ctx, transport, "/nope", accept, expected).await
}

async fn refused_with_data(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "ERROR `44/refuse,{\"code\":4242}` (the error's data, not its message); the \
                    connection still echoes on /"
        .to_owned();
    let accept = |data: &serde_json::Value| (*data == json!({"code": 4242})).then_some(Grade::Pass);
    refusal(ctx, transport, "/refuse", accept, expected).await
}

async fn socket_ids(ctx: Ctx, transport: Transport) -> Verdict {
    let mut conn = match SioV3::open(&ctx, transport, false, "").await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.expect_main_connect().await {
        return Verdict::error(e);
    }
    let sid = conn.engine_sid.as_str().to_owned();
    let custom_id = format!("/custom#{sid}");
    let expected = format!(
        "reported: `private` addressed to the revision 4 ids ({sid} on /, {custom_id} on /custom) \
         reaches this socket, `private-back` naming the same sender id"
    );
    let mut seen = Vec::new();
    let mut all = true;
    if let Err(e) = conn.connect("/custom").await {
        return Verdict::error(e);
    }
    for (nsp, id) in [("/", sid.clone()), ("/custom", custom_id.clone())] {
        let args = Value::from(json!(["private", id, "ping-id"]));
        if let Err(e) = conn.emit(nsp, &args, None) {
            return Verdict::error(e);
        }
        match conn.expect_event(nsp, "private-back", ctx.quick()).await {
            Ok((args, _)) => {
                let same = args.first() == Some(&Value::String(id.clone()));
                all &= same;
                seen.push(format!("{nsp}: private-back {}", show(&args)));
            }
            Err(e) => {
                all = false;
                seen.push(format!("{nsp}: {e}"));
            }
        }
    }
    conn.close();
    Verdict::new(
        Grade::Informational,
        expected,
        format!(
            "{} ({})",
            if all {
                "ids follow revision 4"
            } else {
                "ids do not follow revision 4"
            },
            seen.join("; ")
        ),
    )
}

async fn unjoined_namespace(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after `2/custom,[\"message\",\"unjoined\"]` on a connection joined to / \
                    only: nothing comes back for /custom, the connection stays open and / still \
                    echoes";
    let mut conn = match SioV3::open_main(&ctx, transport, false).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    // Well-formed, for a namespace this connection never joined; raw so the bytes are visible.
    conn.send_text_raw(r#"2/custom,["message","unjoined"]"#);
    // Whatever arrives within the quick deadline: a `message-back` on /custom, an error or the
    // end of the connection all break the rule.
    let mut broke = None;
    let deadline = tokio::time::Instant::now() + ctx.quick();
    // Bounded by the deadline and an item count.
    for _ in 0..100 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(item) = conn.next(left).await else {
            break;
        };
        let handled = item.namespace() == Some("/custom");
        if handled || matches!(item, SioItem::Closed(_)) {
            broke = Some(item.describe());
            break;
        }
    }
    let verdict = match broke {
        Some(what) => Verdict::fail(expected, format!("after the EVENT for /custom: {what}")),
        None => match still_usable(&ctx, &mut conn).await {
            Ok(()) => Verdict::pass(
                expected,
                format!(
                    "nothing for /custom within {} ms; / still echoed",
                    ctx.quick().as_millis()
                ),
            ),
            Err(e) => Verdict::fail(expected, format!("/ no longer echoed: {e}")),
        },
    };
    conn.close();
    verdict
}
