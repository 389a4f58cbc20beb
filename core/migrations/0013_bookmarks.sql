-- Where a listener stopped in a track, to resume there on any device:
-- Subsonic's bookmarks and the native /v1/me/bookmarks, one mechanism. One
-- per listener and track; saving again moves it.
CREATE TABLE bookmarks (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id    uuid NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position_ms bigint NOT NULL CHECK (position_ms >= 0),
    comment     text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, track_id)
);
