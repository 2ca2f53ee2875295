//! Walks every (namespace state, input) pair of the Socket.IO session machines against the
//! transition tables in the `socket_io::session::{client, server}` module docs.

use std::time::{Duration, Instant};

use socketio_codec::socket_io::session::{
    Client, ClientConfig, ClientNamespaceState, EngineMessage, NamespacePolicy, Output, Server,
    ServerConfig, ServerNamespaceState,
};
use socketio_codec::socket_io::{AckId, Namespace, Value};

/// One row of a transition table: state, input, command result, next state, outputs, and
/// whether the machine is closed afterwards.
type Row<S, I> = (
    S,
    I,
    Result<(), &'static str>,
    S,
    &'static [&'static str],
    bool,
);

fn custom() -> Namespace<'static> {
    Namespace::new("/custom").unwrap()
}

fn text(s: &str) -> EngineMessage {
    EngineMessage::Text(s.to_owned())
}

/// One line per output: the wire text, `bin`, `close`, or the event variant name.
fn render<E: std::fmt::Debug>(out: Output<E>) -> Option<String> {
    Some(match out {
        Output::Transmit(EngineMessage::Text(t)) => t,
        Output::Transmit(EngineMessage::Binary(_)) => "bin".to_owned(),
        Output::Event(e) => {
            let debug = format!("{e:?}");
            debug
                .split([' ', '(', '{'])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
        Output::CloseEngine => "close".to_owned(),
        Output::Timeout(_) => return None,
        _ => "other".to_owned(),
    })
}

#[derive(Debug, Clone, Copy)]
enum ClientInput {
    Connect,
    Emit,
    Ack,
    Disconnect,
    RxConnect,
    RxConnectNoSid,
    RxConnectError,
    RxEvent,
    RxAck,
    RxDisconnect,
    EngineClosed,
    RxGarbage,
}

fn client_in(state: ClientNamespaceState, now: Instant) -> Client {
    let mut client = Client::new(ClientConfig::default());
    if state != ClientNamespaceState::Idle {
        client.connect(custom(), None, now).unwrap();
    }
    if state == ClientNamespaceState::Connected {
        client.handle_message(text(r#"0/custom,{"sid":"x"}"#), now);
    }
    while !matches!(client.poll_output(), Output::Timeout(_)) {}
    assert_eq!(client.namespace_state(&custom()), state);
    client
}

fn apply_client(client: &mut Client, input: ClientInput, now: Instant) -> Result<(), String> {
    let ns = custom();
    let args = Value::Array(vec![]);
    let ack = AckId::new(0).unwrap();
    let err = |e: socketio_codec::socket_io::session::SessionError| e.code().to_owned();
    match input {
        ClientInput::Connect => client.connect(ns, None, now).map_err(err),
        ClientInput::Emit => client
            .emit(&ns, "e", &args, false, now)
            .map(drop)
            .map_err(err),
        ClientInput::Ack => client.ack(&ns, ack, &args, now).map_err(err),
        ClientInput::Disconnect => client.disconnect(&ns, now).map_err(err),
        ClientInput::EngineClosed => {
            client.handle_engine_closed(now);
            Ok(())
        }
        rx => {
            let wire = match rx {
                ClientInput::RxConnect => r#"0/custom,{"sid":"y"}"#,
                ClientInput::RxConnectNoSid => "0/custom,",
                ClientInput::RxConnectError => r#"4/custom,{"message":"no"}"#,
                ClientInput::RxEvent => r#"2/custom,["e"]"#,
                ClientInput::RxAck => "3/custom,0[]",
                ClientInput::RxDisconnect => "1/custom,",
                _ => "9",
            };
            client.handle_message(text(wire), now);
            Ok(())
        }
    }
}

// spec: SIO5-NS-001
// spec: SIO5-NS-012
// spec: SIO5-ACK-006
// spec: SIO4-COMPAT-006
#[test]
fn client_walks_every_state_input_pair() {
    use ClientInput as I;
    use ClientNamespaceState::{Connected, Connecting, Idle};
    let not_connected = Err("namespace-not-connected");
    let already = Err("namespace-already-connected");
    let unknown_ack = Err("unknown-ack");
    #[rustfmt::skip]
    let table: Vec<Row<ClientNamespaceState, I>> = vec![
        (Idle, I::Connect, Ok(()), Connecting, &["0/custom,"], false),
        (Idle, I::Emit, not_connected, Idle, &[], false),
        (Idle, I::Ack, not_connected, Idle, &[], false),
        (Idle, I::Disconnect, not_connected, Idle, &[], false),
        (Idle, I::RxConnect, Ok(()), Idle, &[], false),
        (Idle, I::RxConnectNoSid, Ok(()), Idle, &[], false),
        (Idle, I::RxConnectError, Ok(()), Idle, &[], false),
        (Idle, I::RxEvent, Ok(()), Idle, &[], false),
        (Idle, I::RxAck, Ok(()), Idle, &[], false),
        (Idle, I::RxDisconnect, Ok(()), Idle, &[], false),
        (Idle, I::EngineClosed, Ok(()), Idle, &[], true),
        (Idle, I::RxGarbage, Ok(()), Idle, &["ProtocolError", "close"], true),
        (Connecting, I::Connect, already, Connecting, &[], false),
        (Connecting, I::Emit, Ok(()), Connecting, &[], false),
        (Connecting, I::Ack, unknown_ack, Connecting, &[], false),
        (Connecting, I::Disconnect, Ok(()), Idle, &["Disconnected"], false),
        (Connecting, I::RxConnect, Ok(()), Connected, &["Connected"], false),
        (Connecting, I::RxConnectNoSid, Ok(()), Idle, &["ConnectError"], false),
        (Connecting, I::RxConnectError, Ok(()), Idle, &["ConnectError"], false),
        (Connecting, I::RxEvent, Ok(()), Connecting, &[], false),
        (Connecting, I::RxAck, Ok(()), Connecting, &[], false),
        (Connecting, I::RxDisconnect, Ok(()), Idle, &["Disconnected"], false),
        (Connecting, I::EngineClosed, Ok(()), Idle, &["Disconnected"], true),
        (Connecting, I::RxGarbage, Ok(()), Idle, &["ProtocolError", "Disconnected", "close"], true),
        (Connected, I::Connect, already, Connected, &[], false),
        (Connected, I::Emit, Ok(()), Connected, &[r#"2/custom,["e"]"#], false),
        (Connected, I::Ack, unknown_ack, Connected, &[], false),
        (Connected, I::Disconnect, Ok(()), Idle, &["1/custom,", "Disconnected"], false),
        (Connected, I::RxConnect, Ok(()), Connected, &[], false),
        (Connected, I::RxConnectNoSid, Ok(()), Connected, &[], false),
        (Connected, I::RxConnectError, Ok(()), Idle, &["ConnectError"], false),
        (Connected, I::RxEvent, Ok(()), Connected, &["Event"], false),
        (Connected, I::RxAck, Ok(()), Connected, &[], false),
        (Connected, I::RxDisconnect, Ok(()), Idle, &["Disconnected"], false),
        (Connected, I::EngineClosed, Ok(()), Idle, &["Disconnected"], true),
        (Connected, I::RxGarbage, Ok(()), Idle, &["ProtocolError", "Disconnected", "close"], true),
    ];
    assert_eq!(table.len(), 3 * 12, "every (state, input) pair");
    let now = Instant::now();
    for (state, input, result, next, outputs, closed) in table {
        let mut client = client_in(state, now);
        let got = apply_client(&mut client, input, now);
        let mut rendered = Vec::new();
        while let Some(line) = render(client.poll_output()) {
            rendered.push(line);
        }
        let case = format!("{state:?} x {input:?}");
        assert_eq!(
            got.as_ref().map(|_| ()).map_err(String::as_str),
            result,
            "{case}"
        );
        assert_eq!(client.namespace_state(&custom()), next, "{case}");
        assert_eq!(rendered, outputs, "{case}");
        assert_eq!(client.is_closed(), closed, "{case}");
    }
}

#[derive(Debug, Clone, Copy)]
enum ServerInput {
    RxConnect,
    RxEvent,
    RxAck,
    RxDisconnect,
    RxConnectError,
    RxGarbage,
    Accept,
    Refuse,
    Emit,
    Ack,
    Disconnect,
    Close,
    EngineClosed,
    Timeout,
}

type Sids = Box<dyn FnMut(&Namespace<'_>) -> String>;

fn server_in(state: ServerNamespaceState, now: Instant) -> Server<Sids> {
    let config = ServerConfig::new(NamespacePolicy::Only(vec![Namespace::MAIN, custom()]))
        .with_connect_timeout(Duration::from_secs(1));
    let mut server: Server<Sids> =
        Server::new(config, Box::new(|_: &Namespace<'_>| "s1".to_owned()), now);
    if state != ServerNamespaceState::Idle {
        server.handle_message(text("0/custom,"), now);
    }
    if state == ServerNamespaceState::Joined {
        server.accept(&custom(), now).unwrap();
    }
    while !matches!(server.poll_output(), Output::Timeout(_)) {}
    assert_eq!(server.namespace_state(&custom()), state);
    server
}

fn apply_server(server: &mut Server<Sids>, input: ServerInput, now: Instant) -> Result<(), String> {
    let ns = custom();
    let args = Value::Array(vec![]);
    let ack = AckId::new(0).unwrap();
    let err = |e: socketio_codec::socket_io::session::SessionError| e.code().to_owned();
    match input {
        ServerInput::Accept => server.accept(&ns, now).map(drop).map_err(err),
        ServerInput::Refuse => server.refuse(&ns, "no", None, now).map_err(err),
        ServerInput::Emit => server
            .emit(&ns, "e", &args, false, now)
            .map(drop)
            .map_err(err),
        ServerInput::Ack => server.ack(&ns, ack, &args, now).map_err(err),
        ServerInput::Disconnect => server.disconnect(&ns, now).map_err(err),
        ServerInput::Close => server.close(now).map_err(err),
        ServerInput::EngineClosed => {
            server.handle_engine_closed(now);
            Ok(())
        }
        ServerInput::Timeout => {
            server.handle_timeout(now + Duration::from_secs(1));
            Ok(())
        }
        rx => {
            let wire = match rx {
                ServerInput::RxConnect => "0/custom,",
                ServerInput::RxEvent => r#"2/custom,["e"]"#,
                ServerInput::RxAck => "3/custom,0[]",
                ServerInput::RxDisconnect => "1/custom,",
                ServerInput::RxConnectError => r#"4/custom,"x""#,
                _ => "9",
            };
            server.handle_message(text(wire), now);
            Ok(())
        }
    }
}

// spec: SIO5-STATE-001
// spec: SIO5-STATE-002
// spec: SIO5-STATE-003
// spec: SIO5-STATE-004
// spec: SIO5-STATE-005
// spec: SIO5-STATE-006
// spec: SIO5-ACK-004
// spec: SIO5-DISC-001
#[test]
fn server_walks_every_state_input_pair() {
    use ServerInput as I;
    use ServerNamespaceState::{Idle, Joined, Pending};
    let not_connected = Err("namespace-not-connected");
    let already = Err("namespace-already-connected");
    const FATAL: &[&str] = &["ProtocolViolation", "close"];
    const FATAL_JOINED: &[&str] = &["ProtocolViolation", "Disconnected", "close"];
    #[rustfmt::skip]
    let table: Vec<Row<ServerNamespaceState, I>> = vec![
        (Idle, I::RxConnect, Ok(()), Pending, &["ConnectRequest"], false),
        (Idle, I::RxEvent, Ok(()), Idle, FATAL, true),
        (Idle, I::RxAck, Ok(()), Idle, FATAL, true),
        (Idle, I::RxDisconnect, Ok(()), Idle, FATAL, true),
        (Idle, I::RxConnectError, Ok(()), Idle, FATAL, true),
        (Idle, I::RxGarbage, Ok(()), Idle, FATAL, true),
        (Idle, I::Accept, not_connected, Idle, &[], false),
        (Idle, I::Refuse, not_connected, Idle, &[], false),
        (Idle, I::Emit, not_connected, Idle, &[], false),
        (Idle, I::Ack, not_connected, Idle, &[], false),
        (Idle, I::Disconnect, not_connected, Idle, &[], false),
        (Idle, I::Close, Ok(()), Idle, &["close"], true),
        (Idle, I::EngineClosed, Ok(()), Idle, &[], true),
        (Idle, I::Timeout, Ok(()), Idle, &["ConnectTimeout", "close"], true),
        (Pending, I::RxConnect, Ok(()), Idle, FATAL, true),
        (Pending, I::RxEvent, Ok(()), Idle, FATAL, true),
        (Pending, I::RxAck, Ok(()), Idle, FATAL, true),
        (Pending, I::RxDisconnect, Ok(()), Idle, FATAL, true),
        (Pending, I::RxConnectError, Ok(()), Idle, FATAL, true),
        (Pending, I::RxGarbage, Ok(()), Idle, FATAL, true),
        (Pending, I::Accept, Ok(()), Joined, &[r#"0/custom,{"sid":"s1"}"#], false),
        (Pending, I::Refuse, Ok(()), Idle, &[r#"4/custom,{"message":"no"}"#], false),
        (Pending, I::Emit, not_connected, Pending, &[], false),
        (Pending, I::Ack, not_connected, Pending, &[], false),
        (Pending, I::Disconnect, not_connected, Pending, &[], false),
        (Pending, I::Close, Ok(()), Idle, &["close"], true),
        (Pending, I::EngineClosed, Ok(()), Idle, &[], true),
        (Pending, I::Timeout, Ok(()), Idle, &["ConnectTimeout", "close"], true),
        (Joined, I::RxConnect, Ok(()), Idle, FATAL_JOINED, true),
        (Joined, I::RxEvent, Ok(()), Joined, &["Event"], false),
        (Joined, I::RxAck, Ok(()), Joined, &[], false),
        (Joined, I::RxDisconnect, Ok(()), Idle, &["Disconnected"], false),
        (Joined, I::RxConnectError, Ok(()), Idle, FATAL_JOINED, true),
        (Joined, I::RxGarbage, Ok(()), Idle, FATAL_JOINED, true),
        (Joined, I::Accept, already, Joined, &[], false),
        (Joined, I::Refuse, already, Joined, &[], false),
        (Joined, I::Emit, Ok(()), Joined, &[r#"2/custom,["e"]"#], false),
        (Joined, I::Ack, Err("unknown-ack"), Joined, &[], false),
        (Joined, I::Disconnect, Ok(()), Idle, &["1/custom,", "Disconnected"], false),
        (Joined, I::Close, Ok(()), Idle, &["1/custom,", "Disconnected", "close"], true),
        (Joined, I::EngineClosed, Ok(()), Idle, &["Disconnected"], true),
        (Joined, I::Timeout, Ok(()), Joined, &[], false),
    ];
    assert_eq!(table.len(), 3 * 14, "every (state, input) pair");
    let now = Instant::now();
    for (state, input, result, next, outputs, closed) in table {
        let mut server = server_in(state, now);
        let got = apply_server(&mut server, input, now);
        let mut rendered = Vec::new();
        while let Some(line) = render(server.poll_output()) {
            rendered.push(line);
        }
        let case = format!("{state:?} x {input:?}");
        assert_eq!(
            got.as_ref().map(|_| ()).map_err(String::as_str),
            result,
            "{case}"
        );
        assert_eq!(server.namespace_state(&custom()), next, "{case}");
        assert_eq!(rendered, outputs, "{case}");
        assert_eq!(server.is_closed(), closed, "{case}");
    }
}

fn hostile_message(text: bool, bytes: Vec<u8>) -> EngineMessage {
    if text {
        // Mostly valid-looking packets: a type digit, a namespace, then the fuzzed bytes.
        EngineMessage::Text(String::from_utf8_lossy(&bytes).into_owned())
    } else {
        EngineMessage::Binary(bytes)
    }
}

proptest::proptest! {
    /// No message sequence panics either machine; a closed machine stays closed and quiet.
    #[test]
    fn arbitrary_messages_never_panic(
        messages in proptest::collection::vec(
            (proptest::bool::weighted(0.8), proptest::collection::vec(
                proptest::sample::select(b"0123456/,[]{}\"abc:_placeholder-num 9".to_vec()),
                0..24,
            )),
            0..12,
        )
    ) {
        let now = Instant::now();
        let mut server = server_in(ServerNamespaceState::Joined, now);
        let mut client = client_in(ClientNamespaceState::Connected, now);
        for (text, bytes) in messages {
            let msg = hostile_message(text, bytes);
            server.handle_message(msg.clone(), now);
            client.handle_message(msg, now);
            while let Output::Event(_) | Output::Transmit(_) | Output::CloseEngine =
                server.poll_output()
            {
                if let Some(ns) = [Namespace::MAIN, custom()]
                    .into_iter()
                    .find(|n| server.namespace_state(n) == ServerNamespaceState::Pending)
                {
                    let _ = server.accept(&ns, now);
                }
            }
            while !matches!(client.poll_output(), Output::Timeout(_)) {}
        }
        if server.is_closed() {
            server.handle_message(text(r#"2["x"]"#), now);
            proptest::prop_assert!(matches!(server.poll_output(), Output::Timeout(None)));
        }
    }
}
