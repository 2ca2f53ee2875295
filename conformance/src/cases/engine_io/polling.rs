//! HTTP long-polling (spec/engine-io-v4.md, POLL and PAY).
//!
//! At the Engine.IO level the testee is a Socket.IO server, so these cases make the server send
//! something with Socket.IO packets: a CONNECT `0` is answered with `0{"sid":…}`, and the event
//! `message` is echoed as `message-back` (testee contract CORE-003). Every byte is encoded by the
//! codec, except where a case sends a malformed payload on purpose (said at the spot).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use socketio_codec::engine_io::{ErrorBody, Packet, PacketType, payload};
use socketio_codec::socket_io::Value;

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EnginePolling, connect_text, decode_body_shown, event_args, event_message, is_text_starting,
    show_body, show_packets,
};
use crate::ctx::Ctx;
use crate::transport::{HttpResponse, PendingRequest, RawEnd, TransportError, raw_exchange};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-POLL-011/post-ok",
        title: "an accepted POST is answered 200 with the body `ok`",
        requirements: &["EIO4-POLL-011"],
        features: &[],
        run: case_fn!(post_ok),
    },
    Case {
        id: "EIO4-POLL-003/parked-get-released",
        title: "a GET is held while nothing is buffered and released when the server sends",
        requirements: &["EIO4-POLL-003", "EIO4-POLL-002"],
        features: &[],
        run: case_fn!(parked_get_released),
    },
    // interop-bugs #17: a batched polling response without its `\x1e` separators.
    Case {
        id: "EIO4-POLL-004/batched-in-order",
        title: "three echoes buffered for the session come back in one GET, joined by \\x1e, in order",
        requirements: &["EIO4-POLL-004", "EIO4-PAY-001", "EIO4-PAY-003"],
        features: &["core"],
        run: case_fn!(batched_in_order),
    },
    // interop-bugs #1: a binary event to a parked GET lost its `\x1e` before the attachment.
    Case {
        id: "EIO4-POLL-004/binary-to-parked-get",
        title: "a binary event sent to a parked GET arrives as its header then `b…`, each body valid",
        requirements: &[
            "EIO4-POLL-004",
            "EIO4-PAY-001",
            "EIO4-PAY-002",
            "EIO4-PKT-008",
        ],
        features: &["core"],
        run: case_fn!(binary_to_parked_get),
    },
    Case {
        id: "EIO4-PAY-002/binary-base64-polling",
        title: "binary travels as `b<base64>` with `=` padding in both polling directions",
        requirements: &["EIO4-PAY-002", "EIO4-PKT-008", "EIO4-PKT-009"],
        features: &["core"],
        run: case_fn!(binary_base64),
    },
    Case {
        id: "EIO4-POLL-007/duplicate-get",
        title: "a second GET while one is pending closes the session; the first GET gets `1`",
        requirements: &["EIO4-POLL-007", "EIO4-POLL-008", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(duplicate_get),
    },
    Case {
        id: "EIO4-POLL-010/duplicate-post",
        title: "a second POST while one is in flight closes the session",
        requirements: &["EIO4-POLL-010", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(duplicate_post),
    },
    Case {
        id: "EIO4-POLL-013/close-packet-releases-get",
        title: "POST `1` closes the session at once and a pending GET gets `6`",
        requirements: &["EIO4-POLL-013", "EIO4-POLL-012", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(close_packet_releases_get),
    },
    Case {
        id: "EIO4-POLL-009/aborted-get",
        title: "aborting a pending GET closes the session",
        requirements: &["EIO4-POLL-009", "EIO4-CLOSE-008"],
        features: &[],
        run: case_fn!(aborted_get),
    },
    Case {
        id: "EIO4-PAY-004/empty-piece",
        title: "a POST payload with an empty piece (`6\\x1e\\x1e6`) closes the session",
        requirements: &["EIO4-PAY-004", "EIO4-PAY-005", "EIO4-POLL-016"],
        features: &[],
        run: case_fn!(empty_piece),
    },
    Case {
        id: "EIO4-POLL-016/invalid-packet",
        title: "a POST payload with an undecodable packet closes the session",
        requirements: &[
            "EIO4-POLL-016",
            "EIO4-PAY-005",
            "EIO4-PKT-005",
            "EIO4-PKT-006",
        ],
        features: &[],
        run: case_fn!(invalid_packet),
    },
    Case {
        id: "EIO4-PAY-007/octet-stream-post",
        title: "a v4 POST declared application/octet-stream: closed like the reference, or read as text",
        requirements: &["EIO4-PAY-007", "EIO4-ERR-010"],
        features: &[],
        run: case_fn!(octet_stream_post),
    },
    Case {
        id: "EIO4-POLL-015/other-method-with-sid",
        title: "a PUT with a valid sid is refused but the session survives",
        requirements: &["EIO4-POLL-015", "EIO4-ERR-010"],
        features: &[],
        run: case_fn!(other_method_with_sid),
    },
];

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Engine.IO packets of one Socket.IO event and its attachments.
fn event_packets<'a>(text: &'a str, attachments: &'a [Vec<u8>]) -> Vec<Packet<'a>> {
    let mut packets = vec![Packet::message(text)];
    packets.extend(attachments.iter().map(|a| Packet::binary(a)));
    packets
}

/// The long-poll bound for a GET that may be held until the next ping.
fn long_poll(ctx: &Ctx) -> Duration {
    ctx.heartbeat_window() + ctx.quick()
}

/// Whether the session is gone: the next GET gets 400 with code 1, or the close packet `1`.
/// `(gone, what the GET got)`.
async fn session_gone(ctx: &Ctx, p: &EnginePolling) -> (bool, String) {
    match p.http.get(&p.query(), ctx.quick()).await {
        Ok(r) if r.status == 400 => {
            let body = String::from_utf8_lossy(&r.body).into_owned();
            let code1 = ErrorBody::decode(&body).is_ok_and(|b| b.code == 1);
            (code1, format!("next GET: HTTP 400 {body:?}"))
        }
        Ok(r) if r.status == 200 => {
            let text = String::from_utf8_lossy(&r.body).into_owned();
            let closed =
                payload::decode_v4(&text).any(|p| p.is_ok_and(|p| p.kind == PacketType::Close));
            (closed, format!("next GET: HTTP 200 {}", show_body(&r.body)))
        }
        Ok(r) => (
            false,
            format!("next GET: HTTP {} {}", r.status, show_body(&r.body)),
        ),
        Err(e) if e.is_timeout() => (
            false,
            format!(
                "next GET held for {} ms (session still open)",
                ctx.quick().as_millis()
            ),
        ),
        Err(e) => (false, format!("next GET failed: {e}")),
    }
}

/// A GET still pending after `hold`. A GET released early by pings alone (engineioxide answers the
/// first GET at once with the first ping) is legitimate: the pings are answered and a new GET is
/// parked at once, so `hold` starts just after a ping and ends before the next one is due. `Err`
/// says what released a GET otherwise.
async fn park(ctx: &Ctx, p: &EnginePolling, hold: Duration) -> Result<PendingRequest, String> {
    for _ in 0..3 {
        let mut get = p.spawn_get(long_poll(ctx));
        let started = Instant::now();
        // Polls the GET every few ms until `hold` has passed (bounded by `hold`).
        while started.elapsed() < hold && !get.is_finished() {
            tokio::time::sleep(Duration::from_millis(5).min(hold)).await;
        }
        if !get.is_finished() {
            return Ok(get);
        }
        let response = get
            .wait(ctx.quick())
            .await
            .map_err(|e| format!("the GET failed: {e}"))?;
        let packets = decode_body_shown(&response).unwrap_or_default();
        if response.status == 200
            && !packets.is_empty()
            && packets.iter().all(|p| p.kind == PacketType::Ping)
        {
            ctx.transcript
                .note("the parked GET was released by a ping: pong, then park again");
            let _ = p.post(&[Packet::pong()]).await;
            continue;
        }
        return Err(format!(
            "the GET was answered after {} ms, before anything was sent: HTTP {} {}",
            started.elapsed().as_millis(),
            response.status,
            show_body(&response.body)
        ));
    }
    Err("every parked GET was released by a ping".to_owned())
}

async fn open(ctx: &Ctx) -> Result<EnginePolling, Verdict> {
    EnginePolling::open(ctx)
        .await
        .map_err(|e| Verdict::error(format!("could not open a polling session: {e}")))
}

// ---------------------------------------------------------------------------------------------

async fn post_ok(ctx: Ctx) -> Verdict {
    let expected = "HTTP 200 with the body `ok` (Content-Type informational)";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let connect = connect_text();
    let verdict = match p.post(&[Packet::message(&connect)]).await {
        Ok(r) => Verdict::check(
            r.status == 200 && r.body.as_ref() == b"ok",
            expected,
            format!(
                "HTTP {} {} (Content-Type {:?})",
                r.status,
                show_body(&r.body),
                r.content_type().unwrap_or("none")
            ),
        ),
        Err(e) => Verdict::fail(expected, e),
    };
    p.close().await;
    verdict
}

async fn parked_get_released(ctx: Ctx) -> Verdict {
    // Half the ping interval (so no ping is due yet), at most half the quick deadline.
    let hold = (ctx.params.ping_interval / 2).min(ctx.quick() / 2);
    let expected = format!(
        "a GET sent while nothing is buffered is still pending after {} ms (before any \
         ping is due), and is released by the CONNECT answer `40{{…}}` once `40` is POSTed",
        hold.as_millis()
    );
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let mut get = match park(&ctx, &p, hold).await {
        Ok(get) => get,
        Err(seen) => {
            p.close().await;
            return Verdict::fail(expected, seen);
        }
    };
    let connect = connect_text();
    let posted = Instant::now();
    match p.post(&[Packet::message(&connect)]).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            p.close().await;
            return Verdict::fail(
                expected,
                format!("the POST beside the pending GET answered HTTP {}", r.status),
            );
        }
        Err(e) => {
            p.close().await;
            return Verdict::fail(expected, e);
        }
    }
    let verdict = match get.wait(ctx.quick()).await {
        Ok(r) => {
            let packets = decode_body_shown(&r).unwrap_or_default();
            let ok = r.status == 200 && packets.iter().any(|p| is_text_starting(p, "0{"));
            Verdict::check(
                ok,
                expected,
                format!(
                    "held ≥ {} ms, then released {} ms after the POST with HTTP {} {}",
                    hold.as_millis(),
                    posted.elapsed().as_millis(),
                    r.status,
                    show_body(&r.body)
                ),
            )
        }
        Err(e) => Verdict::fail(
            expected,
            format!("the pending GET was not released after the POST: {e}"),
        ),
    };
    p.close().await;
    verdict
}

