// The period's most played tracks and artists (the public /v1/charts endpoints).
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { BarChart } from "../../charts/BarChart";
import { ErrorNote, Loading } from "../../charts/Status";
import type { ArtistChart, ChartPeriod, TrackChart } from "./types";

const LIMIT = 10;

export function TopCharts({ period }: { period: ChartPeriod }) {
  const { t } = useTranslation();
  const tracks = useQuery({
    queryKey: ["charts", "tracks", period, LIMIT],
    queryFn: ({ signal }) => api<TrackChart>(`/v1/charts/tracks?period=${period}&limit=${LIMIT}`, { signal }),
  });
  const artists = useQuery({
    queryKey: ["charts", "artists", period, LIMIT],
    queryFn: ({ signal }) => api<ArtistChart>(`/v1/charts/artists?period=${period}&limit=${LIMIT}`, { signal }),
  });
  const unknown = t("dashboard.unknown");
  return (
    <section className="dashboard-section" aria-labelledby="dashboard-top">
      <h2 id="dashboard-top">{t("dashboard.top")}</h2>
      <div className="dashboard-charts">
        <div>
          {tracks.isPending && <Loading />}
          {tracks.isError && <ErrorNote error={tracks.error} onRetry={() => void tracks.refetch()} />}
          {tracks.data && (
            <BarChart
              title={t("dashboard.topTracks")}
              bars={tracks.data.items.map((item) => ({
                label: item.title ?? unknown,
                detail: item.artist_name ?? undefined,
                value: item.plays,
              }))}
              labelHeader={t("dashboard.columns.track")}
              valueHeader={t("dashboard.columns.plays")}
              testId="top-tracks"
            />
          )}
        </div>
        <div>
          {artists.isPending && <Loading />}
          {artists.isError && <ErrorNote error={artists.error} onRetry={() => void artists.refetch()} />}
          {artists.data && (
            <BarChart
              title={t("dashboard.topArtists")}
              bars={artists.data.items.map((item) => ({ label: item.name ?? unknown, value: item.plays }))}
              labelHeader={t("dashboard.columns.artist")}
              valueHeader={t("dashboard.columns.plays")}
              testId="top-artists"
            />
          )}
        </div>
      </div>
    </section>
  );
}
