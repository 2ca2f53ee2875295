//! The polling → WebSocket upgrade, on virtual time.

use std::time::{Duration, Instant};

use socketio_codec::engine_io;
#[allow(dead_code, unreachable_pub)]
#[path = "../src/engine_io/session/testing.rs"]
mod testing;
use engine_io::session::{
    ClientEvent, ClientState, ConnId, CounterSidGenerator, Message, Output, ServerConfig,
    ServerEvent, ServerSession, ServerState, ServerTransmit, WsMessage,
};
use engine_io::{ProtocolVersion, TransportKind};
use testing::Pair;

fn text(s: &str) -> Message {
    Message::Text(s.to_owned())
}

fn client_messages(pair: &Pair) -> Vec<Message> {
    pair.client_events
        .iter()
        .filter_map(|(_, e)| match e {
            ClientEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn server_messages(pair: &Pair) -> Vec<Message> {
    pair.server_events
        .iter()
        .filter_map(|(_, e)| match e {
            ServerEvent::Message(m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

// spec: EIO4-UPG-004
// spec: EIO4-UPG-005
// spec: EIO4-UPG-006
// spec: EIO4-UPG-008
// spec: EIO4-UPG-009
// spec: EIO4-UPG-010
#[test]
fn upgrade_with_a_parked_get_loses_and_reorders_nothing() {
    for version in [ProtocolVersion::V4, ProtocolVersion::V3] {
        for latency in [0, 3, 17] {
            let mut pair = Pair::new(
                version,
                version,
                TransportKind::Polling,
                ServerConfig::default(),
            );
            pair.latency = Duration::from_millis(latency);
            pair.run_for(Duration::from_millis(100));
            assert_eq!(pair.client.state(), ClientState::Polling);
            let mut sent_down = Vec::new();
            let mut sent_up = Vec::new();
            for i in 0..3 {
                sent_down.push(text(&format!("down{i}")));
                pair.server.send_message(text(&format!("down{i}")));
                sent_up.push(text(&format!("up{i}")));
                pair.client.send_message(text(&format!("up{i}")));
            }
            pair.run_for(Duration::from_millis(100));
            // The GET is parked again when the upgrade starts.
            assert!(pair.client.start_upgrade());
            for i in 3..40 {
                sent_down.push(Message::Binary(vec![i]));
                pair.server.send_message(Message::Binary(vec![i]));
                sent_up.push(text(&format!("up{i}")));
                pair.client.send_message(text(&format!("up{i}")));
                pair.run_for(Duration::from_millis(1));
            }
            pair.run_for(Duration::from_secs(1));
            for i in 40..45 {
                sent_down.push(text(&format!("down{i}")));
                pair.server.send_message(text(&format!("down{i}")));
            }
            pair.run_for(Duration::from_secs(1));
            assert_eq!(
                pair.client.state(),
                ClientState::WebSocket,
                "{:#?}",
                pair.trace
            );
            assert_eq!(pair.server.state(), ServerState::WebSocket);
            assert!(
                pair.client_events
                    .iter()
                    .any(|(_, e)| *e == ClientEvent::Upgraded)
            );
            assert!(
                pair.server_events
                    .iter()
                    .any(|(_, e)| *e == ServerEvent::Upgraded)
            );
            assert_eq!(client_messages(&pair), sent_down, "{version:?} {latency}");
            assert_eq!(server_messages(&pair), sent_up, "{version:?} {latency}");
            // The heartbeat keeps running over the new transport.
            pair.run_for(Duration::from_secs(300));
            assert!(pair.client.is_open() && !pair.server.is_closed());
        }
    }
}

fn polling_server(now: Instant) -> ServerSession {
    let mut server = ServerSession::new(
        ServerConfig::default(),
        ProtocolVersion::V4,
        TransportKind::Polling,
        &mut CounterSidGenerator::default(),
        now,
    );
    drain(&mut server);
    server
}

fn drain(server: &mut ServerSession) -> Vec<Output<ServerTransmit, ServerEvent>> {
    let mut out = Vec::new();
    loop {
        match server.poll_output() {
            Output::Timeout(_) => return out,
            o => out.push(o),
        }
    }
}

fn http(to: ConnId, status: u16, body: &str) -> Output<ServerTransmit, ServerEvent> {
    Output::Transmit(ServerTransmit::Http {
        to,
        status,
        content_type: Some("text/plain; charset=UTF-8"),
        body: body.as_bytes().to_vec(),
    })
}

fn frame(to: ConnId, text: &str) -> Output<ServerTransmit, ServerEvent> {
    Output::Transmit(ServerTransmit::WsFrame {
        to,
        frame: WsMessage::Text(text).to_frame(),
    })
}

// spec: EIO4-UPG-005
// spec: EIO4-UPG-006
// spec: EIO4-UPG-007
// spec: EIO4-UPG-009
// spec: EIO4-UPG-013
#[test]
fn server_upgrade_sequence_on_the_wire() {
    let now = Instant::now();
    let mut server = polling_server(now);
    let get = server.handle_get(now);
    assert!(drain(&mut server).is_empty());
    let ws = server.handle_ws_open(now);
    assert!(drain(&mut server).is_empty());
    server.handle_ws_message(ws, WsMessage::Text("2probe"), now);
    assert_eq!(
        drain(&mut server),
        [frame(ws, "3probe"), http(get, 200, "6")]
    );
    server.send_message(text("queued"));
    let get2 = server.handle_get(now);
    assert_eq!(drain(&mut server), [http(get2, 200, "4queued")]);
    let get3 = server.handle_get(now);
    assert_eq!(drain(&mut server), [http(get3, 200, "6")]);
    server.send_message(text("a"));
    server.send_message(text("b"));
    server.handle_ws_message(ws, WsMessage::Text("5"), now);
    assert_eq!(
        drain(&mut server),
        [
            frame(ws, "4a"),
            frame(ws, "4b"),
            Output::Event(ServerEvent::Upgraded)
        ]
    );
    let late = server.handle_get(now);
    let out = drain(&mut server);
    assert!(
        matches!(&out[..], [Output::Transmit(ServerTransmit::Http { to, status: 400, body, .. })]
            if *to == late && body.as_slice() == br#"{"code":3,"message":"Bad request"}"#),
        "{out:?}"
    );
    assert_eq!(server.state(), ServerState::WebSocket);
}

// spec: EIO4-UPG-011
#[test]
fn another_packet_before_upgrade_aborts_only_the_new_transport() {
    let now = Instant::now();
    for bad in ["4hello", "2probe", "x", "6"] {
        let mut server = polling_server(now);
        let ws = server.handle_ws_open(now);
        server.handle_ws_message(ws, WsMessage::Text("2probe"), now);
        drain(&mut server);
        server.handle_ws_message(ws, WsMessage::Text(bad), now);
        assert_eq!(
            drain(&mut server),
            [
                Output::Transmit(ServerTransmit::WsClose { to: ws }),
                Output::Event(ServerEvent::UpgradeFailed)
            ],
            "{bad}"
        );
        assert_eq!(server.state(), ServerState::Polling);
        server.send_message(text("still polling"));
        let get = server.handle_get(now);
        assert_eq!(drain(&mut server), [http(get, 200, "4still polling")]);
    }
}

// spec: EIO4-UPG-012
#[test]
fn upgrade_times_out_and_polling_continues() {
    let now = Instant::now();
    let mut server = polling_server(now);
    let ws = server.handle_ws_open(now);
    server.handle_ws_message(ws, WsMessage::Text("2probe"), now);
    drain(&mut server);
    let at = now + ServerConfig::default().upgrade_timeout;
    server.handle_timeout(at);
    assert_eq!(
        drain(&mut server),
        [
            Output::Transmit(ServerTransmit::WsClose { to: ws }),
            Output::Event(ServerEvent::UpgradeFailed)
        ]
    );
    assert_eq!(server.state(), ServerState::Polling);
}

// spec: EIO4-UPG-003
#[test]
fn a_second_websocket_is_refused() {
    let now = Instant::now();
    let mut server = polling_server(now);
    let _first = server.handle_ws_open(now);
    let second = server.handle_ws_open(now);
    assert_eq!(
        drain(&mut server),
        [Output::Transmit(ServerTransmit::WsClose { to: second })]
    );
    assert_eq!(server.state(), ServerState::UpgradeProbing);
}

// spec: EIO4-LIM-004
// spec: EIO4-WS-004
#[test]
fn websocket_sessions_close_on_oversized_or_empty_messages() {
    let now = Instant::now();
    for (message, reason) in [
        (
            WsMessage::Binary(&[0; 2_000_000]),
            engine_io::session::CloseReason::TransportError,
        ),
        (
            WsMessage::Text(""),
            engine_io::session::CloseReason::ParseError,
        ),
    ] {
        let mut server = ServerSession::new(
            ServerConfig::default(),
            ProtocolVersion::V4,
            TransportKind::WebSocket,
            &mut CounterSidGenerator::default(),
            now,
        );
        let ws = server.handshake_conn();
        drain(&mut server);
        server.handle_ws_message(ws, message, now);
        let out = drain(&mut server);
        assert!(
            out.contains(&Output::Transmit(ServerTransmit::WsClose { to: ws })),
            "{out:?}"
        );
        assert_eq!(
            out.last(),
            Some(&Output::Event(ServerEvent::Closed(reason)))
        );
    }
}

// spec: EIO4-HS-010
#[test]
fn no_upgrade_when_the_server_does_not_offer_it() {
    let config = ServerConfig {
        allow_upgrades: false,
        ..ServerConfig::default()
    };
    let mut pair = Pair::new(
        ProtocolVersion::V4,
        ProtocolVersion::V4,
        TransportKind::Polling,
        config,
    );
    pair.drive();
    assert_eq!(pair.server.handshake().upgrades, Vec::<String>::new());
    assert!(!pair.client.start_upgrade());
    assert_eq!(pair.client.state(), ClientState::Polling);
}