async fn batched_in_order(ctx: Ctx) -> Verdict {
    let words = ["one", "two", "three"];
    let sent: Vec<String> = words
        .iter()
        .map(|w| event_message(&event_args("message", &[Value::String((*w).into())]), None).0)
        .collect();
    let echoes: Vec<String> = words
        .iter()
        .map(|w| {
            event_message(
                &event_args("message-back", &[Value::String((*w).into())]),
                None,
            )
            .0
        })
        .collect();
    let expected_packets: Vec<Packet<'_>> = echoes.iter().map(|t| Packet::message(t)).collect();
    let expected = format!(
        "after one POST of three `message` events, one GET answering {} (pings aside)",
        show_packets(&expected_packets)
    );
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    if let Err(e) = p.join_and_auth(&ctx).await {
        p.close().await;
        return Verdict::error(e);
    }
    let packets: Vec<Packet<'_>> = sent.iter().map(|t| Packet::message(t)).collect();
    match p.post(&packets).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            p.close().await;
            return Verdict::fail(expected, format!("the POST answered HTTP {}", r.status));
        }
        Err(e) => {
            p.close().await;
            return Verdict::fail(expected, e);
        }
    }
    // Let the three echoes reach the session buffer before the GET arrives.
    tokio::time::sleep(ctx.tolerance()).await;
    let verdict = match p.next_body(ctx.quick()).await {
        Ok((got, body)) => Verdict::check(
            got == expected_packets,
            expected,
            format!("the first GET with data: {}", show_body(&body)),
        ),
        Err(e) => Verdict::fail(expected, e),
    };
    p.close().await;
    verdict
}

