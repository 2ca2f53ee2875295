//! Session-id hygiene and the HTTP surface (spec/engine-io-v4.md, HS-012/013, CLOSE-008, HTTP).
//!
//! A second WebSocket for an upgraded sid is checked in `upgrade.rs`
//! (`EIO4-UPG-003/second-websocket-after-upgrade`), not repeated here.

use std::collections::HashSet;

use http::Method;
use socketio_codec::engine_io::{Packet, PacketType, payload};

use crate::case::{Case, Grade, Verdict, case_fn};
use crate::client::{
    EnginePolling, EngineWs, Incoming, error_code, event_text, message_back, polling_query,
    response_text,
};
use crate::ctx::{Ctx, parse_open};
use crate::transport::HttpResponse;

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-HS-013/sids-not-sequential",
        title: "100 session ids: none repeats, and how much consecutive ids differ (reported)",
        requirements: &["EIO4-HS-013", "EIO4-HS-012"],
        features: &[],
        run: case_fn!(sids_not_sequential),
    },
    Case {
        id: "EIO4-CLOSE-008/closed-sid-not-reusable",
        title: "the sid of a closed session is refused for GET, POST and WebSocket upgrade",
        requirements: &["EIO4-CLOSE-008", "EIO4-ERR-003", "EIO4-UPG-002"],
        features: &[],
        run: case_fn!(closed_sid_not_reusable),
    },
    Case {
        id: "EIO4-HS-013/sid-bearer-secret",
        title: "a live sid used from a second, unrelated client (reported: the sid is a bearer secret)",
        requirements: &["EIO4-HS-013"],
        features: &["core"],
        run: case_fn!(sid_bearer_secret),
    },
    Case {
        id: "EIO4-HTTP-001/cors-preflight",
        title: "a CORS preflight OPTIONS: status and Access-Control-* headers (reported)",
        requirements: &["EIO4-HTTP-001", "EIO4-ERR-004"],
        features: &[],
        run: case_fn!(cors_preflight),
    },
    Case {
        id: "EIO4-HTTP-002/cors-headers-on-errors",
        title: "with CORS enabled, JSON error responses carry Access-Control-Allow-Origin too",
        requirements: &["EIO4-HTTP-002"],
        features: &[],
        run: case_fn!(cors_headers_on_errors),
    },
    Case {
        id: "EIO4-HTTP-003/handshake-cookie",
        title: "the Set-Cookie of the polling handshake response (reported)",
        requirements: &["EIO4-HTTP-003"],
        features: &[],
        run: case_fn!(handshake_cookie),
    },
    Case {
        id: "EIO4-HTTP-004/no-cookie-after-handshake",
        title: "no session cookie on later polling responses nor on a WebSocket-only 101",
        requirements: &["EIO4-HTTP-004"],
        features: &[],
        run: case_fn!(no_cookie_after_handshake),
    },
    Case {
        id: "EIO4-HTTP-005/cache-control-no-store",
        title: "polling responses (handshake, data GET, POST) carry Cache-Control: no-store",
        requirements: &["EIO4-HTTP-005"],
        features: &[],
        run: case_fn!(cache_control_no_store),
    },
];

const ORIGIN: &str = "https://conformance.example";

/// A POST body holding one packet, encoded by the codec.
fn body(packet: &Packet<'_>) -> String {
    let mut out = String::new();
    payload::encode_v4(std::slice::from_ref(packet), &mut out);
    out
}

