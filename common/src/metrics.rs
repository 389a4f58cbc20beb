//! Every metric Encore exports, defined once: its name, kind, labels and
//! help text. Call sites name a constant from here, never a string, so a
//! metric cannot be misspelt in one place or go undocumented: the tests below
//! check that `docs/operations.md` lists every one and that no source file
//! names a metric by a literal. [`describe_all`] gives Prometheus the help.

/// What a metric measures over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    /// Exported as a summary (quantiles) by the Prometheus recorder.
    Histogram,
}

/// One exported metric.
#[derive(Debug)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub labels: &'static [&'static str],
    pub help: &'static str,
}

/// HTTP requests per route template and status.
pub const HTTP_REQUESTS_TOTAL: Metric = Metric {
    name: "encore_http_requests_total",
    kind: Kind::Counter,
    labels: &["method", "route", "status"],
    help: "HTTP requests per route template and status",
};

/// HTTP request latency per route template and status.
pub const HTTP_REQUEST_SECONDS: Metric = Metric {
    name: "encore_http_request_seconds",
    kind: Kind::Histogram,
    labels: &["method", "route", "status"],
    help: "HTTP request latency per route template and status",
};

/// Playback events acknowledged by the broker and answered 2xx.
pub const GATEWAY_PLAYBACK_EVENTS_ACCEPTED_TOTAL: Metric = Metric {
    name: "encore_gateway_playback_events_accepted_total",
    kind: Kind::Counter,
    labels: &[],
    help: "playback events acknowledged by the broker and answered 2xx",
};

/// The gateway's produce calls for a playback batch, until every ack.
pub const GATEWAY_PRODUCE_SECONDS: Metric = Metric {
    name: "encore_gateway_produce_seconds",
    kind: Kind::Histogram,
    labels: &[],
    help: "the gateway's produce calls for a playback batch, until every ack",
};

/// Playback batches and search events the broker did not acknowledge.
pub const GATEWAY_PRODUCE_FAILURES_TOTAL: Metric = Metric {
    name: "encore_gateway_produce_failures_total",
    kind: Kind::Counter,
    labels: &[],
    help: "playback batches and search events the broker did not acknowledge (a batch or click is answered 503)",
};

/// Logins refused by the failed-login throttle.
pub const GATEWAY_LOGINS_THROTTLED_TOTAL: Metric = Metric {
    name: "encore_gateway_logins_throttled_total",
    kind: Kind::Counter,
    labels: &["path"],
    help: "logins refused (429, or Subsonic error 40) by the failed-login throttle: their place or address failed too often, or their account is slowed for unknown places; path is native or subsonic",
};

/// Transcodes (ffmpeg) running now.
pub const GATEWAY_TRANSCODES_RUNNING: Metric = Metric {
    name: "encore_gateway_transcodes_running",
    kind: Kind::Gauge,
    labels: &[],
    help: "transcodes (ffmpeg processes) running now; at most ENCORE_TRANSCODE_MAX",
};

/// Transcode requests by how they ended.
pub const GATEWAY_TRANSCODES_TOTAL: Metric = Metric {
    name: "encore_gateway_transcodes_total",
    kind: Kind::Counter,
    labels: &["result"],
    help: "transcode requests by result: ok, failed (ffmpeg could not read the file), busy (no slot in time: 503), cached (served from the cache)",
};

/// Bytes of transcoded audio sent as ffmpeg made them.
pub const GATEWAY_TRANSCODED_BYTES_TOTAL: Metric = Metric {
    name: "encore_gateway_transcoded_bytes_total",
    kind: Kind::Counter,
    labels: &[],
    help: "bytes of transcoded audio sent as ffmpeg made them (not from the cache)",
};

/// Search requests to the search server.
pub const GATEWAY_SEARCH_SECONDS: Metric = Metric {
    name: "encore_gateway_search_seconds",
    kind: Kind::Histogram,
    labels: &[],
    help: "search requests to the search server",
};

/// Unsent outbox rows seen by the relay's last round.
pub const OUTBOX_BACKLOG: Metric = Metric {
    name: "encore_outbox_backlog",
    kind: Kind::Gauge,
    labels: &[],
    help: "unsent outbox rows seen by the relay's last round",
};

