//! Events and acks (spec/socket-io-v5.md, EVT and ACK; testee contract CORE).

use socketio_codec::socket_io::Value;

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, Transport};
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
