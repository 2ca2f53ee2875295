//! What a case gets: transports recording into its own transcript, and the server's settings as
//! read from a handshake (house style 23: deadlines derive from them, never from constants).

use std::time::Duration;

use socketio_codec::engine_io::{Handshake, Packet, PacketData, PacketType, ProtocolVersion};

use crate::transport::{
    Connector, PollingClient, Transcript, TransportError, WsConn, WsConnect, WsEvent,
};

/// The server's settings, from the open packet of a probe handshake.
#[derive(Debug, Clone)]
pub(crate) struct ServerParams {
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) max_payload: Option<u64>,
    pub(crate) upgrades: Vec<String>,
    /// Whether a polling handshake works.
    pub(crate) polling: bool,
    /// Whether the server offers WebSocket (in `upgrades`, or a WebSocket-only handshake works).
    pub(crate) websocket: bool,
    /// Whether the server speaks Engine.IO v4 (an `EIO=4` handshake gets a v4 open packet; an
    /// engine.io 3.x server answers it with a v3 payload instead).
    pub(crate) eio4: bool,
    /// Whether the server speaks Engine.IO v3 (an `EIO=3` handshake gets a v3 session).
    pub(crate) eio3: bool,
}

/// The start of an error message that means "the server does not offer this transport": a case
/// that stops on it is graded UNSUPPORTED, not ERROR (see [`crate::case::Verdict::error`]).
pub(crate) const UNSUPPORTED_TRANSPORT: &str = "unsupported transport: ";

impl ServerParams {
    /// Opens one polling session and reads its open packet; when polling is not offered, a
    /// WebSocket-only session instead (the fallback a real client makes).
    pub(crate) async fn probe(connector: &Connector) -> Result<ServerParams, String> {
        let polling = PollingClient::new(connector.clone(), Transcript::new());
        let polled = match polling
            .get("EIO=4&transport=polling", Duration::from_secs(10))
            .await
        {
            Ok(response) => parse_open(&response.body).map_err(|e| {
                format!(
                    "the polling handshake answer (HTTP {}) is not an Engine.IO v4 open packet: {e}",
                    response.status
                )
            }),
            Err(e) => Err(format!("the polling handshake failed: {e}")),
        };
        // An engine.io 3.x server ignores `EIO` and answers `EIO=4` with a v3 payload: it does
        // not speak v4, and its WebSocket would open a v3 session too (no fallback then).
        let v3_answer = polled.is_err() && polling_v3_answer(connector).await;
        let v3 = crate::client::v3::probe_v3(connector).await;
        let v4 = match polled {
            Ok(h) => Ok((h, true)),
            Err(polling_error) if v3_answer => Err(polling_error),
            Err(polling_error) => match probe_websocket(connector).await {
                Ok(h) => Ok((h, false)),
                Err(ws_error) => Err(format!("{polling_error}; {ws_error}")),
            },
        };
        let (eio4, eio3) = (v4.is_ok(), v3.is_ok());
        let (handshake, polling) = match (v4, v3) {
            (Ok(found), _) | (Err(_), Ok(found)) => found,
            (Err(v4_error), Err(v3_error)) => return Err(format!("{v4_error}; {v3_error}")),
        };
        let websocket = !polling || handshake.upgrades.iter().any(|u| u == "websocket");
        Ok(ServerParams {
            ping_interval: Duration::from_millis(handshake.ping_interval),
            ping_timeout: Duration::from_millis(handshake.ping_timeout),
            max_payload: handshake.max_payload,
            upgrades: handshake.upgrades,
            polling,
            websocket,
            eio4,
            eio3,
        })
    }

    /// Whether the server offers `transport`; `Err` with the UNSUPPORTED marker when not.
    pub(crate) fn require(&self, transport: &str) -> Result<(), String> {
        let offered = match transport {
            "polling" => self.polling,
            _ => self.websocket,
        };
        if offered {
            Ok(())
        } else {
            Err(format!(
                "{UNSUPPORTED_TRANSPORT}the server does not offer {transport} (handshake upgrades {:?}, polling handshake {})",
                self.upgrades,
                if self.polling { "works" } else { "refused" }
            ))
        }
    }
}

