// Plays, listeners and skips over the chosen period (GET /v1/admin/analytics).
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { BarChart } from "../../charts/BarChart";
import { LineChart } from "../../charts/LineChart";
import { formatNumber, formatPercent } from "../../charts/format";
import { daily, hourly, pick, skipBars } from "./shape";
import type { Analytics } from "./types";

export function Activity({ analytics }: { analytics: Analytics }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const hours = useMemo(() => hourly(analytics), [analytics]);
  const days = useMemo(() => daily(analytics), [analytics]);
  const activeDays = useMemo(() => pick(days, [0, 1]), [days]);
  const newDays = useMemo(() => pick(days, [2]), [days]);
  const skips = useMemo(() => skipBars(analytics), [analytics]);
  const count = (v: number) => formatNumber(language, v);
  const percent = (v: number) => formatPercent(language, v);
  const plays = t("dashboard.series.plays");
  const listeners = t("dashboard.series.listeners");

  return (
    <>
      <section className="dashboard-section" aria-labelledby="dashboard-activity">
        <h2 id="dashboard-activity">{t("dashboard.activity")}</h2>
        <div className="dashboard-charts">
          <LineChart
            title={t("dashboard.perHour")}
            columns={hours}
            labels={[plays, listeners]}
            timeKind="hour"
            format={count}
            integer
            testId="plays-per-hour"
          />
          <LineChart
            title={t("dashboard.perDay")}
            columns={activeDays}
            labels={[plays, listeners]}
            timeKind="day"
            format={count}
            integer
            testId="plays-per-day"
          />
          <LineChart
            title={t("dashboard.newListeners")}
            columns={newDays}
            labels={[t("dashboard.series.newListeners")]}
            timeKind="day"
            format={count}
            integer
            testId="new-listeners"
          />
        </div>
      </section>
      <section className="dashboard-section" aria-labelledby="dashboard-skips">
        <h2 id="dashboard-skips">{t("dashboard.skips")}</h2>
        <BarChart
          title={t("dashboard.skipRate")}
          bars={skips}
          labelHeader={t("dashboard.columns.genre")}
          valueHeader={t("dashboard.columns.skipRate")}
          format={percent}
          scale={1}
          testId="skip-rate"
          table={{
            headers: [
              t("dashboard.columns.genre"),
              t("dashboard.columns.plays"),
              t("dashboard.columns.skips"),
              t("dashboard.columns.skipRate"),
            ],
            rows: analytics.skip_rate_by_genre.map((g) => [g.genre, count(g.plays), count(g.skips), percent(g.skip_rate)]),
          }}
        />
      </section>
    </>
  );
}
