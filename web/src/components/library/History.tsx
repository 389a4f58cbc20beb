// Listening history, newest first, a page at a time.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ErrorNote, Loading } from "../Status";
import { keys, useResolvedTracks, withQuery } from "../music/queries";
import { TrackList } from "../music/TrackList";
import type { Schema } from "../../api/types";

export function History() {
  const { t, i18n } = useTranslation();
  const history = useInfiniteQuery({
    queryKey: keys.history,
    queryFn: ({ signal, pageParam }) =>
      api<Schema<"HistoryPage">>(withQuery("/v1/me/history", { limit: 20, cursor: pageParam }), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    // Plays land here as they happen; a visit should show the latest.
    staleTime: 0,
  });
  const entries = history.data?.pages.flatMap((p) => p.items) ?? [];
  const resolved = useResolvedTracks(entries.map((e) => e.track_id));
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" });

  if (history.isPending) return <Loading />;
  if (history.error) return <ErrorNote error={history.error} retry={() => void history.refetch()} />;
  if (entries.length === 0) return <p className="muted">{t("library.history.none")}</p>;
  const rows = entries.flatMap((e, i) => {
    const track = resolved.tracks[i];
    if (!track) return [];
    const at = new Date(e.played_at);
    return [{ key: e.event_id, track, detail: <time dateTime={e.played_at}>{when.format(at)}</time> }];
  });
  return (
    <>
      {resolved.error && <ErrorNote error={resolved.error} />}
      {rows.length > 0 && <TrackList label={t("library.history.title")} rows={rows} />}
      {resolved.loading && <Loading />}
      {history.hasNextPage && (
        <button type="button" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          {t("library.more")}
        </button>
      )}
    </>
  );
}
