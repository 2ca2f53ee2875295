//! Engine.IO v3 payloads and binary framing (spec/engine-io-v3.md, PAY, PKT, URL), driven
//! through the Socket.IO echo of the testee (`message` → `message-back`).

use socketio_codec::engine_io::{Packet, PacketData, PacketType, payload};
use socketio_codec::socket_io::Value;

use super::{event_args_of, has_event};
use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::event_message;
use crate::client::show;
use crate::client::v3::{
    OCTET_STREAM, V3Polling, V3Ws, hex, is_octet_stream, packets_text, response_text, v3_text,
};
use crate::ctx::Ctx;
use crate::transport::{HttpResponse, WsEvent};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO3-PAY-002/utf16-lengths",
        title: "multi-byte and astral characters round-trip in v3 text payloads whose lengths count \
                UTF-16 units",
        requirements: &["EIO3-PAY-002", "EIO3-PAY-001", "SIO4-PKT-003"],
        features: &["core"],
        run: case_fn!(utf16_lengths),
    },
    Case {
        id: "EIO3-PAY-009/binary-payload",
        title: "without b64 a GET carrying an attachment is an application/octet-stream binary \
                payload framed 00/01 <digits> FF <packet>",
        requirements: &[
            "EIO3-PAY-009",
            "EIO3-PAY-010",
            "EIO3-PAY-005",
            "EIO3-PAY-006",
            "EIO3-PAY-007",
            "SIO4-BIN-004",
        ],
        features: &["core"],
        run: case_fn!(binary_payload),
    },
    Case {
        id: "EIO3-URL-003/b64-polling",
        title: "with b64=1 an attachment comes back as `b4<base64>` inside a text payload",
        requirements: &[
            "EIO3-URL-003",
            "EIO3-PKT-003",
            "EIO3-PKT-004",
            "EIO3-PAY-009",
            "SIO4-BIN-003",
        ],
        features: &["core"],
        run: case_fn!(b64_polling),
    },
    Case {
        id: "EIO3-URL-003/b64-websocket",
        title: "with b64=1 on a v3 WebSocket an attachment comes back as a `b4<base64>` text frame",
        requirements: &["EIO3-URL-003", "EIO3-PKT-003"],
        features: &["core"],
        run: case_fn!(b64_websocket),
    },
    // interop-bugs #7: the 0x04 type byte was missing on v3 binary WebSocket frames.
    Case {
        id: "EIO3-PKT-001/websocket-binary-frame",
        title: "an attachment sent as the binary frame 04 01 02 03 04 comes back as the binary frame \
                04 01 02 03 04",
        requirements: &[
            "EIO3-PKT-001",
            "EIO3-PKT-002",
            "SIO4-BIN-001",
            "SIO4-BIN-002",
        ],
        features: &["core"],
        run: case_fn!(websocket_binary_frame),
    },
    Case {
        id: "EIO3-PAY-004/length-mismatch-closes",
        title: "a POST payload `7:4hello` whose length does not match the packet closes the session",
        requirements: &["EIO3-PAY-004"],
        features: &[],
        run: case_fn!(length_mismatch_closes),
    },
];

/// The attachment of the binary cases.
const BYTES: [u8; 4] = [1, 2, 3, 4];

/// `message` with one binary argument.
fn binary_event() -> Value {
    Value::Array(vec![
        Value::String("message".into()),
        Value::Binary(BYTES.to_vec()),
    ])
}

/// POSTs event `args` (with its attachments) on a v3 polling session, a ping first.
async fn post_event(ep: &V3Polling, args: &Value) -> Result<HttpResponse, String> {
    let (text, attachments) = event_message(args, None);
    let mut packets = vec![Packet::ping(), Packet::message(&text)];
    packets.extend(attachments.iter().map(|a| Packet::binary(a)));
    ep.post(&packets).await
}

async fn utf16_lengths(ctx: Ctx) -> Verdict {
    let text = "€ ü 😀 𝄞 漢字";
    let args = Value::Array(vec![
        Value::String("message".into()),
        Value::String(text.into()),
    ]);
    let expected = format!(
        "the POST (lengths in UTF-16 units) accepted, then `message-back` with [{text:?}] in a \
         text payload that the codec re-encodes byte for byte (so each length counts UTF-16 units)"
    );
    let ep = match V3Polling::open(&ctx, false).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let posted = v3_text(&[Packet::message(&event_message(&args, None).0)]);
    match post_event(&ep, &args).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            return Verdict::fail(
                expected,
                format!("the POST {posted:?} answered {}", response_text(&r)),
            );
        }
        Err(e) => return Verdict::error(e),
    }
    let (responses, packets, stop) = ep
        .collect(ctx.quick(), |p| has_event(p, "message-back"))
        .await;
    ep.close().await;
    let Some(back) = event_args_of(&packets, "message-back") else {
        return Verdict::fail(
            expected,
            format!(
                "posted {posted:?}; no `message-back`: {}; got {}",
                stop.unwrap_or_default(),
                packets_text(&packets)
            ),
        );
    };
    // Each text response must be exactly what the codec writes for its packets: the lengths
    // count UTF-16 units (`😀` is 2, `€` is 1, not bytes or code points).
    let mut bad = Vec::new();
    let mut carrying = String::new();
    for r in &responses {
        let Ok(decoded) = crate::client::v3::decode_v3_response(r) else {
            continue;
        };
        if is_octet_stream(r) {
            continue;
        }
        if v3_text(&decoded).as_bytes() != &r.body[..] {
            bad.push(response_text(r));
        }
        if r.text().is_some_and(|t| t.contains("message-back")) {
            carrying = r.text().unwrap_or_default().to_owned();
        }
    }
    let same = back == [Value::String(text.into())];
    Verdict::check(
        same && bad.is_empty(),
        expected,
        format!(
            "posted {posted:?}; got back {} in {carrying:?}{}",
            show(&back),
            if bad.is_empty() {
                String::new()
            } else {
                format!("; framed differently from the codec: {}", bad.join(", "))
            }
        ),
    )
}

