//! Replayable topic fixtures: files of records that reproduce what a topic saw.
//!
//! One JSON object per line (blank lines and lines starting with `#` are
//! skipped):
//!
//! ```text
//! {"topic": "playback-events", "key": "<user uuid>", "value": { ...the Avro record as JSON... },
//!  "headers": {"source": "fixture"}, "timestamp": 1700000000000}
//! ```
//!
//! `topic` is the logical name (the configured prefix is added on replay).
//! `value` is encoded with the topic's Avro schema; `null` produces a tombstone;
//! `value_raw` instead sends the given text as raw bytes, to plant poison records.
//! Every line is parsed and encoded before anything is produced, so a broken
//! file is rejected whole with the line that broke it.

use std::collections::BTreeMap;
use std::path::Path;

use encore_schemas::{encode, CatalogChange, PlaybackEvent, SearchEvent};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::FutureRecord;
use serde::Deserialize;

use crate::config::KafkaConfig;
use crate::kafka::{KafkaPlumbingError, Producer};
use crate::topics::{Topics, DLQ_SUFFIX, PLAYBACK_EVENTS, SEARCH_EVENTS};

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("line {line}: {problem}")]
    Line { line: usize, problem: String },
    #[error("line {line}: producing to {topic}: {source}")]
    Produce {
        line: usize,
        topic: String,
        source: KafkaPlumbingError,
    },
}

/// One record of a fixture, already encoded and ready to produce.
#[derive(Debug, Clone)]
pub struct FixtureRecord {
    /// 1-based line in the fixture file.
    pub line: usize,
    pub topic: String,
    pub key: Option<String>,
    pub payload: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
    pub timestamp: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    topic: String,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<serde_json::Value>,
    #[serde(default)]
    value_raw: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    timestamp: Option<i64>,
}

/// Parses fixture text; the error names the first bad line.
pub fn parse(text: &str) -> Result<Vec<FixtureRecord>, FixtureError> {
    let mut records = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let bad = |problem: String| FixtureError::Line { line, problem };
        let parsed: Line = serde_json::from_str(trimmed).map_err(|e| bad(e.to_string()))?;
        let payload = match (parsed.value, parsed.value_raw) {
            (Some(_), Some(_)) => {
                return Err(bad("give either value or value_raw, not both".into()))
            }
            (None, Some(raw)) => Some(raw.into_bytes()),
            (None, None) | (Some(serde_json::Value::Null), None) => None,
            (Some(value), None) => Some(encode_for_topic(&parsed.topic, value).map_err(bad)?),
        };
        records.push(FixtureRecord {
            line,
            topic: parsed.topic,
            key: parsed.key,
            payload,
            headers: parsed.headers,
            timestamp: parsed.timestamp,
        });
    }
    Ok(records)
}

/// Reads and parses a fixture file.
pub fn load(path: &Path) -> Result<Vec<FixtureRecord>, FixtureError> {
    let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text)
}

/// Encodes a JSON value with the Avro schema of the logical topic.
fn encode_for_topic(topic: &str, value: serde_json::Value) -> Result<Vec<u8>, String> {
    let encoded = if topic == PLAYBACK_EVENTS {
        let event: PlaybackEvent =
            serde_json::from_value(value).map_err(|e| format!("not a PlaybackEvent: {e}"))?;
        encode(&event)
    } else if topic == SEARCH_EVENTS {
        let event: SearchEvent =
            serde_json::from_value(value).map_err(|e| format!("not a SearchEvent: {e}"))?;
        encode(&event)
    } else if topic.starts_with("catalog.") && !topic.ends_with(DLQ_SUFFIX) {
        let change: CatalogChange =
            serde_json::from_value(value).map_err(|e| format!("not a CatalogChange: {e}"))?;
        encode(&change)
    } else {
        return Err(format!(
            "topic {topic:?} has no Avro schema; use value_raw to send raw bytes"
        ));
    };
    encoded.map_err(|e| format!("encoding: {e}"))
}

