//! Encoding into caller-owned buffers.
//!
//! - [`Packet::encode`] writes a packet whose payload is already JSON text.
//! - [`encode_event`] and [`encode_ack`] serialize the caller's typed arguments straight into the
//!   buffer with `serde_json`, with no intermediate `serde_json::Value`.
//! - [`encode_binary`] writes a packet whose data may hold binary, choosing BINARY_EVENT /
//!   BINARY_ACK and placeholders only when binary is present (SIO5-BIN-001).
//!
//! The reference encoder rules apply (SIO5-PKT-003..007): the namespace is left out for `/` and
//! otherwise always followed by `,`; the ack id is plain decimal; the payload is compact JSON.
//! The checked constructors ([`Packet::connect`], [`Packet::event`], ...) refuse payloads a
//! decoder would reject, with [`ApiMisuse::InvalidPayload`].
//!
//! ```
//! use socketio_codec::socket_io::{encode_event, AckId, Namespace, Packet};
//!
//! let chat = Namespace::new("/chat").unwrap();
//! let mut out = String::new();
//! encode_event(&chat, "msg", &("hi", 3), Some(AckId::new(12).unwrap()), &mut out).unwrap();
//! assert_eq!(out, r#"2/chat,12["msg","hi",3]"#);
//!
//! out.clear();
//! Packet::disconnect(chat).encode(&mut out);
//! assert_eq!(out, "1/chat,");
//! ```

use std::io;

use serde::Serialize;
use serde_json::value::RawValue;

use std::borrow::Cow;

use super::ack_id::AckId;
use super::binary;
use super::error::{ApiMisuse, DecodeError};
use super::event::is_reserved;
use super::namespace::Namespace;
use super::packet::{Packet, PacketType, ProtocolVersion};
use super::validate;
use super::value::Value;

impl<'a> Packet<'a> {
    /// Appends the wire text of this packet to `out` (without the Engine.IO `4`).
    ///
    /// The fields are written as they are: for BINARY_EVENT / BINARY_ACK the count is
    /// `attachments` (0 when `None`, which no decoder accepts).
    pub fn encode(&self, out: &mut String) {
        write_header(
            out,
            self.kind,
            self.kind
                .is_binary()
                .then(|| self.attachments.unwrap_or(0) as usize),
            &self.namespace,
            self.ack_id,
        );
        if let Some(data) = self.data_str() {
            out.push_str(data);
        }
    }

    /// The wire text of this packet as a new `String`.
    pub fn to_wire(&self) -> String {
        let mut out = String::new();
        self.encode(&mut out);
        out
    }

    /// A CONNECT packet, with an optional authentication object.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::InvalidPayload`] when `auth` is not a JSON object.
    pub fn connect(
        namespace: Namespace<'a>,
        auth: Option<&'a RawValue>,
    ) -> Result<Self, ApiMisuse> {
        Self::checked(PacketType::Connect, namespace, None, auth)
    }

    /// A DISCONNECT packet.
    pub fn disconnect(namespace: Namespace<'a>) -> Self {
        Packet {
            kind: PacketType::Disconnect,
            namespace,
            ack_id: None,
            attachments: None,
            data: None,
        }
    }

    /// An EVENT packet from the JSON array `["name", args...]`.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::InvalidPayload`] when `payload` is not an array whose first element is a
    /// number or a non-reserved string.
    pub fn event(
        namespace: Namespace<'a>,
        payload: &'a RawValue,
        ack_id: Option<AckId>,
    ) -> Result<Self, ApiMisuse> {
        Self::checked(PacketType::Event, namespace, ack_id, Some(payload))
    }

    /// An ACK packet from the JSON array of the acknowledgement arguments.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::InvalidPayload`] when `args` is not an array.
    pub fn ack(
        namespace: Namespace<'a>,
        ack_id: AckId,
        args: &'a RawValue,
    ) -> Result<Self, ApiMisuse> {
        Self::checked(PacketType::Ack, namespace, Some(ack_id), Some(args))
    }

    /// A CONNECT_ERROR packet (revision 5: a string or an object such as
    /// `{"message":"Invalid namespace"}`). For a revision 4 ERROR with another JSON value, build
    /// the [`Packet`] fields directly.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::InvalidPayload`] when `data` is neither a string nor an object.
    pub fn connect_error(namespace: Namespace<'a>, data: &'a RawValue) -> Result<Self, ApiMisuse> {
        Self::checked(PacketType::ConnectError, namespace, None, Some(data))
    }