async fn sids_not_sequential(ctx: Ctx) -> Verdict {
    let expected = "100 distinct sids (MUST); consecutive sids differing in many characters \
                    (unpredictability cannot be proven from outside: reported)";
    let mut sids = Vec::new();
    for i in 0..100 {
        match EnginePolling::open(&ctx).await {
            Ok(ep) => {
                sids.push(ep.sid().as_str().to_owned());
                let _ = ep.post(&[Packet::close()]).await;
            }
            Err(e) => return Verdict::error(format!("handshake {i} failed: {e}")),
        }
    }
    let distinct: HashSet<&String> = sids.iter().collect();
    if distinct.len() != sids.len() {
        return Verdict::fail(
            expected,
            format!(
                "only {} distinct sids out of {}",
                distinct.len(),
                sids.len()
            ),
        );
    }
    // Characters that differ between consecutive sids (position by position).
    let mut diffs: Vec<usize> = sids
        .windows(2)
        .map(|w| {
            let (a, b) = (w[0].as_bytes(), w[1].as_bytes());
            let common = a.iter().zip(b).filter(|(x, y)| x != y).count();
            common + a.len().abs_diff(b.len())
        })
        .collect();
    diffs.sort_unstable();
    let median = diffs[diffs.len() / 2];
    let lengths: HashSet<usize> = sids.iter().map(String::len).collect();
    let first = &sids[0];
    let prefix = (0..first.len())
        .take_while(|&i| {
            sids.iter()
                .all(|s| s.as_bytes().get(i) == first.as_bytes().get(i))
        })
        .count();
    let seen = format!(
        "100 distinct sids of length {lengths:?}, e.g. {:?}, {:?}; consecutive sids differ in \
         {}..={} characters (median {median}); common prefix {prefix} characters",
        sids[0],
        sids[1],
        diffs[0],
        diffs[diffs.len() - 1]
    );
    if median < 6 {
        Verdict::new(
            Grade::NonStrict,
            expected,
            format!("{seen}: consecutive sids look sequential, so they can be guessed"),
        )
    } else {
        Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "{seen}: no sequential pattern seen (the reference encodes 12 random bytes and a \
                 4-byte counter, so its last characters do count up)"
            ),
        )
    }
}

async fn closed_sid_not_reusable(ctx: Ctx) -> Verdict {
    let expected = "after POST `1`: GET and POST with the sid get 400 with code 1, and a \
                    WebSocket upgrade with it is refused (no `3probe`)";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.post(&[Packet::close()]).await {
        return Verdict::error(e);
    }
    let code1 = |r: &HttpResponse| r.status == 400 && error_code(r) == Some(1);
    let get = ep.http.get(&ep.query(), ctx.quick()).await;
    // An attempt to inject a message into the closed session.
    let post = ep.post(&[Packet::message("hi")]).await;
    let get_ok = get.as_ref().is_ok_and(code1);
    let post_ok = post.as_ref().is_ok_and(code1);
    let ws = match EngineWs::upgrade(&ctx, ep.sid()).await {
        Err(e) if e.contains("refused") => Ok(e),
        Err(e) => Err(e),
        Ok(mut ws) => {
            let _ = ws.send(&Packet::ping_probe()).await;
            let r = match ws.recv(ctx.quick()).await {
                Ok(Incoming::Closed(code)) => Ok(format!("101, then closed ({code:?})")),
                Err(e) if e.contains("closed") => Ok(format!("101, then {e}")),
                Ok(Incoming::Packet(p)) => Err(format!("101, then packet {:?}", p.kind)),
                other => Err(format!("101, then {other:?}")),
            };
            ws.close().await;
            r
        }
    };
    let seen = format!(
        "GET: {}; POST: {}; WebSocket: {}",
        get.as_ref().map_or_else(ToString::to_string, response_text),
        post.as_ref().map_or_else(Clone::clone, response_text),
        ws.as_ref().unwrap_or_else(|e| e)
    );
    Verdict::check(get_ok && post_ok && ws.is_ok(), expected, seen)
}

async fn sid_bearer_secret(ctx: Ctx) -> Verdict {
    let expected = "reported: whether a second client that knows only the sid (own connection, \
                    another User-Agent, no cookie) can send on the session";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = ep.join(&ctx).await {
        return Verdict::error(e);
    }
    let other = ctx.polling();
    ctx.transcript
        .note("a second, unrelated client uses the first client's sid");
    let text = event_text("message", &"from-another-client".into());
    let mut body = String::new();
    payload::encode_v4(&[Packet::message(&text)], &mut body);
    let headers = [
        ("content-type", "text/plain;charset=UTF-8"),
        ("user-agent", "another-client/1.0"),
    ];
    let posted = other
        .request(Method::POST, &ep.query(), &headers, body, ctx.quick())
        .await;
    let verdict = match posted {
        Ok(r) if r.status == 200 => match ep.next_packets(ctx.quick()).await {
            Ok(packets) if packets.iter().any(|p| message_back(p).is_some()) => Verdict::new(
                Grade::Informational,
                expected,
                "the second client's event reached the session and was echoed to the first: \
                 the sid alone authorises access, so it must be kept secret like a bearer token \
                 (HTTPS, never logged)",
            ),
            Ok(packets) => Verdict::new(
                Grade::Informational,
                expected,
                format!(
                    "the POST was accepted ({}) but the first client got {} packets without the \
                     echo",
                    response_text(&r),
                    packets.len()
                ),
            ),
            Err(e) => Verdict::new(
                Grade::Informational,
                expected,
                format!("the POST was accepted but the first client then saw: {e}"),
            ),
        },
        Ok(r) => Verdict::new(
            Grade::Informational,
            expected,
            format!(
                "the second client was refused ({}): the server binds sessions to more than the \
                 sid",
                response_text(&r)
            ),
        ),
        Err(e) => Verdict::new(
            Grade::Informational,
            expected,
            format!("the second client's POST failed: {e}"),
        ),
    };
    let _ = ep.post(&[Packet::close()]).await;
    verdict
}

