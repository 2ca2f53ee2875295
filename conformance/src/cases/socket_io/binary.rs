//! Binary attachments (spec/socket-io-v5.md, BIN and PKT-001; testee contract CORE), plus the
//! wire helpers the Socket.IO case files share: what the server sent, piece by piece, as the
//! transcript recorded it.

use socketio_codec::socket_io::{PacketType, Value};

use crate::case::{Case, Verdict, case_fn_on};
use crate::client::{SioConn, SioItem, Transport};
use crate::ctx::Ctx;
use crate::transport::transcript::BodyEncoding;
use crate::transport::{Direction, EntryKind};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "SIO5-BIN-005/one-two-ten-buffers-websocket",
        title: "events with 1, 2 and 10 buffers come back with every attachment (WebSocket)",
        requirements: &[
            "SIO5-BIN-005",
            "SIO5-BIN-001",
            "SIO5-BIN-017",
            "TESTEE1-CORE-003",
        ],
        features: &["core"],
        run: case_fn_on!(buffer_counts, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-005/one-two-ten-buffers-polling",
        title: "events with 1, 2 and 10 buffers come back with every attachment (polling)",
        requirements: &[
            "SIO5-BIN-005",
            "SIO5-BIN-001",
            "SIO5-BIN-017",
            "TESTEE1-CORE-003",
        ],
        features: &["core"],
        run: case_fn_on!(buffer_counts, Transport::Polling),
    },
    // interop-bugs #3: a placeholder nested in objects was not counted, the packet never completed.
    Case {
        id: "SIO5-BIN-013/nested-placeholders-websocket",
        title: "buffers nested in objects and arrays are reconstructed and echoed (WebSocket)",
        requirements: &["SIO5-BIN-013", "SIO5-BIN-017", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(nested_placeholders, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-013/nested-placeholders-polling",
        title: "buffers nested in objects and arrays are reconstructed and echoed (polling)",
        requirements: &["SIO5-BIN-013", "SIO5-BIN-017", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(nested_placeholders, Transport::Polling),
    },
    Case {
        id: "SIO5-BIN-001/binary-ack-websocket",
        title: "`message-with-ack` with buffers is answered with a BINARY_ACK (WebSocket)",
        requirements: &["SIO5-BIN-001", "SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(binary_ack, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-001/binary-ack-polling",
        title: "`message-with-ack` with buffers is answered with a BINARY_ACK (polling)",
        requirements: &["SIO5-BIN-001", "SIO5-ACK-002", "TESTEE1-CORE-004"],
        features: &["core"],
        run: case_fn_on!(binary_ack, Transport::Polling),
    },
    Case {
        id: "SIO5-BIN-005/attachments-as-binary-frames-websocket",
        title: "the echo's attachments follow the header as WebSocket binary frames",
        requirements: &[
            "SIO5-BIN-005",
            "SIO5-PKT-001",
            "SIO5-BIN-006",
            "EIO4-PKT-007",
        ],
        features: &["core"],
        run: case_fn_on!(attachments_on_wire, Transport::WebSocket),
    },
    // interop-bugs #15: binary prefix bugs per transport.
    Case {
        id: "SIO5-BIN-005/attachments-as-base64-polling",
        title: "the echo's attachments follow the header as `b<base64>` pieces of the polling payload",
        requirements: &[
            "SIO5-BIN-005",
            "SIO5-PKT-001",
            "SIO5-BIN-006",
            "EIO4-PAY-002",
            "EIO4-PKT-008",
        ],
        features: &["core"],
        run: case_fn_on!(attachments_on_wire, Transport::Polling),
    },
    Case {
        id: "SIO5-BIN-017/empty-buffer-websocket",
        title: "an empty buffer travels as an attachment and comes back empty (WebSocket)",
        requirements: &["SIO5-BIN-017", "SIO5-BIN-001", "TESTEE1-CORE-003"],
        features: &["core"],
        run: case_fn_on!(empty_buffer, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-017/empty-buffer-polling",
        title: "an empty buffer travels as an attachment (`b` alone) and comes back empty (polling)",
        requirements: &[
            "SIO5-BIN-017",
            "SIO5-BIN-001",
            "EIO4-PKT-008",
            "TESTEE1-CORE-003",
        ],
        features: &["core"],
        run: case_fn_on!(empty_buffer, Transport::Polling),
    },
    Case {
        id: "SIO5-BIN-003/placeholder-order-websocket",
        title: "the echo's header numbers its placeholders 0..n depth-first, `_placeholder` first \
                (WebSocket)",
        requirements: &[
            "SIO5-BIN-003",
            "SIO5-BIN-002",
            "SIO5-BIN-004",
            "SIO5-BIN-017",
        ],
        features: &["core"],
        run: case_fn_on!(placeholder_order, Transport::WebSocket),
    },
    Case {
        id: "SIO5-BIN-003/placeholder-order-polling",
        title: "the echo's header numbers its placeholders 0..n depth-first, `_placeholder` first \
                (polling)",
        requirements: &[
            "SIO5-BIN-003",
            "SIO5-BIN-002",
            "SIO5-BIN-004",
            "SIO5-BIN-017",
        ],
        features: &["core"],
        run: case_fn_on!(placeholder_order, Transport::Polling),
    },
];

/// One Engine.IO packet the server sent, as the transcript recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// A text packet (a WebSocket text frame, or one `\x1e`-separated piece of a polling body).
    Text(String),
    /// A WebSocket binary frame, as lowercase hex.
    BinaryHex(String),
}

/// Every Engine.IO packet received so far in this case's transcript, in arrival order (bodies
/// are kept up to the transcript's cut-off, so use this for small packets only).
pub(super) fn incoming_pieces(ctx: &Ctx) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for entry in ctx.transcript.entries() {
        if entry.direction != Direction::In {
            continue;
        }
        match entry.kind {
            EntryKind::WsText { body } => pieces.push(Piece::Text(body.data)),
            EntryKind::WsBinary { body } => pieces.push(Piece::BinaryHex(body.data)),
            // A POST's `ok` is no Engine.IO payload (and no GET body can be `ok`).
            EntryKind::HttpResponse { body, .. }
                if body.encoding == BodyEncoding::Text && body.data != "ok" =>
            {
                pieces.extend(body.data.split('\x1e').map(|p| Piece::Text(p.to_owned())));
            }
            _ => {}
        }
    }
    pieces
}

/// `[name, args…]` as one payload array.
pub(super) fn event(name: &str, args: &[Value]) -> Value {
    let mut all = vec![Value::String(name.to_owned())];
    all.extend_from_slice(args);
    Value::Array(all)
}

fn bin(bytes: &[u8]) -> Value {
    Value::Binary(bytes.to_vec())
}

/// Emits `message` with `args` and expects `message-back` with the same arguments.
async fn echo(conn: &mut SioConn, ctx: &Ctx, args: &[Value]) -> Result<(), String> {
    conn.emit("/", &event("message", args), None)?;
    let (got, _) = conn
        .expect_event("/", "message-back", ctx.quick() + ctx.quick())
        .await?;
    if got == args {
        Ok(())
    } else {
        Err(format!("`message-back` carried {got:?}"))
    }
}

/// Opens a connection on `/`, echoes `args`, closes it.
async fn echo_case(ctx: Ctx, transport: Transport, args: Vec<Value>) -> Verdict {
    let expected = format!("`message-back` with the same arguments {args:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let result = echo(&mut conn, &ctx, &args).await;
    conn.close();
    match result {
        Ok(()) => Verdict::pass(expected, "the same arguments came back"),
        Err(seen) => Verdict::fail(expected, seen),
    }
}

async fn buffer_counts(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "three `message-back` echoes carrying 1, 2 and 10 buffers, bytes and order kept";
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let mut seen = Vec::new();
    let mut ok = true;
    for n in [1u8, 2, 10] {
        // Distinct contents and lengths, so a swapped or reused attachment shows.
        let args: Vec<Value> = (0..n).map(|i| bin(&vec![i; usize::from(i) + 1])).collect();
        match echo(&mut conn, &ctx, &args).await {
            Ok(()) => seen.push(format!("{n} buffer(s): echoed")),
            Err(e) => {
                ok = false;
                seen.push(format!("{n} buffer(s): {e}"));
                break;
            }
        }
    }
    conn.close();
    Verdict::check(ok, expected, seen.join("; "))
}

async fn nested_placeholders(ctx: Ctx, transport: Transport) -> Verdict {
    let args = vec![
        Value::Object(vec![(
            "body".into(),
            Value::Object(vec![
                ("inner".into(), Value::Array(vec![bin(&[1]), Value::Null])),
                (
                    "deep".into(),
                    Value::Object(vec![("x".into(), bin(&[2, 2]))]),
                ),
            ]),
        )]),
        Value::Array(vec![Value::Array(vec![bin(&[3, 3, 3])]), Value::Bool(true)]),
    ];
    echo_case(ctx, transport, args).await
}

async fn empty_buffer(ctx: Ctx, transport: Transport) -> Verdict {
    echo_case(
        ctx,
        transport,
        vec![bin(&[]), Value::String("after".into()), bin(&[7])],
    )
    .await
}

async fn binary_ack(ctx: Ctx, transport: Transport) -> Verdict {
    let args = vec![
        bin(&[0xde, 0xad]),
        Value::Object(vec![("b".into(), bin(&[0xbe, 0xef]))]),
    ];
    let expected = format!("a BINARY_ACK (type 6) with id 5 on / carrying {args:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.emit("/", &event("message-with-ack", &args), Some(5)) {
        return Verdict::error(e);
    }
    let result = conn
        .expect("ACK 5 on /", ctx.quick(), |i| {
            i.namespace() == Some("/") && i.ack().is_some_and(|(id, _)| id == 5)
        })
        .await;
    conn.close();
    match result {
        Ok(item) => {
            let is_binary_ack =
                matches!(&item, SioItem::Binary(b) if b.kind == PacketType::BinaryAck);
            let same = item.ack().is_some_and(|(_, got)| got == args);
            Verdict::check(is_binary_ack && same, expected, item.describe())
        }
        Err(seen) => Verdict::fail(expected, seen),
    }
}

/// Standard base64 with padding (EIO4-PKT-008), for the expected polling pieces.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a piece is an Engine.IO heartbeat or noop (which may sit anywhere).
fn is_engine_control(piece: &Piece) -> bool {
    matches!(piece, Piece::Text(t) if matches!(t.as_str(), "2" | "3" | "6"))
}

async fn attachments_on_wire(ctx: Ctx, transport: Transport) -> Verdict {
    let first = [1u8, 2, 3, 4];
    let second = [0xffu8, 0x00];
    let args = vec![bin(&first), bin(&second)];
    let attachments = match transport {
        Transport::WebSocket => vec![
            Piece::BinaryHex(hex(&first)),
            Piece::BinaryHex(hex(&second)),
        ],
        Transport::Polling => vec![
            Piece::Text(format!("b{}", base64(&first))),
            Piece::Text(format!("b{}", base64(&second))),
        ],
    };
    let header =
        r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    let expected = format!("the message {header:?}, then directly {attachments:?}");
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let result = echo(&mut conn, &ctx, &args).await;
    conn.close();
    if let Err(seen) = result {
        return Verdict::fail(expected, seen);
    }
    let pieces: Vec<Piece> = incoming_pieces(&ctx)
        .into_iter()
        .filter(|p| !is_engine_control(p))
        .collect();
    let Some(at) = pieces.iter().position(
        |p| matches!(p, Piece::Text(t) if t.starts_with("45") && t.contains("\"message-back\"")),
    ) else {
        return Verdict::fail(
            expected,
            format!("no binary `message-back` header in {pieces:?}"),
        );
    };
    let after: Vec<Piece> = pieces[at + 1..].iter().take(2).cloned().collect();
    let seen = format!("{:?}, then {after:?}", pieces[at]);
    Verdict::check(
        pieces[at] == Piece::Text(header.to_owned()) && after == attachments,
        expected,
        seen,
    )
}

/// Checks a binary header's text: count `n-` right after the type, and exactly `n` placeholders
/// written `{"_placeholder":true,"num":N}` with N = 0, 1, … in text (= depth-first) order.
fn check_placeholders(header: &str, n: usize) -> Result<(), String> {
    let prefix = format!("45{n}-");
    if !header.starts_with(&prefix) {
        return Err(format!("the header does not start with {prefix:?}"));
    }
    let mut nums = Vec::new();
    let mut rest = header;
    let marker = r#"{"_placeholder":true,"num":"#;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        nums.push(
            digits
                .parse::<usize>()
                .map_err(|_| format!("num {digits:?}"))?,
        );
        if !rest[digits.len()..].starts_with('}') {
            return Err("a placeholder has members besides `_placeholder` and `num`".into());
        }
    }
    let total = header.matches("\"_placeholder\"").count();
    if total != nums.len() {
        return Err(format!(
            "{total} placeholders, only {} written `{{\"_placeholder\":true,\"num\":N}}`",
            nums.len()
        ));
    }
    if nums != (0..n).collect::<Vec<_>>() {
        return Err(format!("placeholder nums in text order: {nums:?}"));
    }
    Ok(())
}

async fn placeholder_order(ctx: Ctx, transport: Transport) -> Verdict {
    // Depth-first: index 0, then the object's members in order, then the array inside, then 4.
    let args = vec![
        bin(&[0]),
        Value::Object(vec![
            ("a".into(), bin(&[1, 1])),
            (
                "b".into(),
                Value::Array(vec![
                    bin(&[2, 2, 2]),
                    Value::Object(vec![("c".into(), bin(&[3]))]),
                ]),
            ),
        ]),
        bin(&[4, 4]),
    ];
    let expected = "the echo's header `455-[\"message-back\",…]` with placeholders \
                    {\"_placeholder\":true,\"num\":N} numbered 0..4 in depth-first order, and \
                    each buffer back in its place";
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    let result = echo(&mut conn, &ctx, &args).await;
    conn.close();
    if let Err(seen) = result {
        return Verdict::fail(expected, seen);
    }
    let header = incoming_pieces(&ctx).into_iter().find_map(|p| match p {
        Piece::Text(t) if t.starts_with("45") && t.contains("\"message-back\"") => Some(t),
        _ => None,
    });
    let Some(header) = header else {
        return Verdict::fail(
            expected,
            "no binary `message-back` header in the transcript",
        );
    };
    match check_placeholders(&header, 5) {
        Ok(()) => Verdict::pass(expected, header),
        Err(e) => Verdict::fail(expected, format!("{header}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, check_placeholders};

    #[test]
    fn base64_pads() {
        assert_eq!(base64(&[1, 2, 3, 4]), "AQIDBA==");
        assert_eq!(base64(&[0xff, 0]), "/wA=");
        assert_eq!(base64(&[]), "");
    }

    #[test]
    fn placeholders_in_order() {
        let ok = r#"452-["m",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]"#;
        assert!(check_placeholders(ok, 2).is_ok());
        let swapped = r#"452-["m",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#;
        assert!(check_placeholders(swapped, 2).is_err());
        let reordered = r#"451-["m",{"num":0,"_placeholder":true}]"#;
        assert!(check_placeholders(reordered, 1).is_err());
    }
}
