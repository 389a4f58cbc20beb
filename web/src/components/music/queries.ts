// Server state for the listener pages: one query key per resource, so a
// mutation can invalidate exactly what it changed, and one fetch per id, so
// an artist or album named on many rows is asked for once.
import { useQueries, useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import type { QueueTrack } from "../../player/PlayerProvider";
import { sameOriginImage } from "./format";
import type { Album, Artist, Paged, Playlist, Track } from "./types";

export const keys = {
  track: (id: string) => ["track", id] as const,
  artist: (id: string) => ["artist", id] as const,
  album: (id: string) => ["album", id] as const,
  albumsOf: (artistId: string) => ["albums", { artistId }] as const,
  albumsBy: (filter: { genre?: string; decade?: number }) => ["albums", filter] as const,
  tracksOf: (filter: { artistId?: string; albumId?: string; genre?: string }) => ["tracks", filter] as const,
  browse: ["browse"] as const,
  playlist: (id: string) => ["playlist", id] as const,
  myPlaylists: ["me", "playlists"] as const,
  likes: (kind: string) => ["likes", kind] as const,
  history: ["me", "history"] as const,
  shares: ["me", "shares"] as const,
  recommendations: ["me", "recommendations"] as const,
  chart: (kind: string, period: string) => ["charts", kind, period] as const,
};

/** The catalog changes rarely; names on rows need not be asked for again on every visit. */
export const CATALOG_STALE_MS = 5 * 60_000;

/** `path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") search.set(k, String(v));
  }
  const s = search.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * Every page of a cursor-paged list (`P`, the page's body: Page_Track...), up
 * to `maxPages` (a guard, not a limit anyone should meet).
 */
export async function fetchAll<P extends Paged>(
  path: string,
  params: Record<string, string | number | null | undefined>,
  signal?: AbortSignal,
  maxPages = 20,
): Promise<P["items"]> {
  const all: P["items"] = [];
  let cursor: string | null = null;
  for (let n = 0; n < maxPages; n++) {
    const page: P = await api<P>(withQuery(path, { ...params, limit: 100, cursor }), { signal });
    all.push(...page.items);
    cursor = page.next_cursor ?? null;
    if (!cursor) break;
  }
  return all;
}

export function useArtist(id: string | undefined) {
  return useQuery({
    queryKey: keys.artist(id ?? ""),
    queryFn: ({ signal }) => api<Artist>(`/v1/artists/${id}`, { signal }),
    enabled: !!id,
    staleTime: CATALOG_STALE_MS,
  });
}

export function useAlbum(id: string | undefined) {
  return useQuery({
    queryKey: keys.album(id ?? ""),
    queryFn: ({ signal }) => api<Album>(`/v1/albums/${id}`, { signal }),
    enabled: !!id,
    staleTime: CATALOG_STALE_MS,
  });
}

export function usePlaylist(id: string | undefined) {
  return useQuery({
    queryKey: keys.playlist(id ?? ""),
    queryFn: ({ signal }) => api<Playlist>(`/v1/playlists/${id}`, { signal }),
    enabled: !!id,
    // The order is edited here and elsewhere; always show the server's.
    staleTime: 0,
  });
}

export function useMyPlaylists() {
  return useQuery({
    queryKey: keys.myPlaylists,
    queryFn: ({ signal }) => fetchAll<Schema<"Page_Playlist">>("/v1/me/playlists", {}, signal),
  });
}

function unique(ids: (string | null | undefined)[]): string[] {
  return [...new Set(ids.filter((id): id is string => !!id))];
}

/** Artist names by id, each fetched once and cached. */
export function useArtistNames(ids: (string | null | undefined)[]): Map<string, string> {
  const wanted = unique(ids);
  const results = useQueries({
    queries: wanted.map((id) => ({
      queryKey: keys.artist(id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api<Artist>(`/v1/artists/${id}`, { signal }),
      staleTime: CATALOG_STALE_MS,
    })),
  });
  const names = new Map<string, string>();
  results.forEach((r) => r.data && names.set(r.data.id, r.data.name));
  return names;
}

/** What a track row shows of its album. */
export type AlbumName = Pick<Album, "title" | "cover_url">;

/** Albums by id (their titles and covers), each fetched once and cached. */
export function useAlbumNames(ids: (string | null | undefined)[]): Map<string, AlbumName> {
  const wanted = unique(ids);
  const results = useQueries({
    queries: wanted.map((id) => ({
      queryKey: keys.album(id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api<Album>(`/v1/albums/${id}`, { signal }),
      staleTime: CATALOG_STALE_MS,
    })),
  });
  const albums = new Map<string, AlbumName>();
  results.forEach((r) => r.data && albums.set(r.data.id, r.data));
  return albums;
}

/** A catalog track as the player queues it. */
export function toQueueTrack(track: Track, artists: Map<string, string>, albums: Map<string, AlbumName>): QueueTrack {
  const album = track.album_id ? albums.get(track.album_id) : undefined;
  return {
    id: track.id,
    title: track.title,
    artist: artists.get(track.artist_id) ?? "",
    artistId: track.artist_id,
    album: album?.title,
    albumId: track.album_id ?? undefined,
    durationMs: track.duration_ms > 0 ? track.duration_ms : null,
    cover: sameOriginImage(album?.cover_url),
    playable: !!track.stream_url,
  };
}

export interface Resolved {
  /** In the order of the ids asked for; null for a track that is gone or still loading. */
  tracks: (QueueTrack | null)[];
  loading: boolean;
  error: Error | null;
}

/**
 * Tracks by id with their artist names and album titles: what playlists,
 * likes and history hold are ids only. (The API has no batch read, so this
 * asks per id; each answer is cached and shared across pages.)
 */
export function useResolvedTracks(ids: string[]): Resolved {
  const wanted = unique(ids);
  const results = useQueries({
    queries: wanted.map((id) => ({
      queryKey: keys.track(id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api<Track>(`/v1/tracks/${id}`, { signal }),
      staleTime: CATALOG_STALE_MS,
    })),
  });
  const byId = new Map<string, Track>();
  results.forEach((r) => r.data && byId.set(r.data.id, r.data));
  const found = [...byId.values()];
  const artists = useArtistNames(found.map((t) => t.artist_id));
  const albums = useAlbumNames(found.map((t) => t.album_id));
  // A deleted track answers 404: it is shown as gone, not as an error.
  const failed = results.find((r) => r.error && !isNotFound(r.error));
  return {
    tracks: ids.map((id) => {
      const t = byId.get(id);
      return t ? toQueueTrack(t, artists, albums) : null;
    }),
    loading: results.some((r) => r.isPending && r.fetchStatus !== "idle"),
    error: failed?.error ?? null,
  };
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "status" in error && (error as { status: number }).status === 404;
}
