-- Searches through the gateway and the results opened from them
-- (topic search-events). One row per event; a click joins its search on
-- search_id. ReplacingMergeTree folds redelivered events (same sort key);
-- read with FINAL for exact counts before merges run.
--   kind         'search' or 'click'
--   user_id      nil UUID for anonymous searches
--   query        as searched; '' on a click
--   result_type  a search's type filter, or the clicked result's type; '' if none
--   results      how many results the search found; 0 on a click
--   clicked_id   the opened result; nil UUID on a search
--   position     the opened result's rank, 0 first; -1 on a search
CREATE TABLE IF NOT EXISTS search_events
(
    event_id    UUID,
    search_id   UUID,
    kind        String,
    user_id     UUID,
    query       String,
    result_type String,
    results     UInt64,
    clicked_id  UUID,
    position    Int32,
    occurred_at DateTime
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (search_id, kind, event_id);
