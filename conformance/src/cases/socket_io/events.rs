//! Events and acks (spec/socket-io-v5.md, EVT and ACK; testee contract CORE).

use socketio_codec::engine_io::{Packet as EioPacket, payload};
use socketio_codec::socket_io::{Namespace, PacketType, Value, encode_binary};

use super::binary::{Piece, event, incoming_pieces};
use super::connect::echo_works;
use crate::case::{Case, Grade, Verdict, case_fn_on};
use crate::client::{SioConn, SioItem, Transport};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-EVT-001/echo-json-types-websocket",
        title: "`message` with arguments of every JSON type comes back as `message-back` (WebSocket)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(echo_json_types, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-001/echo-json-types-polling",
        title: "`message` with arguments of every JSON type comes back as `message-back` (polling)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(echo_json_types, Transport::Polling),
    },
    Case {
        id: "SIO5-BIN-001/echo-binary-websocket",
        title: "a binary `message` comes back with its attachments (WebSocket)",
        requirements: &["SIO5-BIN-001", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(echo_binary, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-001/echo-binary-polling",
        title: "a binary `message` comes back with its attachments (polling, base64)",
        requirements: &["SIO5-BIN-001", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(echo_binary, Transport::Polling),
    },
    Case {
        id: "SIO5-ACK-002/message-with-ack-websocket",
        title: "`message-with-ack` is answered with an ACK echoing the id and arguments (WebSocket)",
        requirements: &["SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(message_with_ack, Transport::WebSocket),
    },
    Case {
        id: "SIO5-ACK-002/message-with-ack-polling",
        title: "`message-with-ack` is answered with an ACK echoing the id and arguments (polling)",
        requirements: &["SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(message_with_ack, Transport::Polling),
    },
    Case {
        id: "SIO5-EVT-001/zero-one-many-args-websocket",
        title: "`message` with 0, 1 and 6 arguments comes back with the same arguments (WebSocket)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(arg_counts, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-001/zero-one-many-args-polling",
        title: "`message` with 0, 1 and 6 arguments comes back with the same arguments (polling)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(arg_counts, Transport::Polling),
    },
    Case {
        id: "SIO5-EVT-003/unicode-round-trip-websocket",
        title: "raw UTF-8, astral characters and control characters round-trip; non-ASCII is sent \
                raw (WebSocket)",
        requirements: &["SIO5-EVT-003", "SIO5-EVT-001", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(unicode, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-003/unicode-round-trip-polling",
        title: "raw UTF-8, astral characters and control characters round-trip; non-ASCII is sent \
                raw (polling)",
        requirements: &["SIO5-EVT-003", "SIO5-EVT-001", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(unicode, Transport::Polling),
    },
    Case {
        id: "SIO5-EVT-001/near-max-payload-websocket",
        title: "an event just under maxPayload is echoed (WebSocket)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-003", "TESTEE1-CONF-005"],
        features: &["core"],
        run: case_fn_on!(near_max_payload, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-001/near-max-payload-polling",
        title: "an event whose POST payload is just under maxPayload is echoed (polling)",
        requirements: &["SIO5-EVT-001", "TESTEE1-CORE-003", "TESTEE1-CONF-005"],
        features: &["core"],
        run: case_fn_on!(near_max_payload, Transport::Polling),
    },
    Case {
        id: "SIO5-EVT-005/hundred-rapid-events-websocket",
        title: "100 events sent back to back are echoed exactly once each, in order (WebSocket)",
        requirements: &["SIO5-EVT-005", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(rapid_events, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-005/hundred-rapid-events-polling",
        title: "100 events in POSTs of up to 15 are echoed exactly once each, in order (polling)",
        requirements: &["SIO5-EVT-005", "TESTEE1-CORE-003", "EIO4-PAY-003"],
        features: &["core"],
        run: case_fn_on!(rapid_events, Transport::Polling),
    },
    Case {
        id: "SIO5-EVT-002/numeric-event-name-websocket",
        title: "`42[1,\"x\"]` is accepted: the connection keeps echoing (WebSocket)",
        requirements: &["SIO5-EVT-002", "SIO5-VAL-005"],
        features: &["core"],
        run: case_fn_on!(numeric_name, Transport::WebSocket),
    },
    Case {
        id: "SIO5-EVT-002/numeric-event-name-polling",
        title: "`42[1,\"x\"]` is accepted: the connection keeps echoing (polling)",
        requirements: &["SIO5-EVT-002", "SIO5-VAL-005"],
        features: &["core"],
        run: case_fn_on!(numeric_name, Transport::Polling),
    },
    Case {
        id: "SIO5-NS-005/auth-after-connect-websocket",
        title: "the CONNECT answer comes before the `auth` event the server emits on connection \
                (WebSocket)",
        requirements: &["SIO5-NS-005", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(auth_after_connect, Transport::WebSocket),
    },
    Case {
        id: "SIO5-NS-005/auth-after-connect-polling",
        title: "the CONNECT answer comes before the `auth` event the server emits on connection \
                (polling)",
        requirements: &["SIO5-NS-005", "TESTEE1-CORE-002"],
        features: &["core"],
        run: case_fn_on!(auth_after_connect, Transport::Polling),
    },
];

fn args(values: Vec<Value>, name: &str) -> Value {
    let mut all = vec![Value::String(name.to_owned())];
    all.extend(values);
    Value::Array(all)
}

fn json_args() -> Vec<Value> {
    let v = serde_json::json!([1, "2", {"3": [true, false, null]}, 4.5, -7, "é😀", [], {}]);
    match Value::from(v) {
        Value::Array(items) => items,
        _ => unreachable!("an array"),
    }
}

async fn echo_json_types(ctx: Ctx, transport: Transport) -> Verdict {
    let sent = json_args();
    let expected = format!("`message-back` with {sent:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.emit("/", &args(sent.clone(), "message"), None) {
        return Verdict::error(e);
    }
    let verdict = match conn.expect_event("/", "message-back", ctx.quick()).await {
        Ok((got, _)) => Verdict::check(got == sent, expected, format!("{got:?}")),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn echo_binary(ctx: Ctx, transport: Transport) -> Verdict {
    let sent = vec![
        Value::Binary(vec![1, 2, 3]),
        Value::Object(vec![("nested".into(), Value::Binary(vec![0xff, 0, 0x1e]))]),
    ];
    let expected = format!("`message-back` with the same binary arguments {sent:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.emit("/", &args(sent.clone(), "message"), None) {
        return Verdict::error(e);
    }
    let verdict = match conn.expect_event("/", "message-back", ctx.quick()).await {
        Ok((got, _)) => Verdict::check(got == sent, expected, format!("{got:?}")),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn message_with_ack(ctx: Ctx, transport: Transport) -> Verdict {
    let sent = json_args();
    let expected = format!("ACK 456 on / with {sent:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.emit("/", &args(sent.clone(), "message-with-ack"), Some(456)) {
        return Verdict::error(e);
    }
    let verdict = match conn.expect_ack("/", 456, ctx.quick()).await {
        Ok(got) => Verdict::check(got == sent, expected, format!("{got:?}")),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

/// Opens a connection joined to `/` (the verdict is an ERROR when that fails).
async fn joined(ctx: &Ctx, transport: Transport) -> Result<SioConn, Verdict> {
    SioConn::open_joined(ctx, transport, "/", None)
        .await
        .map(|(conn, _)| conn)
        .map_err(Verdict::error)
}

async fn arg_counts(ctx: Ctx, transport: Transport) -> Verdict {
    let expected =
        "`message-back` with [], then [\"one\"], then [1,\"2\",null,true,{\"a\":[]},[0.5]]";
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let sets: [Vec<Value>; 3] = [
        Vec::new(),
        vec![Value::String("one".into())],
        json_values(serde_json::json!([1, "2", null, true, {"a": []}, [0.5]])),
    ];
    let mut seen = Vec::new();
    let mut ok = true;
    for sent in &sets {
        if let Err(e) = conn.emit("/", &event("message", sent), None) {
            return Verdict::error(e);
        }
        match conn.expect_event("/", "message-back", ctx.quick()).await {
            Ok((got, _)) => {
                ok &= got == *sent;
                seen.push(format!("{} arg(s) sent, got {got:?}", sent.len()));
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

fn json_values(v: serde_json::Value) -> Vec<Value> {
    match Value::from(v) {
        Value::Array(items) => items,
        other => vec![other],
    }
}

async fn unicode(ctx: Ctx, transport: Transport) -> Verdict {
    let raw = "héllo wörld 日本語 Ελληνικά";
    let astral = "😀🎉𝄞 \u{10FFFF}";
    let controls = "nul\u{0}bel\u{7}nl\ntab\tq\"bs\\ del\u{7f} ls\u{2028}ps\u{2029}";
    let sent: Vec<Value> = [raw, astral, controls]
        .iter()
        .map(|s| Value::String((*s).to_owned()))
        .collect();
    let expected = format!(
        "`message-back` with {sent:?} (MUST), written with {raw:?} and {:?} as raw UTF-8 \
         (SHOULD)",
        "😀🎉𝄞"
    );
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    if let Err(e) = conn.emit("/", &event("message", &sent), None) {
        return Verdict::error(e);
    }
    let result = conn.expect_event("/", "message-back", ctx.quick()).await;
    conn.close();
    let got = match result {
        Ok((got, _)) => got,
        Err(seen) => return Verdict::fail(expected, seen),
    };
    if got != sent {
        return Verdict::fail(expected, format!("{got:?}"));
    }
    let text = incoming_pieces(&ctx).into_iter().find_map(|p| match p {
        Piece::Text(t) if t.starts_with("42") && t.contains("\"message-back\"") => Some(t),
        _ => None,
    });
    match text {
        Some(t) if t.contains(raw) && t.contains("😀🎉𝄞") => {
            Verdict::pass(expected, format!("echoed as {t:?}"))
        }
        Some(t) => Verdict::new(
            Grade::NonStrict,
            expected,
            format!("echoed correctly but non-ASCII escaped: {t:?}"),
        ),
        None => Verdict::error("the echo's text is missing from the transcript"),
    }
}

async fn near_max_payload(ctx: Ctx, transport: Transport) -> Verdict {
    // The largest message is `42["message","<s>"]`: one Engine.IO packet, which is also the
    // whole v4 POST payload on polling. Leave 64 bytes of room under maxPayload; without an
    // announced limit use 64 KiB, and never send more than 4 MiB.
    const CAP: u64 = 4 * 1024 * 1024;
    let framing = r#"42["message",""]"#.len() as u64;
    let (target, note) = match ctx.params.max_payload {
        Some(max) if max > CAP => (CAP, format!("maxPayload {max}, capped at {CAP}")),
        Some(max) => (max, format!("maxPayload {max}")),
        None => (64 * 1024, "no maxPayload announced, 65536 used".to_owned()),
    };
    let Some(len) = target.checked_sub(framing + 64).filter(|l| *l > 0) else {
        return Verdict::error(format!("{note}: too small to leave room for framing"));
    };
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let big = "a".repeat(len);
    let expected = format!(
        "`message-back` with the {len}-character string ({} bytes on the wire; {note})",
        len as u64 + framing
    );
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let sent = vec![Value::String(big)];
    if let Err(e) = conn.emit("/", &event("message", &sent), None) {
        return Verdict::error(e);
    }
    let started = tokio::time::Instant::now();
    let result = conn
        .expect_event("/", "message-back", ctx.quick() + ctx.quick())
        .await;
    conn.close();
    match result {
        Ok((got, _)) => {
            let got_len = match got.as_slice() {
                [Value::String(s)] => s.len().to_string(),
                other => format!("{} argument(s)", other.len()),
            };
            Verdict::check(
                got == sent,
                expected,
                format!(
                    "echo of length {got_len} after {} ms",
                    started.elapsed().as_millis()
                ),
            )
        }
        Err(seen) => Verdict::fail(expected, seen),
    }
}

async fn rapid_events(ctx: Ctx, transport: Transport) -> Verdict {
    const N: u64 = 100;
    let expected = format!(
        "`message-back` 0..{} once each, in order, nothing more",
        N - 1
    );
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let packets: Vec<Value> = (0..N)
        .map(|i| event("message", &[Value::Number(i.into())]))
        .collect();
    match transport {
        Transport::WebSocket => {
            for p in &packets {
                if let Err(e) = conn.emit("/", p, None) {
                    return Verdict::error(e);
                }
            }
        }
        Transport::Polling => {
            // POSTs of up to 15 packets each (valid v4 payloads built by the codec): one request
            // per event would be slower than the heartbeat on a fast configuration, and some
            // servers cap the packets per POST at 16 (interop-bugs #12), which is not tested here.
            for chunk in packets.chunks(15) {
                let mut texts = Vec::new();
                for p in chunk {
                    let (mut text, mut attachments) = (String::new(), Vec::new());
                    let main = Namespace::new("/").expect("`/` is a namespace");
                    let encoded = encode_binary(
                        PacketType::Event,
                        &main,
                        None,
                        p,
                        &mut text,
                        &mut attachments,
                    );
                    if let Err(e) = encoded {
                        return Verdict::error(e.to_string());
                    }
                    texts.push(text);
                }
                let eio: Vec<EioPacket<'_>> = texts
                    .iter()
                    .map(|t| EioPacket::message(t.as_str()))
                    .collect();
                let mut body = String::new();
                payload::encode_v4(&eio, &mut body);
                conn.send_engine_raw(&body);
            }
        }
    }
    let mut got = Vec::new();
    let mut other = Vec::new();
    let deadline = tokio::time::Instant::now() + ctx.quick() + ctx.heartbeat_window();
    // Bounded by the deadline and an item count.
    for _ in 0..(N * 3) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(item) = conn.next(left).await else {
            break;
        };
        match item.event() {
            Some((name, args, _)) if name == "message-back" => got.push(match args.as_slice() {
                [Value::Number(n)] => n.to_string(),
                other => format!("{other:?}"),
            }),
            _ if matches!(item, SioItem::Closed(_) | SioItem::Invalid(_)) => {
                other.push(item.describe());
                break;
            }
            _ => {}
        }
        if got.len() as u64 == N {
            // Anything after the hundredth echo would be a duplicate.
            let window = ctx.tolerance();
            if let Err(extra) = conn
                .expect_none(window, |i| {
                    matches!(i, SioItem::Closed(_))
                        || i.event().is_some_and(|(name, _, _)| name == "message-back")
                })
                .await
            {
                other.push(extra);
            }
            break;
        }
    }
    conn.close();
    let want: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    let seen = format!(
        "{} echoes{}{}",
        got.len(),
        if got == want {
            ", in order".to_owned()
        } else {
            format!(": {got:?}")
        },
        if other.is_empty() {
            String::new()
        } else {
            format!("; then {}", other.join("; "))
        }
    );
    Verdict::check(got == want && other.is_empty(), expected, seen)
}

async fn numeric_name(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after `42[1,\"x\"]` the connection stays open and `message` is still echoed";
    let mut conn = match joined(&ctx, transport).await {
        Ok(c) => c,
        Err(v) => return v,
    };
    let numeric = Value::Array(vec![Value::Number(1.into()), Value::String("x".into())]);
    if let Err(e) = conn.emit("/", &numeric, None) {
        return Verdict::error(e);
    }
    let result = echo_works(&mut conn, &ctx, "/").await;
    conn.close();
    match result {
        Ok(()) => Verdict::pass(expected, "the echo came back"),
        Err(seen) => Verdict::fail(expected, seen),
    }
}

async fn auth_after_connect(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "on /: the CONNECT answer first, then the `auth` event";
    let mut conn = match SioConn::open(&ctx, transport).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    conn.send_text_raw("0");
    let mut order = Vec::new();
    let mut labels = Vec::new();
    let deadline = tokio::time::Instant::now() + ctx.quick();
    // Bounded by the deadline and an item count; stops at the `auth` event.
    for _ in 0..100 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(item) = conn.next(left).await else {
            break;
        };
        order.push(item.describe());
        let is_auth =
            item.namespace() == Some("/") && item.event().is_some_and(|(n, _, _)| n == "auth");
        let is_connect = matches!(&item, SioItem::Packet(p) if p.kind == PacketType::Connect && p.namespace.is_main());
        labels.push(if is_auth {
            "auth"
        } else if is_connect {
            "connect"
        } else {
            "other"
        });
        let stop = matches!(item, SioItem::Closed(_))
            || matches!(&item, SioItem::Packet(p) if p.kind == PacketType::ConnectError);
        if is_auth || stop {
            break;
        }
    }
    conn.close();
    let connect_at = labels.iter().position(|l| *l == "connect");
    let auth_at = labels.iter().position(|l| *l == "auth");
    let seen = format!("[{}]", order.join("; "));
    match (connect_at, auth_at) {
        (Some(c), Some(a)) => Verdict::check(c < a, expected, seen),
        _ => Verdict::fail(expected, seen),
    }
}
