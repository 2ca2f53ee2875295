//! Acknowledgements (spec/socket-io-v5.md, ACK; testee contract CORE-004 and ACK).

use socketio_codec::socket_io::Value;

use super::binary::{Piece, event, incoming_pieces};
use super::connect::echo_works;
use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, Transport};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-ACK-003/zero-args-websocket",
        title: "`message-with-ack` without arguments is answered with `3<id>[]` (WebSocket)",
        requirements: &["SIO5-ACK-003", "SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(zero_args, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-003/zero-args-polling",
        title: "`message-with-ack` without arguments is answered with `3<id>[]` (polling)",
        requirements: &["SIO5-ACK-003", "SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(zero_args, Transport::Polling),
    },
    Case {
        id: "SIO5-ACK-002/ids-in-flight-websocket",
        title: "acks 0, 7, 123456 and 2^53-1 in flight at once are each answered with their own id \
                and arguments (WebSocket)",
        requirements: &[
            "SIO5-ACK-002",
            "SIO5-PKT-006",
            "SIO5-PKT-013",
            "TESTEE1-CORE-004",
        ],
        features: &["core"],
        run: case_fn_on!(ids_in_flight, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-002/ids-in-flight-polling",
        title: "acks 0, 7, 123456 and 2^53-1 in flight at once are each answered with their own id \
                and arguments (polling)",
        requirements: &[
            "SIO5-ACK-002",
            "SIO5-PKT-006",
            "SIO5-PKT-013",
            "TESTEE1-CORE-004",
        ],
        features: &["core"],
        run: case_fn_on!(ids_in_flight, Transport::Polling),
    },
    Case {
        id: "TESTEE1-ACK-002/server-ack-round-trip-websocket",
        title: "the server's `emit-with-ack` asks for an ack; the client's ACK reaches its callback \
                (WebSocket)",
        requirements: &[
            "TESTEE1-ACK-002",
            "TESTEE1-ACK-001",
            "SIO5-ACK-001",
            "SIO5-ACK-002",
            "SIO5-ACK-006",
        ],
        features: &["server-ack"],
        run: case_fn_on!(server_ack, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-ACK-002/server-ack-round-trip-polling",
        title: "the server's `emit-with-ack` asks for an ack; the client's ACK reaches its callback \
                (polling)",
        requirements: &[
            "TESTEE1-ACK-002",
            "TESTEE1-ACK-001",
            "SIO5-ACK-001",
            "SIO5-ACK-002",
            "SIO5-ACK-006",
        ],
        features: &["server-ack"],
        run: case_fn_on!(server_ack, Transport::Polling),
    },
    Case {
        id: "SIO5-ACK-007/binary-ack-from-client-websocket",
        title: "a BINARY_ACK from the client reaches the server's callback with its buffers \
                (WebSocket)",
        requirements: &["SIO5-ACK-007", "SIO5-BIN-017", "TESTEE1-ACK-002"],
        features: &["server-ack"],
        run: case_fn_on!(binary_ack_from_client, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-007/binary-ack-from-client-polling",
        title: "a BINARY_ACK from the client reaches the server's callback with its buffers \
                (polling)",
        requirements: &["SIO5-ACK-007", "SIO5-BIN-017", "TESTEE1-ACK-002"],
        features: &["server-ack"],
        run: case_fn_on!(binary_ack_from_client, Transport::Polling),
    },
    Case {
        id: "SIO5-ACK-004/unknown-ack-id-websocket",
        title: "an ACK for an id the server never asked for is ignored, the connection survives \
                (WebSocket)",
        requirements: &["SIO5-ACK-004"],
        features: &["core"],
        run: case_fn_on!(unknown_ack_id, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-004/unknown-ack-id-polling",
        title: "an ACK for an id the server never asked for is ignored, the connection survives \
                (polling)",
        requirements: &["SIO5-ACK-004"],
        features: &["core"],
        run: case_fn_on!(unknown_ack_id, Transport::Polling),
    },
    Case {
        id: "SIO5-ACK-005/duplicate-ack-websocket",
        title: "a second ACK for an id already acknowledged is ignored, the callback runs once \
                (WebSocket)",
        requirements: &["SIO5-ACK-005", "TESTEE1-ACK-002"],
        features: &["server-ack"],
        run: case_fn_on!(duplicate_ack, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-005/duplicate-ack-polling",
        title: "a second ACK for an id already acknowledged is ignored, the callback runs once \
                (polling)",
        requirements: &["SIO5-ACK-005", "TESTEE1-ACK-002"],
        features: &["server-ack"],
        run: case_fn_on!(duplicate_ack, Transport::Polling),
    },
];

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

fn n(i: u64) -> Value {
    Value::Number(i.into())
}

/// Opens a connection joined to `/` (the verdict is an ERROR when that fails).
async fn joined(ctx: &Ctx, transport: Transport) -> Result<SioConn, Verdict> {
    SioConn::open_joined(ctx, transport, "/", None)
        .await
        .map(|(conn, _)| conn)
        .map_err(Verdict::error)
}

async fn zero_args(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the Engine.IO message `4331[]`: ACK 31 with the empty array as payload";
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    if let Err(e) = conn.emit("/", &event("message-with-ack", &[]), Some(31)) {
        return Verdict::error(e);
    }
    let result = conn.expect_ack("/", 31, ctx.quick()).await;
    conn.close();
    if let Err(seen) = result {
        return Verdict::fail(expected, seen);
    }
    // The decoded ACK cannot tell `331[]` from `331`: look at the text the server sent.
    let text = incoming_pieces(&ctx).into_iter().find_map(|p| match p {
        Piece::Text(t) if t.starts_with("4331") => Some(t),
        _ => None,
    });
    match text {
        Some(t) => Verdict::check(t == "4331[]", expected, format!("{t:?}")),
        None => Verdict::error("the ACK's text is missing from the transcript"),
    }
}

async fn ids_in_flight(ctx: Ctx, transport: Transport) -> Verdict {
    const IDS: [u64; 4] = [0, 7, 9_007_199_254_740_991, 123_456];
    let expected = format!("one ACK per id {IDS:?}, each carrying [\"id-<id>\"]");
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    // All four are sent before any answer is read.
    for id in IDS {
        let args = [s(&format!("id-{id}"))];
        if let Err(e) = conn.emit("/", &event("message-with-ack", &args), Some(id)) {
            return Verdict::error(e);
        }
    }
    let mut seen = Vec::new();
    let mut ok = true;
    for id in IDS {
        match conn.expect_ack("/", id, ctx.quick()).await {
            Ok(args) => {
                ok &= args == [s(&format!("id-{id}"))];
                seen.push(format!("ACK {id} {args:?}"));
            }
            Err(e) => {
                ok = false;
                seen.push(e);
                break;
            }
        }
    }
    conn.close();
    Verdict::check(ok, expected, seen.join("; "))
}

/// Asks the server to emit `emit-with-ack` with `args`; returns the ack id it chose.
async fn server_asks(conn: &mut SioConn, ctx: &Ctx, args: &[Value]) -> Result<u64, String> {
    conn.emit("/", &event("emit-with-ack", args), None)?;
    let (got, ack) = conn.expect_event("/", "emit-with-ack", ctx.quick()).await?;
    if got != args {
        return Err(format!("`emit-with-ack` from the server carried {got:?}"));
    }
    ack.ok_or_else(|| "the server's `emit-with-ack` carried no ack id".to_owned())
}

/// Acknowledges `id` with `reply` and expects `emit-with-ack-result` carrying `reply`.
async fn answer(conn: &mut SioConn, ctx: &Ctx, id: u64, reply: &[Value]) -> Result<(), String> {
    conn.ack("/", id, &Value::Array(reply.to_vec()))?;
    let (got, _) = conn
        .expect_event("/", "emit-with-ack-result", ctx.quick())
        .await?;
    if got == reply {
        Ok(())
    } else {
        Err(format!("`emit-with-ack-result` carried {got:?}"))
    }
}

/// Two rounds: the server asks, the client answers with `reply`, the callback's result comes
/// back. The ack ids are read from the server's packets, never assumed (SIO5-ACK-006).
async fn round_trips(ctx: Ctx, transport: Transport, reply: Vec<Value>) -> Verdict {
    let asked = [
        n(1),
        s("a"),
        Value::Object(vec![("k".into(), Value::Bool(true))]),
    ];
    let expected = format!(
        "`emit-with-ack` {asked:?} with some ack id, twice; after the client's ACK {reply:?}, \
         `emit-with-ack-result` {reply:?}"
    );
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let mut seen = Vec::new();
    let mut ok = true;
    for _ in 0..2 {
        let result = match server_asks(&mut conn, &ctx, &asked).await {
            Ok(id) => {
                seen.push(format!("server ack id {id}"));
                answer(&mut conn, &ctx, id, &reply).await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            ok = false;
            seen.push(e);
            break;
        }
        seen.push("result echoed".to_owned());
    }
    conn.close();
    Verdict::check(ok, expected, seen.join("; "))
}

async fn server_ack(ctx: Ctx, transport: Transport) -> Verdict {
    let reply = vec![s("r"), n(2), Value::Object(vec![("n".into(), Value::Null)])];
    round_trips(ctx, transport, reply).await
}

async fn binary_ack_from_client(ctx: Ctx, transport: Transport) -> Verdict {
    let reply = vec![
        Value::Binary(vec![9, 8, 7]),
        Value::Object(vec![("nested".into(), Value::Binary(vec![0, 0xff]))]),
        s("text"),
    ];
    round_trips(ctx, transport, reply).await
}

async fn unknown_ack_id(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after `43987654321[\"stray\"]` (no such pending ack) the connection stays \
                    open and `message` is still echoed";
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    if let Err(e) = conn.ack("/", 987_654_321, &Value::Array(vec![s("stray")])) {
        return Verdict::error(e);
    }
    let result = echo_works(&mut conn, &ctx, "/").await;
    conn.close();
    match result {
        Ok(()) => Verdict::pass(expected, "the echo came back"),
        Err(seen) => Verdict::fail(expected, seen),
    }
}

async fn duplicate_ack(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "one `emit-with-ack-result` for the first ACK, none for the second ACK of the \
                    same id, and the connection keeps echoing";
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let first = match server_asks(&mut conn, &ctx, &[s("once")]).await {
        Ok(id) => answer(&mut conn, &ctx, id, &[s("first")])
            .await
            .map(|()| id),
        Err(e) => Err(e),
    };
    let id = match first {
        Ok(id) => id,
        Err(seen) => {
            conn.close();
            return Verdict::fail(expected, seen);
        }
    };
    if let Err(e) = conn.ack("/", id, &Value::Array(vec![s("second")])) {
        return Verdict::error(e);
    }
    // The echo runs after the second ACK was processed: a second result would come first.
    let alive = echo_works(&mut conn, &ctx, "/").await;
    let again = conn
        .expect_none(ctx.tolerance(), |i| {
            i.event()
                .is_some_and(|(name, _, _)| name == "emit-with-ack-result")
        })
        .await;
    conn.close();
    match (alive, again) {
        (Ok(()), Ok(())) => Verdict::pass(
            expected,
            format!("ack id {id}: one result, the second ACK ignored, echo works"),
        ),
        (Err(e), _) => Verdict::fail(expected, format!("ack id {id}; after the second ACK: {e}")),
        (_, Err(item)) => Verdict::fail(
            expected,
            format!("ack id {id}; the second ACK produced {item}"),
        ),
    }
}