/// `name: value` for every `access-control-*` header of `r`.
fn cors_headers(r: &HttpResponse) -> String {
    let list: Vec<String> = r
        .headers
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| format!("{}: {}", n, String::from_utf8_lossy(v.as_bytes())))
        .collect();
    if list.is_empty() {
        "no Access-Control-* headers".to_owned()
    } else {
        list.join("; ")
    }
}

async fn cors_preflight(ctx: Ctx) -> Verdict {
    let expected = "reported: 204 with Access-Control-Allow-Origin and -Methods when CORS is on; \
                    400 with code 2 when it is off";
    let headers = [
        ("origin", ORIGIN),
        ("access-control-request-method", "POST"),
        ("access-control-request-headers", "content-type"),
    ];
    let r = match ctx
        .polling()
        .request(
            Method::OPTIONS,
            "EIO=4&transport=polling",
            &headers,
            bytes::Bytes::new(),
            ctx.quick(),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return Verdict::fail(expected, format!("OPTIONS failed: {e}")),
    };
    let seen = format!("{}; {}", response_text(&r), cors_headers(&r));
    let on = r.header("access-control-allow-origin").is_some();
    let off = r.status == 400 && error_code(&r) == Some(2);
    if on || off {
        Verdict::new(Grade::Informational, expected, seen)
    } else {
        // Neither a preflight answer nor the handshake-method error (EIO4-ERR-004).
        Verdict::fail(expected, seen)
    }
}

async fn cors_headers_on_errors(ctx: Ctx) -> Verdict {
    let expected = "when the handshake carries Access-Control-Allow-Origin, an error response \
                    (unknown sid) carries it too";
    let http = ctx.polling();
    let headers = [("origin", ORIGIN)];
    let ok = http
        .request(
            Method::GET,
            "EIO=4&transport=polling",
            &headers,
            bytes::Bytes::new(),
            ctx.quick(),
        )
        .await;
    let err = http
        .request(
            Method::GET,
            &polling_query("no-such-session-id"),
            &headers,
            bytes::Bytes::new(),
            ctx.quick(),
        )
        .await;
    let (ok, err) = match (ok, err) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => return Verdict::error(format!("requests failed: {a:?} / {b:?}")),
    };
    if let Ok(h) = parse_open(&ok.body) {
        let _ = http
            .post(
                &polling_query(h.sid.as_str()),
                body(&Packet::close()),
                ctx.quick(),
            )
            .await;
    }
    let seen = format!(
        "handshake: {}; error {}: {}",
        cors_headers(&ok),
        response_text(&err),
        cors_headers(&err)
    );
    if ok.header("access-control-allow-origin").is_none() {
        return Verdict::new(
            Grade::Informational,
            expected,
            format!("CORS is not enabled: {seen}"),
        );
    }
    if err.header("access-control-allow-origin").is_some() {
        Verdict::pass(expected, seen)
    } else {
        Verdict::new(Grade::NonStrict, expected, seen)
    }
}

/// The `Set-Cookie` values of a response.
fn set_cookies(headers: &http::HeaderMap) -> Vec<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect()
}

