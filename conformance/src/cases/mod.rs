//! The catalogue: every section's cases, in report order (one registration point).

pub(crate) mod cluster;
pub(crate) mod engine_io;
pub(crate) mod engine_io_v3;
pub(crate) mod socket_io;
pub(crate) mod socket_io_v4;
pub(crate) mod tls;

use crate::case::Case;

/// Every case, in a fixed order.
pub(crate) fn all() -> Vec<&'static Case> {
    let sections: &[&[Case]] = &[
        engine_io::handshake::CASES,
        engine_io::errors::CASES,
        engine_io::heartbeat::CASES,
        engine_io::polling::CASES,
        engine_io::websocket::CASES,
        engine_io::upgrade::CASES,
        engine_io::close::CASES,
        engine_io::limits::CASES,
        engine_io::security::CASES,
        socket_io::connect::CASES,
        socket_io::events::CASES,
        socket_io::acks::CASES,
        socket_io::binary::CASES,
        socket_io::broadcast::CASES,
        socket_io::targeted::CASES,
        socket_io::disconnect::CASES,
        socket_io::bad_input::CASES,
        engine_io_v3::handshake::CASES,
        engine_io_v3::payload::CASES,
        engine_io_v3::heartbeat::CASES,
        engine_io_v3::upgrade::CASES,
        socket_io_v4::connect::CASES,
        socket_io_v4::events::CASES,
        tls::CASES,
        cluster::broadcast::CASES,
        cluster::rooms::CASES,
        cluster::targeted::CASES,
        cluster::sticky::CASES,
    ];
    sections.iter().flat_map(|s| s.iter()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn case_ids_are_unique_and_start_with_a_requirement_they_cite() {
        let mut seen = HashSet::new();
        for case in super::all() {
            assert!(seen.insert(case.id), "duplicate case id {}", case.id);
            let (req, slug) = case.id.split_once('/').expect("id is <requirement>/<slug>");
            assert!(!slug.is_empty(), "{}", case.id);
            assert!(
                case.requirements.contains(&req),
                "{} does not cite {req}",
                case.id
            );
            for id in case.requirements {
                assert!(
                    socketio_spec::requirement(id).is_some(),
                    "{}: unknown requirement {id}",
                    case.id
                );
            }
        }
    }
}