/// Runs the binary echo on a polling session; returns the responses and packets.
async fn binary_echo(
    ctx: &Ctx,
    b64: bool,
) -> Result<(Vec<HttpResponse>, Vec<Packet<'static>>, Option<String>), String> {
    let ep = V3Polling::open(ctx, b64).await?;
    match post_event(&ep, &binary_event()).await? {
        r if r.status == 200 => {}
        r => return Err(format!("the POST answered {}", response_text(&r))),
    }
    let got = ep
        .collect(ctx.quick(), |p| event_args_of(p, "message-back").is_some())
        .await;
    ep.close().await;
    Ok(got)
}

fn echoed(packets: &[Packet<'static>]) -> Option<Vec<Value>> {
    event_args_of(packets, "message-back")
}

async fn binary_payload(ctx: Ctx) -> Verdict {
    let expected = format!(
        "`message-back` with <01020304>, the GET carrying it answered with Content-Type \
         {OCTET_STREAM} and a binary payload that the codec re-encodes byte for byte (string \
         records `00 <digits> FF 3…`, the attachment `01 05 FF 04 01 02 03 04`); a text payload \
         with `b4AQIDBA==` is allowed too (reported)"
    );
    let (responses, packets, stop) = match binary_echo(&ctx, false).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let want = vec![Value::Binary(BYTES.to_vec())];
    if echoed(&packets).as_ref() != Some(&want) {
        return Verdict::fail(
            expected,
            format!(
                "no `message-back` with <01020304> ({}): {}",
                stop.unwrap_or_default(),
                packets_text(&packets)
            ),
        );
    }
    let carrying: Vec<&HttpResponse> = responses
        .iter()
        .filter(|r| {
            crate::client::v3::decode_v3_response(r)
                .is_ok_and(|p| p.iter().any(|p| matches!(p.data, PacketData::Binary(_))))
        })
        .collect();
    let mut seen = Vec::new();
    let mut binary_ok = true;
    let mut any_binary = false;
    for r in &carrying {
        seen.push(response_text(r));
        if is_octet_stream(r) {
            any_binary = true;
            let decoded = crate::client::v3::decode_v3_response(r).unwrap_or_default();
            let mut again = Vec::new();
            payload::encode_v3_binary(&decoded, &mut again);
            let record = [1, 5, 0xff, 4, 1, 2, 3, 4];
            binary_ok &= again == r.body[..] && r.body.windows(8).any(|w| w == record);
        }
    }
    if any_binary {
        Verdict::check(binary_ok, expected, seen.join("; "))
    } else {
        Verdict::new(
            Grade::Informational,
            expected,
            format!("a text payload carried the attachment: {}", seen.join("; ")),
        )
    }
}

async fn b64_polling(ctx: Ctx) -> Verdict {
    let expected = "`message-back` with <01020304>; every GET answered with a text payload (never \
                    application/octet-stream), the attachment written `b4AQIDBA==`";
    let (responses, packets, stop) = match binary_echo(&ctx, true).await {
        Ok(x) => x,
        Err(e) => return Verdict::error(e),
    };
    let want = vec![Value::Binary(BYTES.to_vec())];
    let got = echoed(&packets);
    let any_octet = responses.iter().any(is_octet_stream);
    let b4 = responses
        .iter()
        .any(|r| r.text().is_some_and(|t| t.contains(":b4AQIDBA==")));
    let seen: Vec<String> = responses.iter().map(response_text).collect();
    Verdict::check(
        got.as_ref() == Some(&want) && !any_octet && b4,
        expected,
        format!(
            "{}{}",
            seen.join("; "),
            stop.map_or(String::new(), |s| format!(" ({s})"))
        ),
    )
}

/// Emits the binary event over a v3 WebSocket and returns the raw frames until the attachment
/// (or the end), within `quick`.
async fn ws_binary_echo(ctx: &Ctx, b64: bool) -> Result<Vec<WsEvent>, String> {
    let mut ws = V3Ws::open(ctx, b64).await?;
    ws.keepalive = Some(ws.interval(ctx.params.ping_interval) / 2);
    let (text, attachments) = event_message(&binary_event(), None);
    ws.send(&Packet::message(&text)).await?;
    for a in &attachments {
        ws.send(&Packet::binary(a)).await?;
    }
    let mut frames = Vec::new();
    let mut header = false;
    // Bounded: one frame per round, at most 50.
    for _ in 0..50 {
        match ws.recv_event(ctx.quick()).await {
            Ok(WsEvent::Text(t)) if t.starts_with("451-[\"message-back\"") => {
                header = true;
                frames.push(WsEvent::Text(t));
            }
            Ok(e @ WsEvent::Closed { .. }) => {
                frames.push(e);
                break;
            }
            Ok(e) => {
                let is_attachment = header
                    && match &e {
                        WsEvent::Binary(_) => true,
                        WsEvent::Text(t) => t.starts_with('b'),
                        WsEvent::Closed { .. } => false,
                    };
                frames.push(e);
                if is_attachment {
                    break;
                }
            }
            Err(e) => {
                ws.close().await;
                return Err(format!("{e}; frames {frames:?}"));
            }
        }
    }
    ws.close().await;
    Ok(frames)
}

fn frames_text(frames: &[WsEvent]) -> String {
    let shown: Vec<String> = frames
        .iter()
        .map(|f| match f {
            WsEvent::Text(t) => format!("text {t:?}"),
            WsEvent::Binary(b) => format!("binary {}", hex(b)),
            WsEvent::Closed { code, .. } => format!("closed ({code:?})"),
        })
        .collect();
    shown.join(", ")
}

async fn b64_websocket(ctx: Ctx) -> Verdict {
    let expected = "the `451-[\"message-back\",…]` text frame, then the attachment as the text \
                    frame `b4AQIDBA==` (no binary frame)";
    match ws_binary_echo(&ctx, true).await {
        Ok(frames) => {
            let ok = frames
                .iter()
                .any(|f| *f == WsEvent::Text("b4AQIDBA==".into()))
                && !frames.iter().any(|f| matches!(f, WsEvent::Binary(_)));
            // The codec reads the text frame back as a binary message of 01 02 03 04.
            let decoded = frames.iter().any(|f| match f {
                WsEvent::Text(t) => Packet::decode_text(t, crate::client::v3::V3).is_ok_and(|p| {
                    p.kind == PacketType::Message && p.data.as_bytes() == Some(&BYTES[..])
                }),
                _ => false,
            });
            Verdict::check(ok && decoded, expected, frames_text(&frames))
        }
        Err(e) => Verdict::fail(expected, e),
    }
}

async fn websocket_binary_frame(ctx: Ctx) -> Verdict {
    let expected = "the `451-[\"message-back\",…]` text frame, then the binary frame \
                    04 01 02 03 04 (type byte 04, then the attachment)";
    match ws_binary_echo(&ctx, false).await {
        Ok(frames) => {
            let ok = frames
                .iter()
                .any(|f| *f == WsEvent::Binary(vec![4, 1, 2, 3, 4]));
            Verdict::check(ok, expected, frames_text(&frames))
        }
        Err(e) => Verdict::fail(expected, e),
    }
}

async fn length_mismatch_closes(ctx: Ctx) -> Verdict {
    let expected = "the POST `7:4hello` answered 400, or accepted and the session closed: a ping \
                    POSTed right after gets HTTP 400 (unknown session), not a pong";
    let ep = match V3Polling::open(&ctx, false).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    // Malformed on purpose: the length 7 does not match `4hello` (6 units). (`5:4hello` is no
    // test: its first record `4hell` is well framed, and engine.io drops the stray `o`.)
    let bad = match ep.post_raw("7:4hello", "text/plain;charset=UTF-8").await {
        Ok(r) => r,
        Err(e) => return Verdict::error(e),
    };
    if bad.status == 400 {
        return Verdict::pass(
            expected,
            format!("the POST answered {}", response_text(&bad)),
        );
    }
    // Probe the session at once (a live one answers the ping with a pong in the next GET,
    // well before its heartbeat deadline).
    let after = ep.post(&[Packet::ping()]).await;
    let drained = ep.get(ctx.quick()).await;
    let drained_text = match &drained {
        Ok((r, p)) => format!("{} {}", response_text(r), packets_text(p)),
        Err(e) => e.clone(),
    };
    let seen = format!(
        "the POST answered {}; ping POST: {}; next GET: {drained_text}",
        response_text(&bad),
        after.as_ref().map_or_else(|e| e.clone(), response_text)
    );
    let gone = matches!(&after, Ok(r) if r.status == 400)
        || matches!(&drained, Ok((r, p)) if r.status == 400
            || p.iter().any(|p| p.kind == PacketType::Close));
    if !gone {
        ep.close().await;
    }
    Verdict::check(gone, expected, seen)
}
