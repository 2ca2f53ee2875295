//! Handshake (spec/engine-io-v4.md, HS).

use std::collections::HashSet;

use socketio_codec::engine_io::{Packet, PacketData, PacketType, ProtocolVersion};

use crate::case::{Case, Verdict, case_fn};
use crate::ctx::{Ctx, parse_open};
use crate::transport::{WsConn, WsConnect, WsEvent};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-HS-002/polling-open",
        title: "a polling handshake answers 200 with one open packet",
        requirements: &["EIO4-HS-001", "EIO4-HS-002", "EIO4-HS-005"],
        features: &[],
        run: case_fn!(polling_open),
    },
    Case {
        id: "EIO4-HS-004/websocket-open",
        title: "a WebSocket-only handshake sends the open packet first, with no upgrades",
        requirements: &["EIO4-HS-003", "EIO4-HS-004", "EIO4-HS-011"],
        features: &[],
        run: case_fn!(websocket_open),
    },
    Case {
        id: "EIO4-HS-012/distinct-sids",
        title: "100 handshakes give 100 distinct session ids",
        requirements: &["EIO4-HS-012", "EIO4-HS-013"],
        features: &[],
        run: case_fn!(distinct_sids),
    },
];

async fn polling_open(ctx: Ctx) -> Verdict {
    let expected = "HTTP 200 whose body is exactly one open packet with sid, upgrades, pingInterval, pingTimeout";
    let response = match ctx
        .polling()
        .get("EIO=4&transport=polling", ctx.quick())
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("request failed: {e}")),
    };
    if response.status != 200 {
        return Verdict::fail(expected, format!("HTTP {}", response.status));
    }
    match parse_open(&response.body) {
        Ok(h) => Verdict::pass(
            expected,
            format!("sid {:?}, upgrades {:?}", h.sid.as_str(), h.upgrades),
        ),
        Err(e) => Verdict::fail(expected, format!("body not an open packet: {e}")),
    }
}

async fn websocket_open(ctx: Ctx) -> Verdict {
    let expected = "101, then a first text frame `0{…}` whose `upgrades` is []";
    let mut ws = match WsConn::connect(
        &ctx.connector,
        &ctx.transcript,
        "EIO=4&transport=websocket",
        &[],
        ctx.quick(),
    )
    .await
    {
        Ok(WsConnect::Open(ws)) => ws,
        Ok(WsConnect::Refused(r)) => {
            return Verdict::fail(expected, format!("refused with HTTP {}", r.status));
        }
        Err(e) => return Verdict::fail(expected, format!("connect failed: {e}")),
    };
    let verdict = match ws.recv(ctx.quick()).await {
        Ok(WsEvent::Text(text)) => match Packet::decode_text(&text, ProtocolVersion::V4) {
            Ok(Packet {
                kind: PacketType::Open,
                data: PacketData::Text(json),
            }) => match socketio_codec::engine_io::Handshake::decode(&json) {
                Ok(h) => Verdict::check(
                    h.upgrades.is_empty(),
                    expected,
                    format!("upgrades {:?}", h.upgrades),
                ),
                Err(e) => Verdict::fail(expected, format!("open packet invalid: {}", e.code())),
            },
            Ok(p) => Verdict::fail(expected, format!("first packet is `{}`", p.kind.name())),
            Err(e) => Verdict::fail(expected, format!("undecodable first frame: {}", e.code())),
        },
        Ok(other) => Verdict::fail(expected, format!("{other:?}")),
        Err(e) => Verdict::fail(expected, format!("no first frame: {e}")),
    };
    let _ = ws.close(None, ctx.quick()).await;
    verdict
}

async fn distinct_sids(ctx: Ctx) -> Verdict {
    let expected = "100 distinct sids";
    let mut sids = HashSet::new();
    for i in 0..100 {
        match ctx.open_polling().await {
            Ok(h) => {
                sids.insert(h.sid.as_str().to_owned());
            }
            Err(e) => return Verdict::fail(expected, format!("handshake {i} failed: {e}")),
        }
    }
    Verdict::check(
        sids.len() == 100,
        expected,
        format!("{} distinct sids", sids.len()),
    )
}
