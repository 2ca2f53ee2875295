//! The inputs of the structured targets (`sio_roundtrip`, `eio_roundtrip`, `eio_session_ops`,
//! `sio_session_ops`): plain data that the fuzzer generates, and its conversion into codec
//! values.
//!
//! The codec does not depend on `arbitrary`, but the fuzz crate must derive `Arbitrary` for
//! these types. So they are written once, in the [`fuzzing_inputs!`](crate::fuzzing_inputs)
//! macro: the codec expands it with plain derives, and `fuzz/src/lib.rs` expands it as
//! `socketio_codec::fuzzing_inputs! { mirror #[derive(Debug, Clone, Arbitrary)] }`, which defines
//! the same types there (same fields and variants in the same order, so `Arbitrary` reads the
//! same bytes the same way) plus a `From` conversion from each of them to the codec's type.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::common::raw_json;
use super::engine_io::{self, PacketData, PacketType as EioType};
use super::socket_io::{self, Namespace, PacketType as SioType, Value};

/// Defines the input types of the structured fuzz targets, with the given attributes on each.
///
/// `fuzzing_inputs! { #[derive(..)] }` defines the types; `fuzzing_inputs! { mirror #[derive(..)] }`
/// defines them and converts each into the codec's own (`socketio_codec::fuzzing::*`), for a
/// crate that derives what the codec cannot (the fuzz crate's `Arbitrary`).
#[macro_export]
macro_rules! fuzzing_inputs {
    (mirror $(#[$attr:meta])*) => {
        $crate::fuzzing_inputs! { $(#[$attr])* }
        $crate::fuzzing_inputs! { @into }
    };
    (@into) => {
        impl ::core::convert::From<Json> for $crate::fuzzing::Json {
            fn from(json: Json) -> Self {
                use $crate::fuzzing as f;
                match json {
                    Json::Null => f::Json::Null,
                    Json::Bool(b) => f::Json::Bool(b),
                    Json::Int(n) => f::Json::Int(n),
                    Json::UInt(n) => f::Json::UInt(n),
                    Json::Float(x) => f::Json::Float(x),
                    Json::Str(s) => f::Json::Str(s),
                    Json::Bin(b) => f::Json::Bin(b),
                    Json::Arr(items) => f::Json::Arr(items.into_iter().map(Into::into).collect()),
                    Json::Obj(members) => {
                        f::Json::Obj(members.into_iter().map(|(k, v)| (k, v.into())).collect())
                    }
                }
            }
        }

        impl ::core::convert::From<Name> for $crate::fuzzing::Name {
            fn from(name: Name) -> Self {
                use $crate::fuzzing as f;
                match name {
                    Name::Text(s) => f::Name::Text(s),
                    Name::Number(n) => f::Name::Number(n),
                }
            }
        }

        impl ::core::convert::From<SioOp> for $crate::fuzzing::SioOp {
            fn from(op: SioOp) -> Self {
                use $crate::fuzzing as f;
                match op {
                    SioOp::Connect { nsp, auth } => f::SioOp::Connect {
                        nsp,
                        auth: auth.map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect()),
                    },
                    SioOp::Disconnect { nsp } => f::SioOp::Disconnect { nsp },
                    SioOp::Event { nsp, ack, name, args } => f::SioOp::Event {
                        nsp,
                        ack,
                        name: name.into(),
                        args: args.into_iter().map(Into::into).collect(),
                    },
                    SioOp::Ack { nsp, ack, args } => f::SioOp::Ack {
                        nsp,
                        ack,
                        args: args.into_iter().map(Into::into).collect(),
                    },
                    SioOp::ConnectError { nsp, data } => f::SioOp::ConnectError {
                        nsp,
                        data: data.into(),
                    },
                }
            }
        }

        impl ::core::convert::From<SioCase> for $crate::fuzzing::SioCase {
            fn from(case: SioCase) -> Self {
                Self {
                    v4: case.v4,
                    ops: case.ops.into_iter().map(Into::into).collect(),
                }
            }
        }

        impl ::core::convert::From<EioPacket> for $crate::fuzzing::EioPacket {
            fn from(packet: EioPacket) -> Self {
                Self {
                    kind: packet.kind,
                    binary: packet.binary,
                    text: packet.text,
                }
            }
        }

        impl ::core::convert::From<EioCase> for $crate::fuzzing::EioCase {
            fn from(case: EioCase) -> Self {
                Self {
                    v3: case.v3,
                    packets: case.packets.into_iter().map(Into::into).collect(),
                    chunk_seed: case.chunk_seed,
                    handshake: case.handshake,
                    error_body: case.error_body,
                }
            }
        }

        impl ::core::convert::From<EioSessionOp> for $crate::fuzzing::EioSessionOp {
            fn from(op: EioSessionOp) -> Self {
                use $crate::fuzzing as f;
                match op {
                    EioSessionOp::Advance(ms) => f::EioSessionOp::Advance(ms),
                    EioSessionOp::Open { ping_interval, ping_timeout, upgrades } => {
                        f::EioSessionOp::Open { ping_interval, ping_timeout, upgrades }
                    }
                    EioSessionOp::Body(packets) => {
                        f::EioSessionOp::Body(packets.into_iter().map(Into::into).collect())
                    }
                    EioSessionOp::RawBody(body) => f::EioSessionOp::RawBody(body),
                    EioSessionOp::Ws { packet, conn } => f::EioSessionOp::Ws {
                        packet: packet.into(),
                        conn,
                    },
                    EioSessionOp::RawWs { binary, data, conn } => {
                        f::EioSessionOp::RawWs { binary, data, conn }
                    }
                    EioSessionOp::Event { kind, conn } => f::EioSessionOp::Event { kind, conn },
                    EioSessionOp::Send(packet) => f::EioSessionOp::Send(packet.into()),
                }
            }
        }

        impl ::core::convert::From<EioSessionCase> for $crate::fuzzing::EioSessionCase {
            fn from(case: EioSessionCase) -> Self {
                Self {
                    v3: case.v3,
                    websocket: case.websocket,
                    server_config: case.server_config,
                    allow_upgrades: case.allow_upgrades,
                    ops: case.ops.into_iter().map(Into::into).collect(),
                }
            }
        }

        impl ::core::convert::From<SioSessionOp> for $crate::fuzzing::SioSessionOp {
            fn from(op: SioSessionOp) -> Self {
                use $crate::fuzzing as f;
                match op {
                    SioSessionOp::Advance(ms) => f::SioSessionOp::Advance(ms),
                    SioSessionOp::Packet(op) => f::SioSessionOp::Packet(op.into()),
                    SioSessionOp::Raw { binary, data } => f::SioSessionOp::Raw { binary, data },
                    SioSessionOp::Connect { nsp, auth } => f::SioSessionOp::Connect {
                        nsp,
                        auth: auth.map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect()),
                    },
                    SioSessionOp::Emit { nsp, event, args, ack } => f::SioSessionOp::Emit {
                        nsp,
                        event,
                        args: args.into_iter().map(Into::into).collect(),
                        ack,
                    },
                    SioSessionOp::Ack { nsp, id, args } => f::SioSessionOp::Ack {
                        nsp,
                        id,
                        args: args.into_iter().map(Into::into).collect(),
                    },
                    SioSessionOp::Disconnect { nsp } => f::SioSessionOp::Disconnect { nsp },
                    SioSessionOp::Accept { nsp } => f::SioSessionOp::Accept { nsp },
                    SioSessionOp::Refuse { nsp, message } => {
                        f::SioSessionOp::Refuse { nsp, message }
                    }
                    SioSessionOp::Close => f::SioSessionOp::Close,
                    SioSessionOp::EngineClosed => f::SioSessionOp::EngineClosed,
                }
            }
        }

        impl ::core::convert::From<SioSessionCase> for $crate::fuzzing::SioSessionCase {
            fn from(case: SioSessionCase) -> Self {
                Self {
                    v4: case.v4,
                    connect_timeout: case.connect_timeout,
                    ops: case.ops.into_iter().map(Into::into).collect(),
                }
            }
        }
    };
    ($(#[$attr:meta])*) => {
        /// A JSON value that may hold binary, as the fuzzer generates it.
        $(#[$attr])*
        pub enum Json {
            /// `null`.
            Null,
            /// `true` / `false`.
            Bool(bool),
            /// An integer.
            Int(i64),
            /// An unsigned integer.
            UInt(u64),
            /// A float (non-finite becomes `null`).
            Float(f64),
            /// A string.
            Str(String),
            /// Binary data (an attachment).
            Bin(Vec<u8>),
            /// An array.
            Arr(Vec<Json>),
            /// An object, members in order (duplicates allowed).
            Obj(Vec<(String, Json)>),
        }

        /// An event name: text or a number.
        $(#[$attr])*
        pub enum Name {
            /// A string name.
            Text(String),
            /// A numeric name.
            Number(i64),
        }

        /// One Socket.IO packet to build, encode and decode.
        $(#[$attr])*
        pub enum SioOp {
            /// CONNECT with an optional auth object.
            Connect {
                /// Namespace (made valid: `/` prefixed, commas removed).
                nsp: String,
                /// Auth object members.
                auth: Option<Vec<(String, Json)>>,
            },
            /// DISCONNECT.
            Disconnect {
                /// Namespace.
                nsp: String,
            },
            /// EVENT or BINARY_EVENT (binary when `args` hold binary).
            Event {
                /// Namespace.
                nsp: String,
                /// Ack id (reduced modulo 2^53).
                ack: Option<u64>,
                /// Event name.
                name: Name,
                /// Arguments.
                args: Vec<Json>,
            },
            /// ACK or BINARY_ACK.
            Ack {
                /// Namespace.
                nsp: String,
                /// Ack id (reduced modulo 2^53).
                ack: u64,
                /// Arguments.
                args: Vec<Json>,
            },
            /// CONNECT_ERROR (revision 4: ERROR).
            ConnectError {
                /// Namespace.
                nsp: String,
                /// Payload.
                data: Json,
            },
        }

        /// Input of `sio_roundtrip`.
        $(#[$attr])*
        pub struct SioCase {
            /// Revision 4 instead of 5.
            pub v4: bool,
            /// The packets.
            pub ops: Vec<SioOp>,
        }

        /// One Engine.IO packet as the fuzzer generates it.
        $(#[$attr])*
        pub struct EioPacket {
            /// Packet type, reduced modulo 7.
            pub kind: u8,
            /// Binary data instead of `text`.
            pub binary: Option<Vec<u8>>,
            /// Text data (used when `binary` is `None`).
            pub text: String,
        }

        /// Input of `eio_roundtrip`.
        $(#[$attr])*
        pub struct EioCase {
            /// Engine.IO v3 instead of v4.
            pub v3: bool,
            /// Packets, encoded one by one and as a payload.
            pub packets: Vec<EioPacket>,
            /// Seed of the chunking of the streamed payload.
            pub chunk_seed: u64,
            /// A handshake: sid, upgrades, ping interval, ping timeout, max payload.
            pub handshake: (String, Vec<String>, u64, u64, Option<u64>),
            /// An error body: code and message.
            pub error_body: (u8, String),
        }

        /// One step of an Engine.IO session story, applied to a client or a server machine.
        $(#[$attr])*
        pub enum EioSessionOp {
            /// Let this many milliseconds pass (×10); due timers fire on the way.
            Advance(u16),
            /// A valid open packet from the server (client only; over the client's first
            /// transport).
            Open {
                /// `pingInterval` in ms.
                ping_interval: u16,
                /// `pingTimeout` in ms.
                ping_timeout: u16,
                /// Whether `websocket` is offered as an upgrade.
                upgrades: bool,
            },
            /// These packets as a polling body: a GET response (client) or a POST (server).
            Body(Vec<EioPacket>),
            /// Raw polling body bytes, as [`EioSessionOp::Body`].
            RawBody(Vec<u8>),
            /// One packet as a WebSocket message (server: on connection `conn`).
            Ws {
                /// The packet.
                packet: EioPacket,
                /// Connection index (server).
                conn: u8,
            },
            /// A raw WebSocket message (server: on connection `conn`).
            RawWs {
                /// A binary message instead of text (text must be UTF-8; other bytes are
                /// dropped).
                binary: bool,
                /// The message.
                data: Vec<u8>,
                /// Connection index (server).
                conn: u8,
            },
            /// A transport event or command, chosen by `kind` (see `eio_session_ops`).
            Event {
                /// Which event.
                kind: u8,
                /// Connection index (server).
                conn: u8,
            },
            /// The application sends a message.
            Send(EioPacket),
        }

        /// Input of `eio_session_ops`.
        $(#[$attr])*
        pub struct EioSessionCase {
            /// Engine.IO v3 instead of v4.
            pub v3: bool,
            /// The session starts over WebSocket instead of polling.
            pub websocket: bool,
            /// Server `pingInterval`, `pingTimeout`, `upgradeTimeout` in ms (each + 100) and
            /// `maxPayload` in bytes.
            pub server_config: (u16, u16, u16, u32),
            /// Whether the server allows upgrades.
            pub allow_upgrades: bool,
            /// The story.
            pub ops: Vec<EioSessionOp>,
        }

        /// One step of a Socket.IO session story, applied to a client or a server machine.
        $(#[$attr])*
        pub enum SioSessionOp {
            /// Let this many milliseconds pass (×10); due timers fire on the way.
            Advance(u16),
            /// A packet from the peer, encoded (with its attachments) and fed message by message.
            Packet(SioOp),
            /// A raw Engine.IO message from the peer.
            Raw {
                /// A binary message instead of text (text must be UTF-8; other bytes are
                /// dropped).
                binary: bool,
                /// The message.
                data: Vec<u8>,
            },
            /// Client command: connect a namespace.
            Connect {
                /// Namespace.
                nsp: String,
                /// Auth object members.
                auth: Option<Vec<(String, Json)>>,
            },
            /// Command: emit an event.
            Emit {
                /// Namespace.
                nsp: String,
                /// Event name.
                event: String,
                /// Arguments.
                args: Vec<Json>,
                /// Ask for an acknowledgement.
                ack: bool,
            },
            /// Command: acknowledge a received event.
            Ack {
                /// Namespace.
                nsp: String,
                /// Ack id.
                id: u8,
                /// Arguments.
                args: Vec<Json>,
            },
            /// Command: disconnect a namespace.
            Disconnect {
                /// Namespace.
                nsp: String,
            },
            /// Server command: accept a pending namespace.
            Accept {
                /// Namespace.
                nsp: String,
            },
            /// Server command: refuse a pending namespace.
            Refuse {
                /// Namespace.
                nsp: String,
                /// Message.
                message: String,
            },
            /// Server command: close the connection.
            Close,
            /// The Engine.IO connection closed.
            EngineClosed,
        }

        /// Input of `sio_session_ops`.
        $(#[$attr])*
        pub struct SioSessionCase {
            /// Revision 4 instead of 5.
            pub v4: bool,
            /// Server connect timeout in ms (+ 100).
            pub connect_timeout: u16,
            /// The story.
            pub ops: Vec<SioSessionOp>,
        }
    };
}

fuzzing_inputs! { #[derive(Debug, Clone, PartialEq)] }

/// How deep generated values nest at most (see [`Json::to_value`]).
pub const MAX_DEPTH: usize = 64;

impl Json {
    /// The codec value. A member named `_placeholder` is renamed `_placeholder_`: a user object
    /// that looks like a placeholder cannot be told apart from one on the wire (SIO5-BIN-018
    /// covers plain packets only), so it is not a round-trip property.
    ///
    /// Nesting is cut at [`MAX_DEPTH`] levels (deeper values become `null`): serde_json builds
    /// trees at most 128 levels deep, and the comparisons here go through such trees.
    pub fn to_value(&self) -> Value {
        self.to_value_at(0)
    }

    fn to_value_at(&self, depth: usize) -> Value {
        if depth >= MAX_DEPTH {
            return Value::Null;
        }
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(n) => Value::from(*n),
            Json::UInt(n) => Value::from(*n),
            Json::Float(f) => Value::from(*f),
            Json::Str(s) => Value::String(s.clone()),
            Json::Bin(b) => Value::Binary(b.clone()),
            Json::Arr(items) => {
                Value::Array(items.iter().map(|i| i.to_value_at(depth + 1)).collect())
            }
            Json::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| {
                        let k = if k == "_placeholder" {
                            "_placeholder_".to_owned()
                        } else {
                            k.clone()
                        };
                        (k, v.to_value_at(depth + 1))
                    })
                    .collect(),
            ),
        }
    }
}

impl EioPacket {
    /// The codec packet: the type is `kind` modulo 7, the data binary or text.
    pub(super) fn to_packet(&self) -> engine_io::Packet<'static> {
        let kind = EioType::ALL[usize::from(self.kind % 7)];
        let data = match &self.binary {
            Some(bytes) => PacketData::Binary(Cow::Owned(bytes.clone())),
            None => PacketData::Text(Cow::Owned(self.text.clone())),
        };
        engine_io::Packet { kind, data }
    }
}

/// The data of an EVENT: the name, then the arguments.
pub(super) fn event_data(name: &Name, args: &[Json]) -> Value {
    let mut items = vec![match name {
        Name::Text(s) => Value::String(s.clone()),
        Name::Number(n) => Value::from(*n),
    }];
    items.extend(args.iter().map(Json::to_value));
    Value::Array(items)
}

/// The data of an ACK (or the arguments of an emit): the arguments as an array.
pub(super) fn args_value(args: &[Json]) -> Value {
    Value::Array(args.iter().map(Json::to_value).collect())
}

/// A CONNECT auth object as raw JSON (binary written as arrays of bytes).
pub(super) fn auth_object(members: &[(String, Json)]) -> Box<RawValue> {
    raw_json(&Json::Obj(members.to_vec()).to_value())
}

/// A CONNECT_ERROR packet carrying `data`. Revision 4's ERROR takes any payload, so it is built
/// as is; revision 5 goes through [`socket_io::Packet::connect_error`], which may refuse it.
pub(super) fn connect_error_packet<'a>(
    namespace: Namespace<'a>,
    data: &'a RawValue,
    v4: bool,
) -> Result<socket_io::Packet<'a>, socket_io::ApiMisuse> {
    if v4 {
        Ok(socket_io::Packet {
            kind: SioType::ConnectError,
            namespace,
            ack_id: None,
            attachments: None,
            data: Some(Cow::Borrowed(data)),
        })
    } else {
        socket_io::Packet::connect_error(namespace, data)
    }
}
