//! Driving a session machine as an event loop would, on virtual time: drain its outputs after
//! every input, fire each due timer at its own instant, and check every deadline it answers.
//!
//! Shared by the session-operation targets (`eio_session_ops`, `sio_session_ops`).

use std::time::{Duration, Instant};

use super::engine_io::session as eio_session;
use super::socket_io::session as sio_session;

/// Most outputs one drain may produce, and most timer firings one time advance may cause,
/// before the machine counts as looping forever.
const LOOP_GUARD: usize = 100_000;

/// The instant `ms` × 10 milliseconds after `now` (an `Advance(ms)` op).
pub(super) fn later(now: Instant, ms: u16) -> Instant {
    now + Duration::from_millis(u64::from(ms) * 10)
}

/// Calls `poll` until the machine answers `Timeout`, checks that deadline against `now` (see
/// [`check_deadline`]) and returns it. `what` names the machine in failure messages.
pub(super) fn drain<O: Output>(
    mut poll: impl FnMut() -> O,
    now: Instant,
    epoch: Instant,
    what: &str,
) -> Option<Instant> {
    for _ in 0..LOOP_GUARD {
        if let Some(at) = poll().timeout() {
            check_deadline(at, now, epoch, what);
            return at;
        }
    }
    panic!("{what}: poll_output never drains");
}

/// Lets `ms` × 10 milliseconds pass (an `Advance(ms)` op), firing each due deadline at its own
/// instant, as a driver would. `fire` handles a timeout at the given instant, drains, and returns
/// the new deadline.
pub(super) fn advance(
    now: &mut Instant,
    deadline: &mut Option<Instant>,
    ms: u16,
    mut fire: impl FnMut(Instant) -> Option<Instant>,
) {
    let target = later(*now, ms);
    let mut fired = 0;
    while let Some(at) = *deadline {
        if at > target {
            break;
        }
        *now = at.max(*now);
        *deadline = fire(*now);
        fired += 1;
        assert!(
            fired < LOOP_GUARD,
            "timers keep firing without time passing"
        );
    }
    *now = target.max(*now);
}

/// An output of `poll_output`: the Engine.IO or the Socket.IO session `Output`.
pub(super) trait Output {
    /// `Some(deadline)` for `Timeout(deadline)`, the output that ends a drain; `None` otherwise.
    fn timeout(self) -> Option<Option<Instant>>;
}

impl<T, E> Output for eio_session::Output<T, E> {
    fn timeout(self) -> Option<Option<Instant>> {
        match self {
            eio_session::Output::Timeout(at) => Some(at),
            _ => None,
        }
    }
}

impl<E> Output for sio_session::Output<E> {
    fn timeout(self) -> Option<Option<Instant>> {
        match self {
            sio_session::Output::Timeout(at) => Some(at),
            _ => None,
        }
    }
}

/// Checks one `Timeout` output: a deadline is never before the time of the call it follows.
fn check_deadline(at: Option<Instant>, now: Instant, epoch: Instant, what: &str) {
    if let Some(at) = at {
        assert!(
            at >= now,
            "{what}: Timeout at {:?} is before now {:?} (time went backwards)",
            at.saturating_duration_since(epoch),
            now.saturating_duration_since(epoch),
        );
    }
}
