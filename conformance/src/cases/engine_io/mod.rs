//! Engine.IO v4 cases, one file per spec section.

pub(crate) mod errors;
pub(crate) mod handshake;
pub(crate) mod heartbeat;
