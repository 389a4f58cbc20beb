-- Play aggregates as states that are idempotent by nature, filled by
-- materialized views in the same insert as `plays`.
--
-- Until now the ETL recomputed every touched cell from the deduplicated
-- copies after each batch: exact, but half of its write time, and a read of
-- the hot cells for every batch. Here every counter is a *set* instead of a
-- running total: plays, completions and skips are uniqExact states of the
-- events' ids, listened_ms is the set of (event id, position) pairs of the
-- events that end a play, and listeners is the set of users. Merging two sets
-- that share an element keeps it once, so an event that arrives twice, a batch
-- written twice after a crash, or a whole topic replayed into the same
-- warehouse changes nothing, and the ETL has nothing left to do after its
-- insert. The price is on the read side: a total is computed by merging the
-- sets of its cells, so reading a cell costs in proportion to its events
-- rather than being one row. docs/analytics.md weighs the two.
--
-- Every number is kept per track and hour, and per listener and track; days,
-- artists and the platform are unions of those sets, computed by the views.
-- Tables whose name ends in `_state` hold the sets; read them with the
-- -Merge combinators grouped by their key (the views below), or with FINAL
-- through their ALIAS columns (`user_track_affinity`).

DROP TABLE IF EXISTS artist_hourly;
DROP TABLE IF EXISTS artist_daily;
DROP TABLE IF EXISTS platform_hourly;
DROP TABLE IF EXISTS track_hourly;
DROP TABLE IF EXISTS track_daily;
DROP TABLE IF EXISTS track_hourly_listeners;
DROP TABLE IF EXISTS track_daily_listeners;
DROP TABLE IF EXISTS track_minutely;
DROP TABLE IF EXISTS user_track_affinity;

