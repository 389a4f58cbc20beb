//! When generated events go out and how fast they did: the wall-clock side
//! of a simulation, kept apart from the model, which knows only simulated
//! time.

use std::time::Duration;

/// When events are released: no earlier than the simulated clock allows
/// (`speed` simulated ms per wall ms) and no faster than `rate` per second.
/// A pure function of the event, so it is tested without a clock.
#[derive(Debug, Clone, Copy)]
pub struct Pacer {
    pub start_ms: i64,
    /// None: as fast as the rate allows.
    pub speed: Option<f64>,
    /// Events per second; None: no cap.
    pub rate: Option<f64>,
}

impl Pacer {
    /// Wall time after the run's start at which the `n`th event (0-based),
    /// happening at simulated `occurred_at`, may be sent.
    pub fn release_at(&self, n: u64, occurred_at: i64) -> Duration {
        let by_clock = self
            .speed
            .map(|s| (occurred_at - self.start_ms).max(0) as f64 / s / 1000.0)
            .unwrap_or(0.0);
        let by_rate = self.rate.map(|r| n as f64 / r).unwrap_or(0.0);
        Duration::from_secs_f64(by_clock.max(by_rate))
    }
}

/// Achieved-rate reporting: how many events went out in each window.
#[derive(Debug)]
pub struct RateMeter {
    window_start: Duration,
    window_events: u64,
    pub total: u64,
}

impl RateMeter {
    pub fn new() -> Self {
        RateMeter {
            window_start: Duration::ZERO,
            window_events: 0,
            total: 0,
        }
    }

    pub fn record(&mut self, events: u64) {
        self.window_events += events;
        self.total += events;
    }

    /// Closes the window if `every` has passed since it opened, returning its rate.
    pub fn tick(&mut self, now: Duration, every: Duration) -> Option<f64> {
        let span = now.saturating_sub(self.window_start);
        if span < every {
            return None;
        }
        let rate = self.window_events as f64 / span.as_secs_f64();
        self.window_start = now;
        self.window_events = 0;
        Some(rate)
    }
}

impl Default for RateMeter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pacer_keeps_the_rate_and_the_clock() {
        let rate = Pacer {
            start_ms: 0,
            speed: None,
            rate: Some(500.0),
        };
        assert_eq!(rate.release_at(0, 999_999), Duration::ZERO);
        assert_eq!(rate.release_at(1_000, 0), Duration::from_secs(2));
        let clock = Pacer {
            start_ms: 1_000,
            speed: Some(60.0),
            rate: None,
        };
        assert_eq!(clock.release_at(5, 61_000), Duration::from_secs(1));
        let both = Pacer {
            start_ms: 0,
            speed: Some(1.0),
            rate: Some(10.0),
        };
        assert_eq!(both.release_at(100, 1_000), Duration::from_secs(10));
        assert_eq!(both.release_at(1, 5_000), Duration::from_secs(5));
    }

    #[test]
    fn the_meter_reports_each_window_once() {
        let mut meter = RateMeter::new();
        meter.record(100);
        assert_eq!(
            meter.tick(Duration::from_secs(1), Duration::from_secs(5)),
            None
        );
        meter.record(400);
        assert_eq!(
            meter.tick(Duration::from_secs(5), Duration::from_secs(5)),
            Some(100.0)
        );
        assert_eq!(
            meter.tick(Duration::from_secs(6), Duration::from_secs(5)),
            None
        );
        assert_eq!(meter.total, 500);
    }
}
