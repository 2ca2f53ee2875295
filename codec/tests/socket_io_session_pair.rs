//! A Socket.IO client and server session wired back to back on virtual time, with Engine.IO
//! messages passed directly (no Engine.IO below).

use std::time::{Duration, Instant};

use socketio_codec::socket_io::session::SessionError;
use socketio_codec::socket_io::session::{
    Client, ClientConfig, ClientEvent, DisconnectReason, EngineMessage, NamespacePolicy, Output,
    Server, ServerConfig, ServerEvent, Violation,
};
use socketio_codec::socket_io::{AckId, DecodeError, EventName, Namespace, ProtocolVersion, Value};

type Sids = Box<dyn FnMut(&Namespace<'_>) -> String>;

/// The in-memory pair: delivers every transmit to the other side, records events and the wire.
struct Pair {
    client: Client,
    server: Server<Sids>,
    epoch: Instant,
    now: Instant,
    client_events: Vec<ClientEvent>,
    server_events: Vec<ServerEvent>,
    /// `c> text`, `s> text`, `c> bin 0102`, `s> close`.
    wire: Vec<String>,
    engine_open: bool,
}

impl Pair {
    fn new(policy: NamespacePolicy) -> Self {
        Self::with_version(policy, ProtocolVersion::V5)
    }

    fn with_version(policy: NamespacePolicy, version: ProtocolVersion) -> Self {
        let epoch = Instant::now();
        let mut n = 0;
        let sids: Sids = Box::new(move |_: &Namespace<'_>| {
            n += 1;
            format!("sid{n}")
        });
        let config = ServerConfig::new(policy)
            .with_connect_timeout(Duration::from_millis(1000))
            .with_version(version);
        let mut client_config = ClientConfig::default();
        client_config.version = version;
        Self {
            client: Client::new(client_config),
            server: Server::new(config, sids, epoch),
            epoch,
            now: epoch,
            client_events: Vec::new(),
            server_events: Vec::new(),
            wire: Vec::new(),
            engine_open: true,
        }
    }

    fn standard() -> Self {
        Self::new(NamespacePolicy::Only(vec![Namespace::MAIN, ns("/custom")]))
    }

    /// Delivers until neither side has anything to send. Returns the server's deadline.
    fn drive(&mut self) -> Option<Instant> {
        loop {
            let mut busy = false;
            loop {
                match self.client.poll_output() {
                    Output::Transmit(msg) => {
                        busy = true;
                        self.wire.push(format!("c> {}", show(&msg)));
                        if self.engine_open {
                            self.server.handle_message(msg, self.now);
                        }
                    }
                    Output::Event(e) => self.client_events.push(e),
                    Output::CloseEngine => {
                        busy = true;
                        self.close_engine("c");
                    }
                    Output::Timeout(_) => break,
                    _ => unreachable!(),
                }
            }
            let deadline = loop {
                match self.server.poll_output() {
                    Output::Transmit(msg) => {
                        busy = true;
                        self.wire.push(format!("s> {}", show(&msg)));
                        if self.engine_open {
                            self.client.handle_message(msg, self.now);
                        }
                    }
                    Output::Event(e) => self.server_events.push(e),
                    Output::CloseEngine => {
                        busy = true;
                        self.close_engine("s");
                    }
                    Output::Timeout(deadline) => break deadline,
                    _ => unreachable!(),
                }
            };
            if !busy {
                return deadline;
            }
        }
    }

    /// Jumps to the server's next deadline, fires it, drives.
    fn step_timeout(&mut self) {
        let deadline = self.drive().expect("a timer is armed");
        self.now = deadline;
        self.server.handle_timeout(self.now);
        self.drive();
    }

    fn close_engine(&mut self, side: &str) {
        self.wire.push(format!("{side}> close"));
        if self.engine_open {
            self.engine_open = false;
            self.client.handle_engine_closed(self.now);
            self.server.handle_engine_closed(self.now);
        }
    }

    /// Connects `namespace` with `auth` and accepts it on the server side.
    fn join(&mut self, namespace: &str, auth: Option<Value>) {
        self.client
            .connect(ns(namespace), auth.as_ref(), self.now)
            .unwrap();
        self.drive();
        self.server.accept(&ns(namespace), self.now).unwrap();
        self.drive();
    }

    fn take_wire(&mut self) -> Vec<String> {
        std::mem::take(&mut self.wire)
    }

    /// Feeds a raw message to the server as if the client had sent it.
    fn raw_to_server(&mut self, msg: &str) {
        self.server
            .handle_message(EngineMessage::Text(msg.to_owned()), self.now);
        self.drive();
    }
}

