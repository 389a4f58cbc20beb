// Catalog shapes as the gateway sends them (gateway/src/catalog/*.rs, audio/mod.rs, search/mod.rs).

export type EntityKind = "artist" | "album" | "track";

export type { Album, Artist, Page, Track } from "../../components/music/types";
import type { Track } from "../../components/music/types";

export interface SearchHit {
  type: "track" | "album" | "artist" | "playlist";
  id: string;
  title: string;
  subtitle: string | null;
  year: number | null;
}

export interface SearchPage {
  items: SearchHit[];
  total: number;
}

export interface Uploaded {
  track: Track;
  audio: { format: "mp3" | "flac" | "vorbis" | "opus" | "wav"; duration_ms: number };
}

/** The API path of one entity. */
export function entityPath(kind: EntityKind, id: string): string {
  return `/v1/${kind}s/${encodeURIComponent(id)}`;
}

export type Selection = { kind: EntityKind; id: string };
