-- The recommender's output, written by the etl's features job (the blend in
-- etl/src/model: EASE over recency-weighted seeds plus co-listening), one
-- generation per run like the other feature tables. `position` is the rank
-- (0 first). `reason` says why, and `reason_id` names what it refers to:
--   played  the seed track the listener played (a track id)
--   artist  an artist the listener plays (an artist id)
--   genre   a genre the listener plays (its name), "popular in it among listeners like you"
CREATE TABLE IF NOT EXISTS recommendations
(
    generation UInt64,
    user_id    UUID,
    position   UInt16,
    track_id   UUID,
    score      Float64,
    reason     String,
    reason_id  String
)
ENGINE = MergeTree()
PARTITION BY generation
ORDER BY (user_id, position);

-- Replaced by `recommendations`; nothing reads it any more.
DROP TABLE IF EXISTS user_recommendations;