async fn handshake_cookie(ctx: Ctx) -> Verdict {
    let expected = "reported: `io=<sid>; Path=/; HttpOnly; SameSite=Lax` when cookies are on, \
                    or no cookie (the default since engine.io 4)";
    let http = ctx.polling();
    let r = match http.get("EIO=4&transport=polling", ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    let handshake = match parse_open(&r.body) {
        Ok(h) => h,
        Err(e) => return Verdict::fail(expected, format!("no open packet: {e}")),
    };
    let _ = http
        .post(
            &polling_query(handshake.sid.as_str()),
            body(&Packet::close()),
            ctx.quick(),
        )
        .await;
    let cookies = set_cookies(&r.headers);
    let seen = if cookies.is_empty() {
        "no Set-Cookie".to_owned()
    } else {
        let carries = cookies.iter().any(|c| c.contains(handshake.sid.as_str()));
        format!(
            "Set-Cookie: {} (carries the sid: {carries})",
            cookies.join(" | ")
        )
    };
    Verdict::new(Grade::Informational, expected, seen)
}

async fn no_cookie_after_handshake(ctx: Ctx) -> Verdict {
    let expected = "no Set-Cookie carrying the sid on a data GET, a POST, nor the 101 of a \
                    WebSocket-only handshake";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let sid = ep.sid().as_str().to_owned();
    let mut found = Vec::new();
    let mut checked = Vec::new();
    match ep.get(ctx.heartbeat_window() + ctx.quick()).await {
        Ok((r, packets)) => {
            checked.push(format!("GET {}", r.status));
            found.extend(
                set_cookies(&r.headers)
                    .into_iter()
                    .filter(|c| c.contains(&sid)),
            );
            let answer = if packets.iter().any(|p| p.kind == PacketType::Ping) {
                Packet::pong()
            } else {
                Packet::noop()
            };
            match ep.post(&[answer]).await {
                Ok(r) => {
                    checked.push(format!("POST {}", r.status));
                    found.extend(
                        set_cookies(&r.headers)
                            .into_iter()
                            .filter(|c| c.contains(&sid)),
                    );
                }
                Err(e) => return Verdict::error(e),
            }
        }
        Err(e) => return Verdict::error(e),
    }
    let _ = ep.post(&[Packet::close()]).await;
    match EngineWs::open(&ctx).await {
        Ok(ws) => {
            checked.push("WebSocket 101".to_owned());
            let ws_sid = ws
                .handshake
                .as_ref()
                .map(|h| h.sid.as_str().to_owned())
                .unwrap_or_default();
            found.extend(
                set_cookies(ws.ws.response_headers())
                    .into_iter()
                    .filter(|c| c.contains(&ws_sid) || c.starts_with("io=")),
            );
            ws.close().await;
        }
        Err(e) => return Verdict::error(e),
    }
    if found.is_empty() {
        Verdict::pass(
            expected,
            format!("no session cookie on {}", checked.join(", ")),
        )
    } else {
        Verdict::new(
            Grade::NonStrict,
            expected,
            format!("session cookie on later responses: {}", found.join(" | ")),
        )
    }
}

async fn cache_control_no_store(ctx: Ctx) -> Verdict {
    let expected = "Cache-Control containing `no-store` on the handshake, a data GET and a POST";
    let http = ctx.polling();
    let hs = match http.get("EIO=4&transport=polling", ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("handshake failed: {e}")),
    };
    let sid = match parse_open(&hs.body) {
        Ok(h) => h.sid.as_str().to_owned(),
        Err(e) => return Verdict::fail(expected, format!("no open packet: {e}")),
    };
    let query = polling_query(&sid);
    let get = match http.get(&query, ctx.heartbeat_window() + ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("data GET failed: {e}")),
    };
    let post = match http.post(&query, body(&Packet::pong()), ctx.quick()).await {
        Ok(r) => r,
        Err(e) => return Verdict::error(format!("POST failed: {e}")),
    };
    let _ = http.post(&query, body(&Packet::close()), ctx.quick()).await;
    let show = |name: &str, r: &HttpResponse| {
        format!(
            "{name}: {}",
            r.header("cache-control").unwrap_or("no Cache-Control")
        )
    };
    let no_store = |r: &HttpResponse| {
        r.header("cache-control")
            .is_some_and(|v| v.to_ascii_lowercase().contains("no-store"))
    };
    let seen = [
        show("handshake", &hs),
        show("GET", &get),
        show("POST", &post),
    ]
    .join("; ");
    if no_store(&hs) && no_store(&get) && no_store(&post) {
        Verdict::pass(expected, seen)
    } else {
        Verdict::new(Grade::NonStrict, expected, seen)
    }
}
