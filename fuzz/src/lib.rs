//! `arbitrary` inputs of the structured fuzz targets.
//!
//! The codec does not depend on `arbitrary`, so the input types of its structured targets
//! (`socketio_codec::fuzzing::{SioCase, EioCase, EioSessionCase, SioSessionCase}` and their
//! parts) are defined by its `fuzzing_inputs!` macro, which this crate expands again with
//! `#[derive(Arbitrary)]`. The `mirror` form also writes a `From` conversion from each type here
//! to the codec's, so a target is `|case: socketio_fuzz::SioCase| sio_roundtrip(&case.into())`.
//! One definition serves both crates: a field added in the codec is added here.

socketio_codec::fuzzing_inputs! { mirror #[derive(Debug, Clone, arbitrary::Arbitrary)] }
