//! Engine.IO v3 upgrade (spec/engine-io-v3.md, UPG) and closing (CLOSE).

use socketio_codec::engine_io::{Packet, PacketType};

use super::has_event;
use crate::case::{Case, Verdict, case_fn, case_fn_on};
use crate::client::Incoming;
use crate::client::v3::{V3Polling, V3Ws, is_octet_stream, packets_text, response_text};
use crate::ctx::Ctx;

pub(crate) const CASES: &[Case] = &[
    // interop-bugs #5: the noop answering polls during a v3 upgrade was binary-encoded.
    Case {
        id: "EIO3-UPG-001/noop-text-binary-session",
        title: "during a v3 upgrade (session without b64) `2probe` gets `3probe` and the parked GET \
                gets the text payload `1:6`, never a binary payload",
        requirements: &[
            "EIO3-UPG-001",
            "EIO3-UPG-002",
            "EIO3-URL-002",
            "EIO3-HB-003",
            "EIO3-HB-002",
        ],
        features: &["core"],
        run: case_fn_on!(noop_during_upgrade, false),
    },
    Case {
        id: "EIO3-UPG-001/noop-text-b64-session",
        title: "during a v3 upgrade (session with b64=1) `2probe` gets `3probe` and the parked GET \
                gets the text payload `1:6`",
        requirements: &["EIO3-UPG-001", "EIO3-URL-002", "EIO3-HB-003"],
        features: &["core"],
        run: case_fn_on!(noop_during_upgrade, true),
    },
    Case {
        id: "EIO3-CLOSE-002/close-releases-get",
        title: "a client close `1:1` POSTed while a GET is parked releases that GET with `1:6`; the \
                sid is gone afterwards",
        requirements: &["EIO3-CLOSE-002", "EIO3-CLOSE-001"],
        features: &["core"],
        run: case_fn!(close_releases_get),
    },
];

/// Opens a polling session, reads the Socket.IO greeting (`40`, `auth`) so nothing is pending,
/// and pings so the heartbeat deadline is fresh.
async fn quiet_session(ctx: &Ctx, b64: bool) -> Result<V3Polling, String> {
    let ep = V3Polling::open(ctx, b64).await?;
    if !has_event(&ep.initial, "auth") {
        let (_, packets, stop) = ep.collect(ctx.quick(), |p| has_event(p, "auth")).await;
        if let Some(e) = stop {
            return Err(format!(
                "no `auth` greeting: {e}; got {}",
                packets_text(&packets)
            ));
        }
    }
    ep.ping().await?;
    let (r, packets) = ep.get(ctx.quick()).await?;
    if !packets.iter().any(|p| p.kind == PacketType::Pong) {
        return Err(format!("the ping got {}", response_text(&r)));
    }
    Ok(ep)
}

async fn noop_during_upgrade(ctx: Ctx, b64: bool) -> Verdict {
    let expected = "`3probe` on the WebSocket; the parked GET answered 200 text/plain with exactly \
                    `1:6` (not application/octet-stream); after `5` the WebSocket answers a ping \
                    `2` with `3`";
    let ep = match quiet_session(&ctx, b64).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let mut parked = ep.spawn_get(ctx.quick() * 2);
    let mut ws = match V3Ws::upgrade(&ctx, ep.sid(), b64).await {
        Ok(ws) => ws,
        Err(e) => {
            ep.close().await;
            return Verdict::error(e);
        }
    };
    let mut seen = Vec::new();
    let mut ok = true;
    if let Err(e) = ws.send(&Packet::ping_probe()).await {
        return Verdict::error(e);
    }
    match ws.recv(ctx.quick()).await {
        Ok(Incoming::Packet(p))
            if p.kind == PacketType::Pong && p.data.as_text() == Some("probe") =>
        {
            seen.push("`3probe`".to_owned());
        }
        other => {
            ok = false;
            seen.push(format!("probe answered {other:?}"));
        }
    }
    match parked.wait(ctx.quick()).await {
        Ok(r) => {
            let exact = r.status == 200 && !is_octet_stream(&r) && &r.body[..] == b"1:6";
            ok &= exact;
            seen.push(format!("parked GET: {}", response_text(&r)));
        }
        Err(e) => {
            ok = false;
            seen.push(format!("parked GET not released: {e}"));
        }
    }
    if ok {
        let upgraded = async {
            ws.send(&Packet::upgrade()).await?;
            ws.send(&Packet::ping()).await?;
            // Socket.IO messages buffered meanwhile may come first.
            for _ in 0..20 {
                match ws.recv(ctx.quick()).await? {
                    Incoming::Packet(p) if p.kind == PacketType::Pong => return Ok(()),
                    Incoming::Packet(_) => {}
                    other => return Err(format!("{other:?}")),
                }
            }
            Err("no pong".to_owned())
        };
        match upgraded.await {
            Ok(()) => seen.push("after `5`, `2` → `3` on the WebSocket".to_owned()),
            Err(e) => {
                ok = false;
                seen.push(format!("after `5`: {e}"));
            }
        }
    }
    ws.close().await;
    Verdict::check(ok, expected, seen.join("; "))
}

async fn close_releases_get(ctx: Ctx) -> Verdict {
    let expected = "the parked GET answered with `1:6` once `1:1` is POSTed; a GET afterwards \
                    gets HTTP 400";
    let ep = match quiet_session(&ctx, false).await {
        Ok(ep) => ep,
        Err(e) => return Verdict::error(e),
    };
    let mut parked = ep.spawn_get(ctx.quick() * 2);
    // Let the GET park before closing.
    tokio::time::sleep(ctx.tolerance() / 4).await;
    let posted = ep.post(&[Packet::close()]).await;
    let released = parked.wait(ctx.quick()).await;
    let after = ep.get(ctx.quick()).await;
    let seen = format!(
        "POST `1:1`: {}; parked GET: {}; next GET: {}",
        posted.as_ref().map_or_else(|e| e.clone(), response_text),
        released
            .as_ref()
            .map_or_else(|e| e.to_string(), response_text),
        after
            .as_ref()
            .map_or_else(|e| e.clone(), |(r, _)| response_text(r))
    );
    let ok = matches!(&released, Ok(r) if r.status == 200 && &r.body[..] == b"1:6")
        && matches!(&after, Ok((r, _)) if r.status == 400);
    Verdict::check(ok, expected, seen)
}
