#![no_main]
libfuzzer_sys::fuzz_target!(|case: socketio_fuzz::EioSessionCase| {
    socketio_codec::fuzzing::eio_session_ops(&case.into())
});
