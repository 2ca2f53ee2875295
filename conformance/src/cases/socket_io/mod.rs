//! Socket.IO v5 cases, one file per spec section.

pub(crate) mod acks;
pub(crate) mod bad_input;
pub(crate) mod binary;
pub(crate) mod broadcast;
pub(crate) mod connect;
pub(crate) mod disconnect;
pub(crate) mod events;
pub(crate) mod targeted;
