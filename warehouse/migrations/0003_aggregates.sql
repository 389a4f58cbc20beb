-- Aggregates of plays, exact under duplicates and redelivery.
-- docs/analytics.md explains the design; in short:
--
-- plays_by_track, plays_by_user and plays_by_user_track are copies of plays
-- (materialized views, filled by every insert into plays) sorted for
-- per-track, per-listener and per-listener-track reads. They are
-- ReplacingMergeTrees whose sorting keys end in event_id, so a duplicated
-- event collapses there just as in plays, and FINAL reads count every event once.
--
-- After each batch the ETL recomputes, from those copies with FINAL, every
-- aggregate cell the batch touched (a minute of a track, a listener × track)
-- and writes it as a new version of the cell (ReplacingMergeTree by
-- version). Recomputing is idempotent, so a batch delivered twice, or an ETL
-- killed between writes, leaves the same numbers. Cells are a minute long so
-- the work per batch stays bounded however busy a track is; hours and days
-- are views that sum minutes. Distinct listeners are aggregate states (safe
-- under duplicates by nature). Read aggregate tables with FINAL.
CREATE MATERIALIZED VIEW IF NOT EXISTS plays_by_track
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (track_id, minute, event_id)
AS SELECT toStartOfMinute(occurred_at) AS minute, track_id, event_id, user_id, kind, position_ms, occurred_at
FROM plays;

-- For sessions: one listener's plays in time order.
CREATE MATERIALIZED VIEW IF NOT EXISTS plays_by_user
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (user_id, occurred_at_ms, event_id)
AS SELECT user_id, occurred_at, occurred_at_ms, event_id, track_id, kind, position_ms
FROM plays;

-- For affinity: one listener's plays of one track.
CREATE MATERIALIZED VIEW IF NOT EXISTS plays_by_user_track
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (user_id, track_id, event_id)
AS SELECT user_id, track_id, event_id, kind, position_ms, occurred_at
FROM plays;

-- When each listener was first heard from: min is unaffected by duplicates.
CREATE MATERIALIZED VIEW IF NOT EXISTS user_first_play
ENGINE = AggregatingMergeTree()
ORDER BY user_id
AS SELECT user_id, minState(occurred_at) AS first_play
FROM plays
GROUP BY user_id;

-- Distinct listeners per track and hour / day, as aggregate states fed by
-- plays itself: a duplicated event carries the same user, so it cannot
-- inflate a distinct count.
CREATE MATERIALIZED VIEW IF NOT EXISTS track_hourly_listeners
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, track_id)
AS SELECT toStartOfHour(occurred_at) AS hour, track_id, uniqExactState(user_id) AS listeners
FROM plays
GROUP BY hour, track_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS track_daily_listeners
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, track_id)
AS SELECT toDate(occurred_at) AS day, track_id, uniqExactState(user_id) AS listeners
FROM plays
GROUP BY day, track_id;

-- Per track and minute, the cell the ETL recomputes after each batch.
-- plays: start events; listened_ms: the position at the end of each play
-- (skip or complete events); completions: complete events; skips: skip
-- events, and completes under 30 s.
CREATE TABLE IF NOT EXISTS track_minutely
(
    minute      DateTime,
    track_id    UUID,
    plays       UInt64,
    listened_ms UInt64,
    completions UInt64,
    skips       UInt64,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, track_id);

CREATE VIEW IF NOT EXISTS track_hourly AS
SELECT hour, track_id, plays, listened_ms, completions, skips, listeners
FROM
(
    SELECT toStartOfHour(minute) AS hour, track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms,
           sum(completions) AS completions, sum(skips) AS skips
    FROM track_minutely FINAL
    GROUP BY hour, track_id
) AS totals
ANY LEFT JOIN
(
    SELECT hour, track_id, uniqExactMerge(listeners) AS listeners
    FROM track_hourly_listeners
    GROUP BY hour, track_id
) AS joined USING hour, track_id;

CREATE VIEW IF NOT EXISTS track_daily AS
SELECT day, track_id, plays, listened_ms, completions, skips, listeners
FROM
(
    SELECT toDate(minute) AS day, track_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms,
           sum(completions) AS completions, sum(skips) AS skips
    FROM track_minutely FINAL
    GROUP BY day, track_id
) AS totals
ANY LEFT JOIN
(
    SELECT day, track_id, uniqExactMerge(listeners) AS listeners
    FROM track_daily_listeners
    GROUP BY day, track_id
) AS joined USING day, track_id;

-- Per listener × track, all time.
CREATE TABLE IF NOT EXISTS user_track_affinity
(
    user_id     UUID,
    track_id    UUID,
    plays       UInt64,
    listened_ms UInt64,
    completions UInt64,
    skips       UInt64,
    last_played DateTime,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (user_id, track_id);

-- Per artist: the track aggregates summed through dim_tracks; distinct
-- listeners counted across the artist's tracks from plays_by_track.
CREATE VIEW IF NOT EXISTS artist_hourly AS
SELECT hour, artist_id, plays, listened_ms, completions, skips, listeners
FROM
(
    SELECT hour, artist_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms,
           sum(completions) AS completions, sum(skips) AS skips
    FROM track_hourly
    ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
    GROUP BY hour, artist_id
) AS totals
ANY LEFT JOIN
(
    SELECT toStartOfHour(minute) AS hour, artist_id, uniqExact(user_id) AS listeners
    FROM plays_by_track FINAL
    ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
    GROUP BY hour, artist_id
) AS joined USING hour, artist_id;

CREATE VIEW IF NOT EXISTS artist_daily AS
SELECT day, artist_id, plays, listened_ms, completions, skips, listeners
FROM
(
    SELECT day, artist_id, sum(plays) AS plays, sum(listened_ms) AS listened_ms,
           sum(completions) AS completions, sum(skips) AS skips
    FROM track_daily
    ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
    GROUP BY day, artist_id
) AS totals
ANY LEFT JOIN
(
    SELECT toDate(minute) AS day, artist_id, uniqExact(user_id) AS listeners
    FROM plays_by_track FINAL
    ALL INNER JOIN (SELECT id AS track_id, artist_id FROM dim_tracks FINAL) AS tracks USING track_id
    GROUP BY day, artist_id
) AS joined USING day, artist_id;

-- Platform activity per hour: active listeners, plays, listeners heard from for the first time.
CREATE VIEW IF NOT EXISTS platform_hourly AS
SELECT hour, active_users, plays, new_users
FROM
(
    SELECT toStartOfHour(occurred_at) AS hour, uniqExact(user_id) AS active_users,
           countIf(kind = 'start') AS plays
    FROM plays_by_user FINAL
    GROUP BY hour
) AS totals
ANY LEFT JOIN
(
    SELECT toStartOfHour(first) AS hour, count() AS new_users
    FROM (SELECT user_id, minMerge(first_play) AS first FROM user_first_play GROUP BY user_id) AS firsts
    GROUP BY hour
) AS joined USING hour;
