//! Property tests for the Socket.IO codec: encode → decode round trips for every packet type,
//! binary packets fed frame by frame, and no panic on arbitrary input.

use proptest::prelude::*;
use serde_json::value::RawValue;
use socketio_codec::Status;
use socketio_codec::socket_io::{
    AckId, Decoded, Decoder, Frame, Limits, Namespace, Packet, PacketType, ProtocolVersion,
    RESERVED_EVENT_NAMES, Value, binary, encode_binary,
};

fn namespace() -> impl Strategy<Value = Namespace<'static>> {
    prop_oneof![
        Just(Namespace::MAIN),
        "/[a-zA-Z0-9_?=.{}\"/é-]{0,12}".prop_map(|s| Namespace::new(s).unwrap()),
    ]
}

fn ack_id() -> impl Strategy<Value = AckId> {
    prop_oneof![0u64..1000, 0..=AckId::MAX.get()].prop_map(|n| AckId::new(n).unwrap())
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-4000i32..4000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
        any::<String>().prop_map(Value::String),
    ]
}

/// JSON values, optionally with binary leaves.
fn json(with_binary: bool) -> impl Strategy<Value = Value> {
    let leaf = if with_binary {
        prop_oneof![
            4 => leaf(),
            1 => proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Binary),
        ]
        .boxed()
    } else {
        leaf().boxed()
    };
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec(("[a-z_]{0,6}", inner), 0..5).prop_map(Value::Object),
        ]
    })
}

fn event_name() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<String>()
            .prop_filter("reserved", |s| !RESERVED_EVENT_NAMES.contains(&s.as_str()))
            .prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
    ]
}

fn object(with_binary: bool) -> impl Strategy<Value = Value> {
    proptest::collection::vec(("[a-z_]{0,6}", json(with_binary)), 0..4).prop_map(Value::Object)
}

fn array(with_binary: bool) -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(json(with_binary), 0..5)
}

/// `(kind, namespace, ack id, payload JSON)` for a packet of types 0..=4.
fn text_packet() -> impl Strategy<
    Value = (
        PacketType,
        Namespace<'static>,
        Option<AckId>,
        Option<String>,
    ),
> {
    let ns = namespace;
    let to_json = |v: Value| binary::deconstruct(&v).0;
    prop_oneof![
        (ns(), proptest::option::of(object(false))).prop_map(move |(n, auth)| (
            PacketType::Connect,
            n,
            None,
            auth.map(to_json)
        )),
        ns().prop_map(|n| (PacketType::Disconnect, n, None, None)),
        (
            ns(),
            proptest::option::of(ack_id()),
            event_name(),
            array(false)
        )
            .prop_map(move |(n, id, name, mut args)| {
                args.insert(0, name);
                (PacketType::Event, n, id, Some(to_json(Value::Array(args))))
            }),
        (ns(), ack_id(), array(false)).prop_map(move |(n, id, args)| (
            PacketType::Ack,
            n,
            Some(id),
            Some(to_json(Value::Array(args)))
        )),
        (
            ns(),
            prop_oneof![any::<String>().prop_map(Value::String), object(false)]
        )
            .prop_map(move |(n, data)| (
                PacketType::ConnectError,
                n,
                None,
                Some(to_json(data))
            )),
    ]
}

/// `(is_event, namespace, ack id, data)` where data holds at least one binary value.
fn binary_packet() -> impl Strategy<Value = (bool, Namespace<'static>, Option<AckId>, Value)> {
    (
        any::<bool>(),
        namespace(),
        proptest::option::of(ack_id()),
        event_name(),
        array(true),
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(is_event, ns, id, name, mut items, forced)| {
            items.push(Value::Binary(forced));
            if is_event {
                items.insert(0, name);
            }
            (is_event, ns, id, Value::Array(items))
        })
}