fn ns(name: &str) -> Namespace<'static> {
    Namespace::new(name.to_owned()).unwrap()
}

fn json(text: &str) -> Value {
    Value::from_json_str(text).unwrap()
}

fn show(msg: &EngineMessage) -> String {
    match msg {
        EngineMessage::Text(t) => t.clone(),
        EngineMessage::Binary(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("bin {hex}")
        }
    }
}

fn name(n: &str) -> EventName<'static> {
    EventName::new(n.to_owned()).unwrap()
}

// spec: SIO5-NS-001
// spec: SIO5-NS-002
// spec: SIO5-NS-003
// spec: SIO5-NS-009
#[test]
fn connect_main_and_custom_with_auth() {
    let mut pair = Pair::standard();
    pair.client
        .connect(Namespace::MAIN, None, pair.now)
        .unwrap();
    let auth = json(r#"{"token":"abc"}"#);
    pair.client
        .connect(ns("/custom"), Some(&auth), pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.server_events,
        [
            ServerEvent::ConnectRequest {
                namespace: Namespace::MAIN,
                auth: json("{}"),
                query: None,
            },
            ServerEvent::ConnectRequest {
                namespace: ns("/custom"),
                auth,
                query: None,
            },
        ]
    );
    pair.server.accept(&Namespace::MAIN, pair.now).unwrap();
    pair.server.accept(&ns("/custom"), pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            "c> 0",
            r#"c> 0/custom,{"token":"abc"}"#,
            r#"s> 0{"sid":"sid1"}"#,
            r#"s> 0/custom,{"sid":"sid2"}"#,
        ]
    );
    assert_eq!(
        pair.client_events,
        [
            ClientEvent::Connected {
                namespace: Namespace::MAIN,
                sid: Some("sid1".into()),
            },
            ClientEvent::Connected {
                namespace: ns("/custom"),
                sid: Some("sid2".into()),
            },
        ]
    );
    assert_eq!(pair.server.socket_id(&ns("/custom")), Some("sid2"));
    assert_eq!(pair.server.joined().count(), 2);
}

// spec: SIO5-NS-007
// spec: SIO5-NS-008
#[test]
fn refusal_with_and_without_data_keeps_the_connection() {
    let mut pair = Pair::new(NamespacePolicy::Any);
    pair.client.connect(ns("/admin"), None, pair.now).unwrap();
    pair.drive();
    let data = json(r#"{"code":42}"#);
    pair.server
        .refuse(&ns("/admin"), "Not authorized", Some(&data), pair.now)
        .unwrap();
    pair.drive();
    pair.client.connect(ns("/private"), None, pair.now).unwrap();
    pair.drive();
    pair.server
        .refuse(&ns("/private"), "nope", None, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            "c> 0/admin,",
            r#"s> 4/admin,{"message":"Not authorized","data":{"code":42}}"#,
            "c> 0/private,",
            r#"s> 4/private,{"message":"nope"}"#,
        ]
    );
    assert_eq!(
        pair.client_events[0],
        ClientEvent::ConnectError {
            namespace: ns("/admin"),
            data: json(r#"{"message":"Not authorized","data":{"code":42}}"#),
        }
    );
    assert!(!pair.server.is_closed() && pair.engine_open);
    // the client may go on to join another namespace
    pair.join("/", None);
    assert!(matches!(
        pair.client_events.last(),
        Some(ClientEvent::Connected { .. })
    ));
}

// spec: SIO5-NS-006
// spec: SIO5-NS-011
#[test]
fn unknown_namespace_is_refused_as_invalid() {
    let mut pair = Pair::standard();
    pair.client.connect(ns("/nope"), None, pair.now).unwrap();
    pair.client
        .connect(ns("/custom?x=1"), None, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            "c> 0/nope,",
            "c> 0/custom?x=1,",
            r#"s> 4/nope,{"message":"Invalid namespace"}"#,
            r#"s> 4/custom?x=1,{"message":"Invalid namespace"}"#,
        ]
    );
    assert!(pair.server_events.is_empty());
    assert_eq!(pair.client_events.len(), 2);
    assert!(pair.engine_open);
}

