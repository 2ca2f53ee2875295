//! Revision 4 events, acks and binary attachments (spec/socket-io-v4.md, PKT, BIN, VAL) over
//! Engine.IO v3.

use serde_json::json;
use socketio_codec::socket_io::Value;

use crate::case::{Case, Grade, Verdict, case_fn_on};
use crate::client::v3::SioV3;
use crate::client::{SioItem, Transport, show};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO4-PKT-003/echo-and-ack-websocket",
        title: "`message` is echoed as `message-back` and `message-with-ack` acknowledged over a v3 \
                WebSocket",
        requirements: &["SIO4-PKT-003", "TESTEE1-CORE-003", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(echo_and_ack, Transport::WebSocket),
    },
    Case {
        id: "SIO4-PKT-003/echo-and-ack-polling",
        title: "`message` is echoed as `message-back` and `message-with-ack` acknowledged over v3 \
                polling",
        requirements: &["SIO4-PKT-003", "TESTEE1-CORE-003", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(echo_and_ack, Transport::Polling),
    },
    // interop-bugs #7: attachments over a v3 WebSocket need the 0x04 type byte.
    Case {
        id: "SIO4-BIN-001/binary-echo-websocket",
        title: "a BINARY_EVENT and a binary ack round-trip over a v3 WebSocket (attachments as \
                04-prefixed binary frames)",
        requirements: &[
            "SIO4-BIN-001",
            "SIO4-BIN-002",
            "TESTEE1-CORE-003",
            "TESTEE1-CORE-004",
        ],
        features: &["core"],
        run: case_fn_on!(binary_echo, (Transport::WebSocket, false)),
    },
    Case {
        id: "SIO4-BIN-003/binary-echo-polling-b64",
        title: "a BINARY_EVENT and a binary ack round-trip over v3 polling with b64=1 (attachments \
                as `b4<base64>`)",
        requirements: &[
            "SIO4-BIN-003",
            "EIO3-URL-003",
            "TESTEE1-CORE-003",
            "TESTEE1-CORE-004",
        ],
        features: &["core"],
        run: case_fn_on!(binary_echo, (Transport::Polling, true)),
    },
    Case {
        id: "SIO4-BIN-004/binary-echo-polling-binary",
        title: "a BINARY_EVENT and a binary ack round-trip over v3 polling without b64 (binary \
                payloads allowed)",
        requirements: &["SIO4-BIN-004", "SIO4-BIN-003", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(binary_echo, (Transport::Polling, false)),
    },
    Case {
        id: "SIO4-VAL-002/invalid-payload-closes-websocket",
        title: "an EVENT whose payload is not an array closes the v3 WebSocket connection",
        requirements: &["SIO4-VAL-002", "SIO4-VAL-001"],
        features: &["core"],
        run: case_fn_on!(invalid_payload, Transport::WebSocket),
    },
    Case {
        id: "SIO4-VAL-002/invalid-payload-closes-polling",
        title: "an EVENT whose payload is not an array closes the v3 polling connection",
        requirements: &["SIO4-VAL-002", "SIO4-VAL-001"],
        features: &["core"],
        run: case_fn_on!(invalid_payload, Transport::Polling),
    },
];

async fn echo_and_ack(ctx: Ctx, transport: Transport) -> Verdict {
    let payload = json!(["ünï €", 1, {"a": [true, null]}, "😀"]);
    let expected =
        format!("`message-back` with {payload} and the ACK 7 with the same arguments, both on /");
    let mut conn = match SioV3::open_main(&ctx, transport, false).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let args: Vec<Value> = match Value::from(payload.clone()) {
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    let mut with_name = vec![Value::String("message".into())];
    with_name.extend(args.clone());
    let mut with_ack = vec![Value::String("message-with-ack".into())];
    with_ack.extend(args.clone());
    if let Err(e) = conn.emit("/", &Value::Array(with_name), None) {
        return Verdict::error(e);
    }
    if let Err(e) = conn.emit("/", &Value::Array(with_ack), Some(7)) {
        return Verdict::error(e);
    }
    let back = conn.expect_event("/", "message-back", ctx.quick()).await;
    let ack = conn.expect_ack_item("/", 7, ctx.quick()).await;
    conn.close();
    let ack_args = ack.as_ref().ok().and_then(SioItem::ack).map(|(_, a)| a);
    let ok = back.as_ref().is_ok_and(|(a, _)| *a == args) && ack_args.as_ref() == Some(&args);
    Verdict::check(
        ok,
        expected,
        format!(
            "message-back: {}; ack: {}",
            back.map_or_else(|e| e, |(a, _)| show(&a)),
            ack.map_or_else(|e| e, |i| i.describe())
        ),
    )
}

async fn binary_echo(ctx: Ctx, (transport, b64): (Transport, bool)) -> Verdict {
    let bytes = vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0xff];
    let args = vec![
        Value::Binary(bytes.clone()),
        Value::from(json!({"n": 1})),
        Value::Binary(vec![0x04]),
    ];
    let expected = format!(
        "BINARY_EVENT `message-back` and BINARY_ACK 3, each with {} (attachments intact, in order)",
        show(&args)
    );
    let mut conn = match SioV3::open_main(&ctx, transport, b64).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let mut with_name = vec![Value::String("message".into())];
    with_name.extend(args.clone());
    let mut with_ack = vec![Value::String("message-with-ack".into())];
    with_ack.extend(args.clone());
    if let Err(e) = conn.emit("/", &Value::Array(with_name), None) {
        return Verdict::error(e);
    }
    if let Err(e) = conn.emit("/", &Value::Array(with_ack), Some(3)) {
        return Verdict::error(e);
    }
    let back = conn
        .expect("BINARY_EVENT message-back", ctx.quick(), |i| {
            matches!(i, SioItem::Binary(_))
                && i.event().is_some_and(|(n, _, _)| n == "message-back")
        })
        .await;
    let ack = conn.expect_ack_item("/", 3, ctx.quick()).await;
    conn.close();
    let back_args = back
        .as_ref()
        .ok()
        .and_then(SioItem::event)
        .map(|(_, a, _)| a);
    let ack_ok = matches!(&ack, Ok(SioItem::Binary(_)))
        && ack.as_ref().ok().and_then(SioItem::ack).map(|(_, a)| a) == Some(args.clone());
    Verdict::check(
        back_args.as_ref() == Some(&args) && ack_ok,
        expected,
        format!(
            "{}; {}",
            back.map_or_else(|e| e, |i| i.describe()),
            ack.map_or_else(|e| e, |i| i.describe())
        ),
    )
}

async fn invalid_payload(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "the connection closed after `42\"not-an-array\"` (keeping it open is \
                    NON-STRICT: socket.io-parser before 3.3.4 / 3.4.3)";
    let mut conn = match SioV3::open_main(&ctx, transport, false).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    // Invalid on purpose: an EVENT payload must be an array.
    conn.send_text_raw("2\"not-an-array\"");
    let verdict = match conn.expect_closed(ctx.quick()).await {
        Ok(how) => Verdict::pass(expected, format!("closed: {how}")),
        Err(e) => Verdict::new(Grade::NonStrict, expected, format!("still open: {e}")),
    };
    conn.close();
    verdict
}
