// A radio keeps the queue filling: when fewer than LOW_WATER tracks are left
// after the current one, it asks the gateway (`GET /v1/radio`) for more after
// the current track, and queues those it has not queued before. When a
// refill brings nothing new it asks once more from the radio's seed with a
// wider net; when that brings nothing either, the radio has run its course.
import type { Schema } from "../api/types";
import type { QueueTrack } from "./types";

export type RadioTrack = Schema<"RadioTrack">;

/** Refill when fewer than this many tracks are left after the current one. */
export const LOW_WATER = 3;
/** How many tracks one refill asks for, and how many a wider net does. */
export const BATCH = 25;
export const WIDE = 100;

export function asQueueTrack(t: RadioTrack): QueueTrack {
  return {
    id: t.id,
    title: t.title,
    artist: t.artist,
    artistId: t.artist_id,
    album: t.album ?? undefined,
    albumId: t.album_id ?? undefined,
    durationMs: t.duration_ms > 0 ? t.duration_ms : null,
  };
}

/** The tracks of `found` the radio has not queued yet, each once, in order. */
export function fresh(found: RadioTrack[], seen: ReadonlySet<string>): RadioTrack[] {
  const taken = new Set(seen);
  return found.filter((t) => {
    if (taken.has(t.id)) return false;
    taken.add(t.id);
    return true;
  });
}

/** Whether the queue runs low: fewer than LOW_WATER tracks after `index`. */
export function runningLow(length: number, index: number): boolean {
  return length - 1 - index < LOW_WATER;
}
