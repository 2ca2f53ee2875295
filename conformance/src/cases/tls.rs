//! Engine.IO and Socket.IO over TLS: a polling handshake over https, a WebSocket session over
//! wss, an upgrade from https polling to wss, a Socket.IO echo over each transport, and what a
//! client with only the public roots sees.
//!
//! Every case needs an `https://` target (e.g. `run --testee node-socketio-4-tls`, which trusts
//! the testee's CA by itself, or `run https://… --ca FILE`); against a plain-http target it is
//! UNSUPPORTED. The framing is the same as over plain TCP: these cases check that nothing in the
//! server's TLS setup (certificate, ALPN, the upgrade through the TLS server) breaks a session.

use socketio_codec::engine_io::{Packet, PacketType};
use socketio_codec::socket_io::Value;

use crate::case::{Case, Grade, Verdict, case_fn, case_fn_on};
use crate::client::{EnginePolling, EngineWs, Incoming, SioConn, Transport, event_args, show};
use crate::ctx::Ctx;
use crate::transport::{Connector, PollingClient, TlsOptions, TransportError, client_config};

pub(crate) const CASES: &[Case] = &[
    Case {
        id: "EIO4-HS-002/tls-handshake-polling",
        title: "a polling handshake over https answers 200 with the open packet",
        requirements: &["EIO4-HS-002", "EIO4-HS-005"],
        features: &[],
        run: case_fn!(handshake_https),
    },
    Case {
        id: "EIO4-HS-004/tls-handshake-websocket",
        title: "a WebSocket-only session over wss starts with the open packet",
        requirements: &["EIO4-HS-004", "EIO4-HS-005"],
        features: &[],
        run: case_fn!(handshake_wss),
    },
    Case {
        id: "EIO4-UPG-005/tls-upgrade-https-to-wss",
        title: "a polling session over https upgrades to wss: `3probe`, then the session's pings on the WebSocket",
        requirements: &["EIO4-UPG-005", "EIO4-UPG-001", "EIO4-UPG-004"],
        features: &[],
        run: case_fn!(upgrade_to_wss),
    },
    Case {
        id: "TESTEE1-CORE-003/tls-echo-websocket",
        title: "a Socket.IO `message` over wss is echoed as `message-back`",
        requirements: &["TESTEE1-CORE-003", "SIO5-EVT-001"],
        features: &["core"],
        run: case_fn_on!(echo, Transport::WebSocket),
    },
    Case {
        id: "TESTEE1-CORE-003/tls-echo-polling",
        title: "a Socket.IO `message` over https long-polling is echoed as `message-back`",
        requirements: &["TESTEE1-CORE-003", "SIO5-EVT-001"],
        features: &["core"],
        run: case_fn_on!(echo, Transport::Polling),
    },
    Case {
        id: "EIO4-HS-002/tls-public-roots-only",
        title: "what a client trusting only the public (webpki) roots sees: the handshake's TLS outcome",
        requirements: &["EIO4-HS-002"],
        features: &[],
        run: case_fn!(public_roots_only),
    },
];

/// `Err(UNSUPPORTED)` unless the target is `https://`.
fn require_tls(ctx: &Ctx) -> Result<(), Verdict> {
    if ctx.connector.target().scheme.is_tls() {
        return Ok(());
    }
    Err(Verdict::new(
        Grade::Unsupported,
        "an https:// target (e.g. `run --testee node-socketio-4-tls`, or `run https://… --ca FILE`)",
        format!("the target {} is plain http", ctx.connector.target()),
    ))
}

async fn handshake_https(ctx: Ctx) -> Verdict {
    if let Err(v) = require_tls(&ctx) {
        return v;
    }
    if let Err(e) = ctx.params.require("polling") {
        return Verdict::error(e);
    }
    let expected = "over https: HTTP 200 whose body is an open packet with a non-empty sid";
    match ctx.open_polling().await {
        Ok(h) => Verdict::check(
            !h.sid.as_str().is_empty(),
            expected,
            format!(
                "open packet over https: sid {:?}, upgrades {:?}, pingInterval {} ms",
                h.sid.as_str(),
                h.upgrades,
                h.ping_interval
            ),
        ),
        Err(e) if e.contains("TLS error") => Verdict::error(format!(
            "the TLS handshake failed ({e}); give the server's CA with --ca FILE"
        )),
        Err(e) => Verdict::fail(expected, e),
    }
}

async fn handshake_wss(ctx: Ctx) -> Verdict {
    if let Err(v) = require_tls(&ctx) {
        return v;
    }
    let expected = "over wss: the upgrade succeeds and the first text frame is an open packet \
                    with a non-empty sid";
    match EngineWs::open(&ctx).await {
        Ok(ws) => {
            let sid = ws
                .handshake
                .as_ref()
                .map(|h| h.sid.as_str().to_owned())
                .unwrap_or_default();
            ws.close().await;
            Verdict::check(
                !sid.is_empty(),
                expected,
                format!("open packet over wss with sid {sid:?}"),
            )
        }
        Err(e) if e.contains("TLS error") => Verdict::error(format!(
            "the TLS handshake failed ({e}); give the server's CA with --ca FILE"
        )),
        Err(e) => Verdict::fail(expected, e),
    }
}

