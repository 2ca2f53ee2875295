//! The item queue of a Socket.IO connection, shared by [`super::SioConn`] (revision 5) and
//! [`super::v3::SioV3`] (revision 4).
//!
//! A connection's driver task turns every Engine.IO message into [`SioItem`]s with
//! [`super::driver::deliver`] and sends them down a channel; the case reads them through
//! [`Items`], which buffers whatever it passes over so that no item is ever missed
//! (interop-bugs #25).

use std::collections::VecDeque;
use std::time::Duration;

use socketio_codec::socket_io::Value;
use tokio::sync::mpsc;

use super::sio::SioItem;

/// The items a connection's driver delivered: those not read yet stay buffered in arrival order.
pub(crate) struct Items {
    incoming: mpsc::UnboundedReceiver<SioItem>,
    buffer: VecDeque<SioItem>,
}

impl Items {
    /// A queue reading what the driver sends on `incoming`.
    pub(crate) fn new(incoming: mpsc::UnboundedReceiver<SioItem>) -> Items {
        Items {
            incoming,
            buffer: VecDeque::new(),
        }
    }

    /// The next item in arrival order, within `timeout`.
    pub(crate) async fn next(&mut self, timeout: Duration) -> Option<SioItem> {
        if let Some(item) = self.buffer.pop_front() {
            return Some(item);
        }
        tokio::time::timeout(timeout, self.incoming.recv())
            .await
            .ok()
            .flatten()
    }

    /// The first item (buffered or new) that `matches`, within `timeout`; other items stay
    /// buffered. `Err` lists what was seen instead; the wait ends early when the connection ends.
    pub(crate) async fn expect(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl Fn(&SioItem) -> bool,
    ) -> Result<SioItem, String> {
        if let Some(pos) = self.buffer.iter().position(&matches) {
            return Ok(self.buffer.remove(pos).expect("position is in range"));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        // Bounded by the deadline; each round takes one item.
        for _ in 0..1_000_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.incoming.recv()).await {
                Ok(Some(item)) if matches(&item) => return Ok(item),
                Ok(Some(item)) => {
                    let closed = matches!(item, SioItem::Closed(_));
                    self.buffer.push_back(item);
                    if closed {
                        break;
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        let seen: Vec<String> = self.buffer.iter().map(SioItem::describe).collect();
        Err(format!(
            "no {what} within {} ms; seen: [{}]",
            timeout.as_millis(),
            seen.join("; ")
        ))
    }

    /// Waits for event `name` on `nsp`; returns its arguments (after the name) and ack id.
    pub(crate) async fn expect_event(
        &mut self,
        nsp: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<(Vec<Value>, Option<u64>), String> {
        let item = self
            .expect(&format!("event `{name}` on {nsp}"), timeout, |i| {
                i.namespace() == Some(nsp) && i.event().is_some_and(|(n, _, _)| n == name)
            })
            .await?;
        let (_, args, ack) = item.event().expect("matched an event");
        Ok((args, ack))
    }

    /// Waits for the ACK `id` on `nsp`; returns its arguments.
    pub(crate) async fn expect_ack(
        &mut self,
        nsp: &str,
        id: u64,
        timeout: Duration,
    ) -> Result<Vec<Value>, String> {
        let item = self.expect_ack_item(nsp, id, timeout).await?;
        Ok(item.ack().expect("matched an ack").1)
    }

    /// Waits for the ACK `id` on `nsp`; returns the item itself (ACK or BINARY_ACK), for cases
    /// that check which of the two came.
    pub(crate) async fn expect_ack_item(
        &mut self,
        nsp: &str,
        id: u64,
        timeout: Duration,
    ) -> Result<SioItem, String> {
        self.expect(&format!("ACK {id} on {nsp}"), timeout, |i| {
            i.namespace() == Some(nsp) && i.ack().is_some_and(|(a, _)| a == id)
        })
        .await
    }

    /// Waits for the end of the Engine.IO connection; `Ok(how)` within `timeout`.
    pub(crate) async fn expect_closed(&mut self, timeout: Duration) -> Result<String, String> {
        match self
            .expect("end of the connection", timeout, |i| {
                matches!(i, SioItem::Closed(_))
            })
            .await?
        {
            SioItem::Closed(how) => Ok(how),
            other => Err(other.describe()),
        }
    }

    /// Asserts nothing matching `matches` arrives within `window`; `Err` names what did.
    pub(crate) async fn expect_none(
        &mut self,
        window: Duration,
        matches: impl Fn(&SioItem) -> bool,
    ) -> Result<(), String> {
        match self.expect("", window, &matches).await {
            Ok(item) => Err(item.describe()),
            Err(_) => Ok(()),
        }
    }
}
