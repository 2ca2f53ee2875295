//! What the driver tasks of [`super::SioConn`] and [`super::v3::SioV3`] share: carrying out a
//! case's [`Command`], handling what the server sent apart from the heartbeat (which differs:
//! the v4 server pings, the v3 client does), feeding Engine.IO messages to the codec's
//! Socket.IO decoder, and the bookkeeping of the POST sender task.

use std::time::Duration;

use socketio_codec::Status;
use socketio_codec::engine_io::{Packet, PacketData, PacketType, ProtocolVersion as EioVersion};
use socketio_codec::socket_io::{Decoded, Decoder, ProtocolVersion};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::eio_ws::{self, Incoming};
use super::link::Command;
use super::sio::SioItem;
use super::v3::hex;
use crate::transport::{HttpResponse, TransportError, WsConn};

/// How long a driver waits for the server before looking again (nothing is recorded for a quiet
/// period; the driver ends when the connection ends or its connection is dropped).
pub(crate) const IDLE: Duration = Duration::from_secs(3600);

/// What a polling driver's POST sender sends: a packet (batched with its neighbours) or a raw
/// body.
pub(crate) enum Post {
    Packet(Packet<'static>),
    Raw(String),
}

/// Aborts a task when dropped.
pub(crate) struct AbortOnDrop(pub(crate) JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Carries out a case's command on a driver's WebSocket (packets encoded for `version`).
pub(crate) async fn ws_command(ws: &mut WsConn, command: Command, version: EioVersion) {
    match command {
        Command::Message(p) => {
            let _ = eio_ws::send_packet(ws, &p, version).await;
        }
        Command::RawEngine(text) => {
            let _ = eio_ws::send_raw_text(ws, &text).await;
        }
        Command::Close => {
            let _ = ws.close(None, Duration::from_secs(2)).await;
        }
        Command::DropTcp => ws.drop_tcp().await,
    }
}

/// Queues a case's command for a polling driver's POST sender (a TCP drop means nothing there).
pub(crate) fn post_command(command: Command, posts: &mpsc::UnboundedSender<Post>) {
    let post = match command {
        Command::Message(p) => Post::Packet(p),
        Command::RawEngine(body) => Post::Raw(body),
        Command::Close => Post::Packet(Packet::close()),
        Command::DropTcp => return,
    };
    let _ = posts.send(post);
}

/// Handles one WebSocket read that the driver's heartbeat did not take: a packet goes to
/// [`on_packet`], an undecodable frame becomes [`SioItem::Invalid`], and the end of the
/// connection becomes [`SioItem::Closed`]. `false` when the driver should stop.
pub(crate) fn on_ws_read(
    read: Result<Incoming, String>,
    decoder: &mut Decoder,
    items: &mpsc::UnboundedSender<SioItem>,
) -> bool {
    match read {
        Err(e) => {
            let _ = items.send(SioItem::Closed(e));
            false
        }
        Ok(Incoming::Packet(p)) => on_packet(&p, decoder, items),
        Ok(Incoming::Undecodable(code)) => {
            let _ = items.send(SioItem::Invalid(format!("engine.io: {code}")));
            true
        }
        Ok(Incoming::Closed(code)) => {
            let how = code.map_or("no close frame".to_owned(), |c| {
                format!("WebSocket close {c}")
            });
            let _ = items.send(SioItem::Closed(how));
            false
        }
    }
}

/// Handles one GET answer of a polling driver: `Some(response)` to decode when it is a 200,
/// else the end of the session as [`SioItem::Closed`] and `None`.
pub(crate) fn on_get(
    answer: Result<HttpResponse, TransportError>,
    items: &mpsc::UnboundedSender<SioItem>,
) -> Option<HttpResponse> {
    let how = match answer {
        Ok(r) if r.status == 200 => return Some(r),
        Ok(r) => format!("GET answered HTTP {}", r.status),
        Err(e) => format!("GET failed: {e}"),
    };
    let _ = items.send(SioItem::Closed(how));
    None
}

/// Handles one packet the server sent, after the driver's heartbeat took its pings / pongs /
/// noops: a close packet ends the session (whatever may still follow on the transport),
/// anything else goes to [`deliver`]. `false` when the driver should stop.
pub(crate) fn on_packet(
    packet: &Packet<'_>,
    decoder: &mut Decoder,
    items: &mpsc::UnboundedSender<SioItem>,
) -> bool {
    if packet.kind == PacketType::Close {
        let _ = items.send(SioItem::Closed("close packet `1`".to_owned()));
        return false;
    }
    deliver(decoder, packet, items)
}

/// Feeds one Engine.IO message to the Socket.IO `decoder` and sends what it completes to
/// `items`; `false` when the reader should stop (the queue is gone).
///
/// A packet that is not a message becomes [`SioItem::Invalid`]; for revision 4 the text also
/// shows the packet's data, as the EIO3 / SIO4 cases have always reported it.
pub(crate) fn deliver(
    decoder: &mut Decoder,
    packet: &Packet<'_>,
    items: &mpsc::UnboundedSender<SioItem>,
) -> bool {
    let result = match (packet.kind, &packet.data) {
        (PacketType::Message, PacketData::Text(t)) => decoder.push_text(t),
        (PacketType::Message, PacketData::Binary(b)) => decoder.push_binary(b),
        (kind, data) => {
            let detail = match (decoder.version(), data) {
                (ProtocolVersion::V4, PacketData::Binary(b)) => format!(" (binary {})", hex(b)),
                (ProtocolVersion::V4, PacketData::Text(t)) => format!(" ({t:?})"),
                _ => String::new(),
            };
            return items
                .send(SioItem::Invalid(format!(
                    "unexpected engine.io packet `{}`{detail}",
                    kind.name()
                )))
                .is_ok();
        }
    };
    let item = match result {
        Ok(Status::Partial) => return true,
        Ok(Status::Complete(Decoded::Packet(p))) => SioItem::Packet(p),
        Ok(Status::Complete(Decoded::Binary(b))) => SioItem::Binary(b),
        Ok(Status::Complete(other)) => SioItem::Invalid(format!("unexpected {other}")),
        Err(e) => SioItem::Invalid(e.code().to_owned()),
    };
    items.send(item).is_ok()
}
