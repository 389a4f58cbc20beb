// The gateway's shapes (see gateway/src/catalog, library, search, charts.rs
// and recommend.rs), written once: the listener pages, the studio and the
// dashboard all read them from here.

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

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
  /** 0 until audio is uploaded. */
  duration_ms: number;
  genre: string | null;
  release_year: number | null;
  track_number: number | null;
  stream_url: string | null;
  version: number;
}

export interface PlaylistItem {
  id: string;
  track_id: string;
  position: number;
  added_at: string;
}

export interface Playlist {
  id: string;
  owner_id: string;
  name: string;
  description: string | null;
  public: boolean;
  version: number;
  /** Present on a single playlist, absent in lists. */
  items?: PlaylistItem[];
}

export type LikeKind = "tracks" | "albums" | "artists";

export interface HistoryEntry {
  event_id: string;
  track_id: string;
  context: string;
  played_at: string;
}

export type ResultType = "track" | "album" | "artist" | "playlist";

export interface Hit {
  type: ResultType;
  id: string;
  title: string;
  /** "Artist — Album" for a track, the artist for an album. */
  subtitle: string | null;
  cover_url: string | null;
  year: number | null;
  score: number;
}

export interface SearchPage {
  items: Hit[];
  total: number;
  next_cursor: string | null;
  search_id: string;
  did_you_mean?: string;
}

export type Period = "day" | "week" | "month";

export interface ChartTrack {
  track_id: string;
  title: string | null;
  artist_id: string | null;
  artist_name: string | null;
  plays: number;
  minutes: number;
  previous_plays?: number;
}

export interface ChartArtist {
  artist_id: string;
  name: string | null;
  plays: number;
  minutes: number;
}

export interface Chart<T> {
  period: Period;
  items: T[];
}

export interface Suggested {
  track_id: string;
  title: string | null;
  artist_id: string | null;
  score: number;
  reason: string;
  because_of?: string;
}
