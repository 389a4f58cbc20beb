-- Matching imported listens to the catalog: a normalised artist name and
-- track title (lowercase, accents and punctuation removed), kept by the
-- gateway on every write.
ALTER TABLE artists ADD COLUMN name_key text NOT NULL DEFAULT '';
ALTER TABLE tracks ADD COLUMN title_key text NOT NULL DEFAULT '';
CREATE INDEX artists_name_key ON artists (name_key);
CREATE INDEX tracks_title_key ON tracks (title_key, artist_id);

-- Source syncs asked for through the API (POST /v1/admin/sync); the running
-- `ingest sync` claims and runs them.
CREATE TABLE sync_requests (
    id           uuid PRIMARY KEY,
    requested_by uuid REFERENCES users (id) ON DELETE SET NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    started_at   timestamptz,
    finished_at  timestamptz,
    summary      text
);
CREATE INDEX sync_requests_pending ON sync_requests (requested_at) WHERE status = 'pending';
