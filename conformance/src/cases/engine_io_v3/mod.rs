//! Engine.IO v3 cases (spec/engine-io-v3.md), one file per area. They run when the server speaks
//! v3 (socket.io 2, or a modern server with `allowEIO3`); the version-negotiation cases
//! (`EIO3-VER-`) run on every server.

pub(crate) mod handshake;
pub(crate) mod heartbeat;
pub(crate) mod payload;
pub(crate) mod upgrade;

use socketio_codec::engine_io::Packet;
use socketio_codec::socket_io::Value;

use crate::client::v3::sio_items;

/// Whether `packets` hold the event `name` (decoded by the codec).
pub(crate) fn has_event(packets: &[Packet<'static>], name: &str) -> bool {
    sio_items(packets)
        .iter()
        .any(|i| i.event().is_some_and(|(n, _, _)| n == name))
}

/// The arguments of the first event `name` in `packets`.
pub(crate) fn event_args_of(packets: &[Packet<'static>], name: &str) -> Option<Vec<Value>> {
    sio_items(packets)
        .into_iter()
        .find_map(|i| i.event().filter(|(n, _, _)| n == name).map(|(_, a, _)| a))
}
