//! Handshake (spec/engine-io-v4.md, HS).

use std::collections::HashSet;

use socketio_codec::engine_io::{Packet, PacketData, PacketType, ProtocolVersion, payload};

use crate::case::{Case, Grade, Verdict, case_fn, case_fn_on};
use crate::client::{EnginePolling, EngineWs, Transport, connect_text, describe_frame, show_body};
use crate::ctx::{Ctx, parse_open};
use crate::transport::{RawEnd, WsConn, WsConnect, WsEvent, raw_exchange};

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
    Case {
        id: "EIO4-HS-005/open-field-types-polling",
        title: "the polling open packet has every field with its JSON type (maxPayload: SHOULD)",
        requirements: &["EIO4-HS-005", "EIO4-HS-006"],
        features: &[],
        run: case_fn_on!(open_field_types, Transport::Polling),
    },
    Case {
        id: "EIO4-HS-005/open-field-types-websocket",
        title: "the WebSocket open packet has every field with its JSON type (maxPayload: SHOULD)",
        requirements: &["EIO4-HS-005", "EIO4-HS-006"],
        features: &[],
        run: case_fn_on!(open_field_types, Transport::WebSocket),
    },
    Case {
        id: "EIO4-POLL-005/handshake-content-type",
        title: "the polling handshake answers with Content-Type text/plain; charset=UTF-8",
        requirements: &["EIO4-POLL-005"],
        features: &[],
        run: case_fn!(handshake_content_type),
    },
    Case {
        id: "EIO4-HTTP-005/polling-cache-control",
        title: "polling responses (handshake GET, POST) carry Cache-Control: no-store",
        requirements: &["EIO4-HTTP-005"],
        features: &[],
        run: case_fn!(polling_cache_control),
    },
    Case {
        id: "EIO4-HS-010/upgrades-really-work",
        title: "every transport listed in `upgrades` really upgrades (websocket: probe, `5`, traffic)",
        requirements: &["EIO4-HS-010", "EIO4-UPG-005", "EIO4-UPG-009"],
        features: &[],
        run: case_fn!(upgrades_really_work),
    },
    Case {
        id: "EIO4-HS-015/client-open-ignored-polling",
        title: "an open packet `0` from the client is ignored; the session stays open (polling)",
        requirements: &["EIO4-HS-015"],
        features: &[],
        run: case_fn_on!(client_open_ignored, Transport::Polling),
    },
    Case {
        id: "EIO4-HS-015/client-open-ignored-websocket",
        title: "an open packet `0` from the client is ignored; the session stays open (WebSocket)",
        requirements: &["EIO4-HS-015"],
        features: &[],
        run: case_fn_on!(client_open_ignored, Transport::WebSocket),
    },
    Case {
        id: "EIO4-URL-007/unknown-query-params",
        title: "a handshake with a cache-buster `t` and unknown query parameters succeeds",
        requirements: &["EIO4-URL-007", "EIO4-URL-006"],
        features: &[],
        run: case_fn!(unknown_query_params),
    },
    Case {
        id: "EIO4-URL-001/no-trailing-slash",
        title: "what a handshake on the path without its trailing slash gets (informational)",
        requirements: &["EIO4-URL-001"],
        features: &[],
        run: case_fn!(no_trailing_slash),
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

// ---------------------------------------------------------------------------------------------
// Open packet fields, headers, upgrades, client `0`, query and path.

/// The polling query of session `sid` (percent-encoded: sids are opaque, EIO4-HS-014).
fn sid_query(sid: &str) -> String {
    format!(
        "EIO=4&transport=polling&sid={}",
        crate::client::encode_query(sid)
    )
}

/// The JSON of an open packet received over `transport` (the session is closed again).
async fn open_json(ctx: &Ctx, transport: Transport) -> Result<String, String> {
    match transport {
        Transport::Polling => {
            let response = ctx
                .polling()
                .get("EIO=4&transport=polling", ctx.quick())
                .await
                .map_err(|e| format!("handshake failed: {e}"))?;
            if response.status != 200 {
                return Err(format!("handshake answered HTTP {}", response.status));
            }
            let text = String::from_utf8_lossy(&response.body).into_owned();
            let first = text.split('\u{1e}').next().unwrap_or_default();
            let json = first
                .strip_prefix('0')
                .ok_or_else(|| {
                    format!(
                        "the body does not start with `0`: {}",
                        show_body(&response.body)
                    )
                })?
                .to_owned();
            // Close the session if its sid can be read.
            if let Ok(h) = parse_open(first.as_bytes()) {
                let query = sid_query(h.sid.as_str());
                let _ = ctx.polling().post(&query, "1", ctx.quick()).await;
            }
            Ok(json)
        }
        Transport::WebSocket => {
            let mut ws = EngineWs::connect(ctx, "EIO=4&transport=websocket").await?;
            let first = ws.ws.recv(ctx.quick()).await;
            ws.close().await;
            match first {
                Ok(WsEvent::Text(t)) => t.strip_prefix('0').map(str::to_owned).ok_or_else(|| {
                    format!("the first frame is not `0…`: {}", show_body(t.as_bytes()))
                }),
                Ok(other) => Err(format!("the first frame: {}", describe_frame(&other))),
                Err(e) => Err(format!("no first frame: {e}")),
            }
        }
    }
}

async fn open_field_types(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "an open packet whose JSON object has sid (non-empty string), upgrades (array \
                    of strings), pingInterval and pingTimeout (non-negative integers) and, as a \
                    SHOULD, maxPayload (integer)";
    let json = match open_json(&ctx, transport).await {
        Ok(j) => j,
        Err(e) => return Verdict::fail(expected, e),
    };
    let value: serde_json::Value = match serde_json::from_str(&json) {
        Ok(v) => v,
        Err(e) => return Verdict::fail(expected, format!("not JSON ({e}): {json:?}")),
    };
    let Some(obj) = value.as_object() else {
        return Verdict::fail(expected, format!("not a JSON object: {json}"));
    };
    let mut broken = Vec::new();
    match obj.get("sid") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => {}
        other => broken.push(format!("sid is {other:?}")),
    }
    match obj.get("upgrades") {
        Some(serde_json::Value::Array(items)) if items.iter().all(|i| i.is_string()) => {}
        other => broken.push(format!("upgrades is {other:?}")),
    }
    for key in ["pingInterval", "pingTimeout"] {
        match obj.get(key) {
            Some(v) if v.is_u64() => {}
            other => broken.push(format!("{key} is {other:?}")),
        }
    }
    let max_payload = match obj.get("maxPayload") {
        Some(v) if v.is_u64() => None,
        None => Some("maxPayload is absent".to_owned()),
        Some(other) => Some(format!("maxPayload is {other}")),
    };
    let seen = format!(
        "{json}{}",
        if broken.is_empty() {
            String::new()
        } else {
            format!(" ({})", broken.join("; "))
        }
    );
    match (broken.is_empty(), max_payload) {
        (false, _) => Verdict::fail(expected, seen),
        (true, Some(why)) => Verdict::new(Grade::NonStrict, expected, format!("{seen} ({why})")),
        (true, None) => Verdict::pass(expected, seen),
    }
}