/// The expected echo of a binary `message` with `bytes`: header text and attachment.
fn binary_echo(bytes: &[u8]) -> (String, Vec<Vec<u8>>) {
    event_message(
        &event_args("message-back", &[Value::Binary(bytes.to_vec())]),
        None,
    )
}

async fn binary_to_parked_get(ctx: Ctx) -> Verdict {
    let bytes = [1u8, 2, 3];
    let (sent_text, sent_att) = event_message(
        &event_args("message", &[Value::Binary(bytes.to_vec())]),
        None,
    );
    let (echo_text, echo_att) = binary_echo(&bytes);
    let expected_packets = event_packets(&echo_text, &echo_att);
    let mut wire = String::new();
    payload::encode_v4(&expected_packets, &mut wire);
    let expected = format!(
        "the parked GET and any GETs after it deliver exactly the header then the attachment \
         `bAQID`, in order, each body a valid payload (batched: {}; the reference splits them \
         over two GETs)",
        show_body(wire.as_bytes())
    );
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    if let Err(e) = p.join_and_auth(&ctx).await {
        p.close().await;
        return Verdict::error(e);
    }
    let get = p.spawn_get(long_poll(&ctx));
    // Give the GET time to be parked on the server before the event is sent.
    tokio::time::sleep(ctx.tolerance() / 2).await;
    let was_parked = !get.is_finished();
    if !was_parked {
        ctx.transcript
            .note("the GET was answered before the POST (a ping?): the case still checks the body");
    }
    match p.post(&event_packets(&sent_text, &sent_att)).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            p.close().await;
            return Verdict::fail(expected, format!("the POST answered HTTP {}", r.status));
        }
        Err(e) => {
            p.close().await;
            return Verdict::fail(expected, e);
        }
    }
    // The parked GET's answer, then further GETs until both packets came (pings answered).
    let mut bodies: Vec<String> = Vec::new();
    let mut got: Vec<Packet<'static>> = Vec::new();
    let mut failure = None;
    let mut pending = Some(get);
    let deadline = tokio::time::Instant::now() + ctx.quick();
    for _ in 0..10 {
        if got.len() >= expected_packets.len() {
            break;
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let response = match pending.take() {
            Some(mut get) => get.wait(left).await,
            None => p.http.get(&p.query(), left).await,
        };
        match response {
            Ok(r) if r.status == 200 => {
                bodies.push(show_body(&r.body));
                match decode_body_shown(&r) {
                    Ok(packets) => {
                        if packets.iter().any(|p| p.kind == PacketType::Ping) {
                            let _ = p.post(&[Packet::pong()]).await;
                        }
                        got.extend(packets.into_iter().filter(|p| p.kind != PacketType::Ping));
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            Ok(r) => {
                failure = Some(format!(
                    "GET answered HTTP {} {}",
                    r.status,
                    show_body(&r.body)
                ));
                break;
            }
            Err(e) => {
                failure = Some(format!("GET failed: {e}"));
                break;
            }
        }
    }
    let seen = format!(
        "GET bodies{}: [{}]",
        if was_parked {
            " (the first was parked before the POST)"
        } else {
            ""
        },
        bodies.join(", ")
    );
    let verdict = match failure {
        Some(e) => Verdict::fail(expected, format!("{e}; {seen}")),
        None => Verdict::check(got == expected_packets, expected, seen),
    };
    p.close().await;
    verdict
}

async fn binary_base64(ctx: Ctx) -> Verdict {
    // 01 02 03 04 needs `==` padding: AQIDBA==.
    let bytes = [1u8, 2, 3, 4];
    let (sent_text, sent_att) = event_message(
        &event_args("message", &[Value::Binary(bytes.to_vec())]),
        None,
    );
    let (echo_text, echo_att) = binary_echo(&bytes);
    let expected_packets = event_packets(&echo_text, &echo_att);
    let expected = format!(
        "a GET body holding the header then `bAQIDBA==` (the POST carried it as `bAQIDBA==` too): {}",
        show_packets(&expected_packets)
    );
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    if let Err(e) = p.join_and_auth(&ctx).await {
        p.close().await;
        return Verdict::error(e);
    }
    match p.post(&event_packets(&sent_text, &sent_att)).await {
        Ok(r) if r.status == 200 => {}
        Ok(r) => {
            p.close().await;
            return Verdict::fail(expected, format!("the POST answered HTTP {}", r.status));
        }
        Err(e) => {
            p.close().await;
            return Verdict::fail(expected, e);
        }
    }
    tokio::time::sleep(ctx.tolerance()).await;
    let verdict = match p.next_body(ctx.quick()).await {
        Ok((got, body)) => {
            let text = String::from_utf8_lossy(&body);
            let ok = got == expected_packets && text.contains("\u{1e}bAQIDBA==");
            Verdict::check(ok, expected, format!("GET answered {}", show_body(&body)))
        }
        Err(e) => Verdict::fail(expected, e),
    };
    p.close().await;
    verdict
}

async fn duplicate_get(ctx: Ctx) -> Verdict {
    let expected = "one GET gets HTTP 400 (or 500 before engine.io 6.5), the other gets the close \
                    packet `1`, and the next GET gets 400 with code 1";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let mut first = p.spawn_get(long_poll(&ctx));
    // Let the first GET be parked on the server before the second arrives.
    tokio::time::sleep(ctx.tolerance() / 2).await;
    if first.is_finished() {
        ctx.transcript
            .note("the first GET was answered before the second was sent");
    }
    let second = p.http.get(&p.query(), ctx.quick()).await;
    let first = first.wait(ctx.quick()).await;
    let describe = |r: &Result<HttpResponse, TransportError>| match r {
        Ok(r) => format!("HTTP {} {}", r.status, show_body(&r.body)),
        Err(e) => format!("failed: {e}"),
    };
    let refused = |r: &Result<HttpResponse, TransportError>| matches!(r, Ok(r) if r.status == 400 || r.status == 500);
    let got_close = |r: &Result<HttpResponse, TransportError>| {
        matches!(r, Ok(r) if r.status == 200
            && decode_body_shown(r)
                .is_ok_and(|ps| ps.iter().any(|p| p.kind == PacketType::Close)))
    };
    let pair_ok =
        (refused(&second) && got_close(&first)) || (refused(&first) && got_close(&second));
    let (gone, next) = session_gone(&ctx, &p).await;
    Verdict::check(
        pair_ok && gone,
        expected,
        format!(
            "first GET: {}; second GET: {}; {next}",
            describe(&first),
            describe(&second)
        ),
    )
}

async fn duplicate_post(ctx: Ctx) -> Verdict {
    let expected = "while a POST is in flight (its body only half sent), a second POST gets HTTP \
                    400 (or 500 before engine.io 6.5) and the session closes (next GET: 400 code 1 \
                    or the close packet)";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    // The first POST announces 20 bytes and sends 1 (`6`), so it stays in flight: sent raw on
    // purpose, through a raw exchange kept open in the background.
    let target = ctx.connector.target();
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain;charset=UTF-8\r\n\
         Content-Length: 20\r\n\r\n6",
        target.http_path(&p.query()),
        target.authority()
    );
    let connector = ctx.connector.clone();
    let transcript = ctx.transcript.clone();
    let hold = ctx.quick();
    let first = tokio::spawn(async move {
        raw_exchange(&connector, &transcript, request.as_bytes(), hold).await
    });
    tokio::time::sleep(ctx.tolerance() / 2).await;
    let noop = Packet::noop();
    let second = p.post(&[noop]).await;
    let second_seen = match &second {
        Ok(r) => format!("second POST: HTTP {} {}", r.status, show_body(&r.body)),
        Err(e) => format!("second POST {e}"),
    };
    let refused = matches!(&second, Ok(r) if r.status == 400 || r.status == 500);
    let (gone, next) = session_gone(&ctx, &p).await;
    // What happened to the first POST (informational): the reference destroys its connection.
    let first_seen = if first.is_finished() {
        match first.await {
            Ok(Ok(raw)) => match raw.end {
                RawEnd::Eof | RawEnd::Error(_) => format!(
                    "first POST: connection ended ({} bytes: {})",
                    raw.bytes.len(),
                    show_body(&raw.bytes)
                ),
                other => format!("first POST: {other:?}"),
            },
            Ok(Err(e)) => format!("first POST failed: {e}"),
            Err(e) => format!("first POST task: {e}"),
        }
    } else {
        first.abort();
        "first POST: still open".to_owned()
    };
    let verdict = if refused && gone {
        Verdict::pass(expected, format!("{second_seen}; {next}; {first_seen}"))
    } else {
        Verdict::fail(expected, format!("{second_seen}; {next}; {first_seen}"))
    };
    if !gone {
        p.close().await;
    }
    verdict
}

async fn close_packet_releases_get(ctx: Ctx) -> Verdict {
    let expected = "after POST `1`, the pending GET gets the noop `6` and the next GET gets 400 \
                    with code 1";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let mut get = p.spawn_get(long_poll(&ctx));
    tokio::time::sleep(ctx.tolerance() / 2).await;
    let post = p.post(&[Packet::close()]).await;
    let post_seen = match &post {
        Ok(r) => format!("POST `1`: HTTP {} {}", r.status, show_body(&r.body)),
        Err(e) => format!("POST `1` {e}"),
    };
    let (noop, get_seen) = match get.wait(ctx.quick()).await {
        Ok(r) => {
            let packets = decode_body_shown(&r).unwrap_or_default();
            let noop = r.status == 200
                && packets.iter().any(|p| p.kind == PacketType::Noop)
                && packets
                    .iter()
                    .all(|p| matches!(p.kind, PacketType::Noop | PacketType::Ping));
            (
                noop,
                format!("pending GET: HTTP {} {}", r.status, show_body(&r.body)),
            )
        }
        Err(e) => (false, format!("pending GET: {e}")),
    };
    let (gone, next) = session_gone(&ctx, &p).await;
    // The close packet must close at once: a `1` answer on the next GET means a deferred close.
    let immediate = next.contains("HTTP 400");
    Verdict::check(
        noop && gone && immediate,
        expected,
        format!("{post_seen}; {get_seen}; {next}"),
    )
}

async fn aborted_get(ctx: Ctx) -> Verdict {
    let expected = "after the client aborts a pending GET, the next GET gets 400 with code 1";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let get = match park(&ctx, &p, ctx.tolerance() / 2).await {
        Ok(get) => get,
        Err(seen) => {
            p.close().await;
            return Verdict::error(format!("could not park a GET to abort: {seen}"));
        }
    };
    if !get.abort().await {
        p.close().await;
        return Verdict::error("the GET had already finished: nothing to abort");
    }
    // Let the server notice the closed connection.
    tokio::time::sleep(ctx.tolerance()).await;
    let (gone, next) = session_gone(&ctx, &p).await;
    let verdict = Verdict::check(gone, expected, next);
    if !gone {
        p.close().await;
    }
    verdict
}

async fn expect_closed_after_post(ctx: &Ctx, body: &str, expected: &str) -> Verdict {
    let p = match open(ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let post = p.post_raw(body).await;
    let post_seen = match &post {
        Ok(r) => format!(
            "POST {}: HTTP {} {}",
            show_body(body.as_bytes()),
            r.status,
            show_body(&r.body)
        ),
        Err(e) => format!("POST {}: {e}", show_body(body.as_bytes())),
    };
    tokio::time::sleep(ctx.tolerance() / 2).await;
    let (gone, next) = session_gone(ctx, &p).await;
    if !gone {
        p.close().await;
    }
    Verdict::check(gone, expected, format!("{post_seen}; {next}"))
}

async fn empty_piece(ctx: Ctx) -> Verdict {
    // Malformed on purpose: two noops around an empty piece.
    expect_closed_after_post(
        &ctx,
        "6\u{1e}\u{1e}6",
        "any answer to the POST, then the session is closed (next GET: 400 code 1 or `1`)",
    )
    .await
}

async fn invalid_packet(ctx: Ctx) -> Verdict {
    // Malformed on purpose: a noop, then a piece whose type character is not 0-6 or `b`.
    expect_closed_after_post(
        &ctx,
        "6\u{1e}x",
        "any answer to the POST, then the session is closed (next GET: 400 code 1 or `1`)",
    )
    .await
}

async fn octet_stream_post(ctx: Ctx) -> Verdict {
    let expected = "either the session is closed (the reference: 400 with an empty body since \
                    engine.io 6.6.7, no answer before) or the body `6` is read as text and the \
                    session stays open; the spec leaves the server's reaction open";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    // The content type is wrong for v4 on purpose (a client MUST NOT send it).
    let post = p
        .http
        .request(
            Method::POST,
            &p.query(),
            &[("content-type", "application/octet-stream")],
            Bytes::from_static(b"6"),
            ctx.quick(),
        )
        .await;
    let post_seen = match &post {
        Ok(r) => format!("POST: HTTP {} {}", r.status, show_body(&r.body)),
        Err(e) => format!("POST: {e}"),
    };
    let state = p.alive_by_connect(&ctx).await;
    let seen = match &state {
        Ok(alive) => format!("{post_seen}; {alive}"),
        Err(closed) => format!("{post_seen}; session closed: {closed}"),
    };
    if state.is_ok() {
        p.close().await;
    }
    Verdict::new(Grade::Informational, expected, seen)
}

async fn other_method_with_sid(ctx: Ctx) -> Verdict {
    let expected = "any refusal of the PUT (the reference: 500, empty body), and the session \
                    stays open";
    let p = match open(&ctx).await {
        Ok(p) => p,
        Err(v) => return v,
    };
    let put = p
        .http
        .request(Method::PUT, &p.query(), &[], Bytes::new(), ctx.quick())
        .await;
    let put_seen = match &put {
        Ok(r) => format!("PUT: HTTP {} {}", r.status, show_body(&r.body)),
        Err(e) => format!("PUT: {e}"),
    };
    let verdict = match p.alive_by_connect(&ctx).await {
        Ok(alive) => Verdict::pass(expected, format!("{put_seen}; {alive}")),
        Err(closed) => Verdict::fail(
            expected,
            format!("{put_seen}; session not usable: {closed}"),
        ),
    };
    p.close().await;
    verdict
}
