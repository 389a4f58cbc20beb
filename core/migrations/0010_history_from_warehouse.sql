-- The listening history is read from the warehouse (ClickHouse
-- `plays_by_user`), which holds every play the etl wrote from the playback
-- topic, including all that this table held. The gateway no longer keeps a
-- copy here.
DROP TABLE IF EXISTS listening_history;