    fn checked(
        kind: PacketType,
        namespace: Namespace<'a>,
        ack_id: Option<AckId>,
        data: Option<&'a RawValue>,
    ) -> Result<Self, ApiMisuse> {
        if let Some(data) = data {
            validate::check_shape(kind, trim_json(data.get()), ProtocolVersion::V5)
                .map_err(ApiMisuse::InvalidPayload)?;
        }
        Ok(Packet {
            kind,
            namespace,
            ack_id,
            attachments: None,
            data: data.map(Cow::Borrowed),
        })
    }
}

/// Appends an EVENT `2[/nsp,][id]["event",...args]` to `out`, serializing `args` directly.
///
/// `args` must serialize to a JSON array: a tuple (`&("a", 1)`, `&(x,)` for one argument), a
/// slice, or a `Vec`; `&()` is not an array, use `&[(); 0]` for no argument. On error nothing is
/// appended.
///
/// # Errors
///
/// [`ApiMisuse::ReservedEventName`], [`ApiMisuse::ArgsNotSequence`] or
/// [`ApiMisuse::Serialize`].
pub fn encode_event<T: Serialize + ?Sized>(
    namespace: &Namespace<'_>,
    event: &str,
    args: &T,
    ack_id: Option<AckId>,
    out: &mut String,
) -> Result<(), ApiMisuse> {
    if is_reserved(event) {
        return Err(ApiMisuse::ReservedEventName);
    }
    let start = out.len();
    write_header(out, PacketType::Event, None, namespace, ack_id);
    out.push('[');
    binary::write_json_str(out, event);
    let args_at = out.len();
    if let Err(e) = write_array(out, args) {
        out.truncate(start);
        return Err(e);
    }
    if &out[args_at..] == "[]" {
        out.truncate(args_at);
        out.push(']');
    } else {
        out.replace_range(args_at..args_at + 1, ",");
    }
    Ok(())
}

/// Appends an ACK `3[/nsp,]<id>[...args]` to `out`, serializing `args` directly (an array, as
/// for [`encode_event`]; `&[(); 0]` gives `3<id>[]`, SIO5-ACK-003). On error nothing is appended.
///
/// # Errors
///
/// [`ApiMisuse::ArgsNotSequence`] or [`ApiMisuse::Serialize`].
pub fn encode_ack<T: Serialize + ?Sized>(
    namespace: &Namespace<'_>,
    ack_id: AckId,
    args: &T,
    out: &mut String,
) -> Result<(), ApiMisuse> {
    let start = out.len();
    write_header(out, PacketType::Ack, None, namespace, Some(ack_id));
    write_array(out, args).inspect_err(|_| out.truncate(start))
}

/// Appends an event or acknowledgement whose `data` (the whole payload array, event name first
/// for events) may hold binary.
///
/// `kind` is EVENT or ACK (BINARY_EVENT / BINARY_ACK are accepted as synonyms). When `data`
/// holds binary, the packet becomes BINARY_EVENT / BINARY_ACK, each binary value becomes a
/// placeholder and its bytes are appended to `attachments_out` in `num` order; otherwise a plain
/// EVENT / ACK is written and no attachment appended. On error nothing is appended.
///
/// # Errors
///
/// [`ApiMisuse::WrongPacketKind`] for other types; [`ApiMisuse::InvalidPayload`] when `data`
/// breaks the EVENT / ACK payload rule.
pub fn encode_binary(
    kind: PacketType,
    namespace: &Namespace<'_>,
    ack_id: Option<AckId>,
    data: &Value,
    text_out: &mut String,
    attachments_out: &mut Vec<Vec<u8>>,
) -> Result<(), ApiMisuse> {
    let is_event = match kind {
        PacketType::Event | PacketType::BinaryEvent => true,
        PacketType::Ack | PacketType::BinaryAck => false,
        other => return Err(ApiMisuse::WrongPacketKind(other)),
    };
    check_value_shape(is_event, data).map_err(ApiMisuse::InvalidPayload)?;
    let count = count_binary(data);
    let kind = match (is_event, count > 0) {
        (true, false) => PacketType::Event,
        (true, true) => PacketType::BinaryEvent,
        (false, false) => PacketType::Ack,
        (false, true) => PacketType::BinaryAck,
    };
    write_header(
        text_out,
        kind,
        (count > 0).then_some(count),
        namespace,
        ack_id,
    );
    binary::deconstruct_into(data, text_out, attachments_out);
    Ok(())
}

