-- Raw playback events: one row per event, as the gateway accepted it.
--
-- ReplacingMergeTree keyed by event_id collapses a duplicated event (a client
-- retry, a replayed topic, a redelivery after a consumer restart) into one row
-- when parts merge; `SELECT ... FROM plays FINAL` gives exact answers before
-- that. Times are DateTime (seconds, UTC) for date functions, plus the full
-- epoch milliseconds: ClickHouse 18.16 has no DateTime64.
CREATE TABLE IF NOT EXISTS plays
(
    event_id          UUID,
    user_id           UUID,
    track_id          UUID,
    session_id        UUID,
    kind              Enum8('start' = 1, 'progress' = 2, 'pause' = 3, 'resume' = 4, 'skip' = 5, 'complete' = 6),
    position_ms       UInt32,
    track_duration_ms UInt32,
    occurred_at       DateTime,
    occurred_at_ms    UInt64,
    received_at       DateTime,
    received_at_ms    UInt64,
    client_app        String,
    client_version    String,
    device_id         String,
    device_platform   String,
    context_kind      String,
    context_id        String,
    kafka_partition   Int32,
    kafka_offset      Int64
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY event_id;