async fn upgrade_to_wss(ctx: Ctx) -> Verdict {
    if let Err(v) = require_tls(&ctx) {
        return v;
    }
    if let Err(e) = ctx.params.require("websocket") {
        return Verdict::error(e);
    }
    let expected = "`2probe` on the wss WebSocket for the https polling session's sid is answered \
                    `3probe`; after `5` the session's next ping arrives on the WebSocket";
    let ep = match EnginePolling::open(&ctx).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    // Park a GET as a real client does; the server releases it during the upgrade.
    let mut get = ep.spawn_get(ctx.heartbeat_window());
    let mut ws = match EngineWs::upgrade(&ctx, ep.sid()).await {
        Ok(ws) => ws,
        Err(e) => return Verdict::fail(expected, e),
    };
    if let Err(e) = ws.send(&Packet::ping_probe()).await {
        return Verdict::fail(expected, format!("sending `2probe` failed: {e}"));
    }
    match ws.recv(ctx.quick()).await {
        Ok(Incoming::Packet(p)) if p == Packet::pong_probe() => {}
        other => {
            ws.close().await;
            return Verdict::fail(expected, format!("`2probe` answered with {other:?}"));
        }
    }
    let released = match get.wait(ctx.heartbeat_window()).await {
        Ok(r) => format!("HTTP {}", r.status),
        Err(e) => format!("GET failed: {e}"),
    };
    if let Err(e) = ws.send(&Packet::upgrade()).await {
        return Verdict::fail(expected, format!("sending `5` failed: {e}"));
    }
    let verdict = match ws.recv(ctx.heartbeat_window()).await {
        Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
            let _ = ws.send(&Packet::pong()).await;
            Verdict::pass(
                expected,
                format!(
                    "`3probe` over wss; the parked https GET got {released}; a ping on the WebSocket after `5`"
                ),
            )
        }
        other => Verdict::fail(
            expected,
            format!(
                "`3probe` over wss, parked GET got {released}; after `5` the WebSocket gave {other:?}"
            ),
        ),
    };
    ws.close().await;
    verdict
}

async fn echo(ctx: Ctx, transport: Transport) -> Verdict {
    if let Err(v) = require_tls(&ctx) {
        return v;
    }
    let scheme = match transport {
        Transport::WebSocket => "wss",
        Transport::Polling => "https polling",
    };
    let args = vec![
        Value::from(format!("over {scheme}")),
        Value::from(serde_json::json!({ "n": 1, "tls": true })),
    ];
    let expected = format!("`message-back` with {} over {scheme}", show(&args));
    let (mut conn, _) = match SioConn::open_joined(&ctx, transport, "/", None).await {
        Ok(c) => c,
        Err(e) => return Verdict::error(e),
    };
    if let Err(e) = conn.emit("/", &event_args("message", &args), None) {
        return Verdict::error(e);
    }
    let verdict = match conn.expect_event("/", "message-back", ctx.quick()).await {
        Ok((got, _)) => Verdict::check(got == args, expected, show(&got)),
        Err(seen) => Verdict::fail(expected, seen),
    };
    conn.close();
    verdict
}

async fn public_roots_only(ctx: Ctx) -> Verdict {
    if let Err(v) = require_tls(&ctx) {
        return v;
    }
    let expected = "reported as seen: with a private CA (a test server) the TLS handshake fails \
                    with an unknown-issuer error, so clients need that CA (--ca FILE); with a \
                    certificate from a public CA the handshake succeeds";
    // A client as a browser or a stock HTTP library is: the webpki roots, no --ca, no --insecure.
    let config = match client_config(&TlsOptions::default()) {
        Ok(c) => c,
        Err(e) => return Verdict::error(format!("cannot build the default TLS config: {e}")),
    };
    let connector = Connector::new(ctx.connector.target().clone(), Some(config));
    ctx.transcript
        .note("a handshake trusting only the public (webpki) roots, as a stock client would");
    let polling = PollingClient::new(connector, ctx.transcript.clone());
    let seen = match polling.get("EIO=4&transport=polling", ctx.quick()).await {
        Err(e @ TransportError::Tls { .. }) => format!(
            "the TLS handshake failed: {e}; the certificate does not chain to a public root, so \
             clients need the server's CA"
        ),
        Err(e) => format!("the request failed without a TLS error: {e}"),
        Ok(r) => format!(
            "HTTP {} over https with the public roots only: the certificate chains to a public \
             root",
            r.status
        ),
    };
    Verdict::new(Grade::Informational, expected, seen)
}
