-- Catalog dimensions, so analysts can join plays to names, genres and years.
--
-- Kept by the ETL's catalog consumer from the catalog.* topics. Every change
-- is a row at the entity's version; ReplacingMergeTree(version) keeps the
-- newest (read with FINAL, or argMax by version). A delete is a row with
-- deleted = 1 at the delete's version. Unknown values are '' / 0 / the nil UUID.
CREATE TABLE IF NOT EXISTS dim_artists
(
    id         UUID,
    name       String,
    genres     Array(String),
    country    String,
    version    UInt64,
    deleted    UInt8,
    updated_at DateTime
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS dim_albums
(
    id           UUID,
    artist_id    UUID,
    title        String,
    release_year UInt16,
    genres       Array(String),
    version      UInt64,
    deleted      UInt8,
    updated_at   DateTime
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS dim_tracks
(
    id           UUID,
    artist_id    UUID,
    album_id     UUID,
    title        String,
    duration_ms  UInt32,
    genre        String,
    release_year UInt16,
    version      UInt64,
    deleted      UInt8,
    updated_at   DateTime
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