/// Outbox rows published in committed Kafka transactions.
pub const OUTBOX_PUBLISHED_TOTAL: Metric = Metric {
    name: "encore_outbox_published_total",
    kind: Kind::Counter,
    labels: &[],
    help: "outbox rows published in committed Kafka transactions",
};

/// Relay rounds that failed and were retried.
pub const OUTBOX_RELAY_FAILURES_TOTAL: Metric = Metric {
    name: "encore_outbox_relay_failures_total",
    kind: Kind::Counter,
    labels: &[],
    help: "relay rounds that failed and were retried",
};

/// Records consumed by the etl and the indexer.
pub const KAFKA_CONSUMED_TOTAL: Metric = Metric {
    name: "encore_kafka_consumed_total",
    kind: Kind::Counter,
    labels: &["topic"],
    help: "records consumed by the etl and the indexer",
};

/// Producers replaced after a fatal librdkafka error (fenced, unknown producer id, out-of-order sequence).
pub const KAFKA_PRODUCER_REPLACED_TOTAL: Metric = Metric {
    name: "encore_kafka_producer_replaced_total",
    kind: Kind::Counter,
    labels: &[],
    help: "producers replaced after a fatal librdkafka error (fenced, unknown producer id, out-of-order sequence)",
};

/// Transactional batch commits (dead letters and offsets) that failed and were aborted.
pub const KAFKA_TRANSACTION_FAILURES_TOTAL: Metric = Metric {
    name: "encore_kafka_transaction_failures_total",
    kind: Kind::Counter,
    labels: &[],
    help: "transactional batch commits (dead letters and offsets) that failed and were aborted",
};

/// Records whose offsets were committed, in the batch's transaction (consumer: plays, dims, index).
pub const CONSUMER_RECORDS_COMMITTED_TOTAL: Metric = Metric {
    name: "encore_consumer_records_committed_total",
    kind: Kind::Counter,
    labels: &["consumer"],
    help: "records whose offsets were committed, in the batch's transaction (consumer: plays, dims, index)",
};

/// Failed batch writes, retried with backoff.
pub const CONSUMER_BATCH_FAILURES_TOTAL: Metric = Metric {
    name: "encore_consumer_batch_failures_total",
    kind: Kind::Counter,
    labels: &["consumer"],
    help: "failed batch writes, retried with backoff",
};

/// One batch: the write plus its transactional commit.
pub const CONSUMER_BATCH_SECONDS: Metric = Metric {
    name: "encore_consumer_batch_seconds",
    kind: Kind::Histogram,
    labels: &["consumer"],
    help: "one batch: the write plus its transactional commit",
};

/// High watermark minus committed offset, per partition.
pub const CONSUMER_LAG: Metric = Metric {
    name: "encore_consumer_lag",
    kind: Kind::Gauge,
    labels: &["group", "topic", "partition"],
    help: "high watermark minus committed offset, per partition",
};

/// Consumer lag summed over a group's partitions.
pub const CONSUMER_LAG_TOTAL: Metric = Metric {
    name: "encore_consumer_lag_total",
    kind: Kind::Gauge,
    labels: &["group"],
    help: "consumer lag summed over a group's partitions",
};

/// Records dead-lettered, by source topic, once their transaction committed.
pub const DLQ_RECORDS_TOTAL: Metric = Metric {
    name: "encore_dlq_records_total",
    kind: Kind::Counter,
    labels: &["topic"],
    help: "records dead-lettered, by source topic, once their transaction committed",
};

/// Rows per plays batch.
pub const ETL_BATCH_ROWS: Metric = Metric {
    name: "encore_etl_batch_rows",
    kind: Kind::Histogram,
    labels: &[],
    help: "rows per plays batch",
};

/// Writing one plays batch: decode, insert, rollup.
pub const ETL_BATCH_SECONDS: Metric = Metric {
    name: "encore_etl_batch_seconds",
    kind: Kind::Histogram,
    labels: &[],
    help: "writing one plays batch: the insert (decoding happens before, while the previous batch is written)",
};