fn wide_limits() -> Limits {
    Limits::default().with_max_attachments(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // spec: SIO5-PKT-003
    // spec: SIO5-PKT-014
    #[test]
    fn text_packets_round_trip((kind, ns, id, json) in text_packet()) {
        let raw: Option<Box<RawValue>> = json.map(|j| RawValue::from_string(j).unwrap());
        let packet = Packet {
            kind,
            namespace: ns,
            ack_id: id,
            attachments: None,
            data: raw.map(std::borrow::Cow::Owned),
        };
        let wire = packet.to_wire();
        for version in [ProtocolVersion::V5, ProtocolVersion::V4] {
            let decoded = Packet::decode(&wire, version, &Limits::default())
                .unwrap_or_else(|e| panic!("{wire:?}: {e}"));
            prop_assert_eq!(&decoded, &packet);
            prop_assert_eq!(decoded.to_wire(), wire.clone());
            let mut decoder = Decoder::new(version, Limits::default());
            prop_assert_eq!(
                decoder.push_text(&wire),
                Ok(Status::Complete(Decoded::Packet(packet.clone())))
            );
        }
        let frame = Frame::parse(&wire).unwrap();
        prop_assert_eq!(frame.body, packet.data_str());
    }

    // spec: SIO5-BIN-001
    // spec: SIO5-BIN-005
    // spec: SIO5-BIN-017
    #[test]
    fn binary_packets_round_trip((is_event, ns, id, data) in binary_packet()) {
        let kind = if is_event { PacketType::Event } else { PacketType::Ack };
        let mut text = String::new();
        let mut attachments = Vec::new();
        encode_binary(kind, &ns, id, &data, &mut text, &mut attachments).unwrap();

        // Frame by frame through the stateful decoder.
        let mut decoder = Decoder::new(ProtocolVersion::V5, wide_limits());
        prop_assert_eq!(decoder.push_text(&text), Ok(Status::Partial));
        let (last, first) = attachments.split_last().unwrap();
        for attachment in first {
            prop_assert_eq!(decoder.push_binary(attachment), Ok(Status::Partial));
        }
        let Ok(Status::Complete(Decoded::Binary(packet))) = decoder.push_binary(last) else {
            panic!("incomplete {text:?}");
        };
        prop_assert_eq!(packet.kind, if is_event { PacketType::BinaryEvent } else { PacketType::BinaryAck });
        prop_assert_eq!(&packet.namespace, &ns);
        prop_assert_eq!(packet.ack_id, id);
        prop_assert_eq!(&packet.data, &data);
        prop_assert_eq!(decoder.pending_attachments(), 0);

        // In one go: the header's JSON reconstructed with all attachments at once.
        let header = Packet::decode(&text, ProtocolVersion::V5, &wide_limits()).unwrap();
        prop_assert_eq!(header.attachments, Some(attachments.len() as u32));
        let whole = binary::reconstruct(header.data_str().unwrap(), &attachments).unwrap();
        prop_assert_eq!(&whole, &data);
    }

    // spec: SIO5-BIN-016
    #[test]
    fn dropping_an_attachment_is_detected((is_event, ns, id, data) in binary_packet()) {
        let kind = if is_event { PacketType::Event } else { PacketType::Ack };
        let (json, mut attachments) = binary::deconstruct(&data);
        attachments.pop();
        let err = binary::reconstruct(&json, &attachments).unwrap_err();
        prop_assert_eq!(err.code(), "placeholder-num-out-of-range");
        let _ = (kind, ns, id);
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = Frame::parse(&input);
        for version in [ProtocolVersion::V5, ProtocolVersion::V4] {
            if let Ok(packet) = Packet::decode(&input, version, &Limits::default()) {
                // Whatever decodes re-encodes to something that decodes to the same packet.
                let again = packet.to_wire();
                prop_assert_eq!(Packet::decode(&again, version, &Limits::default()), Ok(packet.clone()));
                let _ = packet.event_name();
                let _ = packet.args::<Vec<serde::de::IgnoredAny>>();
            }
        }
    }

    #[test]
    fn wire_like_strings_never_panic(input in "[0-6][0-9/,\\-\\[\\]{}\":_a-z ptrue]{0,40}") {
        for version in [ProtocolVersion::V5, ProtocolVersion::V4] {
            let mut decoder = Decoder::new(version, Limits::default());
            let _ = decoder.push_text(&input);
            let _ = decoder.push_binary(&[1, 2]);
            let _ = decoder.push_binary(&[]);
        }
    }

    #[test]
    fn arbitrary_message_sequences_never_panic(
        messages in proptest::collection::vec(
            prop_oneof![
                "[0-6][0-9/,\\-\\[\\]{}\":_a-z]{0,30}".prop_map(Ok),
                Just(Ok(r#"51-["a",{"_placeholder":true,"num":0}]"#.to_owned())),
                Just(Ok(r#"62-[{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}]"#.to_owned())),
                proptest::collection::vec(any::<u8>(), 0..4).prop_map(Err),
            ],
            0..12,
        )
    ) {
        let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
        for message in &messages {
            let result = match message {
                Ok(text) => decoder.push_text(text),
                Err(bytes) => decoder.push_binary(bytes),
            };
            if result.is_err() {
                prop_assert_eq!(decoder.pending_attachments(), 0);
            }
        }
    }

    #[test]
    fn placeholder_json_never_panics(json in "[\\[{}\\],:\"_a-z0-9.-]{0,40}", count in 0usize..4) {
        let attachments = vec![vec![0u8]; count];
        let _ = binary::reconstruct(&json, &attachments);
        let wrapped = format!(r#"{{"_placeholder":true,"num":{json}}}"#);
        let _ = binary::reconstruct(&wrapped, &attachments);
    }
}
