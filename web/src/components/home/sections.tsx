// The home page's sections, each loading (and failing) on its own: the
// statistics behind them come from ClickHouse, which may be catching up.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ErrorNote, Loading } from "../Status";
import { GenreLinks, useBrowse } from "../music/browse";
import { keys, useArtistNames, useResolvedTracks, withQuery } from "../music/queries";
import { TrackList } from "../music/TrackList";
import { whyText } from "../music/why";
import type { Schema } from "../../api/types";
import type { QueueTrack } from "../../player/PlayerProvider";
import type { ArtistChart, ChartTrack, Period, TrackChart } from "../music/types";

export function useRecommendations() {
  return useQuery({
    queryKey: keys.recommendations,
    queryFn: ({ signal }) => api<Schema<"Suggestions">>(withQuery("/v1/me/recommendations", { limit: 10 }), { signal }),
  });
}

export function Recommendations() {
  const { t } = useTranslation();
  const query = useRecommendations();
  const names = useArtistNames(query.data?.items.map((s) => s.artist_id) ?? []);
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  return (
    <TrackList
      label={t("home.recommendations.title")}
      rows={query.data.items.map((s) => ({
        key: s.track_id,
        track: {
          id: s.track_id,
          title: s.title ?? t("catalog.track.untitled"),
          artist: (s.artist_id && names.get(s.artist_id)) || "",
          artistId: s.artist_id ?? undefined,
        },
        detail: whyText(t, s.why),
      }))}
    />
  );
}

/**
 * For a listener too new for personal picks, whose recommendations would
 * only repeat the charts: the genres to start from.
 */
export function StartWithGenre() {
  const { t } = useTranslation();
  const query = useBrowse();
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  return (
    <>
      <p className="muted">{t("home.start.hint")}</p>
      <GenreLinks genres={query.data.genres.slice(0, 12)} />
      <p>
        <Link to="/browse">{t("home.start.more")}</Link>
      </p>
    </>
  );
}

/** The tracks the listener played last, each once, newest first. */
export function RecentlyPlayed() {
  const { t } = useTranslation();
  const history = useQuery({
    queryKey: [...keys.history, "recent"],
    queryFn: ({ signal }) => api<Schema<"HistoryPage">>(withQuery("/v1/me/history", { limit: 50 }), { signal }),
    staleTime: 0,
  });
  const ids = [...new Set((history.data?.items ?? []).map((e) => e.track_id))].slice(0, RECENT);
  const resolved = useResolvedTracks(ids);
  if (history.isPending) return <Loading />;
  if (history.error) return <ErrorNote error={history.error} retry={() => void history.refetch()} />;
  if (ids.length === 0) return <p className="muted">{t("home.recent.none")}</p>;
  const tracks = resolved.tracks.filter((track) => track !== null);
  return (
    <>
      {resolved.error && <ErrorNote error={resolved.error} />}
      {tracks.length > 0 && (
        <TrackList label={t("home.recent.title")} rows={tracks.map((track) => ({ key: track.id, track }))} />
      )}
      {resolved.loading && <Loading />}
    </>
  );
}

const RECENT = 10;

/**
 * Chart rows: the warehouse names each track, but the catalogue knows its
 * album's cover and whether it has audio, so each row is the catalogue's
 * track once it is read (`resolved`, in the same order), the chart's names
 * until then or when it is gone.
 */
function chartRows(items: ChartTrack[], resolved: (QueueTrack | null)[], detail: (c: ChartTrack) => string, untitled: string) {
  return items.map((c, i) => ({
    key: c.track_id,
    track: resolved[i] ?? { id: c.track_id, title: c.title ?? untitled, artist: c.artist_name ?? "", artistId: c.artist_id ?? undefined },
    detail: detail(c),
  }));
}

export function useTrackChart(kind: "tracks" | "trending", period: Period) {
  return useQuery({
    queryKey: keys.chart(kind, period),
    // Trending asks for more than it shows: it leaves out what the charts show.
    queryFn: ({ signal }) =>
      api<TrackChart>(withQuery(`/v1/charts/${kind}`, { period, limit: kind === "trending" ? 30 : 10 }), { signal }),
  });
}

/** The week's risers, leaving out `shown` (what the page lists already), at most ten. */
export function Trending({ shown }: { shown: ReadonlySet<string> }) {
  const { t } = useTranslation();
  const query = useTrackChart("trending", "week");
  const items = (query.data?.items ?? []).filter((c) => !shown.has(c.track_id)).slice(0, 10);
  const resolved = useResolvedTracks(items.map((c) => c.track_id));
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!items.length) return <p className="muted">{t("home.trending.none")}</p>;
  return (
    <TrackList
      label={t("home.trending.title")}
      rows={chartRows(
        items,
        resolved.tracks,
        (c) => t("home.trending.growth", { n: c.plays, previous: c.previous_plays ?? 0 }),
        t("catalog.track.untitled"),
      )}
    />
  );
}

export function TopTracks({ period }: { period: Period }) {
  const { t } = useTranslation();
  const query = useTrackChart("tracks", period);
  const resolved = useResolvedTracks((query.data?.items ?? []).map((c) => c.track_id));
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!query.data.items.length) return <p className="muted">{t("home.charts.none")}</p>;
  return (
    <TrackList
      label={t("home.charts.tracks")}
      rows={chartRows(query.data.items, resolved.tracks, (c) => t("home.plays", { n: c.plays }), t("catalog.track.untitled"))}
    />
  );
}

export function TopArtists({ period }: { period: Period }) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: keys.chart("artists", period),
    queryFn: ({ signal }) => api<ArtistChart>(withQuery("/v1/charts/artists", { period, limit: 10 }), { signal }),
  });
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!query.data.items.length) return <p className="muted">{t("home.charts.none")}</p>;
  return (
    <ol className="chart-artists" aria-label={t("home.charts.artists")}>
      {query.data.items.map((a) => (
        <li key={a.artist_id}>
          <Link to={`/artists/${a.artist_id}`}>{a.name ?? t("catalog.artist.unknown")}</Link>
          <span className="muted">{t("home.plays", { n: a.plays })}</span>
        </li>
      ))}
    </ol>
  );
}
