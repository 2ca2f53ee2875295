//! WebSocket transport (spec/engine-io-v4.md, WS, and the WebSocket side of PKT).
//!
//! The testee is a Socket.IO server: a CONNECT `0` is answered with `0{"sid":…}` and the event
//! `message` is echoed as `message-back`, which makes the server send text and binary. Frames are
//! read raw ([`WsEvent`]) so that their types can be checked.

use socketio_codec::engine_io::{Packet, ProtocolVersion};
use socketio_codec::socket_io::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EngineWs, connect_text, connection_ended, describe_frame, event_args, event_message, show_body,
};
use crate::ctx::Ctx;
use crate::transport::WsEvent;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-PKT-010/client-noop-and-stray-upgrade-ignored",
        title: "a noop `6` and an upgrade `5` outside an upgrade are ignored: the session keeps working",
        requirements: &["EIO4-PKT-010"],
        features: &["core"],
        run: case_fn!(noop_and_stray_upgrade_ignored),
    },
    Case {
        id: "EIO4-WS-001/text-frames",
        title: "text packets arrive one per WebSocket text frame",
        requirements: &["EIO4-WS-001"],
        features: &["core"],
        run: case_fn!(text_frames),
    },
    Case {
        id: "EIO4-PKT-007/binary-frames",
        title: "a binary message arrives as a binary frame holding exactly its bytes",
        requirements: &["EIO4-PKT-007", "EIO4-WS-001"],
        features: &["core"],
        run: case_fn!(binary_frames),
    },
    Case {
        id: "EIO4-WS-003/base64-text-frame-accepted",
        title: "a `b<base64>` text frame is taken as a binary message",
        requirements: &["EIO4-WS-003", "EIO4-PKT-009"],
        features: &["core"],
        run: case_fn!(base64_text_accepted),
    },
    Case {
        id: "EIO4-WS-002/b64-binary-as-text",
        title: "with `b64=1` the server sends binary as `b<base64>` text frames",
        requirements: &["EIO4-WS-002", "EIO4-PKT-008"],
        features: &["core"],
        run: case_fn!(b64_binary_as_text),
    },
    Case {
        id: "EIO4-WS-004/empty-text-frame",
        title: "an empty text frame closes the session",
        requirements: &["EIO4-WS-004", "EIO4-PKT-004", "EIO4-PKT-006"],
        features: &[],
        run: case_fn!(empty_text_frame),
    },
    Case {
        id: "EIO4-WS-005/fragmented-message",
        title: "a message sent in two fragments (`4`, `0`) is decoded whole",
        requirements: &["EIO4-WS-005"],
        features: &[],
        run: case_fn!(fragmented_message),
    },
    Case {
        id: "EIO4-WS-007/close-code-parse-error",
        title: "the close code the server uses after a parse error (informational)",
        requirements: &["EIO4-WS-007", "EIO4-PKT-005", "EIO4-PKT-006"],
        features: &[],
        run: case_fn!(close_code_parse_error),
    },
];

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Opens a session with `query` and joins `/`; an ERROR verdict when that fails.
async fn open_joined(ctx: &Ctx, query: &str) -> Result<EngineWs, Verdict> {
    let mut ws = EngineWs::open_query(ctx, query)
        .await
        .map_err(|e| Verdict::error(format!("could not open a WebSocket session: {e}")))?;
    if let Err(e) = ws.join_and_auth(ctx).await {
        ws.close().await;
        return Err(Verdict::error(e));
    }
    Ok(ws)
}

const WS_QUERY: &str = "EIO=4&transport=websocket";

/// The Engine.IO text (with its `4`) of a Socket.IO text packet.
fn wire(sio_text: &str) -> String {
    format!("4{sio_text}")
}

/// Reads `n` frames (pings answered), or stops at the end of the connection / the deadline.
async fn read_frames(ctx: &Ctx, ws: &mut EngineWs, n: usize) -> (Vec<WsEvent>, Option<String>) {
    let deadline = tokio::time::Instant::now() + ctx.quick();
    let mut frames = Vec::new();
    for _ in 0..n {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_frame(left).await {
            Ok(event) => {
                let closed = event.is_closed();
                frames.push(event);
                if closed {
                    break;
                }
            }
            Err(e) => return (frames, Some(e)),
        }
    }
    (frames, None)
}

fn describe_all(frames: &[WsEvent], error: &Option<String>) -> String {
    let mut all: Vec<String> = frames.iter().map(describe_frame).collect();
    if let Some(e) = error {
        all.push(e.clone());
    }
    format!("[{}]", all.join(", "))
}

