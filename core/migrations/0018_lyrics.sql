-- A track's lyrics as its artist or an admin gave them: plain text, or LRC
-- with a time per line, kept as given and read into lines by the core
-- (core/src/lyrics.rs). One text per track; `lang` is ISO 639, or xxx when
-- nobody said (OpenSubsonic's word for it).
CREATE TABLE track_lyrics (
    track_id   uuid PRIMARY KEY REFERENCES tracks (id) ON DELETE CASCADE,
    lang       text NOT NULL DEFAULT 'xxx' CHECK (lang ~ '^[a-z]{2,3}$'),
    text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 100000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
