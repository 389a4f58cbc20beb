//! The rate of plays the dashboard shows: the playback topic's consumed
//! counter read on each request, and the readings before it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Earlier readings of the playback topic's consumed counter, for the rate.
#[derive(Default)]
pub struct LiveSamples(Mutex<VecDeque<(Instant, f64)>>);

/// A rate needs two readings at least this far apart.
const MIN_SPAN: Duration = Duration::from_millis(900);
/// Readings older than this no longer describe "now".
const MAX_SPAN: Duration = Duration::from_secs(15);

impl LiveSamples {
    /// Records `value` and returns the rate since the oldest recent reading,
    /// if one is old enough.
    pub(super) fn rate(&self, at: Instant, value: f64) -> Option<f64> {
        let mut samples = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while samples
            .front()
            .is_some_and(|(t, _)| at.duration_since(*t) > MAX_SPAN)
        {
            samples.pop_front();
        }
        let rate = samples.front().and_then(|(t, v)| {
            let span = at.duration_since(*t);
            // A restarted consumer starts its counter again: no rate across that.
            (span >= MIN_SPAN && value >= *v).then(|| (value - v) / span.as_secs_f64())
        });
        if samples.back().is_some_and(|(_, v)| value < *v) {
            samples.clear();
        }
        samples.push_back((at, value));
        rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_needs_two_readings_and_survives_a_counter_reset() {
        let samples = LiveSamples::default();
        let t0 = Instant::now();
        assert_eq!(samples.rate(t0, 100.0), None);
        assert_eq!(samples.rate(t0 + Duration::from_millis(100), 110.0), None);
        assert_eq!(
            samples.rate(t0 + Duration::from_secs(2), 300.0),
            Some(100.0)
        );
        // A consumer restarted: its counter began again.
        assert_eq!(samples.rate(t0 + Duration::from_secs(3), 5.0), None);
        assert_eq!(samples.rate(t0 + Duration::from_secs(5), 25.0), Some(10.0));
        // A reading long after the last forgets the old ones.
        assert_eq!(samples.rate(t0 + Duration::from_secs(60), 30.0), None);
    }
}
