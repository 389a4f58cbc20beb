// Catalog shapes as the gateway sends them (gateway/src/catalog/*.rs, audio/mod.rs, search/mod.rs).

export type EntityKind = "artist" | "album" | "track";

export interface Artist {
  id: string;
  name: string;
  genres: string[];
  country: string | null;
  image_url: string | null;
  version: number;
}

export interface Album {
  id: string;
  artist_id: string;
  title: string;
  release_year: number | null;
  genres: string[];
  cover_url: string | null;
  version: number;
}

export interface Track {
  id: string;
  artist_id: string;
  album_id: string | null;
  title: string;
  duration_ms: number;
  genre: string | null;
  release_year: number | null;
  track_number: number | null;
  stream_url: string | null;
  version: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

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
