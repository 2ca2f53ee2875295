//! Engine.IO v3 handshake (spec/engine-io-v3.md, HS) and version negotiation (VER).

use socketio_codec::engine_io::{ErrorBody, PacketType};

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::Incoming;
use crate::client::v3::{
    V3Polling, V3Ws, is_octet_stream, packets_text, parse_v3_open, response_text, v3_text,
};
use crate::ctx::{Ctx, parse_open};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO3-HS-001/polling-open-payload",
        title: "a v3 polling handshake answers a length-prefixed payload whose first packet is open, \
                its length counted in UTF-16 units",
        requirements: &[
            "EIO3-HS-001",
            "EIO3-PAY-001",
            "EIO3-PAY-002",
            "EIO3-URL-001",
            "EIO3-HS-003",
        ],
        features: &[],
        run: case_fn!(polling_open_payload),
    },
    Case {
        id: "EIO3-HS-001/websocket-open",
        title: "a v3 WebSocket-only handshake sends the open packet alone in the first text frame, \
                upgrades []",
        requirements: &["EIO3-HS-001", "EIO3-URL-001"],
        features: &[],
        run: case_fn!(websocket_open),
    },
    Case {
        id: "EIO3-HS-002/max-payload-optional",
        title: "whether the v3 open packet carries maxPayload (engine.io 3.x never does; reported)",
        requirements: &["EIO3-HS-002"],
        features: &[],
        run: case_fn!(max_payload_optional),
    },
    // interop-bugs #24: a server without v3 support must say so with code 5.
    Case {
        id: "EIO3-VER-001/eio3-handshake",
        title: "an EIO=3 handshake gets 400 with code 5 from a server without v3 support, a v3 \
                session from one with it",
        requirements: &["EIO3-VER-001", "SIO4-COMPAT-001", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(eio3_handshake),
    },
    Case {
        id: "EIO3-VER-001/eio-missing",
        title: "a handshake without EIO gets 400 with code 5 from a server without v3 support (a v3 \
                session is allowed with it)",
        requirements: &["EIO3-VER-001", "EIO3-VER-002"],
        features: &[],
        run: case_fn!(eio_missing),
    },
];

async fn polling_open_payload(ctx: Ctx) -> Verdict {
    let expected = "HTTP 200, a v3 text payload `<len>:0{…}` whose len is the open packet's length \
                    in UTF-16 units (the codec re-encodes the body identically), the open packet \
                    first, any further packet (socket.io 2: `2:40`) well framed";
    let r = match ctx
        .polling()
        .get("EIO=3&transport=polling", ctx.quick())
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    let seen = response_text(&r);
    if r.status != 200 || is_octet_stream(&r) {
        return Verdict::fail(expected, seen);
    }
    let verdict = match crate::client::v3::decode_v3(&r.body, false) {
        Ok(packets) => {
            let first_open = packets.first().is_some_and(|p| p.kind == PacketType::Open);
            let reencoded = v3_text(&packets);
            let same = reencoded.as_bytes() == &r.body[..];
            let parsed = parse_v3_open(&r.body, false);
            Verdict::check(
                first_open && same && parsed.is_ok(),
                expected,
                format!(
                    "{seen}; decoded {}; the codec re-encodes it {}{}",
                    packets_text(&packets),
                    if same { "identically" } else { "as " },
                    if same {
                        String::new()
                    } else {
                        format!("{reencoded:?}")
                    }
                ),
            )
        }
        Err(e) => Verdict::fail(expected, format!("{seen}: {e}")),
    };
    if let Ok((h, _)) = parse_v3_open(&r.body, false) {
        let http = ctx.polling();
        let q = format!("EIO=3&transport=polling&sid={}", h.sid.as_str());
        let _ = http.post(&q, "1:1", ctx.quick()).await;
    }
    verdict
}

async fn websocket_open(ctx: Ctx) -> Verdict {
    let expected = "the first frame is the open packet `0{…}` alone, with \"upgrades\":[]";
    let mut ws = match V3Ws::connect(&ctx, "EIO=3&transport=websocket").await {
        Ok(ws) => ws,
        Err(e) => return Verdict::error(e),
    };
    let verdict = match ws.recv(ctx.quick()).await {
        Ok(Incoming::Packet(p)) if p.kind == PacketType::Open => {
            match socketio_codec::engine_io::Handshake::decode(p.data.as_text().unwrap_or("")) {
                Ok(h) => Verdict::check(
                    h.upgrades.is_empty(),
                    expected,
                    format!(
                        "open packet: sid {}, upgrades {:?}, pingInterval {}, pingTimeout {}",
                        h.sid.as_str(),
                        h.upgrades,
                        h.ping_interval,
                        h.ping_timeout
                    ),
                ),
                Err(e) => Verdict::fail(expected, format!("open packet JSON: {}", e.code())),
            }
        }
        other => Verdict::fail(expected, format!("{other:?}")),
    };
    ws.close().await;
    verdict
}

async fn max_payload_optional(ctx: Ctx) -> Verdict {
    let expected = "an open packet with or without maxPayload (a v3 client must accept both); \
                    reported";
    let ep = match V3Polling::open(&ctx, false).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::fail(expected, e),
    };
    let h = &ep.handshake;
    let seen = match h.max_payload {
        Some(m) => format!("maxPayload {m} is announced (modern engine.io)"),
        None => "no maxPayload (engine.io 3.x)".to_owned(),
    };
    ep.close().await;
    Verdict::new(Grade::Informational, expected, seen)
}

/// The status and error code of a response body, when it is an Engine.IO error body.
fn error_code(r: &crate::transport::HttpResponse) -> Option<u8> {
    r.text()
        .and_then(|t| ErrorBody::decode(t).ok())
        .map(|b| b.code)
}

async fn negotiation(ctx: Ctx, query: &str, what: &str) -> Verdict {
    let v3 = ctx.params.eio3;
    let r = match ctx.polling().get(query, ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    let seen = response_text(&r);
    let v3_session = r.status == 200 && parse_v3_open(&r.body, is_octet_stream(&r)).is_ok();
    let v4_session = r.status == 200 && parse_open(&r.body).is_ok();
    if v3_session && let Ok((h, _)) = parse_v3_open(&r.body, is_octet_stream(&r)) {
        let q = format!("EIO=3&transport=polling&sid={}", h.sid.as_str());
        let _ = ctx.polling().post(&q, "1:1", ctx.quick()).await;
    }
    if v3 {
        let expected = format!(
            "the server speaks v3: {what} opens a v3 session (EIO3-VER-002), or is refused with \
             400 and code 5"
        );
        let refused = r.status == 400 && error_code(&r) == Some(5);
        if v3_session || refused {
            Verdict::pass(expected, seen)
        } else if v4_session {
            Verdict::new(
                Grade::Informational,
                expected,
                format!("a v4 session: {seen}"),
            )
        } else {
            Verdict::fail(expected, seen)
        }
    } else {
        let expected = format!(
            "the server does not speak v3: {what} gets HTTP 400 with \
             {{\"code\":5,\"message\":\"Unsupported protocol version\"}}"
        );
        Verdict::check(r.status == 400 && error_code(&r) == Some(5), expected, seen)
    }
}

async fn eio3_handshake(ctx: Ctx) -> Verdict {
    negotiation(ctx, "EIO=3&transport=polling", "an EIO=3 handshake").await
}

async fn eio_missing(ctx: Ctx) -> Verdict {
    negotiation(ctx, "transport=polling", "a handshake without EIO").await
}
