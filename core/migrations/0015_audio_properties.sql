-- What the stored audio is, read from the file at upload: its sample rate,
-- bit depth (lossless formats only) and channels. Players show them and pick
-- by them (OpenSubsonic's samplingRate, bitDepth and channelCount). Audio
-- stored before has none until it is uploaded again.
ALTER TABLE tracks
    ADD COLUMN audio_sample_rate integer CHECK (audio_sample_rate > 0),
    ADD COLUMN audio_bit_depth smallint CHECK (audio_bit_depth > 0),
    ADD COLUMN audio_channels smallint CHECK (audio_channels > 0);
