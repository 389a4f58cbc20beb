//! Exponential backoff for every retry loop that waits out a broker, a sink
//! or a server still starting: by default 100 ms, doubling, at most 5 s.

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(100);
const MAX: Duration = Duration::from_secs(5);

/// The wait before the next retry.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(FIRST, MAX)
    }
}

impl Backoff {
    /// Waits of `first`, doubling, at most `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// Back to the first wait, after a success.
    pub fn reset(&mut self) {
        self.next = self.first;
    }

    /// How long the next [`Self::wait`] sleeps, for the log line before it.
    pub fn next_ms(&self) -> u64 {
        self.next.as_millis() as u64
    }

    /// Sleeps, then doubles the next wait up to the bound.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.step()).await;
    }

    /// This wait, and the next one doubled up to the bound: for a loop that
    /// sleeps in a `select!` beside other wake-ups.
    pub fn step(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(self.max);
        now
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles_up_to_five_seconds() {
        let mut backoff = super::Backoff::default();
        let seen: Vec<u128> = (0..8).map(|_| backoff.step().as_millis()).collect();
        assert_eq!(seen, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(backoff.next_ms(), 5000);
        backoff.reset();
        assert_eq!(backoff.next_ms(), 100);
    }

    #[test]
    fn bounds_are_the_callers() {
        use std::time::Duration;
        let mut backoff =
            super::Backoff::new(Duration::from_millis(200), Duration::from_millis(500));
        let seen: Vec<u128> = (0..4).map(|_| backoff.step().as_millis()).collect();
        assert_eq!(seen, [200, 400, 500, 500]);
    }
}
