//! Socket.IO messages for cases that drive a raw Engine.IO session ([`super::EngineWs`],
//! [`super::EnginePolling`], the v3 sessions): the Engine.IO message text of a CONNECT or an
//! EVENT, built by the codec, and the Socket.IO packet inside a received message.

use socketio_codec::engine_io::{Packet, PacketData, PacketType};
use socketio_codec::socket_io::{
    self, AckId, Limits, Namespace, PacketType as SioType, Value, encode_binary,
};

/// The Socket.IO CONNECT for the main namespace without auth, as text (`0`), by the codec.
pub(crate) fn connect_text() -> String {
    socket_io::Packet::connect(Namespace::MAIN, None)
        .map(|p| p.to_wire())
        .unwrap_or_else(|_| "0".to_owned())
}

/// The Engine.IO message text and attachments of event `args` (name first) on `/`, encoded by
/// the codec (BINARY_EVENT when `args` hold binary). Both revisions encode an EVENT alike.
pub(crate) fn event_message(args: &Value, ack: Option<u64>) -> (String, Vec<Vec<u8>>) {
    let ack = ack.and_then(|a| AckId::new(a).ok());
    let mut text = String::new();
    let mut attachments = Vec::new();
    let _ = encode_binary(
        SioType::Event,
        &Namespace::MAIN,
        ack,
        args,
        &mut text,
        &mut attachments,
    );
    (text, attachments)
}

/// The Engine.IO message text of a Socket.IO EVENT `[name, arg]` on `/`.
pub(crate) fn event_text(name: &str, arg: &serde_json::Value) -> String {
    let mut out = String::new();
    // An event name that is not reserved and one JSON argument always encode.
    let _ = socket_io::encode_event(&Namespace::MAIN, name, &[arg], None, &mut out);
    out
}

/// The Engine.IO message text of a Socket.IO EVENT `[name]` on `/`, without arguments.
pub(crate) fn event0_text(name: &str) -> String {
    let mut out = String::new();
    let none: [serde_json::Value; 0] = [];
    // An event name that is not reserved, without arguments, always encodes.
    let _ = socket_io::encode_event(&Namespace::MAIN, name, &none, None, &mut out);
    out
}

/// The revision 5 Socket.IO packet inside an Engine.IO message, if it decodes.
pub(crate) fn sio_packet(p: &Packet<'_>) -> Option<socket_io::Packet<'static>> {
    if p.kind != PacketType::Message {
        return None;
    }
    let text = p.data.as_text()?;
    socket_io::Packet::decode(text, socket_io::ProtocolVersion::V5, &Limits::default())
        .ok()
        .map(socket_io::Packet::into_owned)
}

/// The single argument of a `message-back` event, if `p` is one.
pub(crate) fn message_back(p: &Packet<'_>) -> Option<serde_json::Value> {
    let s = sio_packet(p)?;
    if s.event_name()?.as_str()? != "message-back" {
        return None;
    }
    s.args::<(serde_json::Value,)>().ok().map(|(v,)| v)
}

/// Whether `p` is a text message starting with `prefix` (the Socket.IO text after the `4`).
pub(crate) fn is_text_starting(p: &Packet<'_>, prefix: &str) -> bool {
    p.kind == PacketType::Message && matches!(&p.data, PacketData::Text(t) if t.starts_with(prefix))
}
