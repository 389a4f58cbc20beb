-- Uploads look up audio already measured by its content hash (the ETag),
-- so the same file given to another track reuses its loudness instead of
-- decoding it again: the demo gives thousands of tracks a few shared clips,
-- and a real catalogue carries the same recording on several releases.
CREATE INDEX tracks_audio_etag ON tracks (audio_etag) WHERE loudness_lufs IS NOT NULL;
