// The listener's own numbers (GET /v1/me/stats): minutes and plays, the
// minutes of each period side by side, and top tracks, artists and genres.
import { useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { BarChart } from "../../charts/BarChart";
import { PeriodPicker } from "../../charts/PeriodPicker";
import { ErrorNote, Loading } from "../../charts/Status";
import { formatListening, formatNumber } from "../../charts/format";
import { windows } from "./windows";

export type StatsPeriod = Schema<"Period">;
const PERIODS: StatsPeriod[] = ["day", "week", "month"];

export type Counted = Schema<"Counted">;
export type MyStats = Schema<"MyStats">;

export function Stats() {
  const { t, i18n } = useTranslation();
  const [period, setPeriod] = useState<StatsPeriod>("week");
  // All three periods: the minutes chart compares them, and switching is instant.
  const results = useQueries({
    queries: PERIODS.map((p) => ({
      queryKey: ["me", "stats", p],
      queryFn: ({ signal }: { signal: AbortSignal }) => api<MyStats>(`/v1/me/stats?period=${p}`, { signal }),
    })),
  });
  const current = results[PERIODS.indexOf(period)];
  const stats = current.data;
  const count = (v: number) => formatNumber(i18n.language, v);
  const minutes = (v: number) => formatListening(i18n.language, v);
  const bars = (rows: Counted[]) => rows.map((r) => ({ label: r.name || t("me.unknown"), value: r.plays }));
  const [day, week, month] = results.map((r) => r.data?.minutes);

  return (
    <section aria-labelledby="me-stats" className="me-stats">
      <div className="me-head">
        <h2 id="me-stats">{t("me.statsTitle")}</h2>
        <PeriodPicker
          legend={t("me.period")}
          options={PERIODS.map((p) => ({ value: p, label: t(`me.periods.${p}`) }))}
          value={period}
          onChange={setPeriod}
        />
      </div>
      {current.isPending && <Loading />}
      {current.isError && <ErrorNote error={current.error} onRetry={() => void current.refetch()} />}
      {stats && (
        <>
          <dl className="me-totals">
            <div>
              <dt>{t("me.minutes")}</dt>
              <dd>{minutes(stats.minutes)}</dd>
            </div>
            <div>
              <dt>{t("me.plays")}</dt>
              <dd>{count(stats.plays)}</dd>
            </div>
          </dl>
          <div className="me-charts">
            {day !== undefined && week !== undefined && month !== undefined && (
              <BarChart
                title={t("me.minutesByPeriod")}
                bars={windows({ day, week, month }).map((w) => ({ label: t(`me.windows.${w.key}`), value: w.minutes }))}
                labelHeader={t("me.columns.period")}
                valueHeader={t("me.columns.minutes")}
                format={minutes}
                testId="my-minutes"
              />
            )}
            <BarChart
              title={t("me.topTracks")}
              bars={bars(stats.top_tracks)}
              labelHeader={t("me.columns.track")}
              valueHeader={t("me.columns.plays")}
              format={count}
              testId="my-top-tracks"
            />
            <BarChart
              title={t("me.topArtists")}
              bars={bars(stats.top_artists)}
              labelHeader={t("me.columns.artist")}
              valueHeader={t("me.columns.plays")}
              format={count}
              testId="my-top-artists"
            />
            <BarChart
              title={t("me.genres")}
              bars={bars(stats.genres)}
              labelHeader={t("me.columns.genre")}
              valueHeader={t("me.columns.plays")}
              format={count}
              testId="my-genres"
            />
          </div>
        </>
      )}
    </section>
  );
}