// spec: SIO5-EVT-001
// spec: SIO5-ACK-001
// spec: SIO5-ACK-002
#[test]
fn events_and_acks_both_ways() {
    let mut pair = Pair::standard();
    pair.join("/custom", None);
    pair.take_wire();
    let custom = ns("/custom");
    // client → server, with ack
    let id = pair
        .client
        .emit(
            &custom,
            "message-with-ack",
            &json(r#"[1,"2",{"3":[false]}]"#),
            true,
            pair.now,
        )
        .unwrap()
        .unwrap();
    pair.drive();
    let Some(ServerEvent::Event {
        name: got,
        args,
        ack_id: Some(server_side_id),
        socket_id,
        ..
    }) = pair.server_events.pop()
    else {
        panic!("expected an event");
    };
    assert_eq!(
        (got, socket_id.as_str()),
        (name("message-with-ack"), "sid1")
    );
    pair.server
        .ack(&custom, server_side_id, &args, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.client_events.pop(),
        Some(ClientEvent::Ack {
            namespace: custom.clone(),
            id,
            args: json(r#"[1,"2",{"3":[false]}]"#),
        })
    );
    // server → client, with ack
    let sid = pair
        .server
        .emit(&custom, "question", &json("[1]"), true, pair.now)
        .unwrap()
        .unwrap();
    pair.drive();
    let Some(ClientEvent::Event {
        ack_id: Some(cid), ..
    }) = pair.client_events.pop()
    else {
        panic!("expected an event");
    };
    pair.client
        .ack(&custom, cid, &json(r#"[7,"x"]"#), pair.now)
        .unwrap();
    // a second ack for the same id is refused locally
    assert!(
        pair.client
            .ack(&custom, cid, &json("[]"), pair.now)
            .is_err()
    );
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            r#"c> 2/custom,0["message-with-ack",1,"2",{"3":[false]}]"#,
            r#"s> 3/custom,0[1,"2",{"3":[false]}]"#,
            r#"s> 2/custom,0["question",1]"#,
            r#"c> 3/custom,0[7,"x"]"#,
        ]
    );
    assert_eq!(
        pair.server_events.pop(),
        Some(ServerEvent::Ack {
            namespace: custom,
            socket_id: "sid1".into(),
            id: sid,
            args: json(r#"[7,"x"]"#),
        })
    );
}

// spec: SIO5-ACK-003
// spec: SIO5-ACK-007
// spec: SIO5-BIN-001
// spec: SIO5-BIN-005
#[test]
fn binary_acks_both_ways() {
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.take_wire();
    let main = Namespace::MAIN;
    pair.client
        .emit(&main, "upload", &json("[]"), true, pair.now)
        .unwrap();
    pair.drive();
    let Some(ServerEvent::Event {
        ack_id: Some(id), ..
    }) = pair.server_events.pop()
    else {
        panic!("expected an event");
    };
    let bin = Value::Array(vec![Value::Binary(vec![1, 2]), "ok".into()]);
    pair.server.ack(&main, id, &bin, pair.now).unwrap();
    pair.server
        .emit(&main, "q", &json("[]"), true, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.client_events[pair.client_events.len() - 2],
        ClientEvent::Ack {
            namespace: main.clone(),
            id: AckId::new(0).unwrap(),
            args: bin.clone(),
        }
    );
    let Some(ClientEvent::Event {
        ack_id: Some(cid), ..
    }) = pair.client_events.pop()
    else {
        panic!("expected an event");
    };
    pair.client.ack(&main, cid, &bin, pair.now).unwrap();
    pair.drive();
    assert!(matches!(
        pair.server_events.pop(),
        Some(ServerEvent::Ack { args, .. }) if args == bin
    ));
    assert_eq!(
        pair.take_wire(),
        [
            r#"c> 20["upload"]"#,
            r#"s> 61-0[{"_placeholder":true,"num":0},"ok"]"#,
            "s> bin 0102",
            r#"s> 20["q"]"#,
            r#"c> 61-0[{"_placeholder":true,"num":0},"ok"]"#,
            "c> bin 0102",
        ]
    );
}

// spec: SIO5-BIN-002
// spec: SIO5-BIN-003
// spec: SIO5-BIN-013
#[test]
fn binary_event_with_nested_buffers() {
    let mut pair = Pair::standard();
    pair.join("/custom", None);
    pair.take_wire();
    let args = Value::Array(vec![
        Value::Object(vec![
            ("a".into(), Value::Binary(vec![0xaa])),
            (
                "b".into(),
                Value::Array(vec![Value::Null, Value::Binary(vec![0xbb, 0xcc])]),
            ),
        ]),
        Value::Binary(vec![]),
    ]);
    pair.client
        .emit(&ns("/custom"), "nested", &args, false, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            r#"c> 53-/custom,["nested",{"a":{"_placeholder":true,"num":0},"b":[null,{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":2}]"#,
            "c> bin aa",
            "c> bin bbcc",
            "c> bin ",
        ]
    );
    assert_eq!(
        pair.server_events.pop(),
        Some(ServerEvent::Event {
            namespace: ns("/custom"),
            socket_id: "sid1".into(),
            name: name("nested"),
            args: args.clone(),
            ack_id: None,
        })
    );
    // and back
    pair.server
        .emit(&ns("/custom"), "nested-back", &args, false, pair.now)
        .unwrap();
    pair.drive();
    assert!(matches!(
        pair.client_events.pop(),
        Some(ClientEvent::Event { args: got, .. }) if got == args
    ));
}

// spec: SIO5-NS-012
#[test]
fn emits_before_the_connect_answer_are_buffered() {
    let mut pair = Pair::standard();
    let custom = ns("/custom");
    pair.client.connect(custom.clone(), None, pair.now).unwrap();
    pair.client
        .emit(&custom, "early", &json("[1]"), true, pair.now)
        .unwrap();
    pair.client
        .emit(
            &custom,
            "bin",
            &Value::Array(vec![Value::Binary(vec![9])]),
            false,
            pair.now,
        )
        .unwrap();
    pair.drive();
    assert_eq!(pair.take_wire(), ["c> 0/custom,"]);
    assert!(!pair.server.is_closed());
    pair.server.accept(&custom, pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            r#"s> 0/custom,{"sid":"sid1"}"#,
            r#"c> 2/custom,0["early",1]"#,
            r#"c> 51-/custom,["bin",{"_placeholder":true,"num":0}]"#,
            "c> bin 09",
        ]
    );
    assert_eq!(pair.server_events.len(), 3); // request + two events
    assert!(!pair.server.is_closed());
}

/// Each case: messages from a fresh client, then the violation the server must report.
// spec: SIO5-STATE-001
// spec: SIO5-STATE-002
// spec: SIO5-STATE-004
// spec: SIO5-STATE-005
// spec: SIO5-STATE-006
// spec: SIO5-PKT-015
// spec: SIO5-RSV-002
#[test]
fn server_strictness_closes_the_engine() {
    let custom = ns("/custom");
    let cases: Vec<(&str, &[&str], Violation)> = vec![
        (
            "first packet not CONNECT",
            &[r#"2["x"]"#],
            Violation::NotJoined {
                namespace: Namespace::MAIN,
                kind: socketio_codec::socket_io::PacketType::Event,
            },
        ),
        (
            "event for a namespace not joined",
            &["0", r#"2/custom,["x"]"#],
            Violation::NotJoined {
                namespace: custom.clone(),
                kind: socketio_codec::socket_io::PacketType::Event,
            },
        ),
        (
            "event before the CONNECT answer (batching race)",
            &["0/custom,", r#"2/custom,["x"]"#],
            Violation::NotJoined {
                namespace: custom.clone(),
                kind: socketio_codec::socket_io::PacketType::Event,
            },
        ),
        (
            "duplicate CONNECT",
            &["0", "0"],
            Violation::DuplicateConnect(Namespace::MAIN),
        ),
        (
            "client CONNECT_ERROR",
            &[r#"4{"message":"x"}"#],
            Violation::ConnectErrorFromClient(Namespace::MAIN),
        ),
        (
            "decoder error",
            &["0", "4abc"],
            Violation::Decode(DecodeError::InvalidJson),
        ),
        (
            "empty message",
            &["0", ""],
            Violation::Decode(DecodeError::EmptyPacket),
        ),
        (
            "reserved event name",
            &["0", r#"2["connect"]"#],
            Violation::Decode(DecodeError::ReservedEventName),
        ),
        (
            "binary without header",
            &["0", "\u{0}bin"],
            Violation::Decode(DecodeError::UnknownPacketType('\u{0}')),
        ),
    ];
    for (what, messages, violation) in cases {
        let mut pair = Pair::standard();
        for m in messages {
            pair.raw_to_server(m);
            // answer every connect request
            if let Some(ServerEvent::ConnectRequest { namespace, .. }) = pair.server_events.last()
                && *m == "0"
            {
                let namespace = namespace.clone();
                pair.server.accept(&namespace, pair.now).unwrap();
                pair.drive();
            }
        }
        assert!(
            pair.server_events
                .contains(&ServerEvent::ProtocolViolation(violation.clone())),
            "{what}: {:?}",
            pair.server_events
        );
        assert_eq!(
            pair.wire.last().map(String::as_str),
            Some("s> close"),
            "{what}"
        );
        assert!(pair.server.is_closed(), "{what}");
    }
}

// spec: SIO5-STATE-002
#[test]
fn packet_after_server_disconnect_closes_the_engine() {
    let mut pair = Pair::standard();
    pair.join("/custom", None);
    pair.server.disconnect(&ns("/custom"), pair.now).unwrap();
    pair.drive();
    pair.raw_to_server(r#"2/custom,["late"]"#);
    assert_eq!(pair.wire.last().map(String::as_str), Some("s> close"));
    // the binary attachment of an unexpected binary message is a decode error too
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.server
        .handle_message(EngineMessage::Binary(vec![1]), pair.now);
    pair.drive();
    assert!(
        pair.server_events
            .contains(&ServerEvent::ProtocolViolation(Violation::Decode(
                DecodeError::UnexpectedBinary
            )))
    );
    assert!(pair.client_events.contains(&ClientEvent::Disconnected {
        namespace: Namespace::MAIN,
        reason: DisconnectReason::TransportClose,
    }));
}

// spec: SIO5-NS-010
#[test]
fn connect_timeout_fires_at_exactly_its_deadline() {
    let mut pair = Pair::standard();
    assert_eq!(pair.drive(), Some(pair.epoch + Duration::from_millis(1000)));
    pair.server
        .handle_timeout(pair.epoch + Duration::from_millis(999));
    pair.drive();
    assert!(pair.engine_open);
    pair.step_timeout();
    assert_eq!(pair.now - pair.epoch, Duration::from_millis(1000));
    assert_eq!(pair.server_events, [ServerEvent::ConnectTimeout]);
    assert_eq!(pair.take_wire(), ["s> close"]);
    assert_eq!(
        pair.server.last_timeout_reason(),
        Some(socketio_codec::socket_io::session::Timer::ConnectTimeout)
    );

    // a namespace joined in time keeps the connection
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.step_timeout();
    assert!(pair.engine_open);
    assert_eq!(pair.drive(), None, "the timer fired once");

    // a pending request is not a join
    let mut pair = Pair::standard();
    pair.client
        .connect(Namespace::MAIN, None, pair.now)
        .unwrap();
    pair.step_timeout();
    assert!(!pair.engine_open);
}

// spec: SIO5-DISC-001
// spec: SIO5-DISC-002
// spec: SIO5-DISC-003
// spec: SIO5-DISC-004
// spec: SIO5-DISC-006
#[test]
fn disconnect_from_either_side() {
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.join("/custom", None);
    pair.take_wire();
    pair.client.disconnect(&ns("/custom"), pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.take_wire(), ["c> 1/custom,"]);
    assert_eq!(
        pair.server_events.pop(),
        Some(ServerEvent::Disconnected {
            namespace: ns("/custom"),
            socket_id: "sid2".into(),
            reason: DisconnectReason::ClientNamespaceDisconnect,
        })
    );
    pair.server.disconnect(&Namespace::MAIN, pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.take_wire(), ["s> 1"]);
    assert_eq!(
        pair.client_events.pop(),
        Some(ClientEvent::Disconnected {
            namespace: Namespace::MAIN,
            reason: DisconnectReason::ServerNamespaceDisconnect,
        })
    );
    assert!(pair.engine_open, "no namespace left, connection still open");
    // rejoin, then the server closes everything
    pair.join("/", None);
    pair.join("/custom", None);
    pair.take_wire();
    pair.server.close(pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.take_wire(), ["s> 1", "s> 1/custom,", "s> close"]);
    assert!(pair.client.is_closed());
}

// spec: SIO5-DISC-005
#[test]
fn engine_close_disconnects_every_namespace() {
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.join("/custom", None);
    pair.close_engine("c");
    pair.drive();
    let reasons: Vec<_> = pair
        .server_events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Disconnected { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["transport close", "transport close"]);
}

// spec: SIO5-ACK-004
// spec: SIO5-ACK-005
#[test]
fn unknown_and_repeated_acks_are_ignored() {
    let mut pair = Pair::standard();
    pair.join("/", None);
    pair.raw_to_server("3399[]");
    pair.server
        .emit(&Namespace::MAIN, "q", &json("[]"), true, pair.now)
        .unwrap();
    pair.drive();
    pair.raw_to_server("30[1]");
    pair.raw_to_server("30[2]");
    let acks = pair
        .server_events
        .iter()
        .filter(|e| matches!(e, ServerEvent::Ack { .. }))
        .count();
    assert_eq!(acks, 1);
    assert!(!pair.server.is_closed());
    // the client drops an ACK for an id it never used
    pair.server
        .handle_message(EngineMessage::Text("0/custom,".into()), pair.now);
    pair.client
        .handle_message(EngineMessage::Text("37[]".into()), pair.now);
    assert!(matches!(pair.client.poll_output(), Output::Timeout(None)));
}

fn v4_pair() -> Pair {
    Pair::with_version(
        NamespacePolicy::Only(vec![Namespace::MAIN, ns("/admin"), ns("/private")]),
        ProtocolVersion::V4,
    )
}

// spec: SIO4-NS-001
// spec: SIO4-NS-002
// spec: SIO4-NS-003
// spec: SIO4-NS-005
// spec: SIO4-NS-006
// spec: SIO4-NS-007
#[test]
fn v4_implicit_main_join_and_query_auth() {
    let mut pair = v4_pair();
    assert_eq!(pair.drive(), None, "revision 4 arms no connect timer");
    assert_eq!(
        pair.server_events,
        [ServerEvent::ConnectRequest {
            namespace: Namespace::MAIN,
            auth: json("{}"),
            query: None,
        }]
    );
    assert_eq!(
        pair.client.connect(Namespace::MAIN, None, pair.now),
        Err(SessionError::AlreadyConnected)
    );
    pair.server.accept(&Namespace::MAIN, pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.client
            .connect(ns("/admin"), Some(&json("{}")), pair.now),
        Err(SessionError::Unsupported)
    );
    pair.client
        .connect(ns("/admin?token=1"), None, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.server_events.last(),
        Some(&ServerEvent::ConnectRequest {
            namespace: ns("/admin"),
            auth: json("{}"),
            query: Some("token=1".into()),
        })
    );
    pair.server.accept(&ns("/admin"), pair.now).unwrap();
    pair.drive();
    pair.client
        .emit(&ns("/admin"), "hi", &json("[1]"), true, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            "s> 0",
            "c> 0/admin?token=1,",
            "s> 0/admin,",
            r#"c> 2/admin,0["hi",1]"#,
        ]
    );
    assert_eq!(
        pair.client_events,
        [
            ClientEvent::Connected {
                namespace: Namespace::MAIN,
                sid: None,
            },
            ClientEvent::Connected {
                namespace: ns("/admin"),
                sid: None,
            },
        ]
    );
    assert!(matches!(
        pair.server_events.last(),
        Some(ServerEvent::Event {
            ack_id: Some(_),
            ..
        })
    ));
}

// spec: SIO4-NS-008
// spec: SIO4-NS-009
// spec: SIO4-PKT-002
#[test]
fn v4_refusals_send_error_with_any_json() {
    let mut pair = v4_pair();
    pair.server.accept(&Namespace::MAIN, pair.now).unwrap();
    pair.drive();
    for name in ["/admin", "/private", "/nope"] {
        pair.client.connect(ns(name), None, pair.now).unwrap();
    }
    pair.drive();
    pair.server
        .refuse(
            &ns("/admin"),
            "Not authorized",
            Some(&json(r#"{"code":42}"#)),
            pair.now,
        )
        .unwrap();
    pair.server
        .refuse(&ns("/private"), "nope", None, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        [
            "s> 0",
            "c> 0/admin,",
            "c> 0/private,",
            "c> 0/nope,",
            r#"s> 4/nope,"Invalid namespace""#,
            r#"s> 4/admin,{"code":42}"#,
            r#"s> 4/private,"nope""#,
        ]
    );
    assert!(pair.client_events.contains(&ClientEvent::ConnectError {
        namespace: ns("/private"),
        data: Value::String("nope".into()),
    }));
    assert!(pair.engine_open);
}

// spec: SIO4-NS-010
// spec: SIO4-VAL-002
// spec: SIO4-VAL-003
#[test]
fn v4_ignores_packets_for_unjoined_namespaces() {
    let mut pair = v4_pair();
    pair.server.accept(&Namespace::MAIN, pair.now).unwrap();
    pair.drive();
    for raw in [r#"2/admin,["x"]"#, "1/private,", "0", r#"4"x""#, "30[]"] {
        pair.raw_to_server(raw);
    }
    assert!(!pair.server.is_closed());
    assert_eq!(pair.server_events.len(), 1, "only the implicit request");
    pair.raw_to_server(r#"2["connect"]"#);
    assert!(matches!(
        pair.server_events.last(),
        Some(ServerEvent::Event { .. })
    ));
    pair.raw_to_server("2abc");
    assert_eq!(
        pair.server_events[pair.server_events.len() - 2..],
        [
            ServerEvent::ProtocolViolation(Violation::Decode(DecodeError::InvalidJson)),
            ServerEvent::Disconnected {
                namespace: Namespace::MAIN,
                socket_id: "sid1".into(),
                reason: DisconnectReason::ParseError,
            },
        ]
    );
    assert!(!pair.engine_open);
}

// spec: SIO4-NS-012
#[test]
fn v4_connect_before_main_join_is_held_back() {
    let mut pair = v4_pair();
    pair.client
        .connect(ns("/admin?token=1"), None, pair.now)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.server_events.len(),
        1,
        "only the implicit request for /"
    );
    pair.server.accept(&Namespace::MAIN, pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.server_events.last(),
        Some(&ServerEvent::ConnectRequest {
            namespace: ns("/admin"),
            auth: json("{}"),
            query: Some("token=1".into()),
        })
    );
    pair.server.accept(&ns("/admin"), pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.take_wire(),
        ["c> 0/admin?token=1,", "s> 0", "s> 0/admin,"]
    );
    assert_eq!(pair.client_events.len(), 2);
}
