//! `arbitrary` inputs of the structured fuzz targets.
//!
//! The codec does not depend on `arbitrary`, so its plain-data inputs
//! (`socketio_codec::fuzzing::{SioCase, EioCase}`) are mirrored here with `#[derive(Arbitrary)]`
//! and converted with `From`. Keep the two in step: a field added there is added here.

use arbitrary::Arbitrary;
use socketio_codec::fuzzing as f;

/// Mirrors [`f::Json`].
#[derive(Debug, Clone, Arbitrary)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl From<Json> for f::Json {
    fn from(j: Json) -> Self {
        match j {
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

fn all(items: Vec<Json>) -> Vec<f::Json> {
    items.into_iter().map(Into::into).collect()
}

/// Mirrors [`f::Name`].
#[derive(Debug, Clone, Arbitrary)]
pub enum Name {
    Text(String),
    Number(i64),
}

/// Mirrors [`f::SioOp`].
#[derive(Debug, Clone, Arbitrary)]
pub enum SioOp {
    Connect {
        nsp: String,
        auth: Option<Vec<(String, Json)>>,
    },
    Disconnect {
        nsp: String,
    },
    Event {
        nsp: String,
        ack: Option<u64>,
        name: Name,
        args: Vec<Json>,
    },
    Ack {
        nsp: String,
        ack: u64,
        args: Vec<Json>,
    },
    ConnectError {
        nsp: String,
        data: Json,
    },
}

impl From<SioOp> for f::SioOp {
    fn from(op: SioOp) -> Self {
        match op {
            SioOp::Connect { nsp, auth } => f::SioOp::Connect {
                nsp,
                auth: auth.map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect()),
            },
            SioOp::Disconnect { nsp } => f::SioOp::Disconnect { nsp },
            SioOp::Event {
                nsp,
                ack,
                name,
                args,
            } => f::SioOp::Event {
                nsp,
                ack,
                name: match name {
                    Name::Text(s) => f::Name::Text(s),
                    Name::Number(n) => f::Name::Number(n),
                },
                args: all(args),
            },
            SioOp::Ack { nsp, ack, args } => f::SioOp::Ack {
                nsp,
                ack,
                args: all(args),
            },
            SioOp::ConnectError { nsp, data } => f::SioOp::ConnectError {
                nsp,
                data: data.into(),
            },
        }
    }
}

/// Mirrors [`f::SioCase`].
#[derive(Debug, Clone, Arbitrary)]
pub struct SioCase {
    pub v4: bool,
    pub ops: Vec<SioOp>,
}

impl From<SioCase> for f::SioCase {
    fn from(c: SioCase) -> Self {
        f::SioCase {
            v4: c.v4,
            ops: c.ops.into_iter().map(Into::into).collect(),
        }
    }
}

/// Mirrors [`f::EioPacket`].
#[derive(Debug, Clone, Arbitrary)]
pub struct EioPacket {
    pub kind: u8,
    pub binary: Option<Vec<u8>>,
    pub text: String,
}

/// Mirrors [`f::EioCase`].
#[derive(Debug, Clone, Arbitrary)]
pub struct EioCase {
    pub v3: bool,
    pub packets: Vec<EioPacket>,
    pub chunk_seed: u64,
    pub handshake: (String, Vec<String>, u64, u64, Option<u64>),
    pub error_body: (u8, String),
}

impl From<EioCase> for f::EioCase {
    fn from(c: EioCase) -> Self {
        f::EioCase {
            v3: c.v3,
            packets: c.packets.into_iter().map(eio_packet).collect(),
            chunk_seed: c.chunk_seed,
            handshake: c.handshake,
            error_body: c.error_body,
        }
    }
}

/// Mirrors [`f::EioSessionOp`].
#[derive(Debug, Clone, Arbitrary)]
pub enum EioSessionOp {
    Advance(u16),
    Open {
        ping_interval: u16,
        ping_timeout: u16,
        upgrades: bool,
    },
    Body(Vec<EioPacket>),
    RawBody(Vec<u8>),
    Ws {
        packet: EioPacket,
        conn: u8,
    },
    RawWs {
        binary: bool,
        data: Vec<u8>,
        conn: u8,
    },
    Event {
        kind: u8,
        conn: u8,
    },
    Send(EioPacket),
}

fn eio_packet(p: EioPacket) -> f::EioPacket {
    f::EioPacket {
        kind: p.kind,
        binary: p.binary,
        text: p.text,
    }
}

impl From<EioSessionOp> for f::EioSessionOp {
    fn from(op: EioSessionOp) -> Self {
        match op {
            EioSessionOp::Advance(ms) => f::EioSessionOp::Advance(ms),
            EioSessionOp::Open {
                ping_interval,
                ping_timeout,
                upgrades,
            } => f::EioSessionOp::Open {
                ping_interval,
                ping_timeout,
                upgrades,
            },
            EioSessionOp::Body(packets) => {
                f::EioSessionOp::Body(packets.into_iter().map(eio_packet).collect())
            }
            EioSessionOp::RawBody(body) => f::EioSessionOp::RawBody(body),
            EioSessionOp::Ws { packet, conn } => f::EioSessionOp::Ws {
                packet: eio_packet(packet),
                conn,
            },
            EioSessionOp::RawWs { binary, data, conn } => {
                f::EioSessionOp::RawWs { binary, data, conn }
            }
            EioSessionOp::Event { kind, conn } => f::EioSessionOp::Event { kind, conn },
            EioSessionOp::Send(packet) => f::EioSessionOp::Send(eio_packet(packet)),
        }
    }
}

/// Mirrors [`f::EioSessionCase`].
#[derive(Debug, Clone, Arbitrary)]
pub struct EioSessionCase {
    pub v3: bool,
    pub websocket: bool,
    pub server_config: (u16, u16, u16, u32),
    pub allow_upgrades: bool,
    pub ops: Vec<EioSessionOp>,
}

impl From<EioSessionCase> for f::EioSessionCase {
    fn from(c: EioSessionCase) -> Self {
        f::EioSessionCase {
            v3: c.v3,
            websocket: c.websocket,
            server_config: c.server_config,
            allow_upgrades: c.allow_upgrades,
            ops: c.ops.into_iter().map(Into::into).collect(),
        }
    }
}

/// Mirrors [`f::SioSessionOp`].
#[derive(Debug, Clone, Arbitrary)]
pub enum SioSessionOp {
    Advance(u16),
    Packet(SioOp),
    Raw {
        binary: bool,
        data: Vec<u8>,
    },
    Connect {
        nsp: String,
        auth: Option<Vec<(String, Json)>>,
    },
    Emit {
        nsp: String,
        event: String,
        args: Vec<Json>,
        ack: bool,
    },
    Ack {
        nsp: String,
        id: u8,
        args: Vec<Json>,
    },
    Disconnect {
        nsp: String,
    },
    Accept {
        nsp: String,
    },
    Refuse {
        nsp: String,
        message: String,
    },
    Close,
    EngineClosed,
}

impl From<SioSessionOp> for f::SioSessionOp {
    fn from(op: SioSessionOp) -> Self {
        match op {
            SioSessionOp::Advance(ms) => f::SioSessionOp::Advance(ms),
            SioSessionOp::Packet(op) => f::SioSessionOp::Packet(op.into()),
            SioSessionOp::Raw { binary, data } => f::SioSessionOp::Raw { binary, data },
            SioSessionOp::Connect { nsp, auth } => f::SioSessionOp::Connect {
                nsp,
                auth: auth.map(|m| m.into_iter().map(|(k, v)| (k, v.into())).collect()),
            },
            SioSessionOp::Emit {
                nsp,
                event,
                args,
                ack,
            } => f::SioSessionOp::Emit {
                nsp,
                event,
                args: all(args),
                ack,
            },
            SioSessionOp::Ack { nsp, id, args } => f::SioSessionOp::Ack {
                nsp,
                id,
                args: all(args),
            },
            SioSessionOp::Disconnect { nsp } => f::SioSessionOp::Disconnect { nsp },
            SioSessionOp::Accept { nsp } => f::SioSessionOp::Accept { nsp },
            SioSessionOp::Refuse { nsp, message } => f::SioSessionOp::Refuse { nsp, message },
            SioSessionOp::Close => f::SioSessionOp::Close,
            SioSessionOp::EngineClosed => f::SioSessionOp::EngineClosed,
        }
    }
}

/// Mirrors [`f::SioSessionCase`].
#[derive(Debug, Clone, Arbitrary)]
pub struct SioSessionCase {
    pub v4: bool,
    pub connect_timeout: u16,
    pub ops: Vec<SioSessionOp>,
}

impl From<SioSessionCase> for f::SioSessionCase {
    fn from(c: SioSessionCase) -> Self {
        f::SioSessionCase {
            v4: c.v4,
            connect_timeout: c.connect_timeout,
            ops: c.ops.into_iter().map(Into::into).collect(),
        }
    }
}
