#![no_main]
libfuzzer_sys::fuzz_target!(
    |case: socketio_fuzz::SioCase| socketio_codec::fuzzing::sio_roundtrip(&case.into())
);
