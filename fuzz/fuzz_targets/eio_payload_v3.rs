#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| socketio_codec::fuzzing::eio_payload_v3(data));
