//! Steps that Engine.IO v4 cases take on an [`EngineWs`] frame by frame: opening with a given
//! query, reading the next frame while answering pings, and joining `/`. Each step is bounded
//! by its deadline and a round count.

use std::time::{Duration, Instant};

use socketio_codec::engine_io::{Packet, PacketType};
use socketio_codec::socket_io::{self, Namespace};

use super::eio_ws::Incoming;
use super::engine::EngineWs;
use super::messages::{connect_text, sio_packet};
use super::show::{describe_frame, incoming_text};
use crate::ctx::Ctx;
use crate::transport::WsEvent;

/// How an error of [`EngineWs::next_frame`] that is its deadline begins.
const DEADLINE: &str = "nothing within";

/// Whether an error of [`EngineWs::next_frame`] is the connection ending (a reset, a broken
/// pipe, a close already reported to a failed send) rather than its deadline passing.
pub(crate) fn connection_ended(error: &str) -> bool {
    !error.starts_with(DEADLINE)
}

impl EngineWs {
    /// Opens a WebSocket-only session with `query` and reads its open packet (as a raw frame,
    /// so that a case can open sessions the codec would not describe, such as `b64=1`).
    pub(crate) async fn open_query(ctx: &Ctx, query: &str) -> Result<EngineWs, String> {
        let mut ws = Self::connect(ctx, query).await?;
        match ws.ws.recv(ctx.quick()).await {
            Ok(WsEvent::Text(t)) if t.starts_with('0') => Ok(ws),
            Ok(other) => Err(format!(
                "expected the open packet first, got {}",
                describe_frame(&other)
            )),
            Err(e) => Err(format!("no open packet: {e}")),
        }
    }

    /// The next frame or the end, answering pings (`2` → `3`) and skipping server noops (`6`,
    /// which a client discards: EIO4-PKT-010) on the way.
    pub(crate) async fn next_frame(&mut self, timeout: Duration) -> Result<WsEvent, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.ws.recv(left).await {
                Ok(WsEvent::Text(t)) if t == "2" => {
                    // A pong that cannot be sent means the server is closing: the next read
                    // reports how the connection ended.
                    let _ = self.send(&Packet::pong()).await;
                }
                Ok(WsEvent::Text(t)) if t == "6" => {}
                Ok(event) => return Ok(event),
                Err(e) if e.is_timeout() => {
                    return Err(format!("{DEADLINE} {} ms", timeout.as_millis()));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("too many pings".to_owned())
    }

    /// The answer to a Socket.IO CONNECT sent on this session: the next frame that is not an
    /// EVENT `42…` (events emitted by a connect handler may come first, which SIO5-NS-005
    /// grades elsewhere), answering pings on the way. The skipped events are named in the
    /// error, and stay in the transcript.
    pub(crate) async fn next_connect_answer(
        &mut self,
        timeout: Duration,
    ) -> Result<WsEvent, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut skipped = 0;
        for _ in 0..100 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Ok(WsEvent::Text(t)) if t.starts_with("42") => skipped += 1,
                Ok(event) => return Ok(event),
                Err(e) if skipped > 0 => return Err(format!("{e} (after {skipped} EVENT frames)")),
                Err(e) => return Err(e),
            }
        }
        Err("too many EVENT frames before the CONNECT answer".to_owned())
    }

    /// Joins `/`: sends CONNECT and reads frames until its answer and the testee's `auth` event
    /// (TESTEE1-CORE-002) came, so that nothing is left to read.
    pub(crate) async fn join_and_auth(&mut self, ctx: &Ctx) -> Result<(), String> {
        let connect = connect_text();
        self.send(&Packet::message(&connect)).await?;
        let (mut connected, mut auth) = (false, false);
        let deadline = tokio::time::Instant::now() + ctx.quick();
        for _ in 0..20 {
            if connected && auth {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await? {
                WsEvent::Text(t) => {
                    connected |= t.starts_with("40{");
                    auth |= t.starts_with("42[\"auth\"");
                }
                other => return Err(format!("joining `/`: {}", describe_frame(&other))),
            }
        }
        Err(format!(
            "joining `/`: CONNECT answer seen: {connected}, `auth` event seen: {auth}"
        ))
    }

    /// Joins `/`: sends `40` and reads packets until the CONNECT answer, answering pings. A
    /// Socket.IO server closes a session that joins nothing within its connect timeout.
    pub(crate) async fn join(&mut self, ctx: &Ctx) -> Result<(), String> {
        let connect = socket_io::Packet::connect(Namespace::MAIN, None)
            .map_err(|e| e.to_string())?
            .to_wire();
        self.send(&Packet::message(&connect)).await?;
        let deadline = Instant::now() + ctx.quick();
        // Bounded by the deadline; each round reads one packet.
        for _ in 0..1000 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv(left).await {
                Ok(Incoming::Packet(p)) if p.kind == PacketType::Ping => {
                    self.send(&Packet::pong()).await?;
                }
                Ok(Incoming::Packet(p)) => {
                    if sio_packet(&p).is_some_and(|s| s.kind == socket_io::PacketType::Connect) {
                        return Ok(());
                    }
                }
                other => return Err(format!("joining `/`: {}", incoming_text(&other))),
            }
        }
        Err("joining `/`: no CONNECT answer".to_owned())
    }
}
