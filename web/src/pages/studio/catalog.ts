// Catalog reads and writes for the studio, with their cache keys.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { entityPath, type Album, type Artist, type EntityKind, type Track } from "./types";

export function useEntity<T>(kind: EntityKind, id: string) {
  return useQuery({
    queryKey: ["catalog", kind, id],
    queryFn: ({ signal }) => api<T>(entityPath(kind, id), { signal }),
  });
}

/** The first 100 albums of an artist (enough for a picker; the API pages beyond). */
export function useAlbumsOf(artistId: string) {
  return useQuery({
    queryKey: ["catalog", "albums", { artist: artistId }],
    queryFn: ({ signal }) => api<Schema<"Page_Album">>(`/v1/albums?artist_id=${encodeURIComponent(artistId)}&limit=100`, { signal }),
  });
}

export function useTracksOf(filter: { artist?: string; album?: string }) {
  const query = filter.album ? `album_id=${encodeURIComponent(filter.album)}` : `artist_id=${encodeURIComponent(filter.artist ?? "")}`;
  return useQuery({
    queryKey: ["catalog", "tracks", filter],
    queryFn: ({ signal }) => api<Schema<"Page_Track">>(`/v1/tracks?${query}&limit=100`, { signal }),
  });
}

/** Saves or creates an entity and refreshes what shows it. */
export function useSave() {
  const client = useQueryClient();
  return async <T extends Artist | Album | Track>(kind: EntityKind, method: "PATCH" | "POST", body: Record<string, unknown>, id?: string): Promise<T> => {
    const path = method === "PATCH" && id ? entityPath(kind, id) : `/v1/${kind}s`;
    const saved = await api<T>(path, { method, body });
    client.setQueryData(["catalog", kind, saved.id], saved);
    void client.invalidateQueries({ queryKey: ["catalog", `${kind}s`] });
    return saved;
  };
}
