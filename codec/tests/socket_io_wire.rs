//! Tricky Socket.IO inputs through the public decoder, written as they appear on the wire
//! (the Socket.IO part, without the Engine.IO `4`), with the canonical rendering or error code.

use std::borrow::Cow;

use socketio_codec::Status;
use socketio_codec::socket_io::{
    ApiMisuse, DecodeError, Decoded, Decoder, Limits, ProtocolVersion,
};

/// Feeds `text` then each attachment to a fresh decoder; returns the last rendering or the
/// first error code.
fn run(
    version: ProtocolVersion,
    text: &str,
    attachments: &[&[u8]],
) -> Result<String, &'static str> {
    let mut decoder = Decoder::new(version, Limits::default());
    let mut status = decoder.push_text(text).map_err(|e| e.code())?;
    for attachment in attachments {
        status = decoder.push_binary(attachment).map_err(|e| e.code())?;
    }
    match status {
        Status::Complete(decoded) => Ok(decoded.to_string()),
        Status::Partial => Ok("PARTIAL".to_owned()),
    }
}

/// `sio!(V5, wire [, attachments...] => "rendering")` or `=> err "code"`.
macro_rules! sio {
    ($v:ident, $wire:expr $(, $att:expr)* => err $code:literal) => {
        assert_eq!(run(ProtocolVersion::$v, $wire, &[$($att),*]), Err($code), "{:?}", $wire)
    };
    ($v:ident, $wire:expr $(, $att:expr)* => $render:expr) => {
        assert_eq!(run(ProtocolVersion::$v, $wire, &[$($att),*]).as_deref(), Ok($render), "{:?}", $wire)
    };
}

