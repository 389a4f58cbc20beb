//! Produces a validated batch to `playback-events` and waits for the broker.

use std::time::{Duration, Instant};

use encore_schemas::{encode, PlaybackEvent};
use rdkafka::producer::FutureRecord;

use crate::error::ApiError;
use crate::AppState;

/// Sends every event (keyed by user, so one listener's events stay ordered in
/// one partition) and returns once the broker acknowledged all of them.
///
/// If any send fails the whole batch is answered with 503: the client retries
/// it, and the events that did land are deduplicated downstream by `event_id`.
pub async fn publish(state: &AppState, events: &[PlaybackEvent]) -> Result<(), ApiError> {
    let started = Instant::now();
    let payloads = events
        .iter()
        .map(encode)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            // Validated events always encode; this is a bug, not bad input.
            ApiError::internal(e)
        })?;
    let unavailable = |why: String| {
        tracing::warn!(reason = %why, "playback batch not accepted");
        metrics::counter!(encore_common::metrics::GATEWAY_PRODUCE_FAILURES_TOTAL.name).increment(1);
        ApiError::unavailable(format!(
            "the event log is unavailable ({why}); retry the batch"
        ))
    };
    let (generation, producer) = state.producer.get();
    let mut deliveries = Vec::with_capacity(events.len());
    for (event, payload) in events.iter().zip(&payloads) {
        // The key is the user id as text, the same form fixtures and `ingest`
        // use, so every producer sends one listener's events to one partition.
        let mut key = uuid::Uuid::encode_buffer();
        let key = event.user_id.hyphenated().encode_lower(&mut key);
        let record = FutureRecord::<str, [u8]>::to(&state.playback_topic)
            .key(&*key)
            .payload(payload);
        match producer.send_result(record) {
            Ok(delivery) => deliveries.push(delivery),
            Err((error, _)) => {
                state.producer.recover(generation, &error);
                return Err(unavailable(error.to_string()));
            }
        }
    }
    // librdkafka fails each message after message.timeout.ms; the outer
    // timeout only guards against a delivery report that never comes.
    let deadline = state.config.kafka.produce_timeout + Duration::from_secs(1);
    let all = async {
        for delivery in deliveries {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => {
                    state.producer.recover(generation, &error);
                    return Err(error.to_string());
                }
                Err(_) => return Err("the producer shut down".to_string()),
            }
        }
        Ok(())
    };
    match tokio::time::timeout(deadline, all).await {
        Ok(Ok(())) => {
            metrics::histogram!(encore_common::metrics::GATEWAY_PRODUCE_SECONDS.name)
                .record(started.elapsed().as_secs_f64());
            Ok(())
        }
        Ok(Err(why)) => Err(unavailable(why)),
        Err(_) => Err(unavailable("no acknowledgement in time".into())),
    }
}