/// Age of a batch's oldest event, since the gateway accepted it, when its rows are written.
pub const ETL_BATCH_MAX_AGE_SECONDS: Metric = Metric {
    name: "encore_etl_batch_max_age_seconds",
    kind: Kind::Histogram,
    labels: &[],
    help: "age of a batch's oldest event, since the gateway accepted it, when its rows are written",
};

/// Plays rows written to ClickHouse.
pub const ETL_ROWS_WRITTEN_TOTAL: Metric = Metric {
    name: "encore_etl_rows_written_total",
    kind: Kind::Counter,
    labels: &[],
    help: "plays rows written to ClickHouse",
};

/// Bringing the co-listening sessions up to date before a features run.
pub const ETL_ROLLUP_SECONDS: Metric = Metric {
    name: "encore_etl_rollup_seconds",
    kind: Kind::Histogram,
    labels: &["cells"],
    help: "recomputing the sessions written since the last features run",
};

/// Catalog dimension rows written.
pub const ETL_DIMENSION_ROWS_TOTAL: Metric = Metric {
    name: "encore_etl_dimension_rows_total",
    kind: Kind::Counter,
    labels: &[],
    help: "catalog dimension rows written",
};

/// Recommendation feature runs that failed.
pub const ETL_FEATURES_FAILURES_TOTAL: Metric = Metric {
    name: "encore_etl_features_failures_total",
    kind: Kind::Counter,
    labels: &[],
    help: "recommendation feature runs that failed",
};

/// Per-listener reads by who answered: Redis, Redis after a rebuild from the
/// warehouse, or the warehouse alone (Redis off, down, or holding too little).
pub const ONLINE_READS_TOTAL: Metric = Metric {
    name: "encore_online_reads_total",
    kind: Kind::Counter,
    labels: &["read", "source"],
    help: "per-listener reads by who answered: redis, rebuilt (from the warehouse into redis) or warehouse",
};

/// Redis operations that failed or timed out; the caller carried on without.
pub const ONLINE_FAILURES_TOTAL: Metric = Metric {
    name: "encore_online_failures_total",
    kind: Kind::Counter,
    labels: &["operation"],
    help:
        "online store (Redis) operations that failed or timed out; the warehouse answered instead",
};

/// Records per indexer batch.
pub const INDEXER_BATCH_RECORDS: Metric = Metric {
    name: "encore_indexer_batch_records",
    kind: Kind::Histogram,
    labels: &[],
    help: "records per indexer batch",
};

/// One _bulk call to the search server.
pub const INDEXER_BULK_SECONDS: Metric = Metric {
    name: "encore_indexer_bulk_seconds",
    kind: Kind::Histogram,
    labels: &[],
    help: "one _bulk call to the search server",
};

/// Search documents written.
pub const INDEXER_DOCUMENTS_WRITTEN_TOTAL: Metric = Metric {
    name: "encore_indexer_documents_written_total",
    kind: Kind::Counter,
    labels: &[],
    help: "search documents written",
};

/// Changes refused as older than the indexed version.
pub const INDEXER_STALE_CHANGES_TOTAL: Metric = Metric {
    name: "encore_indexer_stale_changes_total",
    kind: Kind::Counter,
    labels: &[],
    help: "changes refused as older than the indexed version",
};

/// Documents re-indexed because a name they carry changed.
pub const INDEXER_PROPAGATED_TOTAL: Metric = Metric {
    name: "encore_indexer_propagated_total",
    kind: Kind::Counter,
    labels: &[],
    help: "documents re-indexed because a name they carry changed",
};

/// Index rebuilds (a new generation and an alias swap).
pub const INDEXER_REBUILDS_TOTAL: Metric = Metric {
    name: "encore_indexer_rebuilds_total",
    kind: Kind::Counter,
    labels: &[],
    help: "index rebuilds (a new generation and an alias swap)",
};

/// Track documents whose popularity was updated from the warehouse's play counts.
pub const INDEXER_POPULARITY_UPDATES_TOTAL: Metric = Metric {
    name: "encore_indexer_popularity_updates_total",
    kind: Kind::Counter,
    labels: &[],
    help: "track documents whose popularity was updated from the warehouse's play counts",
};

