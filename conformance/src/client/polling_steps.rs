//! Steps that Engine.IO v4 cases take on an [`EnginePolling`] session: reading the next body
//! while answering pings, joining `/`, parking a GET, syncing to the heartbeat, and the whole
//! upgrade to WebSocket as the reference client does it. Each step is bounded by its deadline
//! and a round count.

use std::time::{Duration, Instant};

use bytes::Bytes;
use socketio_codec::engine_io::{Packet, PacketType};
use socketio_codec::socket_io::{self, Namespace};

use super::eio_ws::Incoming;
use super::engine::{EnginePolling, EngineWs, error_code, polling_query};
use super::messages::{connect_text, is_text_starting, sio_packet};
use super::show::{incoming_text, packet_text, response_text, show_body, show_packets};
use crate::ctx::Ctx;
use crate::transport::PendingRequest;

impl EnginePolling {
    /// Best-effort end of the session: POST `1`.
    pub(crate) async fn close(&self) {
        let _ = self.post(&[Packet::close()]).await;
    }

    /// GETs (answering pings) until a GET brings packets other than pings; returns those
    /// packets and the raw body of that GET.
    pub(crate) async fn next_body(
        &self,
        timeout: Duration,
    ) -> Result<(Vec<Packet<'static>>, Bytes), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..100 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let (response, packets) = self.get(left).await?;
            if response.status != 200 {
                return Err(format!(
                    "GET answered HTTP {} {}",
                    response.status,
                    show_body(&response.body)
                ));
            }
            let (pings, others): (Vec<_>, Vec<_>) = packets
                .into_iter()
                .partition(|p| p.kind == PacketType::Ping);
            if !pings.is_empty() {
                self.post(&[Packet::pong()]).await?;
            }
            if !others.is_empty() {
                return Ok((others, response.body));
            }
        }
        Err(format!(
            "nothing but pings within {} ms",
            timeout.as_millis()
        ))
    }

    /// Joins `/`: POSTs CONNECT, then GETs until the CONNECT answer and the testee's `auth`
    /// event have both arrived, so that nothing is left buffered.
    pub(crate) async fn join_and_auth(&self, ctx: &Ctx) -> Result<(), String> {
        let connect = connect_text();
        let response = self.post(&[Packet::message(&connect)]).await?;
        if response.status != 200 {
            return Err(format!("POST `40` answered HTTP {}", response.status));
        }
        let (mut connected, mut auth) = (false, false);
        let deadline = tokio::time::Instant::now() + ctx.quick();
        for _ in 0..20 {
            if connected && auth {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let (packets, _) = self.next_body(left).await?;
            for packet in &packets {
                connected |= is_text_starting(packet, "0{");
                auth |= is_text_starting(packet, "2[\"auth\"");
                if packet.kind == PacketType::Close {
                    return Err("the session closed while joining `/`".to_owned());
                }
            }
        }
        if connected && auth {
            Ok(())
        } else {
            Err(format!(
                "joining `/`: CONNECT answer seen: {connected}, `auth` event seen: {auth}"
            ))
        }
    }

    /// Joins `/`: POSTs `40`, then GETs until the CONNECT answer and the `auth` event
    /// (TESTEE1-CORE-002) arrived, answering pings; any other packet is an error.
    pub(crate) async fn join(&self, ctx: &Ctx) -> Result<(), String> {
        let connect = socket_io::Packet::connect(Namespace::MAIN, None)
            .map_err(|e| e.to_string())?
            .to_wire();
        let r = self.post(&[Packet::message(&connect)]).await?;
        if r.status != 200 {
            return Err(format!("CONNECT POST answered {}", response_text(&r)));
        }
        let (mut connected, mut authed) = (false, false);
        let deadline = Instant::now() + ctx.quick();
        // Bounded by the deadline; each round is one GET.
        for _ in 0..1000 {
            if connected && authed {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let packets = self.next_packets(left).await?;
            for p in &packets {
                match sio_packet(p) {
                    Some(s) if s.kind == socket_io::PacketType::Connect => connected = true,
                    Some(s)
                        if s.event_name().and_then(|n| n.as_str().map(str::to_owned))
                            == Some("auth".to_owned()) =>
                    {
                        authed = true;
                    }
                    _ => {
                        return Err(format!(
                            "unexpected packet while joining: {}",
                            packet_text(p)
                        ));
                    }
                }
            }
        }
        if connected && authed {
            Ok(())
        } else {
            Err(format!(
                "joining `/` over polling: CONNECT answer {connected}, `auth` event {authed}"
            ))
        }
    }

    /// Whether the unjoined session is alive: POST CONNECT and expect its answer on a GET.
    /// `Ok(description)` when alive, `Err(description)` otherwise.
    pub(crate) async fn alive_by_connect(&self, ctx: &Ctx) -> Result<String, String> {
        let connect = connect_text();
        let response = self.post(&[Packet::message(&connect)]).await?;
        if response.status != 200 {
            return Err(format!(
                "POST `40` answered HTTP {} {}",
                response.status,
                show_body(&response.body)
            ));
        }
        let (packets, _) = self.next_body(ctx.quick()).await?;
        if packets.iter().any(|p| is_text_starting(p, "0{")) {
            Ok("then `40` was answered with the CONNECT `40{…}`: the session is open".to_owned())
        } else {
            Err(format!("`40` was answered with {}", show_packets(&packets)))
        }
    }

    /// Starts a GET and gives it a moment (half the tolerance) to reach the server and park
    /// there.
    pub(crate) async fn park(&self, ctx: &Ctx) -> PendingRequest {
        let get = self.spawn_get(ctx.heartbeat_window() + ctx.quick());
        tokio::time::sleep(ctx.tolerance() / 2).await;
        get
    }

    /// GETs (answering nothing else) until a ping arrives, then POSTs the pong: the next ping is
    /// `pingInterval` away (EIO4-HB-004). Returns the other packets seen.
    pub(crate) async fn sync_to_pong(&self, ctx: &Ctx) -> Result<Vec<Packet<'static>>, String> {
        let deadline = Instant::now() + ctx.heartbeat_window() + ctx.quick();
        let mut others = Vec::new();
        // Bounded by the deadline; each round is one GET.
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let (r, packets) = self.get(left).await?;
            if r.status != 200 {
                return Err(format!("GET answered {}", response_text(&r)));
            }
            let mut pinged = false;
            for p in packets {
                if p.kind == PacketType::Ping {
                    pinged = true;
                } else {
                    others.push(p);
                }
            }
            if pinged {
                let r = self.post(&[Packet::pong()]).await?;
                if r.status != 200 {
                    return Err(format!("pong POST answered {}", response_text(&r)));
                }
                return Ok(others);
            }
        }
        Err("no ping within pingInterval + pingTimeout".to_owned())
    }

    /// Opens the upgrade WebSocket for this session, sends `2probe` and expects `3probe`.
    /// Returns the WebSocket and when `2probe` was sent.
    pub(crate) async fn probe(&self, ctx: &Ctx) -> Result<(EngineWs, Instant), String> {
        let mut ws = EngineWs::upgrade(ctx, self.sid()).await?;
        let sent = Instant::now();
        ws.send(&Packet::ping_probe()).await?;
        match ws.recv(ctx.quick()).await {
            Ok(Incoming::Packet(p)) if p == Packet::pong_probe() => Ok((ws, sent)),
            other => Err(format!(
                "`2probe` not answered with `3probe`: {}",
                incoming_text(&other)
            )),
        }
    }

    /// A whole upgrade as the reference client does it: sync to a pong, park a GET, probe, wait
    /// for the GET to be released, send `5`. Returns the WebSocket, now the session transport.
    pub(crate) async fn upgrade(&self, ctx: &Ctx) -> Result<EngineWs, String> {
        self.sync_to_pong(ctx).await?;
        let mut get = self.spawn_get(ctx.quick());
        let (mut ws, _) = self.probe(ctx).await?;
        let r = get
            .wait(ctx.quick())
            .await
            .map_err(|e| format!("the parked GET was not released: {e}"))?;
        if r.status != 200 {
            return Err(format!("the parked GET answered {}", response_text(&r)));
        }
        ws.send(&Packet::upgrade()).await?;
        Ok(ws)
    }
}

/// Checks that the session `sid` is gone: a polling GET gets 400 with code 1 (EIO4-CLOSE-008).
pub(crate) async fn expect_sid_gone(ctx: &Ctx, sid: &str) -> Result<String, String> {
    match ctx.polling().get(&polling_query(sid), ctx.quick()).await {
        Ok(r) if r.status == 400 && error_code(&r) == Some(1) => Ok(response_text(&r)),
        Ok(r) => Err(response_text(&r)),
        Err(e) => Err(format!("GET failed: {e}")),
    }
}
