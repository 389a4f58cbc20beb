-- Listening sessions, co-listening and recommendation features.
--
-- session_pairs: for each session of a listener (a run of plays with no gap
-- over 30 minutes, also cut at fixed 3-hour boundaries so a session can be
-- recomputed from its own plays), each pair of tracks played close together,
-- in both directions, weighted 1 / distance (the next track 1, two later 1/2,
-- up to 5 back). At most 1,000 pairs a session. Recomputed from plays_by_user
-- for the sessions a batch touched, so it is exact like the aggregates.
CREATE TABLE IF NOT EXISTS session_pairs
(
    user_id       UUID,
    session_start DateTime,
    track_a       UUID,
    track_b       UUID,
    weight        Float64,
    version       UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(session_start)
ORDER BY (user_id, session_start, track_a, track_b);

CREATE VIEW IF NOT EXISTS track_pairs AS
SELECT track_a, track_b, sum(weight) AS weight, count() AS sessions
FROM session_pairs FINAL
GROUP BY track_a, track_b;

-- Written by the ETL's features job, one generation per run (a partition);
-- readers use the newest complete generation (feature_generations); older
-- generations are dropped.
CREATE TABLE IF NOT EXISTS track_similar
(
    generation UInt64,
    track_id   UUID,
    similar_id UUID,
    score      Float64,
    sessions   UInt64
)
ENGINE = MergeTree()
PARTITION BY generation
ORDER BY (track_id, score);

CREATE TABLE IF NOT EXISTS user_recommendations
(
    generation UInt64,
    user_id    UUID,
    track_id   UUID,
    score      Float64,
    seed_id    UUID
)
ENGINE = MergeTree()
PARTITION BY generation
ORDER BY (user_id, score);

-- The cold-start fallback: the most played tracks of the last 30 days, per
-- genre ('' is every genre).
CREATE TABLE IF NOT EXISTS popular_tracks
(
    generation UInt64,
    genre      String,
    track_id   UUID,
    plays      UInt64
)
ENGINE = MergeTree()
PARTITION BY generation
ORDER BY (genre, plays);

CREATE TABLE IF NOT EXISTS feature_generations
(
    generation  UInt64,
    computed_at DateTime,
    similar     UInt64,
    recommended UInt64,
    popular     UInt64
)
ENGINE = MergeTree()
ORDER BY generation;