// ---------------------------------------------------------------------------------------------

async fn text_frames(ctx: Ctx) -> Verdict {
    let words = ["one", "two"];
    let sent: Vec<String> = words
        .iter()
        .map(|w| event_message(&event_args("message", &[Value::String((*w).into())]), None).0)
        .collect();
    let echoes: Vec<WsEvent> = words
        .iter()
        .map(|w| {
            WsEvent::Text(wire(
                &event_message(
                    &event_args("message-back", &[Value::String((*w).into())]),
                    None,
                )
                .0,
            ))
        })
        .collect();
    let expected = format!(
        "after two `message` events, two text frames, one packet each: {}",
        describe_all(&echoes, &None)
    );
    let mut ws = match open_joined(&ctx, WS_QUERY).await {
        Ok(ws) => ws,
        Err(v) => return v,
    };
    for text in &sent {
        if let Err(e) = ws.send(&Packet::message(text)).await {
            ws.close().await;
            return Verdict::error(e);
        }
    }
    let (frames, error) = read_frames(&ctx, &mut ws, echoes.len()).await;
    let verdict = Verdict::check(frames == echoes, expected, describe_all(&frames, &error));
    ws.close().await;
    verdict
}

async fn noop_and_stray_upgrade_ignored(ctx: Ctx) -> Verdict {
    let (sent, _) = event_message(
        &event_args("message", &[Value::String("after-6-and-5".into())]),
        None,
    );
    let (echo, _) = event_message(
        &event_args("message-back", &[Value::String("after-6-and-5".into())]),
        None,
    );
    let want = WsEvent::Text(wire(&echo));
    let expected = format!(
        "after `6` and `5`, the session still echoes: {}",
        describe_all(std::slice::from_ref(&want), &None)
    );
    let mut ws = match open_joined(&ctx, WS_QUERY).await {
        Ok(ws) => ws,
        Err(v) => return v,
    };
    for packet in [Packet::noop(), Packet::upgrade(), Packet::message(&sent)] {
        if let Err(e) = ws.send(&packet).await {
            // Sending fails once the server has closed the connection: that close is its answer.
            ws.close().await;
            return Verdict::fail(
                expected,
                format!(
                    "the connection was closed before `{}` could be sent: {e}",
                    packet.kind.name()
                ),
            );
        }
    }
    let (frames, error) = read_frames(&ctx, &mut ws, 1).await;
    let verdict = Verdict::check(frames == [want], expected, describe_all(&frames, &error));
    ws.close().await;
    verdict
}

/// Sends a binary `message` with `bytes` (the attachment as a binary frame, or as a `b<base64>`
/// text frame when `attachment_as_text`) and checks that the echo is the header text frame
/// followed by `echo_attachment`.
async fn binary_echo_case(
    ctx: &Ctx,
    query: &str,
    bytes: &[u8],
    attachment_as_text: bool,
    echo_attachment: WsEvent,
    expected: &str,
) -> Verdict {
    let (text, attachments) = event_message(
        &event_args("message", &[Value::Binary(bytes.to_vec())]),
        None,
    );
    let (echo_text, _) = event_message(
        &event_args("message-back", &[Value::Binary(bytes.to_vec())]),
        None,
    );
    let echoes = vec![WsEvent::Text(wire(&echo_text)), echo_attachment];
    let mut ws = match open_joined(ctx, query).await {
        Ok(ws) => ws,
        Err(v) => return v,
    };
    let mut sent = ws.send(&Packet::message(&text)).await;
    for a in &attachments {
        if sent.is_err() {
            break;
        }
        sent = if attachment_as_text {
            // The `b<base64>` text form, encoded by the codec, sent as a text frame.
            let mut b64 = String::new();
            Packet::binary(a).encode_text(ProtocolVersion::V4, &mut b64);
            ws.send_raw_text(&b64).await
        } else {
            ws.send(&Packet::binary(a)).await
        };
    }
    if let Err(e) = sent {
        ws.close().await;
        return Verdict::error(e);
    }
    let (frames, error) = read_frames(ctx, &mut ws, echoes.len()).await;
    let verdict = Verdict::check(frames == echoes, expected, describe_all(&frames, &error));
    ws.close().await;
    verdict
}

async fn binary_frames(ctx: Ctx) -> Verdict {
    binary_echo_case(
        &ctx,
        WS_QUERY,
        &[1, 2, 3],
        false,
        WsEvent::Binary(vec![1, 2, 3]),
        "the echo's header as a text frame, then a binary frame of exactly <01 02 03> (no type byte)",
    )
    .await
}

