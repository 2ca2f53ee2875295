//! Malformed and out-of-state input (spec/socket-io-v5.md, STATE, VAL, PKT, BIN, RSV; engine
//! level EIO4-PKT). Every case joins `/`, sends one bad input raw — on purpose, since the codec's
//! encoder refuses to produce it — expects the server to close the connection, and then checks
//! that the server still serves a new client (join and echo).

use super::connect::echo_works;
use crate::case::{Case, Grade, Verdict, case_fn_on};
use crate::client::{SioConn, SioItem, Transport, encode_query};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-PKT-006/sio-engine-garbage-websocket",
        title: "an Engine.IO packet `x` on a joined WebSocket connection closes it",
        requirements: &["EIO4-PKT-006", "EIO4-PKT-005"],
        features: &["core"],
        run: case_fn_on!(engine_garbage, Transport::WebSocket),
    },
    Case {
        id: "EIO4-PKT-006/sio-engine-garbage-polling",
        title: "a POST body `x` on a joined polling connection closes it",
        requirements: &["EIO4-PKT-006", "EIO4-PKT-005", "EIO4-PAY-005"],
        features: &["core"],
        run: case_fn_on!(engine_garbage, Transport::Polling),
    },
    Case {
        id: "SIO5-PKT-016/unknown-packet-type-websocket",
        title: "the Socket.IO packet `7` (unknown type) closes the connection (WebSocket)",
        requirements: &["SIO5-PKT-016", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(unknown_type, Transport::WebSocket),
    },
    Case {
        id: "SIO5-PKT-016/unknown-packet-type-polling",
        title: "the Socket.IO packet `7` (unknown type) closes the connection (polling)",
        requirements: &["SIO5-PKT-016", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(unknown_type, Transport::Polling),
    },
    Case {
        id: "SIO5-VAL-001/invalid-json-websocket",
        title: "`2[\"a\"` (truncated JSON) closes the connection (WebSocket)",
        requirements: &["SIO5-VAL-001", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(invalid_json, Transport::WebSocket),
    },
    Case {
        id: "SIO5-VAL-001/invalid-json-polling",
        title: "`2[\"a\"` (truncated JSON) closes the connection (polling)",
        requirements: &["SIO5-VAL-001", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(invalid_json, Transport::Polling),
    },
    // interop-bugs #2: a binary header without `-` sent a decoder into an endless loop.
    Case {
        id: "SIO5-BIN-008/attachments-without-dash-websocket",
        title: "`51[\"a\"]` (count without `-`) closes the connection promptly, no hang (WebSocket)",
        requirements: &[
            "SIO5-BIN-008",
            "SIO5-BIN-007",
            "SIO5-PKT-017",
            "SIO5-STATE-006",
        ],
        features: &["core"],
        run: case_fn_on!(attachments_without_dash, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-008/attachments-without-dash-polling",
        title: "`51[\"a\"]` (count without `-`) closes the connection promptly, no hang (polling)",
        requirements: &[
            "SIO5-BIN-008",
            "SIO5-BIN-007",
            "SIO5-PKT-017",
            "SIO5-STATE-006",
        ],
        features: &["core"],
        run: case_fn_on!(attachments_without_dash, Transport::Polling),
    },
    // interop-bugs #22 (CVE-2022-2421): placeholder `num` not validated.
    Case {
        id: "SIO5-BIN-015/placeholder-num-out-of-range-websocket",
        title: "a placeholder `num` 1 with one attachment closes the connection (WebSocket)",
        requirements: &["SIO5-BIN-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(num_out_of_range, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-015/placeholder-num-out-of-range-polling",
        title: "a placeholder `num` 1 with one attachment closes the connection (polling)",
        requirements: &["SIO5-BIN-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(num_out_of_range, Transport::Polling),
    },
    // interop-bugs #22 (CVE-2022-2421): `"num":"splice"` reached a function instead of a buffer.
    Case {
        id: "SIO5-BIN-015/placeholder-num-splice-websocket",
        title: "a placeholder `num` \"splice\" closes the connection (WebSocket)",
        requirements: &["SIO5-BIN-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(num_splice, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-015/placeholder-num-splice-polling",
        title: "a placeholder `num` \"splice\" closes the connection (polling)",
        requirements: &["SIO5-BIN-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(num_splice, Transport::Polling),
    },
    Case {
        id: "SIO5-STATE-002/event-unjoined-namespace-websocket",
        title: "an EVENT for /custom, never joined, closes the connection and is not handled \
                (WebSocket)",
        requirements: &["SIO5-STATE-002", "SIO5-STATE-001"],
        features: &["core"],
        run: case_fn_on!(unjoined_namespace, Transport::WebSocket),
    },
    Case {
        id: "SIO5-STATE-002/event-unjoined-namespace-polling",
        title: "an EVENT for /custom, never joined, closes the connection and is not handled \
                (polling)",
        requirements: &["SIO5-STATE-002", "SIO5-STATE-001"],
        features: &["core"],
        run: case_fn_on!(unjoined_namespace, Transport::Polling),
    },
    Case {
        id: "SIO5-RSV-002/reserved-event-name-websocket",
        title: "`2[\"connect\"]` (reserved name) closes the connection (WebSocket)",
        requirements: &["SIO5-RSV-002", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(reserved_name, Transport::WebSocket),
    },
    Case {
        id: "SIO5-RSV-002/reserved-event-name-polling",
        title: "`2[\"connect\"]` (reserved name) closes the connection (polling)",
        requirements: &["SIO5-RSV-002", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(reserved_name, Transport::Polling),
    },
    Case {
        id: "SIO5-STATE-005/client-connect-error-websocket",
        title: "a CONNECT_ERROR sent by the client closes the connection (WebSocket)",
        requirements: &["SIO5-STATE-005"],
        features: &["core"],
        run: case_fn_on!(client_connect_error, Transport::WebSocket),
    },
    Case {
        id: "SIO5-STATE-005/client-connect-error-polling",
        title: "a CONNECT_ERROR sent by the client closes the connection (polling)",
        requirements: &["SIO5-STATE-005"],
        features: &["core"],
        run: case_fn_on!(client_connect_error, Transport::Polling),
    },
    Case {
        id: "SIO5-PKT-015/empty-message-websocket",
        title: "an empty Engine.IO message `4` closes the connection (WebSocket)",
        requirements: &["SIO5-PKT-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(empty_message, Transport::WebSocket),
    },
    Case {
        id: "SIO5-PKT-015/empty-message-polling",
        title: "an empty Engine.IO message `4` closes the connection (polling)",
        requirements: &["SIO5-PKT-015", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(empty_message, Transport::Polling),
    },
    Case {
        id: "SIO5-VAL-003/disconnect-with-payload-websocket",
        title: "`1{}` (DISCONNECT with a payload) closes the connection (WebSocket)",
        requirements: &["SIO5-VAL-003", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(disconnect_with_payload, Transport::WebSocket),
    },
    Case {
        id: "SIO5-VAL-003/disconnect-with-payload-polling",
        title: "`1{}` (DISCONNECT with a payload) closes the connection (polling)",
        requirements: &["SIO5-VAL-003", "SIO5-STATE-006"],
        features: &["core"],
        run: case_fn_on!(disconnect_with_payload, Transport::Polling),
    },
];

/// One malformed input, sent raw.
enum Bad {
    /// Socket.IO text sent as one Engine.IO message (`4` + text).
    Text(&'static str),
    /// Engine.IO-level text: a WebSocket frame, or a whole POST body.
    Engine(&'static str),
    /// A binary header and one attachment.
    HeaderThenBinary(&'static str, &'static [u8]),
}

impl Bad {
    fn send(&self, conn: &SioConn) {
        match self {
            Bad::Text(text) => conn.send_text_raw(text),
            Bad::Engine(text) => conn.send_engine_raw(text),
            Bad::HeaderThenBinary(header, bytes) => {
                conn.send_text_raw(header);
                conn.send_binary_raw(bytes);
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Bad::Text(text) => format!("the Engine.IO message {:?}", format!("4{text}")),
            Bad::Engine(text) => format!("the Engine.IO text {text:?}"),
            Bad::HeaderThenBinary(header, bytes) => format!(
                "the Engine.IO message {:?} and a {}-byte attachment",
                format!("4{header}"),
                bytes.len()
            ),
        }
    }
}

/// Joins `/`, sends `bad`, and expects the connection to close within a round trip with no
/// `message-back` handed out; then a new client must join and echo. `if_open` grades a server
/// that keeps the connection open (FAIL for a MUST, NON-STRICT for a SHOULD); `note` explains it.
async fn closes_then_serves(
    ctx: Ctx,
    transport: Transport,
    bad: Bad,
    if_open: Grade,
    note: &str,
) -> Verdict {
    let expected = format!(
        "after {}: the connection is closed within {} ms and nothing is handled; then a new \
         client joins / and is echoed",
        bad.describe(),
        ctx.quick().as_millis()
    );
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(seen) = conn.expect_event("/", "auth", ctx.quick()).await {
        conn.close();
        return Verdict::error(format!("no `auth` after joining /: {seen}"));
    }
    let started = tokio::time::Instant::now();
    bad.send(&conn);
    let mut seen = Vec::new();
    let mut closed = None;
    let mut leaked = false;
    let deadline = started + ctx.quick();
    // Bounded by the deadline and an item count.
    for _ in 0..1000 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(item) = conn.next(left).await else {
            break;
        };
        seen.push(item.describe());
        leaked |= item
            .event()
            .is_some_and(|(name, _, _)| name == "message-back");
        if let SioItem::Closed(how) = item {
            closed = Some(format!("{how} after {} ms", started.elapsed().as_millis()));
            break;
        }
    }
    // Over polling the client may have ended the session itself (an undecodable GET body): the
    // server must have dropped the sid too.
    if transport == Transport::Polling
        && let Some(how) = closed.take()
    {
        let query = format!(
            "EIO=4&transport=polling&sid={}",
            encode_query(conn.engine_sid.as_str())
        );
        closed = match ctx.polling().get(&query, ctx.quick()).await {
            Ok(r) if r.status == 400 => Some(format!("{how}; a GET with its sid: HTTP 400")),
            Ok(r) if r.body.starts_with(b"1") => Some(format!("{how}; a GET with its sid: `1`")),
            Ok(r) => {
                seen.push(format!(
                    "{how}, but a GET with its sid was answered HTTP {} {:?}: the server kept it",
                    r.status,
                    String::from_utf8_lossy(&r.body)
                ));
                None
            }
            Err(e) => {
                seen.push(format!("{how}, but a GET with its sid failed: {e}"));
                None
            }
        };
    }
    let first = match &closed {
        Some(how) => format!("closed: {how}"),
        None => {
            // Still open: is it alive, or hung?
            let alive = echo_works(&mut conn, &ctx, "/").await;
            format!(
                "not closed within {} ms (seen: [{}]); the same connection then {}",
                ctx.quick().as_millis(),
                seen.join("; "),
                match alive {
                    Ok(()) => "echoed `message`".to_owned(),
                    Err(e) => format!("did not echo: {e}"),
                }
            )
        }
    };
    conn.close();
    let fresh = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok((mut fresh, _)) => {
            let r = echo_works(&mut fresh, &ctx, "/").await;
            fresh.close();
            r
        }
        Err(e) => Err(e),
    };
    let fresh_seen = match &fresh {
        Ok(()) => "a new client joined and was echoed".to_owned(),
        Err(e) => format!("a new client failed: {e}"),
    };
    let seen = format!("{first}; {fresh_seen}");
    if leaked {
        return Verdict::fail(
            expected,
            format!("a `message-back` was handed out for the bad input; {seen}"),
        );
    }
    if fresh.is_err() {
        return Verdict::fail(expected, seen);
    }
    match closed {
        Some(_) => Verdict::pass(expected, seen),
        None => Verdict::new(if_open, expected, format!("{seen} ({note})")),
    }
}

async fn engine_garbage(ctx: Ctx, transport: Transport) -> Verdict {
    // `x` is no Engine.IO packet type; the codec cannot encode it.
    let note = "a MUST: EIO4-PKT-006";
    closes_then_serves(ctx, transport, Bad::Engine("x"), Grade::Fail, note).await
}

async fn unknown_type(ctx: Ctx, transport: Transport) -> Verdict {
    // Type 7 does not exist; the codec cannot encode it.
    let note = "a MUST: SIO5-PKT-016 and SIO5-STATE-006";
    closes_then_serves(ctx, transport, Bad::Text("7"), Grade::Fail, note).await
}

async fn invalid_json(ctx: Ctx, transport: Transport) -> Verdict {
    // Truncated JSON; the codec only writes whole documents.
    let note = "a MUST: SIO5-VAL-001 and SIO5-STATE-006";
    closes_then_serves(ctx, transport, Bad::Text(r#"2["a""#), Grade::Fail, note).await
}

async fn attachments_without_dash(ctx: Ctx, transport: Transport) -> Verdict {
    // A BINARY_EVENT whose count has no `-`; the codec always writes it. The close must come
    // within a round trip: a decoder that loops or waits shows up as no close and no echo.
    let note = "a MUST: SIO5-BIN-007, SIO5-BIN-008 and SIO5-STATE-006";
    closes_then_serves(ctx, transport, Bad::Text(r#"51["a"]"#), Grade::Fail, note).await
}

async fn num_out_of_range(ctx: Ctx, transport: Transport) -> Verdict {
    // One attachment announced, placeholder `num` 1: out of range; the codec numbers from 0.
    let header = r#"51-["message",{"_placeholder":true,"num":1}]"#;
    let note = "a MUST: SIO5-BIN-015 and SIO5-STATE-006";
    let bad = Bad::HeaderThenBinary(header, &[1, 2, 3]);
    closes_then_serves(ctx, transport, bad, Grade::Fail, note).await
}

async fn num_splice(ctx: Ctx, transport: Transport) -> Verdict {
    // A placeholder whose `num` is the string "splice" (CVE-2022-2421); the codec writes integers.
    let header = r#"51-["message",{"_placeholder":true,"num":"splice"}]"#;
    let note = "a MUST: SIO5-BIN-015 and SIO5-STATE-006";
    let bad = Bad::HeaderThenBinary(header, &[1, 2, 3]);
    closes_then_serves(ctx, transport, bad, Grade::Fail, note).await
}

async fn unjoined_namespace(ctx: Ctx, transport: Transport) -> Verdict {
    // Well-formed, but for a namespace this connection never joined (SioConn::emit would send it
    // too; raw text keeps the bytes visible). A `message-back` would mean it was handled.
    let note = "a SHOULD: SIO5-STATE-002; servers before socket.io 4.5 ignore the packet";
    let bad = Bad::Text(r#"2/custom,["message","unjoined"]"#);
    closes_then_serves(ctx, transport, bad, Grade::NonStrict, note).await
}

async fn reserved_name(ctx: Ctx, transport: Transport) -> Verdict {
    // A reserved event name; the codec refuses to encode it (SIO5-RSV-001). SIO5-RSV-002 is a
    // MUST, but its note asks to report, not fail, the older servers that accept it.
    let note = "SIO5-RSV-002: servers before socket.io 4.7 (parser 4.2.4) accept reserved names";
    let bad = Bad::Text(r#"2["connect"]"#);
    closes_then_serves(ctx, transport, bad, Grade::NonStrict, note).await
}

async fn client_connect_error(ctx: Ctx, transport: Transport) -> Verdict {
    // Only servers send CONNECT_ERROR; sent raw to play a broken client.
    let note = "a SHOULD: SIO5-STATE-005";
    let bad = Bad::Text(r#"4{"message":"from the client"}"#);
    closes_then_serves(ctx, transport, bad, Grade::NonStrict, note).await
}

async fn empty_message(ctx: Ctx, transport: Transport) -> Verdict {
    // An Engine.IO message with no Socket.IO packet in it; the codec never sends one.
    let note = "a MUST: SIO5-PKT-015 and SIO5-STATE-006";
    closes_then_serves(ctx, transport, Bad::Text(""), Grade::Fail, note).await
}

async fn disconnect_with_payload(ctx: Ctx, transport: Transport) -> Verdict {
    // A DISCONNECT must carry no payload; the codec never writes one.
    let note = "a MUST: SIO5-VAL-003 and SIO5-STATE-006";
    closes_then_serves(ctx, transport, Bad::Text("1{}"), Grade::Fail, note).await
}
