#![no_main]
libfuzzer_sys::fuzz_target!(
    |case: socketio_fuzz::EioCase| socketio_codec::fuzzing::eio_roundtrip(&case.into())
);
