//! The session timers: a closed enum and a fixed table of deadlines.
//!
//! Every timer a session can arm is a [`Timer`] variant named after the spec concept it enforces.
//! [`Timers`] holds one optional deadline per variant; the session's next wake-up is the earliest
//! armed deadline ([`Timers::next`]).
//!
//! | timer | armed by | fires |
//! |---|---|---|
//! | [`Timer::PingInterval`] | open / pong (v4 server), open / pong (v3 client) | send a ping |
//! | [`Timer::PingTimeout`] | ping sent, or open / ping received (v4 client, v3 server) | close: `ping timeout` |
//! | [`Timer::UpgradeTimeout`] | upgrade probe started | abort the upgrade only |

use std::time::Instant;

/// A session timer.
///
/// Spec: EIO4-HB-001, EIO4-HB-003, EIO4-HB-006, EIO3-HB-001, EIO3-HB-005
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timer {
    /// Time to send the next ping (v4 server, v3 client).
    PingInterval,
    /// The peer's heartbeat is overdue: the session closes with `ping timeout`.
    PingTimeout,
    /// The upgrade did not complete in time: only the new transport is dropped.
    UpgradeTimeout,
}

impl Timer {
    /// Every timer, in table order.
    pub const ALL: [Timer; 3] = [
        Timer::PingInterval,
        Timer::PingTimeout,
        Timer::UpgradeTimeout,
    ];

    /// A stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Timer::PingInterval => "ping-interval",
            Timer::PingTimeout => "ping-timeout",
            Timer::UpgradeTimeout => "upgrade-timeout",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One optional deadline per [`Timer`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timers {
    deadlines: [Option<Instant>; 3],
}

impl Timers {
    /// Arms `timer` to fire at `at`, replacing any previous deadline.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.deadlines[timer.index()] = Some(at);
    }

    /// Disarms `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.deadlines[timer.index()] = None;
    }

    /// Disarms every timer.
    pub fn stop_all(&mut self) {
        self.deadlines = [None; 3];
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.deadlines[timer.index()]
    }

    /// The earliest armed deadline and its timer (ties go to the first in table order).
    pub fn next(&self) -> Option<(Timer, Instant)> {
        Timer::ALL
            .iter()
            .filter_map(|&t| self.get(t).map(|at| (t, at)))
            .min_by_key(|&(_, at)| at)
    }

    /// Disarms and returns the timers whose deadline is at or before `now`, in table order.
    pub fn expire(&mut self, now: Instant) -> Vec<Timer> {
        let mut fired = Vec::new();
        for t in Timer::ALL {
            if self.get(t).is_some_and(|at| at <= now) {
                self.stop(t);
                fired.push(t);
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn next_is_the_minimum_and_expire_disarms() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        assert_eq!(timers.next(), None);
        timers.set(Timer::PingTimeout, t0 + Duration::from_secs(5));
        timers.set(Timer::UpgradeTimeout, t0 + Duration::from_secs(2));
        assert_eq!(
            timers.next(),
            Some((Timer::UpgradeTimeout, t0 + Duration::from_secs(2)))
        );
        assert_eq!(
            timers.expire(t0 + Duration::from_secs(2)),
            [Timer::UpgradeTimeout]
        );
        assert_eq!(timers.next().map(|(t, _)| t), Some(Timer::PingTimeout));
        timers.stop_all();
        assert_eq!(timers.next(), None);
        assert_eq!(Timer::PingInterval.name(), "ping-interval");
    }
}
