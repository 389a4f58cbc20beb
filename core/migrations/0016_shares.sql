-- Public share links: Subsonic's shares and the native /v1/me/shares, one
-- mechanism. A share is the tracks someone chose (one or more songs, or an
-- album's or a playlist's tracks as they were when shared), readable and
-- streamable by anyone holding its link until it expires or is deleted.
--
-- The link's token is a bearer secret: it is looked up by its SHA-256 and
-- kept otherwise only sealed, as app passwords are, so that its owner can
-- be shown the link again.
CREATE TABLE shares (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea NOT NULL UNIQUE,
    token_sealed    bytea NOT NULL,
    -- What was shared, as the owner named it: shown with the tracks.
    source_kind     text NOT NULL CHECK (source_kind IN ('track', 'album', 'playlist')),
    source_id       uuid,
    track_ids       uuid[] NOT NULL CHECK (cardinality(track_ids) BETWEEN 1 AND 1000),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    visit_count     bigint NOT NULL DEFAULT 0,
    last_visited_at timestamptz,
    -- The streams started in the current hour, for the per-share limit.
    window_start    timestamptz NOT NULL DEFAULT now(),
    window_streams  integer NOT NULL DEFAULT 0
);
CREATE INDEX shares_owner ON shares (owner_id, created_at DESC);
