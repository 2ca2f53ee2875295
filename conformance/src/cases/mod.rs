//! The catalogue: every section's cases, in report order (one registration point).

pub(crate) mod engine_io;
pub(crate) mod socket_io;

use crate::case::Case;

/// Every case, in a fixed order.
pub(crate) fn all() -> Vec<&'static Case> {
    let sections: &[&[Case]] = &[
        engine_io::handshake::CASES,
        engine_io::errors::CASES,
        engine_io::heartbeat::CASES,
        socket_io::connect::CASES,
        socket_io::events::CASES,
    ];
    sections.iter().flat_map(|s| s.iter()).collect()
}
