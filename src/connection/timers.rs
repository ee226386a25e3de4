//! Deadlines of a connection, driven by caller-supplied time.
//!
//! Times are kept as nanoseconds since the caller's epoch (584 years fit a `u64`).

use core::time::Duration;

/// `duration` in nanoseconds, saturating.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// When a timer fires: not at all, after a duration counted from the first time the
/// caller tells us (no clock seen yet), or at an absolute time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    Off,
    After(u64),
    At(u64),
}

impl Deadline {
    fn arm(now: Option<u64>, after: u64) -> Self {
        match now {
            Some(now) => Self::At(now.saturating_add(after)),
            None => Self::After(after),
        }
    }

    fn start_clock(&mut self, now: u64) {
        if let Self::After(d) = *self {
            *self = Self::At(now.saturating_add(d));
        }
    }

    fn expired(self, now: u64) -> bool {
        matches!(self, Self::At(t) if now >= t)
    }

    fn next(self) -> Option<u64> {
        match self {
            Self::At(t) => Some(t),
            _ => None,
        }
    }
}

/// What a call to [`Timers::expire`] found due.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Due {
    pub(crate) send_ping: bool,
    pub(crate) pong_timeout: bool,
    pub(crate) close_timeout: bool,
}

/// Keepalive and close-handshake deadlines.
#[derive(Clone, Debug)]
pub(crate) struct Timers {
    now: Option<u64>,
    keepalive: Option<(u64, u64)>,
    next_ping: Deadline,
    pong: Deadline,
    close: Deadline,
}

impl Timers {
    pub(crate) fn new(
        keepalive_interval: Option<Duration>,
        keepalive_timeout: Option<Duration>,
    ) -> Self {
        let keepalive =
            keepalive_interval.map(|i| (nanos(i), nanos(keepalive_timeout.unwrap_or(i))));
        Self {
            now: None,
            keepalive,
            next_ping: keepalive.map_or(Deadline::Off, |(i, _)| Deadline::After(i)),
            pong: Deadline::Off,
            close: Deadline::Off,
        }
    }

    /// Starts the close timer unless it already runs.
    pub(crate) fn arm_close(&mut self, after: Duration) {
        if self.close == Deadline::Off {
            self.close = Deadline::arm(self.now, nanos(after));
        }
    }

    /// Stops keepalive pings and pong checks (the connection is closing).
    pub(crate) fn stop_keepalive(&mut self) {
        self.keepalive = None;
        self.next_ping = Deadline::Off;
        self.pong = Deadline::Off;
    }

    pub(crate) fn pong_received(&mut self) {
        self.pong = Deadline::Off;
    }

    /// The earliest deadline; `Some(now)` asks to be called back at once, which is also
    /// how a timer armed before any clock was seen gets its start time.
    pub(crate) fn next(&self) -> Option<u64> {
        let unstarted =
            [self.next_ping, self.pong, self.close].iter().any(|d| matches!(d, Deadline::After(_)));
        if unstarted {
            return Some(self.now.unwrap_or(0));
        }
        [self.next_ping.next(), self.pong.next(), self.close.next()].into_iter().flatten().min()
    }

    /// Advances the clock to `now` and reports what is due.
    pub(crate) fn expire(&mut self, now: u64) -> Due {
        let now = self.now.map_or(now, |prev| prev.max(now));
        self.now = Some(now);
        for d in [&mut self.next_ping, &mut self.pong, &mut self.close] {
            d.start_clock(now);
        }
        let mut due = Due::default();
        if self.pong.expired(now) {
            due.pong_timeout = true;
            self.pong = Deadline::Off;
        }
        if let Some((interval, timeout)) = self.keepalive {
            if self.next_ping.expired(now) {
                due.send_ping = true;
                self.next_ping = Deadline::At(now.saturating_add(interval));
                if self.pong == Deadline::Off {
                    self.pong = Deadline::At(now.saturating_add(timeout));
                }
            }
        }
        if self.close.expired(now) {
            due.close_timeout = true;
            self.close = Deadline::Off;
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalive_cycle() {
        let mut t = Timers::new(Some(Duration::from_nanos(100)), Some(Duration::from_nanos(30)));
        assert_eq!(t.next(), Some(0), "unstarted timers ask for the clock");
        assert_eq!(t.expire(1000), Due::default());
        assert_eq!(t.next(), Some(1100));
        assert!(t.expire(1100).send_ping);
        assert_eq!(t.next(), Some(1130));
        t.pong_received();
        assert_eq!(t.next(), Some(1200));
        assert!(t.expire(1200).send_ping);
        let due = t.expire(1230);
        assert!(due.pong_timeout && !due.send_ping);
    }

    #[test]
    fn close_timer_counts_from_the_clock() {
        let mut t = Timers::new(None, None);
        assert_eq!(t.next(), None);
        t.arm_close(Duration::from_nanos(50));
        assert_eq!(t.next(), Some(0));
        assert!(!t.expire(10).close_timeout);
        assert_eq!(t.next(), Some(60));
        assert!(t.expire(60).close_timeout);
        assert_eq!(t.next(), None);
    }
}
