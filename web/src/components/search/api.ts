// Search requests. Each keystroke that settles asks once; a newer query
// makes the older one unused, and react-query aborts it through the signal.
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, ApiError } from "../../api/client";
import type { Schema } from "../../api/types";
import { withQuery } from "../music/queries";
import type { Hit, ResultType, SearchPage } from "../music/types";

export type Filter = ResultType | "all";

export function useSuggestions(q: string) {
  return useQuery({
    queryKey: ["suggest", q],
    queryFn: ({ signal }) => api<Schema<"SuggestPage">>(withQuery("/v1/search/suggest", { q, limit: 8 }), { signal }),
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

export function useSearch(q: string, filter: Filter) {
  return useInfiniteQuery({
    queryKey: ["search", q, filter],
    queryFn: ({ signal, pageParam }) =>
      api<SearchPage>(
        withQuery("/v1/search", {
          q,
          type: filter === "all" ? undefined : filter,
          // One answer for every kind at once; a page of 20 fills the groups
          // and keeps each keystroke's answer small enough to paint at once.
          limit: 20,
          cursor: pageParam,
        }),
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled: q.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/**
 * Tells the gateway which result was opened. A click is worth little and
 * must never get in the way, so it is sent in the background, again after a
 * 503 as the gateway asks, and otherwise dropped.
 */
export function reportClick(click: { searchId: string; hit: Hit; position: number }, attempt = 0): void {
  api<Schema<"ClickAccepted">>("/v1/search/clicks", {
    method: "POST",
    body: { search_id: click.searchId, result_id: click.hit.id, type: click.hit.type, position: click.position } satisfies Schema<"Click">,
  }).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 503 && attempt < 3) {
      setTimeout(() => reportClick(click, attempt + 1), (error.retryAfter ?? 1) * 1000);
    }
  });
}