// spec: SIO5-PKT-008
// spec: SIO5-PKT-010
// spec: SIO5-VAL-006
// spec: SIO5-NS-006
#[test]
fn accepted_oddities() {
    sio!(V5, r#"0/custom{"a":1}"# => r#"SIO CONNECT ns=/custom{"a":1}"#);
    sio!(V5, "0/," => "SIO CONNECT ns=/");
    sio!(V5, "0/custom" => "SIO CONNECT ns=/custom");
    sio!(V5, "2" => "SIO EVENT ns=/");
    sio!(V5, "35" => "SIO ACK ns=/ ack=5");
    sio!(V5, "3007[]" => "SIO ACK ns=/ ack=7 data=[]");
    sio!(V5, "012" => "SIO CONNECT ns=/ ack=12");
    sio!(V5, "2[1,2]" => "SIO EVENT ns=/ data=[1,2]");
    sio!(V5, r#"2["error"]"# => r#"SIO EVENT ns=/ data=["error"]"#);
}

// spec: SIO5-VAL-010
#[test]
fn dash_after_digits_inside_json() {
    sio!(V5, r#"2["1-2","12-3",{"a":"5-"}]"# => r#"SIO EVENT ns=/ data=["1-2","12-3",{"a":"5-"}]"#);
    sio!(V5, r#"212["1-2"]"# => r#"SIO EVENT ns=/ ack=12 data=["1-2"]"#);
}

// spec: SIO5-BIN-018
#[test]
fn placeholder_shape_in_plain_event_is_data() {
    sio!(V5, r#"2["m",{"_placeholder":true,"num":"splice"}]"#
        => r#"SIO EVENT ns=/ data=["m",{"_placeholder":true,"num":"splice"}]"#);
}

// spec: SIO5-VAL-001
// spec: SIO5-VAL-004
// spec: SIO5-RSV-002
// spec: SIO5-PKT-013
// spec: SIO5-PKT-015
// spec: SIO5-PKT-016
#[test]
fn rejected() {
    sio!(V5, "" => err "empty-packet");
    sio!(V5, "abc" => err "unknown-packet-type");
    sio!(V5, "2{}" => err "event-payload-not-array");
    sio!(V5, "2[]" => err "event-empty");
    sio!(V5, r#"2abc["message-with-ack",1,"2",{"3":[false]}]"# => err "invalid-json");
    sio!(V5, r#"2["connect"]"# => err "reserved-event-name");
    sio!(V5, r#"2["removeListener",1]"# => err "reserved-event-name");
    sio!(V5, r#"212345678901234567890["a"]"# => err "ack-id-overflow");
    sio!(V5, "1/admin,{}" => err "disconnect-with-payload");
    sio!(V5, "0[]" => err "connect-payload-not-object");
    sio!(V5, "4[]" => err "connect-error-payload-invalid");
    // The Engine.IO form `45["a"]` passed by mistake reads as CONNECT_ERROR, ack 5.
    sio!(V5, r#"45["a"]"# => err "connect-error-payload-invalid");
}

// spec: SIO4-PKT-002
// spec: SIO4-VAL-003
#[test]
fn revision_4_differences() {
    sio!(V4, r#"2["connect"]"# => r#"SIO EVENT ns=/ data=["connect"]"#);
    sio!(V4, r#"45["a"]"# => r#"SIO CONNECT_ERROR ns=/ ack=5 data=["a"]"#);
    sio!(V4, r#"4/admin,"Not authorized""# => r#"SIO CONNECT_ERROR ns=/admin data="Not authorized""#);
    sio!(V4, "2{}" => err "event-payload-not-array");
}

// spec: SIO5-BIN-007
// spec: SIO5-BIN-008
// spec: SIO5-BIN-009
// spec: SIO5-BIN-010
#[test]
fn attachment_headers() {
    sio!(V5, r#"5["a"]"# => err "missing-attachment-separator");
    sio!(V5, r#"5-["a",{"_placeholder":true,"num":0}]"# => err "illegal-attachments");
    sio!(V5, r#"51["x"]"# => err "missing-attachment-separator");
    sio!(V5, r#"50-["a"]"# => err "zero-attachments");
    sio!(V5, r#"51000-["a",{"_placeholder":true,"num":0}]"# => err "too-many-attachments");
    sio!(V5, r#"511-["a"]"# => err "too-many-attachments");
    // interop-bugs #2: a long digit run without `-` ends in bounded time.
    let long = format!("5{}[\"x\"]", "1".repeat(1 << 20));
    sio!(V5, &long => err "missing-attachment-separator");
    // interop-bugs #21: a count far beyond any integer type.
    let huge = format!("5{}-[\"x\"]", "9".repeat(64));
    sio!(V5, &huge => err "too-many-attachments");
}

// spec: SIO5-BIN-013
// spec: SIO5-BIN-014
// spec: SIO5-BIN-017
#[test]
fn binary_reconstruction() {
    sio!(V5, r#"51-["baz",{"_placeholder":true,"num":0}]"#, &[1, 2, 3, 4]
        => r#"SIO BINARY_EVENT ns=/ attachments=1 data=["baz",{"_placeholder":true,"num":0}] bin0=01020304"#);
    // interop-bugs #3: nested placeholders.
    sio!(V5, r#"52-/admin,7["up",{"body":{"_placeholder":true,"num":1},"list":[[{"_placeholder":true,"num":0}]]}]"#, b"A", b"B"
        => r#"SIO BINARY_EVENT ns=/admin ack=7 attachments=2 data=["up",{"body":{"_placeholder":true,"num":0},"list":[[{"_placeholder":true,"num":1}]]}] bin0=42 bin1=41"#);
    // interop-bugs #18: member order.
    sio!(V5, r#"61-15[{"num":0,"_placeholder":true}]"#, &[]
        => r#"SIO BINARY_ACK ns=/ ack=15 attachments=1 data=[{"_placeholder":true,"num":0}] bin0="#);
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":0}]"# => "PARTIAL");
}

// spec: SIO5-BIN-011
// spec: SIO5-BIN-012
// spec: SIO5-BIN-015
// spec: SIO5-BIN-016
#[test]
fn binary_rejections() {
    // interop-bugs #22 (CVE-2022-2421).
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":"splice"}]"# => err "placeholder-num-not-integer");
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":1.5}]"# => err "placeholder-num-not-integer");
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":-1}]"# => err "placeholder-num-out-of-range");
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":1}]"# => err "placeholder-num-out-of-range");
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":0,"extra":1}]"# => err "placeholder-malformed");
    sio!(V5, r#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"# => err "placeholder-duplicate");
    sio!(V5, r#"52-["a",{"_placeholder":true,"num":0}]"# => err "attachment-unused");
    sio!(V5, r#"51-["a",{"_placeholder":true,"num":0}]"# , b"x", b"y" => err "unexpected-binary");

    let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
    assert_eq!(
        decoder.push_binary(b"stray"),
        Err(DecodeError::UnexpectedBinary)
    );
    assert!(
        decoder
            .push_text(r#"51-["a",{"_placeholder":true,"num":0}]"#)
            .unwrap()
            .is_partial()
    );
    assert_eq!(
        decoder.push_text(r#"2["b"]"#),
        Err(DecodeError::UnexpectedText)
    );
    // Reset after the error: the same text now decodes.
    let decoded = decoder
        .decode_text(r#"2["b"]"#)
        .unwrap()
        .complete()
        .unwrap();
    let Decoded::Packet(packet) = decoded else {
        panic!("not a text packet")
    };
    assert_eq!(
        packet
            .event_name()
            .and_then(|n| n.as_str().map(str::to_owned)),
        Some("b".into())
    );
}

#[test]
fn typed_arguments_borrow_from_input() {
    let mut decoder = Decoder::new(ProtocolVersion::V5, Limits::default());
    let input = String::from(r#"2/chat,["msg",{"text":"plain","esc":"a\nb"}]"#);
    let Status::Complete(Decoded::Packet(packet)) = decoder.decode_text(&input).unwrap() else {
        panic!("no packet");
    };
    #[derive(serde::Deserialize)]
    struct Msg<'a> {
        #[serde(borrow)]
        text: Cow<'a, str>,
        #[serde(borrow)]
        esc: Cow<'a, str>,
    }
    let (msg,): (Msg<'_>,) = packet.args().unwrap();
    assert!(matches!(msg.text, Cow::Borrowed("plain")));
    assert_eq!(msg.esc, "a\nb");
}

#[test]
fn error_codes_are_stable_kebab_case_and_distinct() {
    use DecodeError::*;
    let all = [
        EmptyPacket,
        UnknownPacketType('x'),
        IllegalAttachments,
        MissingAttachmentSeparator,
        ZeroAttachments,
        TooManyAttachments,
        AckIdOverflow,
        InvalidJson,
        ConnectPayloadNotObject,
        DisconnectWithPayload,
        EventPayloadNotArray,
        EventEmpty,
        EventNameNotStringOrNumber,
        ReservedEventName,
        AckPayloadNotArray,
        ConnectErrorPayloadInvalid,
        PlaceholderMalformed,
        PlaceholderNumNotInteger,
        PlaceholderNumOutOfRange,
        PlaceholderDuplicate,
        AttachmentUnused,
        UnexpectedText,
        UnexpectedBinary,
    ];
    let mut codes: Vec<&str> = all.iter().map(DecodeError::code).collect();
    let misuse = [
        ApiMisuse::NamespaceWithoutLeadingSlash,
        ApiMisuse::NamespaceWithComma,
        ApiMisuse::AckIdTooLarge,
        ApiMisuse::ReservedEventName,
        ApiMisuse::WrongPacketKind(socketio_codec::socket_io::PacketType::Connect),
        ApiMisuse::InvalidPayload(EventEmpty),
        ApiMisuse::ArgsNotSequence,
        ApiMisuse::Serialize(serde_json::error::Category::Data),
        ApiMisuse::BinaryNotJson,
    ];
    let misuse_codes: Vec<&str> = misuse.iter().map(ApiMisuse::code).collect();
    for code in codes.iter().chain(&misuse_codes) {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{code} is not kebab-case"
        );
    }
    for e in &all {
        assert!(e.to_string().contains(e.code()));
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len(), "duplicate DecodeError code");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("2[\"a\",{}1{}]", "[".repeat(100_000), "]".repeat(100_000));
    // Syntax-only validation is iterative and accepts any depth.
    sio!(V5, &deep => format!("SIO EVENT ns=/ data={}", &deep[1..]).as_str());
    let header = format!(
        "51-[\"a\",{}{{\"_placeholder\":true,\"num\":0}}{}]",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    // Building the tree is bounded by serde_json's recursion limit.
    sio!(V5, &header => err "invalid-json");
}