async fn base64_text_accepted(ctx: Ctx) -> Verdict {
    binary_echo_case(
        &ctx,
        WS_QUERY,
        &[1, 2, 3],
        true,
        WsEvent::Binary(vec![1, 2, 3]),
        "the attachment sent as the text frame `bAQID` is taken as <01 02 03>: the echo is the \
         header text frame, then the binary frame <01 02 03>",
    )
    .await
}

async fn b64_binary_as_text(ctx: Ctx) -> Verdict {
    binary_echo_case(
        &ctx,
        "EIO=4&transport=websocket&b64=1",
        &[1, 2, 3],
        false,
        WsEvent::Text("bAQID".to_owned()),
        "on a `b64=1` WebSocket the echo is the header text frame, then the text frame `bAQID`",
    )
    .await
}

/// Waits for the end of the connection (pings answered); `Ok(code)` or `Err(what came)`.
async fn wait_closed(ctx: &Ctx, ws: &mut EngineWs) -> Result<Option<u16>, String> {
    let deadline = tokio::time::Instant::now() + ctx.quick();
    let mut seen = Vec::new();
    for _ in 0..100 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_frame(left).await {
            Ok(event @ WsEvent::Closed { .. }) => return Ok(event.browser_close_code()),
            Ok(other) => seen.push(describe_frame(&other)),
            // Anything but the deadline is the connection ending without a close frame.
            Err(e) if connection_ended(&e) => return Ok(None),
            Err(e) => {
                seen.push(e);
                break;
            }
        }
    }
    Err(format!("not closed: [{}]", seen.join(", ")))
}

async fn empty_text_frame(ctx: Ctx) -> Verdict {
    let expected = format!(
        "the server closes the WebSocket within {} ms of an empty text frame",
        ctx.quick().as_millis()
    );
    let mut ws = match EngineWs::open_query(&ctx, WS_QUERY).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    // Malformed on purpose: an empty text frame is not a packet.
    if let Err(e) = ws.send_raw_text("").await {
        ws.close().await;
        return Verdict::error(e);
    }
    let verdict = match wait_closed(&ctx, &mut ws).await {
        Ok(code) => Verdict::pass(
            expected,
            format!(
                "closed (code {})",
                code.map_or("none".to_owned(), |c| c.to_string())
            ),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    ws.close().await;
    verdict
}

async fn fragmented_message(ctx: Ctx) -> Verdict {
    let expected = "the CONNECT `40` sent as a text fragment `4` and a continuation `0` is answered \
                    with `40{…}`";
    let mut ws = match EngineWs::open_query(&ctx, WS_QUERY).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    let connect = connect_text();
    let whole = wire(&connect);
    let (head, tail) = whole.split_at(1);
    let first = Frame::message(head.as_bytes().to_vec(), OpCode::Data(Data::Text), false);
    let second = Frame::message(tail.as_bytes().to_vec(), OpCode::Data(Data::Continue), true);
    let mut sent = ws.ws.send_message(Message::Frame(first)).await;
    if sent.is_ok() {
        sent = ws.ws.send_message(Message::Frame(second)).await;
    }
    if let Err(e) = sent {
        ws.close().await;
        return Verdict::error(format!("could not send the fragments: {e}"));
    }
    let verdict = match ws.next_connect_answer(ctx.quick()).await {
        Ok(WsEvent::Text(t)) if t.starts_with("40{") => {
            Verdict::pass(expected, format!("text frame {}", show_body(t.as_bytes())))
        }
        Ok(other) => Verdict::fail(expected, describe_frame(&other)),
        Err(e) => Verdict::fail(expected, e),
    };
    ws.close().await;
    verdict
}

async fn close_code_parse_error(ctx: Ctx) -> Verdict {
    let expected = "the WebSocket is closed after the undecodable packet `x` (any close code; the \
                    reference sends a close frame without a code: 1005)";
    let mut ws = match EngineWs::open_query(&ctx, WS_QUERY).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    // Malformed on purpose: `x` is not a packet type.
    if let Err(e) = ws.send_raw_text("x").await {
        ws.close().await;
        return Verdict::error(e);
    }
    let verdict = match wait_closed(&ctx, &mut ws).await {
        Ok(code) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "closed with code {}",
                code.map_or("none".to_owned(), |c| c.to_string())
            ),
        ),
        Err(seen) => Verdict::fail(expected, seen),
    };
    ws.close().await;
    verdict
}
