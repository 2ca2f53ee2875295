//! Long-polling request rules of the server session machine.

use std::time::{Duration, Instant};

use socketio_codec::engine_io;
#[allow(dead_code, unreachable_pub)]
#[path = "../src/engine_io/session/testing.rs"]
mod testing;
use engine_io::session::{
    ClientEvent, CloseReason, ConnId, CounterSidGenerator, Message, Output, ServerConfig,
    ServerEvent, ServerSession, ServerState, ServerTransmit,
};
use engine_io::{ProtocolVersion, TransportKind};
use testing::Pair;

type Out = Output<ServerTransmit, ServerEvent>;

fn server(version: ProtocolVersion, now: Instant) -> ServerSession {
    let config = ServerConfig {
        max_payload: 16,
        ..ServerConfig::default()
    };
    let mut server = ServerSession::new(
        config,
        version,
        TransportKind::Polling,
        &mut CounterSidGenerator::default(),
        now,
    );
    drain(&mut server);
    server
}

fn drain(server: &mut ServerSession) -> Vec<Out> {
    let mut out = Vec::new();
    loop {
        match server.poll_output() {
            Output::Timeout(_) => return out,
            o => out.push(o),
        }
    }
}

fn http(to: ConnId, status: u16, body: &str) -> Out {
    Output::Transmit(ServerTransmit::Http {
        to,
        status,
        content_type: Some("text/plain; charset=UTF-8"),
        body: body.as_bytes().to_vec(),
    })
}

fn empty(to: ConnId, status: u16) -> Out {
    Output::Transmit(ServerTransmit::Http {
        to,
        status,
        content_type: None,
        body: Vec::new(),
    })
}

fn ok(to: ConnId) -> Out {
    Output::Transmit(ServerTransmit::Http {
        to,
        status: 200,
        content_type: Some("text/html"),
        body: b"ok".to_vec(),
    })
}

fn closed(reason: CloseReason) -> Out {
    Output::Event(ServerEvent::Closed(reason))
}

fn error_status(out: &[Out]) -> Option<(u16, String)> {
    match out {
        [Output::Transmit(ServerTransmit::Http { status, body, .. })] => {
            Some((*status, String::from_utf8_lossy(body).into_owned()))
        }
        _ => None,
    }
}

#[test]
fn the_handshake_answers_the_first_get() {
    let now = Instant::now();
    let mut s = ServerSession::new(
        ServerConfig::default(),
        ProtocolVersion::V4,
        TransportKind::Polling,
        &mut CounterSidGenerator::default(),
        now,
    );
    let conn = s.handshake_conn();
    assert_eq!(
        drain(&mut s),
        [http(
            conn,
            200,
            r#"0{"sid":"sid-0","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        )]
    );
}

// spec: EIO4-POLL-003
// spec: EIO4-POLL-004
#[test]
fn a_get_is_parked_until_packets_arrive_and_gets_them_all() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    s.send_message(Message::Text("a".into()));
    s.send_message(Message::Binary(vec![1, 2, 3, 4]));
    let get = s.handle_get(now);
    assert_eq!(drain(&mut s), [http(get, 200, "4a\x1ebAQIDBA==")]);
    let get = s.handle_get(now);
    assert!(drain(&mut s).is_empty());
    s.send_message(Message::Text("b".into()));
    assert_eq!(drain(&mut s), [http(get, 200, "4b")]);
}

// spec: EIO4-POLL-007
// spec: EIO4-POLL-008
// spec: EIO4-CLOSE-008
#[test]
fn a_duplicate_get_closes_the_session() {
    for (version, close) in [(ProtocolVersion::V4, "1"), (ProtocolVersion::V3, "1:1")] {
        let now = Instant::now();
        let mut s = server(version, now);
        let first = s.handle_get(now);
        let second = s.handle_get(now);
        assert_eq!(
            drain(&mut s),
            [
                empty(second, 400),
                http(first, 200, close),
                closed(CloseReason::TransportError)
            ]
        );
        s.handle_get(now);
        assert_eq!(
            error_status(&drain(&mut s)),
            Some((
                400,
                r#"{"code":1,"message":"Session ID unknown"}"#.to_owned()
            ))
        );
    }
}

// spec: EIO4-POLL-012
// spec: EIO4-POLL-013
// spec: EIO4-POLL-014
// spec: EIO3-CLOSE-002
#[test]
fn a_post_containing_close_closes_and_releases_the_get_with_noop() {
    for (version, body, noop) in [
        (ProtocolVersion::V4, "4a\x1e1\x1e4dropped", "6"),
        (ProtocolVersion::V3, "2:4a1:13:4xx", "1:6"),
    ] {
        let now = Instant::now();
        let mut s = server(version, now);
        let get = s.handle_get(now);
        let post = s.handle_post(body.as_bytes(), now);
        assert_eq!(
            drain(&mut s),
            [
                ok(post),
                Output::Event(ServerEvent::Message(Message::Text("a".into()))),
                http(get, 200, noop),
                closed(CloseReason::TransportClose)
            ],
            "{version:?}"
        );
        assert!(s.is_closed());
    }
}

// spec: EIO4-LIM-002
// spec: EIO4-LIM-003
// spec: EIO4-LIM-006
#[test]
fn an_oversized_post_gets_413_and_the_session_survives() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    let post = s.handle_post(b"4seventeen bytes!", now);
    assert_eq!(drain(&mut s), [empty(post, 413)]);
    assert_eq!(s.state(), ServerState::Polling);
    let post = s.handle_post(b"4sixteen bytes!!", now);
    assert_eq!(
        drain(&mut s),
        [
            ok(post),
            Output::Event(ServerEvent::Message(Message::Text(
                "sixteen bytes!!".into()
            )))
        ]
    );
}

