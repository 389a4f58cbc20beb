// Volume normalisation: each track is brought towards the same loudness
// (ReplayGain 2.0's -18 LUFS) from the gain the gateway measured at upload,
// so a quiet folk song and a loud metal one play at a similar level; an
// album played from its page uses the album's gain instead. On by default;
// the listener can turn it off, and the choice is remembered.
import type { Schema } from "../api/types";
import type { Entry } from "./types";

export type Loudness = Schema<"Loudness">;
type StreamUrl = Schema<"StreamUrl">;

/**
 * Which gain a track plays with: its album's when it was queued from that
 * album's page (played through, the album keeps its own dynamics, a quiet
 * interlude stays quiet), its own otherwise (a mix of tracks from
 * anywhere, each brought to the same level).
 */
export function gainFor(answer: Pick<StreamUrl, "loudness" | "album_loudness">, entry: Entry): Loudness | null {
  const onItsAlbum = entry.context.kind === "album" && !!entry.albumId && entry.context.id === entry.albumId;
  return (onItsAlbum ? answer.album_loudness : null) ?? answer.loudness ?? null;
}

const KEY = "encore.normalise";

/**
 * The element's volume for the listener's `level` and the track's
 * `loudness`. An <audio> element cannot go above 1, so a quiet track is
 * only raised as far as the listener's own level allows; and never past
 * its true peak, which would clip.
 */
export function normalised(level: number, loudness: Loudness | null | undefined, enabled: boolean): number {
  if (!enabled || !loudness) return level;
  let factor = 10 ** (loudness.gain_db / 20);
  if (loudness.peak && loudness.peak > 0) factor = Math.min(factor, 1 / loudness.peak);
  return Math.min(1, Math.max(0, level * factor));
}

export function loadNormalise(): boolean {
  try {
    return localStorage.getItem(KEY) !== "off";
  } catch {
    return true;
  }
}

export function saveNormalise(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? "on" : "off");
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}
