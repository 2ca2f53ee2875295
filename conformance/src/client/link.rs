//! The case's end of a Socket.IO connection's driver task, shared by [`super::SioConn`]
//! (revision 5) and [`super::v3::SioV3`] (revision 4): [`Command`]s go out to the driver, and
//! what it delivers comes back through the [`Items`] queue.
//!
//! Both connection types dereference to their [`Link`], and a `Link` to its [`Items`], so a case
//! writes `conn.emit(…)` and `conn.expect_event(…)` on either.

use std::ops::{Deref, DerefMut};

use socketio_codec::engine_io::Packet;
use socketio_codec::socket_io::{AckId, Namespace, PacketType, Value, encode_binary};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::items::Items;
use super::sio::SioItem;

/// What a case asks the driver task to do.
pub(crate) enum Command {
    /// One Engine.IO message (a Socket.IO packet's text, or an attachment).
    Message(Packet<'static>),
    /// Engine.IO text sent as is (WebSocket frame / POST body) — malformed on purpose.
    RawEngine(String),
    /// Close the transport cleanly.
    Close,
    /// Drop the TCP connection without a close frame (WebSocket only).
    DropTcp,
}

/// A running driver task: its command channel, its item queue, and the task (aborted on drop).
pub(crate) struct Link {
    commands: mpsc::UnboundedSender<Command>,
    items: Items,
    driver: JoinHandle<()>,
}

impl Link {
    /// Starts the driver `start` builds from the command receiver and the item sender.
    pub(crate) fn spawn<F>(
        start: impl FnOnce(mpsc::UnboundedReceiver<Command>, mpsc::UnboundedSender<SioItem>) -> F,
    ) -> Link
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (item_tx, item_rx) = mpsc::unbounded_channel();
        Link {
            commands,
            items: Items::new(item_rx),
            driver: tokio::spawn(start(command_rx, item_tx)),
        }
    }

    /// Sends Socket.IO text as one Engine.IO message, as is (malformed on purpose if need be).
    pub(crate) fn send_text_raw(&self, text: &str) {
        self.command(Command::Message(Packet::message(text).into_owned()));
    }

    /// Sends one binary Engine.IO message (an attachment), as is.
    pub(crate) fn send_binary_raw(&self, bytes: &[u8]) {
        self.command(Command::Message(Packet::binary(bytes).into_owned()));
    }

    /// Sends Engine.IO-level text as is: a WebSocket frame, or a whole POST body.
    pub(crate) fn send_engine_raw(&self, text: &str) {
        self.command(Command::RawEngine(text.to_owned()));
    }

    /// Emits `args` (event name first; binary anywhere) on `nsp`, asking for an ack when `ack`.
    pub(crate) fn emit(&self, nsp: &str, args: &Value, ack: Option<u64>) -> Result<(), String> {
        self.emit_kind(PacketType::Event, nsp, args, ack)
    }

    /// Answers the server's ack request `id` with `args` (binary anywhere).
    pub(crate) fn ack(&self, nsp: &str, id: u64, args: &Value) -> Result<(), String> {
        self.emit_kind(PacketType::Ack, nsp, args, Some(id))
    }

    /// Closes the transport cleanly (the Engine.IO session ends: "transport close").
    pub(crate) fn close(&self) {
        self.command(Command::Close);
    }

    /// Drops the TCP connection abruptly (WebSocket only).
    pub(crate) fn drop_tcp(&self) {
        self.command(Command::DropTcp);
    }

    /// Queues `command`; a driver that has ended ignores it (its end is an item already).
    fn command(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    /// Encodes `args` as `kind` (or its binary variant) with the codec and sends the packet and
    /// its attachments.
    fn emit_kind(
        &self,
        kind: PacketType,
        nsp: &str,
        args: &Value,
        ack: Option<u64>,
    ) -> Result<(), String> {
        let ns = Namespace::new(nsp.to_owned()).map_err(|e| e.to_string())?;
        let ack = ack.map(AckId::new).transpose().map_err(|e| e.to_string())?;
        let mut text = String::new();
        let mut attachments = Vec::new();
        encode_binary(kind, &ns, ack, args, &mut text, &mut attachments)
            .map_err(|e| e.to_string())?;
        self.send_text_raw(&text);
        for attachment in attachments {
            self.send_binary_raw(&attachment);
        }
        Ok(())
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// A link reads like its item queue.
impl Deref for Link {
    type Target = Items;

    fn deref(&self) -> &Items {
        &self.items
    }
}

impl DerefMut for Link {
    fn deref_mut(&mut self) -> &mut Items {
        &mut self.items
    }
}
