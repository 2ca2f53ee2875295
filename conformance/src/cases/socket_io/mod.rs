//! Socket.IO v5 cases, one file per spec section.

pub(crate) mod connect;
pub(crate) mod events;
