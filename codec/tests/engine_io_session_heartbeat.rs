//! Heartbeat behaviour of the Engine.IO session machines, on virtual time.

use std::time::Duration;

use socketio_codec::engine_io;
#[allow(dead_code, unreachable_pub)]
#[path = "../src/engine_io/session/testing.rs"]
mod testing;
use socketio_codec::engine_io::session::{
    ClientEvent, CloseReason, ServerConfig, ServerEvent, Timer,
};
use socketio_codec::engine_io::{ProtocolVersion, TransportKind};
use testing::Pair;

fn config() -> ServerConfig {
    ServerConfig {
        ping_interval: Duration::from_millis(25_000),
        ping_timeout: Duration::from_millis(20_000),
        ..ServerConfig::default()
    }
}

fn server_closed(pair: &Pair) -> Option<(Duration, CloseReason)> {
    pair.server_events.iter().find_map(|(t, e)| match e {
        ServerEvent::Closed(r) => Some((*t, *r)),
        _ => None,
    })
}

fn client_closed(pair: &Pair) -> Option<(Duration, CloseReason)> {
    pair.client_events.iter().find_map(|(t, e)| match e {
        ClientEvent::Closed(r) => Some((*t, *r)),
        _ => None,
    })
}

// spec: EIO4-HB-001
// spec: EIO4-HB-002
// spec: EIO4-HB-004
#[test]
fn ping_pong_keeps_v4_sessions_alive_for_many_intervals() {
    for transport in [TransportKind::Polling, TransportKind::WebSocket] {
        let mut pair = Pair::new(
            ProtocolVersion::V4,
            ProtocolVersion::V4,
            transport,
            config(),
        );
        pair.latency = Duration::from_millis(5);
        pair.run_for(Duration::from_secs(25 * 40));
        assert!(pair.client.is_open(), "{transport:?}: {:?}", pair.trace);
        assert!(!pair.server.is_closed(), "{transport:?}");
        let pings = pair
            .trace
            .iter()
            .filter(|l| l.contains("s->c") && l.ends_with("\"2\""))
            .count();
        assert!(pings >= 39, "{transport:?}: {pings} pings");
    }
}

// spec: EIO3-HB-001
// spec: EIO3-HB-002
// spec: EIO3-HB-004
#[test]
fn ping_pong_keeps_v3_sessions_alive_for_many_intervals() {
    for transport in [TransportKind::Polling, TransportKind::WebSocket] {
        let mut pair = Pair::new(
            ProtocolVersion::V3,
            ProtocolVersion::V3,
            transport,
            config(),
        );
        pair.latency = Duration::from_millis(5);
        pair.run_for(Duration::from_secs(25 * 40));
        assert!(pair.client.is_open(), "{transport:?}: {:?}", pair.trace);
        assert!(!pair.server.is_closed(), "{transport:?}");
    }
}

// spec: EIO4-HB-006
#[test]
fn v4_client_times_out_at_exactly_interval_plus_timeout() {
    let mut pair = Pair::new(
        ProtocolVersion::V4,
        ProtocolVersion::V4,
        TransportKind::WebSocket,
        config(),
    );
    pair.drive();
    assert!(pair.client.is_open());
    // The server goes silent: nothing it sends reaches the client any more.
    pair.latency = Duration::from_secs(3600);
    pair.run_for(Duration::from_secs(60));
    assert_eq!(
        client_closed(&pair),
        Some((Duration::from_millis(45_000), CloseReason::PingTimeout))
    );
    assert_eq!(pair.client.last_timeout_reason(), Some(Timer::PingTimeout));
}

// spec: EIO4-HB-003
// spec: EIO4-HB-008
#[test]
fn v4_server_times_out_at_exactly_interval_plus_timeout_without_pong() {
    let mut pair = Pair::new(
        ProtocolVersion::V4,
        ProtocolVersion::V4,
        TransportKind::WebSocket,
        config(),
    );
    pair.drive();
    // The client goes silent: its pong never arrives.
    pair.latency = Duration::from_secs(3600);
    pair.run_for(Duration::from_secs(60));
    assert_eq!(
        server_closed(&pair),
        Some((Duration::from_millis(45_000), CloseReason::PingTimeout))
    );
}

// spec: EIO3-HB-005
#[test]
fn v3_server_times_out_at_exactly_interval_plus_timeout_without_ping() {
    let mut pair = Pair::new(
        ProtocolVersion::V3,
        ProtocolVersion::V3,
        TransportKind::WebSocket,
        config(),
    );
    pair.drive();
    pair.latency = Duration::from_secs(3600);
    pair.run_for(Duration::from_secs(60));
    assert_eq!(
        server_closed(&pair),
        Some((Duration::from_millis(45_000), CloseReason::PingTimeout))
    );
}

// spec: EIO3-HB-008
// spec: EIO4-HB-005
#[test]
fn v3_client_against_v4_server_dies_at_the_first_timeout() {
    let mut pair = Pair::new(
        ProtocolVersion::V3,
        ProtocolVersion::V4,
        TransportKind::WebSocket,
        config(),
    );
    pair.run_for(Duration::from_secs(120));
    let (at, reason) = server_closed(&pair).expect("server closed");
    assert!(at <= Duration::from_millis(45_000), "{at:?}");
    assert!(
        matches!(
            reason,
            CloseReason::InvalidHeartbeatDirection | CloseReason::PingTimeout
        ),
        "{reason:?}"
    );
    assert!(!pair.client.is_open());
}

// spec: EIO3-HB-008
#[test]
fn v4_client_against_v3_server_times_out() {
    let mut pair = Pair::new(
        ProtocolVersion::V4,
        ProtocolVersion::V3,
        TransportKind::Polling,
        config(),
    );
    pair.run_for(Duration::from_secs(120));
    assert_eq!(
        server_closed(&pair),
        Some((Duration::from_millis(45_000), CloseReason::PingTimeout))
    );
    assert!(!pair.client.is_open());
}

// spec: EIO3-HB-001
// spec: EIO3-HB-006
#[test]
fn v3_client_pings_every_interval_and_times_out_without_pong() {
    let mut pair = Pair::new(
        ProtocolVersion::V3,
        ProtocolVersion::V3,
        TransportKind::WebSocket,
        config(),
    );
    pair.drive();
    pair.run_for(Duration::from_millis(25_000));
    assert!(
        pair.trace
            .iter()
            .any(|l| l == "+25000ms c->s ws-text \"2\""),
        "{:?}",
        pair.trace
    );
    assert!(
        pair.trace
            .iter()
            .any(|l| l.starts_with("+25000ms s->c") && l.ends_with("ws-text \"3\""))
    );
    // The server goes silent: the next pong never arrives.
    pair.latency = Duration::from_secs(3600);
    pair.run_for(Duration::from_secs(60));
    assert_eq!(
        client_closed(&pair),
        Some((Duration::from_millis(70_000), CloseReason::PingTimeout))
    );
}
