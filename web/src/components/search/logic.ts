// The search page's pure parts: grouping results by kind, reading a track's
// subtitle, and moving through the suggestions with the keyboard.
import { sameOriginImage } from "../music/format";
import type { QueueTrack } from "../../player/PlayerProvider";
import type { Hit, ResultType, SearchPage } from "../music/types";

export const KINDS: ResultType[] = ["artist", "album", "track", "playlist"];

export interface Ranked {
  hit: Hit;
  /** Rank across the pages of one search, 0 first: what a click report names. */
  position: number;
  /** The answer the hit came in (each page has its own). */
  searchId: string;
}

export function groupHits(pages: SearchPage[]): Record<ResultType, Ranked[]> {
  const groups: Record<ResultType, Ranked[]> = { artist: [], album: [], track: [], playlist: [] };
  let position = 0;
  for (const page of pages) {
    for (const hit of page.items) groups[hit.type]?.push({ hit, position: position++, searchId: page.search_id });
  }
  return groups;
}

/** A track hit's subtitle is "Artist — Album" (either may be missing). */
export function splitSubtitle(subtitle: string | null | undefined): { artist: string; album?: string } {
  if (!subtitle) return { artist: "" };
  const at = subtitle.indexOf(" — ");
  if (at < 0) return { artist: subtitle };
  return { artist: subtitle.slice(0, at), album: subtitle.slice(at + 3) };
}

export function hitToTrack(hit: Hit): QueueTrack {
  const { artist, album } = splitSubtitle(hit.subtitle);
  return { id: hit.id, title: hit.title, artist, album, cover: sameOriginImage(hit.cover_url) };
}

/** Where a hit opens; tracks play instead. */
export function hitPath(hit: Hit): string | null {
  switch (hit.type) {
    case "artist":
      return `/artists/${hit.id}`;
    case "album":
      return `/albums/${hit.id}`;
    case "playlist":
      return `/playlists/${hit.id}`;
    default:
      return null;
  }
}

/**
 * The active option after a key press in the combobox; -1 is "none" (focus
 * stays in the text). Arrows wrap through "none", as in most comboboxes.
 */
export function nextActive(key: string, active: number, count: number): number {
  if (count === 0) return -1;
  if (key === "ArrowDown") return active + 1 >= count ? -1 : active + 1;
  if (key === "ArrowUp") return active <= -1 ? count - 1 : active - 1;
  return active;
}