fn check_value_shape(is_event: bool, data: &Value) -> Result<(), DecodeError> {
    let Value::Array(items) = data else {
        return Err(if is_event {
            DecodeError::EventPayloadNotArray
        } else {
            DecodeError::AckPayloadNotArray
        });
    };
    if !is_event {
        return Ok(());
    }
    match items.first() {
        None => Err(DecodeError::EventEmpty),
        Some(Value::String(name)) if is_reserved(name) => Err(DecodeError::ReservedEventName),
        Some(Value::String(_) | Value::Number(_)) => Ok(()),
        Some(_) => Err(DecodeError::EventNameNotStringOrNumber),
    }
}

fn count_binary(value: &Value) -> usize {
    match value {
        Value::Binary(_) => 1,
        Value::Array(items) => items.iter().map(count_binary).sum(),
        Value::Object(members) => members.iter().map(|(_, v)| count_binary(v)).sum(),
        _ => 0,
    }
}

fn write_header(
    out: &mut String,
    kind: PacketType,
    attachments: Option<usize>,
    namespace: &Namespace<'_>,
    ack_id: Option<AckId>,
) {
    out.push(kind.as_char());
    if let Some(n) = attachments {
        push_decimal(out, n as u64);
        out.push('-');
    }
    if !namespace.is_main() {
        out.push_str(namespace.as_str());
        out.push(',');
    }
    if let Some(id) = ack_id {
        push_decimal(out, id.get());
    }
}

fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// Serializes `value`, which must be a JSON array, onto `out`.
fn write_array<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), ApiMisuse> {
    let at = out.len();
    serde_json::to_writer(StringWriter(out), value)
        .map_err(|e| ApiMisuse::Serialize(e.classify()))?;
    if out.as_bytes().get(at) != Some(&b'[') {
        return Err(ApiMisuse::ArgsNotSequence);
    }
    Ok(())
}

fn trim_json(json: &str) -> &str {
    json.trim_start_matches([' ', '\t', '\n', '\r'])
}

/// `io::Write` onto a `String`. `serde_json`'s compact formatter writes whole UTF-8 fragments
/// (it splits strings only at ASCII escapes), so each chunk is valid UTF-8; a chunk that is not
/// is refused with an I/O error rather than corrupting the buffer.
struct StringWriter<'s>(&'s mut String);

