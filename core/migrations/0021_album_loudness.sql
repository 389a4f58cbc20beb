-- An album's loudness as a whole (ReplayGain's album gain), stored beside
-- its tracks' rather than aggregated on every read: a song list (Subsonic's
-- `replayGain.albumGain`) and a stream URL only read it. Core rewrites it
-- whenever a track's audio, album or existence changes
-- (`edit::album_loudness`, with `gain::of_album`'s formula); this fills
-- in the albums measured before, with the same formula once in SQL: the
-- tracks' loudness averaged as energy, weighted by length, and the highest
-- true peak.
ALTER TABLE albums ADD COLUMN loudness_lufs real, ADD COLUMN true_peak_dbtp real;

UPDATE albums a
SET loudness_lufs = m.lufs, true_peak_dbtp = m.peak
FROM (
    SELECT album_id,
           (10 * log(sum(duration_ms * power(10::float8, loudness_lufs / 10.0)) / sum(duration_ms)))::real AS lufs,
           max(true_peak_dbtp) AS peak
    FROM tracks
    WHERE album_id IS NOT NULL AND loudness_lufs IS NOT NULL AND duration_ms > 0
    GROUP BY album_id
) m
WHERE a.id = m.album_id;
