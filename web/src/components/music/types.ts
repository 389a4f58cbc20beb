// The catalog, library, search, chart and recommendation bodies the listener
// pages, the studio and the dashboard read, under the names the app uses.
// Each is the gateway's own, from its OpenAPI description (../../api/types).
import type { Schema } from "../../api/types";

/** What every cursor-paged list answers (the description names one per item: Page_Track...). */
export interface Paged<T = unknown> {
  items: T[];
  next_cursor?: string | null;
}

export type Artist = Schema<"Artist">;
export type Album = Schema<"Album">;
/** `duration_ms` is 0 until audio is uploaded. */
export type Track = Schema<"Track">;
export type PlaylistItem = Schema<"PlaylistItem">;
/** `items` is present on a single playlist, absent in lists. */
export type Playlist = Schema<"Playlist">;
export type LikeKind = Schema<"LikeKind">;
export type HistoryEntry = Schema<"HistoryEntry">;

export type ResultType = Schema<"ResultType">;
/** `subtitle` is "Artist — Album" for a track, the artist for an album. */
export type Hit = Schema<"Hit">;
export type SearchPage = Schema<"SearchPage">;

export type Period = Schema<"Period">;
export type ChartTrack = Schema<"TrackEntry">;
export type TrackChart = Schema<"Chart_TrackEntry">;
export type ArtistChart = Schema<"Chart_ArtistEntry">;

/** Why a track is suggested: a code with what its wording names. */
export type Why = Schema<"Why">;
export type Browse = Schema<"Browse">;