impl io::Write for StringWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let s = std::str::from_utf8(buf).map_err(io::Error::other)?;
        self.0.push_str(s);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> &RawValue {
        serde_json::from_str(json).unwrap()
    }

    fn ns(name: &str) -> Namespace<'_> {
        Namespace::new(name).unwrap()
    }

    /// `wire!(expression producing a Packet => "wire")`.
    macro_rules! wire {
        ($packet:expr => $wire:literal) => {
            assert_eq!($packet.to_wire(), $wire)
        };
    }

    // spec: SIO5-PKT-003
    // spec: SIO5-PKT-004
    // spec: SIO5-PKT-005
    // spec: SIO5-PKT-006
    #[test]
    fn reference_encoder_rules() {
        wire!(Packet::connect(Namespace::MAIN, None).unwrap() => "0");
        wire!(Packet::connect(ns("/admin"), Some(raw(r#"{"token":"abc"}"#))).unwrap()
            => r#"0/admin,{"token":"abc"}"#);
        wire!(Packet::disconnect(ns("/admin")) => "1/admin,");
        wire!(Packet::event(Namespace::MAIN, raw(r#"["a",1]"#), Some(AckId::new(7).unwrap())).unwrap()
            => r#"27["a",1]"#);
        wire!(Packet::ack(ns("/x"), AckId::new(0).unwrap(), raw("[]")).unwrap() => "3/x,0[]");
        wire!(Packet::connect_error(ns("/nope"), raw(r#"{"message":"Invalid namespace"}"#)).unwrap()
            => r#"4/nope,{"message":"Invalid namespace"}"#);
    }

    // spec: SIO5-PKT-007
    #[test]
    fn typed_encoders_write_compact_json() {
        let mut out = String::new();
        let args = (serde_json::json!({"a": 1, "b": [1, 2, {"c": null}]}), "x y");
        encode_event(
            &ns("/chat"),
            "ev",
            &args,
            Some(AckId::new(5).unwrap()),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, r#"2/chat,5["ev",{"a":1,"b":[1,2,{"c":null}]},"x y"]"#);
        let mut text = String::new();
        let mut attachments = Vec::new();
        let data = Value::Array(vec![
            Value::String("bin".into()),
            Value::Object(vec![("k".into(), Value::Binary(vec![1]))]),
        ]);
        encode_binary(
            PacketType::Event,
            &Namespace::MAIN,
            None,
            &data,
            &mut text,
            &mut attachments,
        )
        .unwrap();
        assert_eq!(text, r#"51-["bin",{"k":{"_placeholder":true,"num":0}}]"#);
    }

    #[test]
    fn constructors_refuse_invalid_payloads() {
        use DecodeError::*;
        let bad = |r: Result<Packet<'_>, ApiMisuse>| r.unwrap_err();
        assert_eq!(
            bad(Packet::connect(Namespace::MAIN, Some(raw("[]")))),
            ApiMisuse::InvalidPayload(ConnectPayloadNotObject)
        );
        assert_eq!(
            bad(Packet::event(Namespace::MAIN, raw("[]"), None)),
            ApiMisuse::InvalidPayload(EventEmpty)
        );
        assert_eq!(
            bad(Packet::event(Namespace::MAIN, raw(r#"["connect"]"#), None)),
            ApiMisuse::InvalidPayload(ReservedEventName)
        );
        assert_eq!(
            bad(Packet::ack(
                Namespace::MAIN,
                AckId::new(1).unwrap(),
                raw("{}")
            )),
            ApiMisuse::InvalidPayload(AckPayloadNotArray)
        );
        assert_eq!(
            bad(Packet::connect_error(Namespace::MAIN, raw("1"))),
            ApiMisuse::InvalidPayload(ConnectErrorPayloadInvalid)
        );
    }

    // spec: SIO5-ACK-003
    #[test]
    fn typed_encoders() {
        let mut out = String::from("keep:");
        encode_event(&Namespace::MAIN, "ev", &[(); 0], None, &mut out).unwrap();
        assert_eq!(out, r#"keep:2["ev"]"#);
        out.clear();
        encode_event(&ns("/c"), "é\"", &(1, "two", [3.5]), None, &mut out).unwrap();
        assert_eq!(out, r#"2/c,["é\"",1,"two",[3.5]]"#);
        out.clear();
        assert_eq!(
            encode_event(&Namespace::MAIN, "connect", &[1], None, &mut out),
            Err(ApiMisuse::ReservedEventName)
        );
        #[derive(Serialize)]
        struct NotSeq {
            a: u8,
        }
        out.push_str("keep");
        assert_eq!(
            encode_event(&Namespace::MAIN, "ev", &NotSeq { a: 1 }, None, &mut out),
            Err(ApiMisuse::ArgsNotSequence)
        );
        assert_eq!(out, "keep");
        out.clear();
        encode_ack(
            &Namespace::MAIN,
            AckId::new(456).unwrap(),
            &[(); 0],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "3456[]");
    }

    // spec: SIO5-BIN-001
    // spec: SIO5-BIN-004
    #[test]
    fn binary_encoder() {
        let mut text = String::new();
        let mut atts = Vec::new();
        let data = Value::Array(vec!["baz".into(), Value::Binary(vec![1, 2, 3, 4])]);
        encode_binary(
            PacketType::Event,
            &Namespace::MAIN,
            None,
            &data,
            &mut text,
            &mut atts,
        )
        .unwrap();
        assert_eq!(text, r#"51-["baz",{"_placeholder":true,"num":0}]"#);
        assert_eq!(atts, [vec![1, 2, 3, 4]]);

        text.clear();
        atts.clear();
        let plain = Value::Array(vec!["a".into()]);
        encode_binary(
            PacketType::Ack,
            &ns("/x"),
            Some(AckId::new(15).unwrap()),
            &plain,
            &mut text,
            &mut atts,
        )
        .unwrap();
        assert_eq!((text.as_str(), atts.len()), (r#"3/x,15["a"]"#, 0));

        assert_eq!(
            encode_binary(
                PacketType::Connect,
                &Namespace::MAIN,
                None,
                &plain,
                &mut text,
                &mut atts
            ),
            Err(ApiMisuse::WrongPacketKind(PacketType::Connect))
        );
        assert_eq!(
            encode_binary(
                PacketType::Event,
                &Namespace::MAIN,
                None,
                &Value::Array(vec![]),
                &mut text,
                &mut atts
            ),
            Err(ApiMisuse::InvalidPayload(DecodeError::EventEmpty))
        );
    }

    #[test]
    fn decimal() {
        for n in [0u64, 7, 10, 9_007_199_254_740_991, u64::MAX] {
            let mut s = String::new();
            push_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
