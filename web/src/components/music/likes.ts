// Likes as a set of ids per kind: every row needs to know whether it is
// liked, so the whole set is read once and shared.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { fetchAll, keys } from "./queries";
import type { LikeKind } from "./types";

export function useLikedIds(kind: LikeKind) {
  return useQuery({
    queryKey: keys.likes(kind),
    queryFn: async ({ signal }) => new Set(await fetchAll<Schema<"Page_String">>(`/v1/me/likes/${kind}`, {}, signal)),
  });
}

/** Likes or unlikes, showing the change at once and undoing it if the gateway refuses. */
export function useToggleLike(kind: LikeKind) {
  const client = useQueryClient();
  const key = keys.likes(kind);
  return useMutation({
    mutationFn: ({ id, liked }: { id: string; liked: boolean }) =>
      api<void>(`/v1/me/likes/${kind}/${id}`, { method: liked ? "PUT" : "DELETE" }),
    onMutate: async ({ id, liked }) => {
      await client.cancelQueries({ queryKey: key });
      const before = client.getQueryData<Set<string>>(key);
      const next = new Set(before ?? []);
      if (liked) next.add(id);
      else next.delete(id);
      client.setQueryData(key, next);
      return { before };
    },
    onError: (_error, _vars, context) => {
      if (context?.before) client.setQueryData(key, context.before);
    },
    onSettled: () => client.invalidateQueries({ queryKey: key }),
  });
}
