-- Two more things read from the stored audio at upload:
-- * its codec: an Ogg file holds Vorbis or Opus, which its media type does
--   not tell, and a client's transcoding decision (OpenSubsonic
--   getTranscodeDecision) compares codecs;
-- * its loudness (EBU R128 integrated loudness and true peak, measured by
--   ffmpeg), which players normalise by (OpenSubsonic replayGain).
-- Audio stored before has neither until it is uploaded again.
ALTER TABLE tracks
    ADD COLUMN audio_codec text CHECK (audio_codec IN ('mp3', 'flac', 'vorbis', 'opus', 'pcm')),
    ADD COLUMN loudness_lufs real CHECK (loudness_lufs BETWEEN -100 AND 10),
    ADD COLUMN true_peak_dbtp real CHECK (true_peak_dbtp BETWEEN -100 AND 30);
