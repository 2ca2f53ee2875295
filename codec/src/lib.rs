//! Sans-IO codec for the Engine.IO and Socket.IO wire protocols.
//!
//! This crate turns bytes into typed packets and back, for both protocol layers and for every
//! protocol revision the project specifies (Engine.IO v3 and v4, Socket.IO v4 and v5). It owns no
//! socket, reads no clock, starts no runtime and draws no global randomness: callers feed it bytes
//! (and, for the session machines, the current time) and take bytes out.
//!
//! ```text
//!   application values
//!         │ ▲
//!   socket_io::{Packet, Decoder, binary}   one Socket.IO packet = one Engine.IO message
//!         │ ▲                              (+ one binary message per attachment)
//!   engine_io::{Packet, payload}           one Engine.IO packet = one WebSocket message,
//!         │ ▲                              or one piece of a polling payload
//!   transport bytes (HTTP bodies, WebSocket messages) — your IO
//! ```
//!
//! Modules are used with their path, so that the two layers' types read apart:
//! `engine_io::Packet` and `socket_io::Packet`.
//!
//! Errors are typed by who is at fault: a `DecodeError` means the peer sent something the
//! specification forbids; misuse of the API by the caller is a separate type. Every error variant
//! has a stable kebab-case `code()`, used by the fixtures in `fixtures/` and by conformance reports.
//!
//! Incomplete input is never an error: decoders that can be fed in pieces answer
//! [`Status::Partial`] until they have a whole value.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod engine_io;
#[cfg(fuzzing)]
pub mod fuzzing;
pub mod socket_io;

/// The result of feeding input to a decoder that accepts its input in pieces.
///
/// `Partial` means "feed me more": it is not an error, and the decoder keeps what it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Status<T> {
    /// A whole value was decoded.
    Complete(T),
    /// More input is needed before a value is complete.
    Partial,
}

impl<T> Status<T> {
    /// Returns the complete value, or `None` when more input is needed.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(value) => Some(value),
            Status::Partial => None,
        }
    }

    /// Whether this is [`Status::Partial`].
    pub fn is_partial(&self) -> bool {
        matches!(self, Status::Partial)
    }

    /// Maps the complete value, keeping `Partial` as is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Status::Complete(value) => Status::Complete(f(value)),
            Status::Partial => Status::Partial,
        }
    }
}
