//! Engine.IO v4 cases, one file per spec section.

pub(crate) mod close;
pub(crate) mod errors;
pub(crate) mod handshake;
pub(crate) mod heartbeat;
pub(crate) mod limits;
pub(crate) mod polling;
pub(crate) mod security;
pub(crate) mod upgrade;
pub(crate) mod websocket;
