//! Produces a validated batch to `playback-events` and waits for the broker.

use std::time::Instant;

use encore_schemas::{encode, PlaybackEvent};

use crate::error::ApiError;
use crate::produce::{send_all, Events};

/// Sends every event (keyed by user, so one listener's events stay ordered in
/// one partition) and returns once the broker acknowledged all of them.
///
/// If any send fails the whole batch is answered with 503: the client retries
/// it, and the events that did land are deduplicated downstream by `event_id`.
pub async fn publish(sink: &Events, events: &[PlaybackEvent]) -> Result<(), ApiError> {
    let started = Instant::now();
    let records = events
        .iter()
        .map(|event| {
            // The key is the user id as text, the same form fixtures and
            // `ingest` use, so every producer sends one listener's events to
            // one partition.
            encode(event).map(|payload| (event.user_id.hyphenated().to_string(), payload))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            // Validated events always encode; this is a bug, not bad input.
            ApiError::internal(e)
        })?;
    match send_all(sink, &sink.playback_topic, &records).await {
        Ok(()) => {
            metrics::histogram!(encore_common::metrics::GATEWAY_PRODUCE_SECONDS.name)
                .record(started.elapsed().as_secs_f64());
            Ok(())
        }
        Err(why) => {
            tracing::warn!(reason = %why, "playback batch not accepted");
            Err(ApiError::unavailable(format!(
                "the event log is unavailable ({why}); retry the batch"
            )))
        }
    }
}
