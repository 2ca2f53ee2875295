#![no_main]
libfuzzer_sys::fuzz_target!(|case: socketio_fuzz::SioSessionCase| {
    socketio_codec::fuzzing::sio_session_ops(&case.into())
});