/// Whether the server answers a v4 polling handshake with a v3 payload (engine.io 3.x).
async fn polling_v3_answer(connector: &Connector) -> bool {
    let polling = PollingClient::new(connector.clone(), Transcript::new());
    match polling
        .get("EIO=4&transport=polling", Duration::from_secs(10))
        .await
    {
        Ok(r) => crate::client::v3::is_v3_open_payload(&r.body),
        Err(_) => false,
    }
}

/// A WebSocket-only handshake: the first text frame must be the open packet.
async fn probe_websocket(connector: &Connector) -> Result<Handshake, String> {
    let transcript = Transcript::new();
    let timeout = Duration::from_secs(10);
    match WsConn::connect(
        connector,
        &transcript,
        "EIO=4&transport=websocket",
        &[],
        timeout,
    )
    .await
    {
        Ok(WsConnect::Open(mut ws)) => {
            let first = ws.recv(timeout).await;
            let _ = ws.close(None, Duration::from_secs(1)).await;
            match first {
                Ok(WsEvent::Text(text)) => parse_open(text.as_bytes()).map_err(|e| {
                    format!("the WebSocket handshake's first frame is not an open packet: {e}")
                }),
                other => Err(format!(
                    "the WebSocket handshake sent no open packet: {other:?}"
                )),
            }
        }
        Ok(WsConnect::Refused(r)) => Err(format!(
            "the WebSocket handshake was refused with HTTP {}",
            r.status
        )),
        Err(e) => Err(format!("the WebSocket handshake failed: {e}")),
    }
}

/// Decodes a body that holds exactly one v4 open packet.
pub(crate) fn parse_open(body: &[u8]) -> Result<Handshake, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let packet = Packet::decode_text(text, ProtocolVersion::V4).map_err(|e| e.code().to_owned())?;
    match (packet.kind, &packet.data) {
        (PacketType::Open, PacketData::Text(json)) => {
            Handshake::decode(json).map_err(|e| e.code().to_owned())
        }
        (kind, _) => Err(format!("first packet is `{}`, not `open`", kind.name())),
    }
}

/// The context of one case run.
#[derive(Clone)]
pub(crate) struct Ctx {
    pub(crate) connector: Connector,
    pub(crate) transcript: Transcript,
    pub(crate) params: ServerParams,
    /// Multiplies every deadline (`--timeout-scale`).
    pub(crate) scale: f64,
    /// How many clients the broadcast cases connect (`--clients`).
    pub(crate) clients: usize,
    /// Every node of the cluster under test, `connector`'s first (`run URL1 URL2 …`); fewer than
    /// two when the target is a single server (the cluster cases are then UNSUPPORTED).
    pub(crate) nodes: Vec<Connector>,
}

impl Ctx {
    /// A polling client recording into this case's transcript.
    pub(crate) fn polling(&self) -> PollingClient {
        PollingClient::new(self.connector.clone(), self.transcript.clone())
    }

    /// A deadline for one exchange that needs no server timer: a round trip on loopback, scaled.
    pub(crate) fn quick(&self) -> Duration {
        self.scaled(Duration::from_secs(2))
    }

    /// The heartbeat window: pingInterval + pingTimeout, plus a tolerance, scaled.
    pub(crate) fn heartbeat_window(&self) -> Duration {
        let p = &self.params;
        self.scaled(p.ping_interval + p.ping_timeout + self.tolerance())
    }

    /// The tolerance added to server timers: a tenth of the ping interval, at least 100 ms.
    pub(crate) fn tolerance(&self) -> Duration {
        (self.params.ping_interval / 10).max(Duration::from_millis(100))
    }

    pub(crate) fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale.max(0.01))
    }

    /// Opens a polling session and returns its open packet.
    pub(crate) async fn open_polling(&self) -> Result<Handshake, String> {
        let response = self
            .polling()
            .get("EIO=4&transport=polling", self.quick())
            .await
            .map_err(|e: TransportError| e.to_string())?;
        if response.status != 200 {
            return Err(format!("handshake answered HTTP {}", response.status));
        }
        parse_open(&response.body)
    }
}
