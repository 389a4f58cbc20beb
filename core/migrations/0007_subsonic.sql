-- What the Subsonic API keeps besides the native data: ratings, the play
-- queue a listener carries between devices, and where each listener's
-- reported playback stands.

-- Ratings, 1 to 5, one table per kind like the likes, with real foreign keys.
CREATE TABLE track_ratings (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    rating   smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, track_id)
);
CREATE TABLE album_ratings (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id uuid NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    rating   smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, album_id)
);
CREATE INDEX album_ratings_album ON album_ratings (album_id);
CREATE TABLE artist_ratings (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    artist_id uuid NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    rating    smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, artist_id)
);

-- One play queue per listener (savePlayQueue / getPlayQueue). Track ids, not
-- foreign keys: a deleted track simply drops out when the queue is read.
CREATE TABLE play_queues (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    track_ids   uuid[] NOT NULL,
    current_id  uuid,
    position_ms bigint NOT NULL DEFAULT 0 CHECK (position_ms >= 0),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL
);

-- The last playback report (reportPlayback) of each listener: which session
-- it belongs to and what state it left, so the next report becomes the
-- right event (a pause, a resume, a complete or a skip) and a report sent
-- twice counts once.
CREATE TABLE playback_reports (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL,
    session_id  uuid NOT NULL,
    state       text NOT NULL CHECK (state IN ('starting', 'playing', 'paused', 'stopped')),
    position_ms bigint NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now()
);
