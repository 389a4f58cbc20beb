-- Playlists, likes and listening history.

CREATE TABLE playlists (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text,
    public      boolean NOT NULL DEFAULT false,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_owner ON playlists (owner_id, id);

-- Items are densely numbered 0..n-1. Every change to a playlist's items locks
-- the playlist row first, so concurrent edits apply one after another; the
-- deferred unique constraint lets one statement shift positions past each other.
CREATE TABLE playlist_items (
    id          uuid PRIMARY KEY,
    playlist_id uuid NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    added_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT playlist_items_position UNIQUE (playlist_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX playlist_items_track ON playlist_items (track_id);

CREATE TABLE track_likes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id   uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
CREATE TABLE album_likes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id   uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, album_id)
);
CREATE TABLE artist_likes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id  uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, artist_id)
);

-- One row per play started, written by the playback batch endpoint after the
-- broker acknowledged the batch; keyed by the event id so a retried batch adds nothing.
CREATE TABLE listening_history (
    event_id    uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL,
    context     text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX listening_history_user ON listening_history (user_id, occurred_at DESC, event_id DESC);
