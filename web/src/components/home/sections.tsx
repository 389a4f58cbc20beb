// The home page's sections, each loading (and failing) on its own: the
// statistics behind them come from ClickHouse, which may be catching up.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ErrorNote, Loading } from "../Status";
import { keys, useArtistNames, withQuery } from "../music/queries";
import { TrackList } from "../music/TrackList";
import type { Schema } from "../../api/types";
import type { ArtistChart, ChartTrack, Period, TrackChart } from "../music/types";

export function Recommendations() {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: keys.recommendations,
    queryFn: ({ signal }) => api<Schema<"Suggestions">>(withQuery("/v1/me/recommendations", { limit: 10 }), { signal }),
  });
  const names = useArtistNames(query.data?.items.map((s) => s.artist_id) ?? []);
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!query.data.items.length) return <p className="muted">{t("home.recommendations.none")}</p>;
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
        detail: s.reason,
      }))}
    />
  );
}

function chartRows(items: ChartTrack[], detail: (c: ChartTrack) => string, untitled: string) {
  return items.map((c) => ({
    key: c.track_id,
    track: { id: c.track_id, title: c.title ?? untitled, artist: c.artist_name ?? "", artistId: c.artist_id ?? undefined },
    detail: detail(c),
  }));
}

export function Trending() {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: keys.chart("trending", "week"),
    queryFn: ({ signal }) => api<TrackChart>(withQuery("/v1/charts/trending", { period: "week", limit: 10 }), { signal }),
  });
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!query.data.items.length) return <p className="muted">{t("home.trending.none")}</p>;
  return (
    <TrackList
      label={t("home.trending.title")}
      rows={chartRows(
        query.data.items,
        (c) => t("home.trending.growth", { n: c.plays, previous: c.previous_plays ?? 0 }),
        t("catalog.track.untitled"),
      )}
    />
  );
}

export function TopTracks({ period }: { period: Period }) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: keys.chart("tracks", period),
    queryFn: ({ signal }) => api<TrackChart>(withQuery("/v1/charts/tracks", { period, limit: 10 }), { signal }),
  });
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} retry={() => void query.refetch()} />;
  if (!query.data.items.length) return <p className="muted">{t("home.charts.none")}</p>;
  return (
    <TrackList
      label={t("home.charts.tracks")}
      rows={chartRows(query.data.items, (c) => t("home.plays", { n: c.plays }), t("catalog.track.untitled"))}
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