/// Every metric, in the order `docs/operations.md` lists them.
pub const ALL: &[&Metric] = &[
    &HTTP_REQUESTS_TOTAL,
    &HTTP_REQUEST_SECONDS,
    &GATEWAY_PLAYBACK_EVENTS_ACCEPTED_TOTAL,
    &GATEWAY_PRODUCE_SECONDS,
    &GATEWAY_PRODUCE_FAILURES_TOTAL,
    &GATEWAY_SEARCH_SECONDS,
    &GATEWAY_LOGINS_THROTTLED_TOTAL,
    &GATEWAY_TRANSCODES_RUNNING,
    &GATEWAY_TRANSCODES_TOTAL,
    &GATEWAY_TRANSCODED_BYTES_TOTAL,
    &OUTBOX_BACKLOG,
    &OUTBOX_PUBLISHED_TOTAL,
    &OUTBOX_RELAY_FAILURES_TOTAL,
    &KAFKA_CONSUMED_TOTAL,
    &KAFKA_PRODUCER_REPLACED_TOTAL,
    &KAFKA_TRANSACTION_FAILURES_TOTAL,
    &CONSUMER_RECORDS_COMMITTED_TOTAL,
    &CONSUMER_BATCH_FAILURES_TOTAL,
    &CONSUMER_BATCH_SECONDS,
    &CONSUMER_LAG,
    &CONSUMER_LAG_TOTAL,
    &DLQ_RECORDS_TOTAL,
    &ETL_BATCH_ROWS,
    &ETL_BATCH_SECONDS,
    &ETL_BATCH_MAX_AGE_SECONDS,
    &ETL_ROWS_WRITTEN_TOTAL,
    &ETL_ROLLUP_SECONDS,
    &ETL_DIMENSION_ROWS_TOTAL,
    &ETL_FEATURES_FAILURES_TOTAL,
    &ONLINE_READS_TOTAL,
    &ONLINE_FAILURES_TOTAL,
    &INDEXER_BATCH_RECORDS,
    &INDEXER_BULK_SECONDS,
    &INDEXER_DOCUMENTS_WRITTEN_TOTAL,
    &INDEXER_STALE_CHANGES_TOTAL,
    &INDEXER_PROPAGATED_TOTAL,
    &INDEXER_REBUILDS_TOTAL,
    &INDEXER_POPULARITY_UPDATES_TOTAL,
];

/// Hands every metric's help text to the installed recorder.
pub fn describe_all() {
    for metric in ALL {
        match metric.kind {
            Kind::Counter => ::metrics::describe_counter!(metric.name, metric.help),
            Kind::Gauge => ::metrics::describe_gauge!(metric.name, metric.help),
            Kind::Histogram => ::metrics::describe_histogram!(metric.name, metric.help),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "a metric is defined twice");
        assert!(names.iter().all(|n| n.starts_with("encore_")));
    }

    #[test]
    fn the_operations_guide_lists_every_metric() {
        let doc = include_str!("../../docs/operations.md");
        let missing: Vec<&str> = ALL
            .iter()
            .map(|m| m.name)
            .filter(|name| !doc.contains(&format!("`{name}`")))
            .collect();
        assert!(missing.is_empty(), "docs/operations.md lacks {missing:?}");
    }

    #[test]
    fn no_source_names_a_metric_by_a_literal() {
        let files = crate::workspace_files::files(".", &[".rs"]);
        assert!(files.len() > 20, "found the workspace's sources");
        let mut offenders = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for kind in ["counter", "gauge", "histogram"] {
                // Built here, so this test's own text does not match itself.
                let macro_name = format!("{}::{kind}!(", "metrics");
                for (at, _) in text.match_indices(&macro_name) {
                    let after = text[at + macro_name.len()..].trim_start();
                    if after.starts_with('"') {
                        offenders.push(format!(
                            "{}: {}",
                            file.display(),
                            &after[..after.len().min(60)]
                        ));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "name metrics through encore_common::metrics: {offenders:#?}"
        );
    }
}