/// A header value without spaces, in lower case.
fn normalized(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

async fn handshake_content_type(ctx: Ctx) -> Verdict {
    let expected = "Content-Type: text/plain; charset=UTF-8 on the handshake GET (a SHOULD)";
    let response = match ctx
        .polling()
        .get("EIO=4&transport=polling", ctx.quick())
        .await
    {
        Ok(r) if r.status == 200 => r,
        Ok(r) => return Verdict::error(format!("handshake answered HTTP {}", r.status)),
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    if let Ok(h) = parse_open(&response.body) {
        let _ = ctx
            .polling()
            .post(&sid_query(h.sid.as_str()), "1", ctx.quick())
            .await;
    }
    let content_type = response.content_type().unwrap_or("none").to_owned();
    let grade = if normalized(&content_type) == "text/plain;charset=utf-8" {
        Grade::Pass
    } else {
        Grade::NonStrict
    };
    Verdict::new(grade, expected, format!("Content-Type: {content_type}"))
}

async fn polling_cache_control(ctx: Ctx) -> Verdict {
    let expected = "Cache-Control: no-store on the handshake GET and on a POST answer (a SHOULD)";
    let http = ctx.polling();
    let handshake = match http.get("EIO=4&transport=polling", ctx.quick()).await {
        Ok(r) if r.status == 200 => r,
        Ok(r) => return Verdict::error(format!("handshake answered HTTP {}", r.status)),
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    let h = match parse_open(&handshake.body) {
        Ok(h) => h,
        Err(e) => return Verdict::error(format!("no open packet: {e}")),
    };
    let query = sid_query(h.sid.as_str());
    let connect = connect_text();
    let mut body = String::new();
    payload::encode_v4(&[Packet::message(&connect)], &mut body);
    let post = http.post(&query, body, ctx.quick()).await;
    let _ = http.post(&query, "1", ctx.quick()).await;
    let cc = |r: &crate::transport::HttpResponse| r.header("cache-control").map(str::to_owned);
    let has_no_store = |v: &Option<String>| {
        v.as_deref().is_some_and(|v| {
            v.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
        })
    };
    let on_get = cc(&handshake);
    let on_post = match &post {
        Ok(r) => cc(r),
        Err(_) => None,
    };
    let seen = format!(
        "handshake GET: Cache-Control {:?}; POST: {}",
        on_get.as_deref().unwrap_or("absent"),
        match &post {
            Ok(r) => format!(
                "HTTP {}, Cache-Control {:?}",
                r.status,
                on_post.as_deref().unwrap_or("absent")
            ),
            Err(e) => format!("failed: {e}"),
        }
    );
    let grade = if has_no_store(&on_get) && has_no_store(&on_post) {
        Grade::Pass
    } else {
        Grade::NonStrict
    };
    Verdict::new(grade, expected, seen)
}

async fn upgrades_really_work(ctx: Ctx) -> Verdict {
    let expected = "`upgrades` of a polling session lists only other transports that work: for \
                    `websocket`, a WebSocket with the sid answers `2probe` with `3probe`, takes \
                    `5`, then carries the session (`40` answered with `40{…}`)";
    let p = match EnginePolling::open(&ctx).await {
        Ok(p) => p,
        Err(e) => return Verdict::error(e),
    };
    let upgrades = p.handshake.upgrades.clone();
    if upgrades.iter().any(|u| u == "polling") {
        p.close().await;
        return Verdict::fail(
            expected,
            format!("upgrades {upgrades:?} lists the current transport `polling`"),
        );
    }
    if !upgrades.iter().any(|u| u == "websocket") {
        p.close().await;
        return Verdict::pass(
            expected,
            format!("upgrades {upgrades:?}: no WebSocket upgrade is offered, nothing to try"),
        );
    }
    let mut ws = match EngineWs::upgrade(&ctx, p.sid()).await {
        Ok(ws) => ws,
        Err(e) => {
            p.close().await;
            return Verdict::fail(expected, format!("upgrades {upgrades:?}, but {e}"));
        }
    };
    let result = async {
        ws.send(&Packet::ping_probe()).await?;
        match ws.next_frame(ctx.quick()).await? {
            WsEvent::Text(t) if t == "3probe" => {}
            other => return Err(format!("`2probe` answered with {}", describe_frame(&other))),
        }
        ws.send(&Packet::upgrade()).await?;
        let connect = connect_text();
        ws.send(&Packet::message(&connect)).await?;
        match ws.next_connect_answer(ctx.quick()).await? {
            WsEvent::Text(t) if t.starts_with("40{") => Ok(format!(
                "upgrades {upgrades:?}; `3probe`, then after `5` the WebSocket answered `40` with {}",
                show_body(t.as_bytes())
            )),
            other => Err(format!("after `5`, `40` was answered with {}", describe_frame(&other))),
        }
    }
    .await;
    ws.close().await;
    match result {
        Ok(seen) => Verdict::pass(expected, seen),
        Err(e) => {
            p.close().await;
            Verdict::fail(expected, format!("upgrades {upgrades:?}, but {e}"))
        }
    }
}

async fn client_open_ignored(ctx: Ctx, transport: Transport) -> Verdict {
    let expected = "after the client sends `0`, the session is still open: `40` is answered with \
                    `40{…}`";
    let open = Packet::empty(PacketType::Open);
    match transport {
        Transport::Polling => {
            let p = match EnginePolling::open(&ctx).await {
                Ok(p) => p,
                Err(e) => return Verdict::error(e),
            };
            let post = match p.post(&[open]).await {
                Ok(r) => format!("POST `0`: HTTP {} {}", r.status, show_body(&r.body)),
                Err(e) => format!("POST `0`: {e}"),
            };
            let verdict = match p.alive_by_connect(&ctx).await {
                Ok(alive) => Verdict::pass(expected, format!("{post}; {alive}")),
                Err(e) => Verdict::fail(expected, format!("{post}; {e}")),
            };
            p.close().await;
            verdict
        }
        Transport::WebSocket => {
            let mut ws = match EngineWs::open_query(&ctx, "EIO=4&transport=websocket").await {
                Ok(ws) => ws,
                Err(e) => return Verdict::error(e),
            };
            let connect = connect_text();
            let sent = match ws.send(&open).await {
                Ok(()) => ws.send(&Packet::message(&connect)).await,
                Err(e) => Err(e),
            };
            let verdict = match sent {
                Err(e) => Verdict::fail(expected, format!("send failed: {e}")),
                Ok(()) => match ws.next_connect_answer(ctx.quick()).await {
                    Ok(WsEvent::Text(t)) if t.starts_with("40{") => Verdict::pass(
                        expected,
                        format!("`40` answered with {}", show_body(t.as_bytes())),
                    ),
                    Ok(other) => Verdict::fail(expected, describe_frame(&other)),
                    Err(e) => Verdict::fail(expected, e),
                },
            };
            ws.close().await;
            verdict
        }
    }
}

async fn unknown_query_params(ctx: Ctx) -> Verdict {
    let query = "EIO=4&transport=polling&t=N8hyd6w&foo=bar&lang=fr&x-y_z=%20";
    let expected = format!("HTTP 200 with an open packet for `?{query}`");
    let response = match ctx.polling().get(query, ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("request failed: {e}")),
    };
    match (response.status, parse_open(&response.body)) {
        (200, Ok(h)) => {
            let close = sid_query(h.sid.as_str());
            let _ = ctx.polling().post(&close, "1", ctx.quick()).await;
            Verdict::pass(expected, format!("HTTP 200, sid {:?}", h.sid.as_str()))
        }
        (status, _) => Verdict::fail(
            expected,
            format!("HTTP {status} {}", show_body(&response.body)),
        ),
    }
}

async fn no_trailing_slash(ctx: Ctx) -> Verdict {
    let expected = "informational: the reference does not handle `/socket.io?…` (404 or 501); a \
                    server may treat such a request as not addressed to it, or serve it";
    let target = ctx.connector.target();
    let with_slash = target.http_path("");
    let Some(path) = with_slash.strip_suffix('/').filter(|p| !p.is_empty()) else {
        return Verdict::new(
            Grade::Informational,
            expected,
            format!("the configured path {with_slash:?} has no trailing slash to remove"),
        );
    };
    let request = format!(
        "GET {path}?EIO=4&transport=polling HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        target.authority()
    );
    let raw = match raw_exchange(
        &ctx.connector,
        &ctx.transcript,
        request.as_bytes(),
        ctx.quick(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("could not connect: {e}")),
    };
    let text = String::from_utf8_lossy(&raw.bytes).into_owned();
    let status_line = text.lines().next().unwrap_or("").to_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    // Close a session the server may have opened anyway.
    if let Ok(h) = parse_open(body.as_bytes()) {
        let close = sid_query(h.sid.as_str());
        let _ = ctx.polling().post(&close, "1", ctx.quick()).await;
    }
    let end = match &raw.end {
        RawEnd::Eof => "then the connection was closed".to_owned(),
        RawEnd::Timeout => format!(
            "and the connection was left open for {} ms",
            ctx.quick().as_millis()
        ),
        RawEnd::Limit => "cut at the read limit".to_owned(),
        RawEnd::Error(e) => format!("then the connection failed: {e}"),
    };
    let answer = if raw.bytes.is_empty() {
        "no answer".to_owned()
    } else {
        format!("{status_line:?}, body {}", show_body(body.as_bytes()))
    };
    Verdict::new(
        Grade::Informational,
        expected,
        format!("`GET {path}?EIO=4&transport=polling`: {answer} {end}"),
    )
}
