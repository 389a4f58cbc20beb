-- The catalog. Every write bumps `version`; the version travels with the
-- change through the outbox so consumers never apply an older one over a newer.
-- Ids are UUIDv7 (time-ordered), so `ORDER BY id` is creation order and
-- paging by id needs no extra column.

CREATE TABLE artists (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    genres      text[] NOT NULL DEFAULT '{}',
    country     text,
    image_url   text,
    external_id text UNIQUE,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Which accounts may edit an artist (their own); admins may edit every artist.
CREATE TABLE artist_members (
    artist_id uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (artist_id, user_id)
);
CREATE INDEX artist_members_user ON artist_members (user_id);

CREATE TABLE albums (
    id           uuid PRIMARY KEY,
    artist_id    uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    title        text NOT NULL,
    release_year integer,
    genres       text[] NOT NULL DEFAULT '{}',
    cover_url    text,
    external_id  text UNIQUE,
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX albums_artist ON albums (artist_id, id);

CREATE TABLE tracks (
    id                 uuid PRIMARY KEY,
    artist_id          uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    album_id           uuid REFERENCES albums (id) ON DELETE SET NULL,
    title              text NOT NULL,
    duration_ms        bigint NOT NULL CHECK (duration_ms >= 0),
    genre              text,
    release_year       integer,
    track_number       integer,
    -- The stored audio: object key, media type, size and a strong ETag.
    audio_key          text,
    audio_content_type text,
    audio_size         bigint,
    audio_etag         text,
    external_id        text UNIQUE,
    version            bigint NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tracks_artist ON tracks (artist_id, id);
CREATE INDEX tracks_album ON tracks (album_id, id);
CREATE INDEX tracks_genre ON tracks (genre, id);
