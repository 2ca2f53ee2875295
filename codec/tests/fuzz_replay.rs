//! Replays the fuzz corpus on stable, inside `cargo test`: every committed seed
//! (`fuzz/seeds/<target>/*`) and every minimized crash (`fixtures/regressions/*.json`) goes
//! through the same checks as its cargo-fuzz target.
//!
//! The checks live in `codec/src/fuzzing.rs` and its files in `codec/src/fuzzing/` (each
//! declared with a `#[path]`, so this include finds them too), which the codec compiles only under
//! `--cfg fuzzing` (for `fuzz/`); this test compiles the same file as a private module, written
//! against the public API only, so a seed that fails here fails under `cargo fuzz` too and the
//! other way round. Seeds of the structured targets (`sio_roundtrip`, `eio_roundtrip`) are
//! `arbitrary` byte streams, replayed only by the fuzzer. See `docs/fuzzing.md`.

use std::path::{Path, PathBuf};

// `fuzzing.rs` reaches the codec through `super::{Status, engine_io, socket_io}`.
use socketio_codec::{Status, engine_io, socket_io};

#[allow(dead_code, unreachable_pub)]
#[path = "../src/fuzzing.rs"]
mod fuzzing;

/// Targets whose seeds are `arbitrary` input, not wire bytes.
const STRUCTURED_TARGETS: &[&str] = &["sio_roundtrip", "eio_roundtrip"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codec/ has a parent")
        .to_path_buf()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `data` through byte target `target`, turning a panic into a failure line.
fn replay(target: &str, data: &[u8], origin: &str, failures: &mut Vec<String>) {
    let outcome = std::panic::catch_unwind(|| fuzzing::run_bytes(target, data));
    match outcome {
        Ok(true) => {}
        Ok(false) => failures.push(format!("{origin}: unknown byte target {target}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic)");
            failures.push(format!("{origin}: {target} panicked: {message}"));
        }
    }
}

#[test]
fn every_committed_seed_passes_its_target() {
    let seeds = repo_root().join("fuzz/seeds");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for &target in fuzzing::BYTE_TARGETS {
        let files = files_in(&seeds.join(target));
        assert!(
            !files.is_empty(),
            "no seeds for {target}: run `scripts/fuzz seeds`"
        );
        for file in files {
            let data = std::fs::read(&file).expect("read seed");
            replay(target, &data, &file.display().to_string(), &mut failures);
            replayed += 1;
        }
    }
    for dir in files_or_dirs(&seeds) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            fuzzing::BYTE_TARGETS.contains(&name) || STRUCTURED_TARGETS.contains(&name),
            "fuzz/seeds/{name} belongs to no fuzz target"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} seeds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn files_or_dirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect()
}

/// A wire in the fixture schema: a string (text), `{"hex": …}` (bytes), or an array of those
/// (a frame sequence, framed as `fuzzing::split_frames` reads it).
fn wire_bytes(wire: &serde_json::Value) -> Vec<u8> {
    match wire {
        serde_json::Value::String(text) => text.as_bytes().to_vec(),
        serde_json::Value::Object(map) => {
            let hex = map
                .get("hex")
                .and_then(|h| h.as_str())
                .expect("{\"hex\": …}");
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
                .collect()
        }
        serde_json::Value::Array(frames) => {
            let mut out = Vec::new();
            for frame in frames {
                let bytes = wire_bytes(frame);
                out.push(u8::from(!frame.is_string()));
                let len = u16::try_from(bytes.len()).expect("a frame under 64 KiB");
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&bytes);
            }
            out
        }
        other => panic!("not a wire: {other}"),
    }
}

/// `fixtures/regressions/<slug>.json`: the fixture schema plus `"fuzz": {"target": …,
/// "mode": N}`, the target that crashed and the mode byte its input started with (see the
/// table in `fuzzing.rs`). Each case's `wire` is the rest of that input.
#[test]
fn every_regression_passes_its_target() {
    let dir = repo_root().join("fixtures/regressions");
    let mut failures = Vec::new();
    for file in files_in(&dir) {
        if file.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read regression");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("regression JSON");
        let fuzz = &doc["fuzz"];
        let target = fuzz["target"].as_str().expect("fuzz.target");
        let mode = fuzz["mode"]
            .as_u64()
            .and_then(|m| u8::try_from(m).ok())
            .expect("fuzz.mode 0-255");
        for case in doc["cases"].as_array().expect("cases") {
            let mut data = vec![mode];
            data.extend(wire_bytes(&case["wire"]));
            let origin = format!("{}#{}", file.display(), case["name"]);
            replay(target, &data, &origin, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every mode byte of every byte target runs (a mode the dispatch ignored would silently skip a
/// decoder), and the structured targets are not byte targets.
#[test]
fn byte_targets_take_every_mode() {
    for &target in fuzzing::BYTE_TARGETS {
        for mode in 0..=u8::MAX {
            assert!(fuzzing::run_bytes(target, &[mode]));
            assert!(fuzzing::run_bytes(target, &[mode, b'4']));
        }
    }
    for target in STRUCTURED_TARGETS {
        assert!(!fuzzing::run_bytes(target, b""));
    }
}
