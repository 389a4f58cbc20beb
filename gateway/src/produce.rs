//! Sending records to Kafka and waiting for the broker: the one loop the
//! playback batches and the search events share.

use std::sync::Arc;
use std::time::Duration;

use encore_common::kafka::SharedProducer;
use rdkafka::producer::FutureRecord;

/// The producer and the topics the gateway's own events go to.
#[derive(Clone)]
pub struct Events {
    pub producer: SharedProducer,
    /// Broker-side name of the playback topic (prefix applied).
    pub playback_topic: Arc<str>,
    /// Broker-side name of the search-events topic.
    pub search_topic: Arc<str>,
    /// How long the broker has to acknowledge a send (`ENCORE_PRODUCE_TIMEOUT_MS`).
    pub timeout: Duration,
}

/// Sends every `(key, payload)` to `topic` and returns once the broker
/// acknowledged all of them, or why not. A failure replaces the shared
/// producer when it is fatal, and counts in
/// `encore_gateway_produce_failures_total` (once per call).
pub(crate) async fn send_all(
    events: &Events,
    topic: &str,
    records: &[(String, Vec<u8>)],
) -> Result<(), String> {
    let failed = |why: String| {
        metrics::counter!(encore_common::metrics::GATEWAY_PRODUCE_FAILURES_TOTAL.name).increment(1);
        why
    };
    let (generation, producer) = events.producer.get();
    let mut deliveries = Vec::with_capacity(records.len());
    for (key, payload) in records {
        let record = FutureRecord::<str, [u8]>::to(topic)
            .key(key.as_str())
            .payload(payload.as_slice());
        match producer.send_result(record) {
            Ok(delivery) => deliveries.push(delivery),
            Err((error, _)) => {
                events.producer.recover(generation, &error);
                return Err(failed(error.to_string()));
            }
        }
    }
    // librdkafka fails each message after message.timeout.ms; the outer
    // timeout only guards against a delivery report that never comes.
    let deadline = events.timeout + Duration::from_secs(1);
    let all = async {
        for delivery in deliveries {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => {
                    events.producer.recover(generation, &error);
                    return Err(error.to_string());
                }
                Err(_) => return Err("the producer shut down".to_string()),
            }
        }
        Ok(())
    };
    match tokio::time::timeout(deadline, all).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(why)) => Err(failed(why)),
        Err(_) => Err(failed("no acknowledgement in time".into())),
    }
}
