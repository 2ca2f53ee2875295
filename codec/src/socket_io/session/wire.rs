//! Helpers shared by both machines: decoding one Engine.IO message into an [`Incoming`] packet
//! with a [`Value`] payload, and encoding outgoing packets into [`EngineMessage`]s.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde_json::value::RawValue;

use super::{EngineMessage, Output};
use crate::Status;
use crate::socket_io::{
    AckId, ApiMisuse, DecodeError, Decoded, Decoder, EventName, Namespace, Packet, PacketType,
    Value, encode_binary,
};

/// A complete packet from the peer; binary types are folded into EVENT / ACK.
#[derive(Debug)]
pub(super) struct Incoming {
    pub(super) kind: PacketType,
    pub(super) namespace: Namespace<'static>,
    pub(super) ack_id: Option<AckId>,
    pub(super) data: Option<Value>,
}

/// Feeds one message to the decoder: `Ok(None)` while attachments are pending.
pub(super) fn decode(
    decoder: &mut Decoder,
    message: EngineMessage,
) -> Result<Option<Incoming>, DecodeError> {
    let status = match message {
        EngineMessage::Text(text) => decoder.decode_text(&text)?.map(Decoded::into_owned),
        EngineMessage::Binary(bytes) => decoder.push_binary_vec(bytes)?,
    };
    let Status::Complete(decoded) = status else {
        return Ok(None);
    };
    Ok(Some(match decoded {
        Decoded::Packet(packet) => {
            let data = match packet.data_str() {
                // The decoder validated the JSON already.
                Some(json) => {
                    Some(Value::from_json_str(json).map_err(|_| DecodeError::InvalidJson)?)
                }
                None => None,
            };
            Incoming {
                kind: packet.kind,
                namespace: packet.namespace,
                ack_id: packet.ack_id,
                data,
            }
        }
        Decoded::Binary(packet) => Incoming {
            kind: if packet.kind.is_event() {
                PacketType::Event
            } else {
                PacketType::Ack
            },
            namespace: packet.namespace,
            ack_id: packet.ack_id,
            data: Some(packet.data),
        },
    }))
}

/// Splits an EVENT payload into its name and the array of its arguments; `None` for an EVENT
/// without payload (accepted by the decoder, SIO5-VAL-006, and dropped by the machines).
pub(super) fn split_event(data: Option<Value>) -> Option<(EventName<'static>, Value)> {
    let Some(Value::Array(mut items)) = data else {
        return None;
    };
    if items.is_empty() {
        return None;
    }
    let name = match items.remove(0) {
        Value::String(s) => EventName::Text(Cow::Owned(s)),
        Value::Number(n) => EventName::Number(n),
        _ => return None,
    };
    Some((name, Value::Array(items)))
}

/// The arguments of an ACK as an array (absent payload: no arguments).
pub(super) fn ack_args(data: Option<Value>) -> Value {
    data.unwrap_or(Value::Array(Vec::new()))
}

/// Queues an EVENT (or BINARY_EVENT with its attachments) for `name(args...)`.
///
/// Spec: SIO5-EVT-001, SIO5-BIN-001, SIO5-BIN-005, SIO5-RSV-001
pub(super) fn event_messages(
    namespace: &Namespace<'_>,
    name: &str,
    args: &Value,
    ack_id: Option<AckId>,
) -> Result<Vec<EngineMessage>, ApiMisuse> {
    EventName::new(name)?;
    let Value::Array(items) = args else {
        return Err(ApiMisuse::ArgsNotSequence);
    };
    let mut data = Vec::with_capacity(items.len() + 1);
    data.push(Value::String(name.to_owned()));
    data.extend(items.iter().cloned());
    data_messages(PacketType::Event, namespace, ack_id, &Value::Array(data))
}

/// The messages of an ACK (or BINARY_ACK) with `args`, an array.
///
/// Spec: SIO5-ACK-002, SIO5-ACK-003
pub(super) fn ack_messages(
    namespace: &Namespace<'_>,
    ack_id: AckId,
    args: &Value,
) -> Result<Vec<EngineMessage>, ApiMisuse> {
    if !matches!(args, Value::Array(_)) {
        return Err(ApiMisuse::ArgsNotSequence);
    }
    data_messages(PacketType::Ack, namespace, Some(ack_id), args)
}

fn data_messages(
    kind: PacketType,
    namespace: &Namespace<'_>,
    ack_id: Option<AckId>,
    data: &Value,
) -> Result<Vec<EngineMessage>, ApiMisuse> {
    let mut text = String::new();
    let mut attachments = Vec::new();
    encode_binary(kind, namespace, ack_id, data, &mut text, &mut attachments)?;
    let mut out = Vec::with_capacity(1 + attachments.len());
    out.push(EngineMessage::Text(text));
    out.extend(attachments.into_iter().map(EngineMessage::Binary));
    Ok(out)
}

/// The namespace without its query string (revision 4, SIO4-NS-006).
pub(super) fn strip_query(namespace: &Namespace<'_>) -> Namespace<'static> {
    let path = namespace.as_str().split('?').next().unwrap_or("/");
    Namespace::new(path.to_owned()).unwrap_or(Namespace::MAIN)
}

/// Plain JSON text of `value`, refusing binary.
pub(super) fn json_of(value: &Value) -> Result<Box<RawValue>, ApiMisuse> {
    if value.has_binary() {
        return Err(ApiMisuse::BinaryNotJson);
    }
    let text = serde_json::to_string(value).map_err(|e| ApiMisuse::Serialize(e.classify()))?;
    RawValue::from_string(text).map_err(|e| ApiMisuse::Serialize(e.classify()))
}

/// Queues a packet without attachments.
pub(super) fn push_packet<E>(out: &mut VecDeque<Output<E>>, packet: &Packet<'_>) {
    out.push_back(Output::Transmit(EngineMessage::Text(packet.to_wire())));
}

/// Queues already encoded messages.
pub(super) fn push_messages<E>(out: &mut VecDeque<Output<E>>, messages: Vec<EngineMessage>) {
    out.extend(messages.into_iter().map(Output::Transmit));
}
