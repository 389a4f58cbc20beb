//! Whether a login attempt is refused: a pure function of the counts and
//! times it is judged by, so that the rules can be tested without a server.

use std::time::Duration;

/// Limits, from configuration (`ENCORE_LOGIN_*`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `ENCORE_LOGIN_MAX_FAILURES`: failures of one account from one place
    /// before that pair is refused; also the failures of an account from
    /// unknown places before their attempts are delayed.
    pub max_failures: u32,
    /// `ENCORE_LOGIN_MAX_FAILURES_PER_ADDRESS`: failures from one address
    /// before it is refused, bar the places known to the account tried.
    pub max_failures_per_address: u32,
    /// `ENCORE_LOGIN_LOCKOUT_SECS`: a count lasts until this passes without
    /// a failure; a refused pair or address waits this after its last one.
    pub window: Duration,
    /// `ENCORE_LOGIN_DELAY_SECS`: the first delay of an account's attempts
    /// from unknown places, doubled with every further failure...
    pub first_delay: Duration,
    /// `ENCORE_LOGIN_MAX_DELAY_SECS`: ...up to this.
    pub max_delay: Duration,
    /// `ENCORE_LOGIN_KNOWN_DAYS`: how long a successful sign-in keeps its
    /// address known to the account, and how long a device cookie lasts.
    pub known_for: Duration,
}

/// Failures of one key, and when the last one was (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    pub failures: u32,
    pub last_failed: f64,
}

/// Where an attempt stands before its credential is checked; times are
/// Unix seconds, all from the database's clock so that instances agree.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Standing {
    pub now: f64,
    /// It presented a valid device cookie of its account.
    pub device: bool,
    /// When the account last signed in from this address.
    pub address_known_at: Option<f64>,
    pub pair: Option<Count>,
    pub address: Option<Count>,
    /// The account's failures from unknown places.
    pub account: Option<Count>,
}

impl Standing {
    /// Whether the attempt comes from a place the account signed in from.
    pub fn known(&self, limits: &Limits) -> bool {
        self.device
            || self
                .address_known_at
                .is_some_and(|at| at + limits.known_for.as_secs_f64() > self.now)
    }
}

/// Seconds until the attempt may be tried, when it is refused now.
pub fn judge(limits: &Limits, standing: &Standing) -> Option<u64> {
    let now = standing.now;
    let window = limits.window.as_secs_f64();
    let live = |count: Option<Count>| count.filter(|c| c.last_failed + window > now);
    let mut until = f64::NEG_INFINITY;
    if let Some(pair) = live(standing.pair).filter(|c| c.failures >= limits.max_failures) {
        until = until.max(pair.last_failed + window);
    }
    if !standing.known(limits) {
        let address = live(standing.address);
        if let Some(address) = address.filter(|c| c.failures >= limits.max_failures_per_address) {
            until = until.max(address.last_failed + window);
        }
        if let Some(account) = live(standing.account) {
            if let Some(wait) = delay(limits, account.failures) {
                until = until.max(account.last_failed + wait);
            }
        }
    }
    // Whole seconds, rounded up, for Retry-After.
    (until > now).then(|| (until - now).ceil().max(1.0) as u64)
}

/// How long after its last failure from an unknown place an account's next
/// attempt from one waits, given its failures from unknown places.
pub fn delay(limits: &Limits, failures: u32) -> Option<f64> {
    let excess = failures
        .checked_sub(limits.max_failures)
        .filter(|e| *e > 0)?;
    let doublings = (excess - 1).min(64) as i32;
    let wait = limits.first_delay.as_secs_f64() * 2f64.powi(doublings);
    Some(wait.min(limits.max_delay.as_secs_f64()))
}

/// The default limits, for the tests of this module and its parent.
#[cfg(test)]
pub(super) const TEST_LIMITS: Limits = Limits {
    max_failures: 10,
    max_failures_per_address: 100,
    window: Duration::from_secs(300),
    first_delay: Duration::from_secs(1),
    max_delay: Duration::from_secs(60),
    known_for: Duration::from_secs(30 * 86_400),
};

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = TEST_LIMITS;
    const NOW: f64 = 1_000_000.0;

    fn count(failures: u32, ago: f64) -> Option<Count> {
        Some(Count {
            failures,
            last_failed: NOW - ago,
        })
    }

    fn at_now() -> Standing {
        Standing {
            now: NOW,
            ..Standing::default()
        }
    }

    #[test]
    fn a_pair_is_refused_past_its_limit_until_a_window_after_its_last_failure() {
        let mut s = at_now();
        s.pair = count(9, 1.0);
        assert_eq!(judge(&LIMITS, &s), None);
        s.pair = count(10, 1.0);
        assert_eq!(judge(&LIMITS, &s), Some(299));
        s.pair = count(10, 299.5);
        assert_eq!(judge(&LIMITS, &s), Some(1), "rounded up");
        s.pair = count(50, 300.0);
        assert_eq!(judge(&LIMITS, &s), None, "lapsed");
        // A known place too is refused by its own pair.
        s.device = true;
        s.pair = count(10, 0.0);
        assert_eq!(judge(&LIMITS, &s), Some(300));
    }

    #[test]
    fn an_address_past_its_limit_is_refused_except_for_known_places() {
        let mut s = at_now();
        s.address = count(99, 10.0);
        assert_eq!(judge(&LIMITS, &s), None);
        s.address = count(100, 10.0);
        assert_eq!(judge(&LIMITS, &s), Some(290));
        s.address_known_at = Some(NOW - 86_400.0);
        assert_eq!(judge(&LIMITS, &s), None, "signed in from here yesterday");
        s.address_known_at = Some(NOW - 31.0 * 86_400.0);
        assert_eq!(judge(&LIMITS, &s), Some(290), "too long ago to count");
        s.device = true;
        assert_eq!(judge(&LIMITS, &s), None, "a device cookie");
    }

    #[test]
    fn an_account_is_slowed_from_unknown_places_never_locked() {
        assert_eq!(delay(&LIMITS, 0), None);
        assert_eq!(delay(&LIMITS, 10), None);
        let waits: Vec<f64> = (11..=18).filter_map(|f| delay(&LIMITS, f)).collect();
        assert_eq!(waits, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]);
        assert_eq!(delay(&LIMITS, u32::MAX), Some(60.0));
        let mut s = at_now();
        s.account = count(10, 0.0);
        assert_eq!(judge(&LIMITS, &s), None, "one address's worth is free");
        s.account = count(15, 3.0);
        assert_eq!(judge(&LIMITS, &s), Some(13), "16 s after the last failure");
        s.account = count(15, 16.0);
        assert_eq!(judge(&LIMITS, &s), None, "the wait is over: one more try");
        s.account = count(1_000, 59.0);
        assert_eq!(judge(&LIMITS, &s), Some(1), "never more than the cap");
        s.account = count(15, 3.0);
        s.address_known_at = Some(NOW - 60.0);
        assert_eq!(judge(&LIMITS, &s), None, "the owner's usual address");
    }

    #[test]
    fn the_longest_wait_wins() {
        let mut s = at_now();
        s.pair = count(10, 200.0);
        s.address = count(100, 100.0);
        s.account = count(20, 0.0);
        assert_eq!(judge(&LIMITS, &s), Some(200));
    }
}
