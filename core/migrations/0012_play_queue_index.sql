-- The index-based play queue (OpenSubsonic `indexBasedQueue`): a queue may
-- hold a track twice, and then only its place says which one is playing.
-- Rows saved before this name their current track by id alone; readers take
-- its first place then.
ALTER TABLE play_queues
    ADD COLUMN current_index integer CHECK (current_index >= 0);
