-- The transactional outbox: a catalog write inserts its change here in the same
-- transaction, and the relay publishes unsent rows in id order, marking them
-- sent only after the broker acknowledged them.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    -- Logical topic (catalog.tracks, ...); the relay adds the configured prefix.
    topic       text NOT NULL,
    entity_id   uuid NOT NULL,
    version     bigint NOT NULL,
    -- The Avro single-object encoded CatalogChange.
    payload     bytea NOT NULL,
    -- A delete is followed by a tombstone with the same key, so compaction can drop the entity.
    tombstone   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
