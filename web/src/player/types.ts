import type { PlayContext } from "./events";

export interface QueueTrack {
  id: string;
  title: string;
  artist: string;
  artistId?: string;
  album?: string;
  albumId?: string;
  durationMs?: number | null;
  /** The album's cover on this server, when it has one. */
  cover?: string | null;
  /** `false` when the track is known to have no audio (the queue passes over it). */
  playable?: boolean;
}

/** A queued track with where it was queued from (for the playback events). */
export interface Entry extends QueueTrack {
  context: PlayContext;
}

export interface PlayerError {
  /** noAudio: the track has none (404); unsupported: the browser cannot decode it; failed: anything else. */
  kind: "noAudio" | "unsupported" | "failed";
  title: string;
  message?: string;
}

export interface PlayerTime {
  /** Seconds. */
  position: number;
  /** Seconds; 0 while unknown. */
  duration: number;
}