/// Creates every topic the records go to, with its dead-letter topic, so a
/// fixture replays into a fresh broker (which never auto-creates topics).
/// Returns the broker-side names.
pub async fn ensure_topics(
    config: &KafkaConfig,
    records: &[FixtureRecord],
) -> Result<Vec<String>, KafkaPlumbingError> {
    let topics = config.topics();
    let mut names: Vec<String> = records.iter().map(|r| topics.name(&r.topic)).collect();
    names.sort();
    names.dedup();
    for name in names.iter().filter(|n| !n.ends_with(DLQ_SUFFIX)) {
        crate::kafka::ensure_topic_with_dlq(config, name).await?;
    }
    Ok(names)
}

/// Produces `records` in file order (the producer is idempotent, so order
/// within a partition is kept) and waits until the broker acknowledged all.
pub async fn replay(
    producer: &Producer,
    topics: &Topics,
    records: &[FixtureRecord],
) -> Result<usize, FixtureError> {
    // Bounded in-flight window: large fixtures stream without queueing all at once.
    for chunk in records.chunks(1_000) {
        let mut pending = Vec::with_capacity(chunk.len());
        for record in chunk {
            let topic = topics.name(&record.topic);
            let mut headers = OwnedHeaders::new();
            for (k, v) in &record.headers {
                headers = headers.insert(Header {
                    key: k,
                    value: Some(v.as_bytes()),
                });
            }
            let mut out = FutureRecord::<[u8], [u8]>::to(&topic).headers(headers);
            if let Some(key) = &record.key {
                out = out.key(key.as_bytes());
            }
            if let Some(payload) = &record.payload {
                out = out.payload(payload);
            }
            if let Some(ts) = record.timestamp {
                out = out.timestamp(ts);
            }
            let produce_error = |source| FixtureError::Produce {
                line: record.line,
                topic: topic.clone(),
                source,
            };
            let delivery = producer
                .send_result(out)
                .map_err(|(e, _)| produce_error(KafkaPlumbingError::Kafka(e)))?;
            pending.push((record.line, topic.clone(), delivery));
        }
        for (line, topic, delivery) in pending {
            let outcome = match delivery.await {
                Ok(Ok(_)) => continue,
                Ok(Err((e, _))) => KafkaPlumbingError::Kafka(e),
                Err(_) => KafkaPlumbingError::Cancelled {
                    topic: topic.clone(),
                },
            };
            return Err(FixtureError::Produce {
                line,
                topic,
                source: outcome,
            });
        }
    }
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"event_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","user_id":"00000000-0000-0000-0000-000000000001","track_id":"00000000-0000-0000-0000-000000000002","session_id":"00000000-0000-0000-0000-000000000003","kind":"start","position_ms":0,"track_duration_ms":1000,"occurred_at":1700000000000,"received_at":1700000000001,"client":{"app":"a","version":null},"device":{"id":null,"platform":"web"},"context":{"kind":"album","id":null}}"#;

    #[test]
    fn parses_values_tombstones_raw_and_comments() {
        let text = format!(
            "# a comment\n\n{{\"topic\":\"playback-events\",\"key\":\"k\",\"value\":{EVENT},\"headers\":{{\"h\":\"v\"}}}}\n\
             {{\"topic\":\"playback-events\",\"value_raw\":\"garbage\"}}\n\
             {{\"topic\":\"catalog.tracks\",\"key\":\"k\",\"value\":null}}\n"
        );
        let records = parse(&text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].line, 3);
        let event: PlaybackEvent =
            encore_schemas::decode(records[0].payload.as_ref().unwrap()).unwrap();
        assert_eq!(event.position_ms, 0);
        assert_eq!(records[0].headers["h"], "v");
        assert_eq!(records[1].payload.as_deref(), Some(&b"garbage"[..]));
        assert_eq!(records[2].payload, None);
    }

    #[test]
    fn errors_name_the_line() {
        let text = format!(
            "{{\"topic\":\"playback-events\",\"value\":{EVENT}}}\n{{\"topic\":\"playback-events\",\"value\":{{\"event_id\":1}}}}\n"
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = parse("{not json}").unwrap_err().to_string();
        assert!(err.starts_with("line 1:"), "{err}");
        let err = parse(r#"{"topic":"nowhere","value":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no Avro schema"), "{err}");
        let err = parse(r#"{"topic":"playback-events","value":{},"value_raw":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not both"), "{err}");
    }
}