// spec: EIO4-POLL-010
#[test]
fn a_concurrent_post_closes_the_session() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    let first = s.handle_post_started(now);
    let second = s.handle_post_started(now);
    assert_eq!(
        drain(&mut s),
        [
            empty(second, 400),
            Output::Transmit(ServerTransmit::Reset { to: first }),
            closed(CloseReason::TransportError)
        ]
    );
}

// spec: EIO4-POLL-009
#[test]
fn an_aborted_get_closes_the_session() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    let get = s.handle_get(now);
    s.handle_get_aborted(get, now);
    assert_eq!(drain(&mut s), [closed(CloseReason::TransportError)]);
}

// spec: EIO4-POLL-016
#[test]
fn an_invalid_packet_closes_with_parse_error() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    let post = s.handle_post(b"4a\x1e9", now);
    assert_eq!(
        drain(&mut s),
        [
            ok(post),
            Output::Event(ServerEvent::Message(Message::Text("a".into()))),
            closed(CloseReason::ParseError)
        ]
    );
}

// spec: EIO4-HB-005
#[test]
fn a_v4_client_ping_closes_the_session() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    let post = s.handle_post(b"2", now);
    assert_eq!(
        drain(&mut s),
        [ok(post), closed(CloseReason::InvalidHeartbeatDirection)]
    );
}

// spec: EIO4-CLOSE-005
// spec: EIO4-CLOSE-006
#[test]
fn a_server_close_reaches_the_client_through_a_get() {
    let now = Instant::now();
    let mut s = server(ProtocolVersion::V4, now);
    s.send_message(Message::Text("bye".into()));
    s.close();
    assert_eq!(drain(&mut s), [closed(CloseReason::ForcedClose)]);
    let get = s.handle_get(now);
    assert_eq!(drain(&mut s), [http(get, 200, "4bye\x1e1")]);
    s.handle_get(now);
    assert_eq!(error_status(&drain(&mut s)).map(|(st, _)| st), Some(400));

    let mut s = server(ProtocolVersion::V4, now);
    let get = s.handle_get(now);
    s.close();
    assert_eq!(
        drain(&mut s),
        [http(get, 200, "1"), closed(CloseReason::ForcedClose)]
    );
}

// spec: EIO4-CLOSE-001
// spec: EIO4-CLOSE-003
#[test]
fn a_client_close_over_polling_reaches_the_server() {
    let mut pair = Pair::new(
        ProtocolVersion::V4,
        ProtocolVersion::V4,
        TransportKind::Polling,
        ServerConfig::default(),
    );
    pair.latency = Duration::from_millis(2);
    pair.run_for(Duration::from_millis(50));
    pair.client.close();
    pair.run_for(Duration::from_millis(50));
    assert!(
        pair.client_events
            .iter()
            .any(|(_, e)| *e == ClientEvent::Closed(CloseReason::ForcedClose))
    );
    assert!(
        pair.server_events
            .iter()
            .any(|(_, e)| *e == ServerEvent::Closed(CloseReason::TransportClose))
    );
}
