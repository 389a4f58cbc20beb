//! Exponential backoff for the retry loops that wait out a broker or a sink:
//! 100 ms, doubling, at most 5 s.

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(100);
const MAX: Duration = Duration::from_secs(5);

/// The wait before the next retry.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST }
    }
}

impl Backoff {
    /// How long the next [`Self::wait`] sleeps, for the log line before it.
    pub fn next_ms(&self) -> u64 {
        self.next.as_millis() as u64
    }

    /// Sleeps, then doubles the next wait up to the bound.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.step()).await;
    }

    /// This wait, and the next one doubled up to the bound.
    fn step(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(MAX);
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
    }
}
