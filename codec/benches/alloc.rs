//! Allocation counts per decode, measured with a counting global allocator in this bench binary
//! only (the codec itself has no global allocator and no `unsafe`).
//!
//! Run with `cargo bench -p socketio-codec --bench alloc`. Prints a Markdown table: allocations
//! and bytes requested per operation, averaged over many repetitions, counted between two
//! snapshots of the counters, so the setup (input strings, attachment vectors) is excluded.
//! Command-line arguments (`--noplot`, filters) are ignored. No timing, and nothing is asserted:
//! the numbers are reported in `docs/benchmarks.md`.
// A `GlobalAlloc` impl is `unsafe` by definition; this is the only unsafe code in the workspace
// and it lives in a benchmark binary, not in the codec.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use socketio_codec::Status;
use socketio_codec::engine_io::{self, payload};
use socketio_codec::socket_io::{
    Decoded, Decoder, Frame, Limits, Packet, ProtocolVersion, Value, binary,
};
use socketioxide_core::parser::{Parse, ParseConfig, ParseError, ParserState};
use socketioxide_parser_common::CommonParser;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const REPS: u64 = 1000;
const HEADER: &str = r#"51-["event",{"_placeholder":true,"num":0}]"#;
const ATTACHMENT: [u8; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const EVENT: &str = r#"2["event",{"foo":"bar","arr":[1,2,3]}]"#;
const V5: ProtocolVersion = ProtocolVersion::V5;

/// Counts the allocations of `op` over `REPS` calls; `setup` runs outside the count and its
/// result is handed to `op`, whose result is dropped outside the count too.
fn count<I, O>(mut setup: impl FnMut() -> I, mut op: impl FnMut(I) -> O) -> (f64, f64) {
    let inputs: Vec<I> = (0..REPS).map(|_| setup()).collect();
    let mut outputs: Vec<O> = Vec::with_capacity(REPS as usize);
    let (a0, b0) = (ALLOCS.load(Ordering::SeqCst), BYTES.load(Ordering::SeqCst));
    for input in inputs {
        outputs.push(op(black_box(input)));
    }
    let (a1, b1) = (ALLOCS.load(Ordering::SeqCst), BYTES.load(Ordering::SeqCst));
    drop(black_box(outputs));
    (
        (a1 - a0) as f64 / REPS as f64,
        (b1 - b0) as f64 / REPS as f64,
    )
}

fn row(name: &str, (allocs, bytes): (f64, f64)) {
    println!("| {name} | {allocs:.1} | {bytes:.0} |");
}

fn ours_binary(decoder: &mut Decoder, attachment: Vec<u8>, by_copy: bool) -> Decoded<'static> {
    assert_eq!(decoder.push_text(HEADER), Ok(Status::Partial));
    let status = if by_copy {
        decoder.push_binary(&attachment)
    } else {
        decoder.push_binary_vec(attachment)
    };
    match status {
        Ok(Status::Complete(decoded)) => decoded,
        other => panic!("attachment: {other:?}"),
    }
}

fn main() {
    let limits = Limits::default();
    let mut decoder = Decoder::new(V5, limits.clone());
    let v4: String = (0..100)
        .map(|i| format!("4hello world {i}"))
        .collect::<Vec<_>>()
        .join("\x1e");

    println!("allocations per operation ({REPS} repetitions, setup excluded)\n");
    println!("| operation | allocations | bytes |");
    println!("|---|---:|---:|");
    row(
        "ours `Frame::parse` binary header",
        count(|| (), |()| Frame::parse(HEADER).map(|f| f.attachments)),
    );
    row(
        "ours `Packet::decode` binary header",
        count(
            || (),
            |()| Packet::decode(HEADER, V5, &limits).map(|p| p.attachments),
        ),
    );
    row(
        "ours `Decoder`: `push_text` + `push_binary(&[u8])` (copies the attachment)",
        count(
            || ATTACHMENT.to_vec(),
            |att| ours_binary(&mut decoder, att, true),
        ),
    );
    row(
        "ours `Decoder`: `push_text` + `push_binary_vec(Vec<u8>)` (moves the attachment)",
        count(
            || ATTACHMENT.to_vec(),
            |att| ours_binary(&mut decoder, att, false),
        ),
    );
    row(
        "ours `binary::reconstruct` (header JSON + attachment slice)",
        count(
            || (),
            |()| binary::reconstruct(&HEADER[3..], &[&ATTACHMENT[..]]).map(|v| v != Value::Null),
        ),
    );
    row(
        "socketioxide `decode_str` + `decode_bin` (input `String` made in setup)",
        count(
            || HEADER.to_owned(),
            |wire| {
                let config = ParseConfig::default();
                let state = ParserState::default();
                match CommonParser.decode_str(&config, &state, wire.into()) {
                    Err(ParseError::NeedsMoreBinaryData) => CommonParser
                        .decode_bin(&config, &state, Bytes::from_static(&ATTACHMENT))
                        .expect("attachment"),
                    other => panic!("header: {other:?}"),
                }
            },
        ),
    );
    row(
        "ours `Packet::decode` EVENT `2[\"event\",{…}]`",
        count(|| (), |()| Packet::decode(EVENT, V5, &limits).is_ok()),
    );
    row(
        "socketioxide `decode_str` EVENT (input `String` made in setup)",
        count(
            || EVENT.to_owned(),
            |wire| {
                CommonParser
                    .decode_str(
                        &ParseConfig::default(),
                        &ParserState::default(),
                        wire.into(),
                    )
                    .expect("event")
            },
        ),
    );
    row(
        "ours `payload::decode_v4`, 100 packets, iterated",
        count(
            || (),
            |()| {
                payload::decode_v4(&v4)
                    .map(|p| p.map(|p| black_box(p).kind))
                    .filter(Result::is_ok)
                    .count()
            },
        ),
    );
    row(
        "ours `engine_io::Packet::decode_text` base64 `bAAECAwQFBgcICQ==`",
        count(
            || (),
            |()| {
                engine_io::Packet::decode_text("bAAECAwQFBgcICQ==", engine_io::ProtocolVersion::V4)
            },
        ),
    );
}