-- Per track and hour. The condition of skips follows docs/analytics.md: a
-- skip event, or a complete under 30 s played.
CREATE TABLE IF NOT EXISTS track_hourly_state
(
    hour              DateTime,
    track_id          UUID,
    plays_state       AggregateFunction(uniqExactIf, UUID, UInt8),
    completions_state AggregateFunction(uniqExactIf, UUID, UInt8),
    skips_state       AggregateFunction(uniqExactIf, UUID, UInt8),
    ended_state       AggregateFunction(groupUniqArrayIf, Tuple(UUID, UInt32), UInt8),
    listeners_state   AggregateFunction(uniqExact, UUID)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, track_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS track_hourly_feed TO track_hourly_state AS
SELECT toStartOfHour(occurred_at) AS hour, track_id,
       uniqExactIfState(event_id, kind = 'start') AS plays_state,
       uniqExactIfState(event_id, kind = 'complete') AS completions_state,
       uniqExactIfState(event_id, kind = 'skip' OR (kind = 'complete' AND position_ms < 30000)) AS skips_state,
       groupUniqArrayIfState((event_id, position_ms), kind IN ('skip', 'complete')) AS ended_state,
       uniqExactState(user_id) AS listeners_state
FROM plays
GROUP BY hour, track_id;

-- Plays written before this migration (sets: a row the view also feeds is kept once).
INSERT INTO track_hourly_state
SELECT toStartOfHour(occurred_at) AS hour, track_id,
       uniqExactIfState(event_id, kind = 'start'),
       uniqExactIfState(event_id, kind = 'complete'),
       uniqExactIfState(event_id, kind = 'skip' OR (kind = 'complete' AND position_ms < 30000)),
       groupUniqArrayIfState((event_id, position_ms), kind IN ('skip', 'complete')),
       uniqExactState(user_id)
FROM plays
GROUP BY hour, track_id;

-- The numbers, as before: one row per track and hour / day.
CREATE VIEW IF NOT EXISTS track_hourly AS
SELECT hour, track_id,
       uniqExactIfMerge(plays_state) AS plays,
       arraySum(arrayMap(ended -> tupleElement(ended, 2), groupUniqArrayIfMerge(ended_state))) AS listened_ms,
       uniqExactIfMerge(completions_state) AS completions,
       uniqExactIfMerge(skips_state) AS skips,
       uniqExactMerge(listeners_state) AS listeners
FROM track_hourly_state
GROUP BY hour, track_id;

-- A day is the union of its hours' sets: a listener heard in two hours of
-- the day counts once, so no table per day is needed.
CREATE VIEW IF NOT EXISTS track_daily AS
SELECT toDate(hour) AS day, track_id,
       uniqExactIfMerge(plays_state) AS plays,
       arraySum(arrayMap(ended -> tupleElement(ended, 2), groupUniqArrayIfMerge(ended_state))) AS listened_ms,
       uniqExactIfMerge(completions_state) AS completions,
       uniqExactIfMerge(skips_state) AS skips,
       uniqExactMerge(listeners_state) AS listeners
FROM track_hourly_state
GROUP BY day, track_id;

-- Per artist: the union of the sets of the artist's tracks, so listeners
-- are distinct across them.
CREATE VIEW IF NOT EXISTS artist_hourly AS
SELECT hour, artist_id,
       uniqExactIfMerge(plays_state) AS plays,
       arraySum(arrayMap(ended -> tupleElement(ended, 2), groupUniqArrayIfMerge(ended_state))) AS listened_ms,
       uniqExactIfMerge(completions_state) AS completions,
       uniqExactIfMerge(skips_state) AS skips,
       uniqExactMerge(listeners_state) AS listeners
FROM track_hourly_state
ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
GROUP BY hour, artist_id;

CREATE VIEW IF NOT EXISTS artist_daily AS
SELECT toDate(hour) AS day, artist_id,
       uniqExactIfMerge(plays_state) AS plays,
       arraySum(arrayMap(ended -> tupleElement(ended, 2), groupUniqArrayIfMerge(ended_state))) AS listened_ms,
       uniqExactIfMerge(completions_state) AS completions,
       uniqExactIfMerge(skips_state) AS skips,
       uniqExactMerge(listeners_state) AS listeners
FROM track_hourly_state
ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
GROUP BY day, artist_id;

-- Platform activity per hour: every track's sets of the hour merged.
CREATE VIEW IF NOT EXISTS platform_hourly AS
SELECT hour, active_users, plays, new_users
FROM
(
    SELECT hour, uniqExactMerge(listeners_state) AS active_users, uniqExactIfMerge(plays_state) AS plays
    FROM track_hourly_state
    GROUP BY hour
) AS totals
ANY LEFT JOIN
(
    SELECT toStartOfHour(first) AS hour, count() AS new_users
    FROM (SELECT user_id, minMerge(first_play) AS first FROM user_first_play GROUP BY user_id) AS firsts
    GROUP BY hour
) AS joined USING hour;

-- Per listener × track, all time. A table rather than a view so that readers
-- keep their `FINAL` point reads: FINAL merges the sets of the key, and the
-- ALIAS columns turn the merged sets into numbers.
CREATE TABLE IF NOT EXISTS user_track_affinity
(
    user_id           UUID,
    track_id          UUID,
    plays_state       AggregateFunction(uniqExactIf, UUID, UInt8),
    completions_state AggregateFunction(uniqExactIf, UUID, UInt8),
    skips_state       AggregateFunction(uniqExactIf, UUID, UInt8),
    ended_state       AggregateFunction(groupUniqArrayIf, Tuple(UUID, UInt32), UInt8),
    last_played_state AggregateFunction(max, DateTime),
    plays             UInt64 ALIAS finalizeAggregation(plays_state),
    listened_ms       UInt64 ALIAS arraySum(arrayMap(ended -> tupleElement(ended, 2), finalizeAggregation(ended_state))),
    completions       UInt64 ALIAS finalizeAggregation(completions_state),
    skips             UInt64 ALIAS finalizeAggregation(skips_state),
    last_played       DateTime ALIAS finalizeAggregation(last_played_state)
)
ENGINE = AggregatingMergeTree()
ORDER BY (user_id, track_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS user_track_affinity_feed TO user_track_affinity AS
SELECT user_id, track_id,
       uniqExactIfState(event_id, kind = 'start') AS plays_state,
       uniqExactIfState(event_id, kind = 'complete') AS completions_state,
       uniqExactIfState(event_id, kind = 'skip' OR (kind = 'complete' AND position_ms < 30000)) AS skips_state,
       groupUniqArrayIfState((event_id, position_ms), kind IN ('skip', 'complete')) AS ended_state,
       maxState(occurred_at) AS last_played_state
FROM plays
GROUP BY user_id, track_id;

INSERT INTO user_track_affinity (user_id, track_id, plays_state, completions_state, skips_state, ended_state, last_played_state)
SELECT user_id, track_id,
       uniqExactIfState(event_id, kind = 'start'),
       uniqExactIfState(event_id, kind = 'complete'),
       uniqExactIfState(event_id, kind = 'skip' OR (kind = 'complete' AND position_ms < 30000)),
       groupUniqArrayIfState((event_id, position_ms), kind IN ('skip', 'complete')),
       maxState(occurred_at)
FROM plays
GROUP BY user_id, track_id;

-- Read by nothing any more: affinity came from the first when it was
-- recomputed, the artists' distinct listeners from the second.
DROP TABLE IF EXISTS plays_by_user_track;
DROP TABLE IF EXISTS plays_by_track;

-- Sessions cannot be sets: whether two plays share one depends on the plays
-- around them. The features job recomputes every (listener, 3-hour bucket)
-- that received a play start since its last run (etl/src/rollup.rs); this
-- log of buckets, stamped with the server's clock at insert, tells it which.
-- A day's partition is dropped once it is two days old.
CREATE TABLE IF NOT EXISTS session_buckets_written
(
    written_at DateTime,
    user_id    UUID,
    bucket     Int64
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(written_at)
ORDER BY (written_at, user_id, bucket);

CREATE MATERIALIZED VIEW IF NOT EXISTS session_buckets_feed TO session_buckets_written AS
SELECT now() AS written_at, user_id, intDiv(toInt64(occurred_at_ms), 10800000) AS bucket
FROM plays
WHERE kind = 'start'
GROUP BY user_id, bucket;

-- How far each of the ETL's periodic jobs has got; the newest version of a name wins.
CREATE TABLE IF NOT EXISTS etl_progress
(
    name         String,
    done_through DateTime,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name;
