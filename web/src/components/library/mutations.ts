// Changes to playlists. Moves and removals show at once and roll back if the
// gateway refuses; the gateway's answer (the whole ordered playlist) then
// replaces the guess, so what a reload shows is what is on screen.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { keys } from "../music/queries";
import type { Playlist } from "../music/types";
import { moveItem, removeItem } from "./order";

export function useCreatePlaylist() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<Playlist>("/v1/playlists", { method: "POST", body: { name } satisfies Schema<"CreatePlaylist"> }),
    onSuccess: (playlist) => {
      client.setQueryData(keys.playlist(playlist.id), playlist);
      return client.invalidateQueries({ queryKey: keys.myPlaylists });
    },
  });
}

export function useRenamePlaylist() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) =>
      api<Playlist>(`/v1/playlists/${id}`, { method: "PATCH", body: { name } satisfies Schema<"UpdatePlaylist"> }),
    onSuccess: (playlist) => {
      client.setQueryData(keys.playlist(playlist.id), playlist);
      return client.invalidateQueries({ queryKey: keys.myPlaylists });
    },
  });
}

export function useDeletePlaylist() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>(`/v1/playlists/${id}`, { method: "DELETE" }),
    // The page showing the playlist leaves on success; removing its query
    // here would only make that page ask for it again and get a 404.
    onSuccess: () => client.invalidateQueries({ queryKey: keys.myPlaylists }),
  });
}

type Edit = { kind: "move"; itemId: string; from: number; to: number } | { kind: "remove"; itemId: string };

/** Moves and removals of one playlist's items, optimistic with rollback. */
export function usePlaylistEdits(playlistId: string) {
  const client = useQueryClient();
  const key = keys.playlist(playlistId);
  const mutationKey = ["playlist-edit", playlistId];
  return useMutation({
    mutationKey,
    mutationFn: (edit: Edit) =>
      edit.kind === "move"
        ? api<Playlist>(`/v1/playlists/${playlistId}/items/${edit.itemId}/position`, {
            method: "PUT",
            body: { position: edit.to } satisfies Schema<"MoveItem">,
          })
        : api<Playlist>(`/v1/playlists/${playlistId}/items/${edit.itemId}`, { method: "DELETE" }),
    onMutate: async (edit) => {
      await client.cancelQueries({ queryKey: key });
      const before = client.getQueryData<Playlist>(key);
      if (before?.items) {
        const items = edit.kind === "move" ? moveItem(before.items, edit.from, edit.to) : removeItem(before.items, edit.itemId);
        client.setQueryData<Playlist>(key, { ...before, items });
      }
      return { before };
    },
    onError: (_error, _edit, context) => {
      if (context?.before) client.setQueryData(key, context.before);
    },
    onSuccess: (playlist) => {
      // With another edit still in flight, its optimistic order is newer than this answer.
      if (client.isMutating({ mutationKey }) === 1) client.setQueryData(key, playlist);
    },
    onSettled: () => {
      if (client.isMutating({ mutationKey }) === 1) return client.invalidateQueries({ queryKey: key });
    },
  });
}
