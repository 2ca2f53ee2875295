//! Fuzzing entry points: one function per cargo-fuzz target in `fuzz/fuzz_targets/`.
//!
//! Compiled into the codec only with `--cfg fuzzing` (what `cargo fuzz` and
//! `fuzz/.cargo/config.toml` pass). The same module is also compiled on stable by
//! `codec/tests/fuzz_replay.rs` (`#[path = "../src/fuzzing.rs"]`), which replays the committed
//! seeds and the regression inputs through these functions inside `cargo test`. So this module
//! is written against the **public API only**, through `super::{Status, engine_io, socket_io}`:
//! the crate root in the codec, the test's own imports in the replay test. Its submodules reach
//! the same three names as `super::{..}` (this file's imports).
//!
//! # Layout
//!
//! This file is the module root and holds the dispatch of the byte targets; each target family
//! has a file in `fuzzing/`, declared below with an explicit `#[path]` so that the files are
//! found both from `lib.rs` and from the replay test's `#[path]` include:
//!
//! | file | what |
//! |---|---|
//! | `eio_decoders.rs` | [`eio_packet`], [`eio_handshake`] |
//! | `eio_payloads.rs` | [`eio_payload_v4`], [`eio_payload_v3`], and the payload helpers |
//! | `sio_decoders.rs` | [`sio_packet`], [`sio_binary`] |
//! | `roundtrips.rs` | [`sio_roundtrip`], [`eio_roundtrip`] |
//! | `eio_sessions.rs`, `sio_sessions.rs` | [`eio_session_ops`], [`sio_session_ops`] |
//! | `inputs.rs` | the structured targets' inputs ([`SioCase`], [`EioCase`], ...) |
//! | `driver.rs` | driving a session machine on virtual time (drain, timers, deadlines) |
//! | `common.rs` | small helpers several targets share |
//!
//! Every entry point must never panic on any input; a panic is a finding. Besides "no panic",
//! each checks properties that must hold for every input (decoders agree with each other, what
//! decodes re-encodes and decodes to the same thing).
//!
//! # Input layout of the byte targets
//!
//! The first byte selects a mode; the rest is the wire input. `scripts/fuzz seeds` writes seeds
//! in exactly this layout.
//!
//! | target | byte 0 | rest |
//! |---|---|---|
//! | [`eio_packet`] | bit 0: `0` v4, `1` v3; bit 1: `0` text frame, `1` binary frame | the frame |
//! | [`eio_handshake`] | `% 3`: `0` handshake JSON, `1` query string, `2` error body | the text |
//! | [`eio_payload_v4`] | chunking seed for the streaming decoder | the body |
//! | [`eio_payload_v3`] | bit 0: `0` text body, `1` binary body; bits 1–7: chunking seed | the body |
//! | [`sio_packet`] | bit 0: `0` revision 5, `1` revision 4 | the packet text |
//! | [`sio_binary`] | bit 0: `0` revision 5, `1` revision 4 | frames, see [`split_frames`] |
//!
//! Text inputs that are not UTF-8 are ignored (the text decoders take `&str`).
//!
//! # Structured targets
//!
//! [`sio_roundtrip`], [`eio_roundtrip`], [`eio_session_ops`] and [`sio_session_ops`] take
//! plain-data descriptions ([`SioCase`], [`EioCase`], [`EioSessionCase`], [`SioSessionCase`])
//! that the fuzz crate builds with `arbitrary`. The codec does not depend on `arbitrary`: the
//! fuzz crate expands the same type definitions ([`fuzzing_inputs!`](crate::fuzzing_inputs))
//! with `#[derive(Arbitrary)]` and converts them with `From`.

use super::{Status, engine_io, socket_io};

#[path = "fuzzing/common.rs"]
mod common;
#[path = "fuzzing/driver.rs"]
mod driver;
#[path = "fuzzing/eio_decoders.rs"]
mod eio_decoders;
#[path = "fuzzing/eio_payloads.rs"]
mod eio_payloads;
#[path = "fuzzing/eio_sessions.rs"]
mod eio_sessions;
#[path = "fuzzing/inputs.rs"]
mod inputs;
#[path = "fuzzing/roundtrips.rs"]
mod roundtrips;
#[path = "fuzzing/sio_decoders.rs"]
mod sio_decoders;
#[path = "fuzzing/sio_sessions.rs"]
mod sio_sessions;

pub use eio_decoders::{eio_handshake, eio_packet};
pub use eio_payloads::{eio_payload_v3, eio_payload_v4};
pub use sio_decoders::{sio_binary, sio_packet};

// The replay test (`cfg(test)`) runs only the byte targets, so it leaves these unused.
#[cfg_attr(test, allow(unused_imports))]
pub use {
    eio_sessions::eio_session_ops,
    inputs::{
        EioCase, EioPacket, EioSessionCase, EioSessionOp, Json, MAX_DEPTH, Name, SioCase, SioOp,
        SioSessionCase, SioSessionOp,
    },
    roundtrips::{eio_roundtrip, sio_roundtrip},
    sio_decoders::{Message, split_frames},
    sio_sessions::sio_session_ops,
};

/// The byte targets, by name, for replaying a file through the target it belongs to.
pub const BYTE_TARGETS: &[&str] = &[
    "eio_packet",
    "eio_handshake",
    "eio_payload_v4",
    "eio_payload_v3",
    "sio_packet",
    "sio_binary",
];

/// Runs the byte target `name` on `data`. Returns `false` when `name` is not a byte target.
pub fn run_bytes(name: &str, data: &[u8]) -> bool {
    match name {
        "eio_packet" => eio_packet(data),
        "eio_handshake" => eio_handshake(data),
        "eio_payload_v4" => eio_payload_v4(data),
        "eio_payload_v3" => eio_payload_v3(data),
        "sio_packet" => sio_packet(data),
        "sio_binary" => sio_binary(data),
        _ => return false,
    }
    true
}
