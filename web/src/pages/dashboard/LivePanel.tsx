// Events per second and consumer lag, polled from GET /v1/admin/live. The
// rolling five minutes of events/s are kept here in the browser: the
// endpoint only knows the present.
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { BarChart } from "../../charts/BarChart";
import { LineChart } from "../../charts/LineChart";
import { ErrorNote, Loading } from "../../charts/Status";
import { formatNumber } from "../../charts/format";
import { pushRolling, toSeconds, type Sample } from "../../charts/series";
import { lagBars } from "./shape";
import type { Live } from "./types";

export const LIVE_POLL_MS = 3_000;
export const LIVE_WINDOW_S = 5 * 60;

export function LivePanel() {
  const { t, i18n } = useTranslation();
  const live = useQuery({
    queryKey: ["admin", "live"],
    queryFn: ({ signal }) => api<Live>("/v1/admin/live", { signal }),
    refetchInterval: LIVE_POLL_MS,
    staleTime: 0,
  });
  // Each answer adds one sample, taken while rendering it rather than in an
  // effect, so the chart never shows an answer's number without its point.
  const [rolling, setRolling] = useState<{ from?: Live; samples: Sample[] }>({ samples: [] });
  const data = live.data;
  if (data && data !== rolling.from) {
    const sample = { t: toSeconds(data.at), value: data.events_per_second };
    setRolling({ from: data, samples: pushRolling(rolling.samples, sample, LIVE_WINDOW_S) });
  }
  const samples = rolling.samples;
  const columns = useMemo(() => ({ x: samples.map((s) => s.t), values: [samples.map((s) => s.value)] }), [samples]);
  const rate = (v: number) => formatNumber(i18n.language, v, 1);

  return (
    <section className="dashboard-section" aria-labelledby="dashboard-live">
      <h2 id="dashboard-live">{t("dashboard.live")}</h2>
      {live.isPending && <Loading />}
      {live.isError && <ErrorNote error={live.error} onRetry={() => void live.refetch()} />}
      {live.data && (
        <>
          <p className="live-now">
            <span className="live-value">{rate(live.data.events_per_second)}</span>{" "}
            {t("dashboard.eventsPerSecondNow")}
          </p>
          {live.data.unreachable.length > 0 && (
            <div className="live-unreachable">
              <p>{t("dashboard.unreachable")}</p>
              <ul>
                {live.data.unreachable.map((why) => (
                  <li key={why}>{why}</li>
                ))}
              </ul>
            </div>
          )}
          <div className="dashboard-charts">
            <LineChart
              title={t("dashboard.eventsPerSecond")}
              columns={columns}
              labels={[t("dashboard.series.eventsPerSecond")]}
              timeKind="second"
              format={rate}
              testId="events-per-second"
            />
            <BarChart
              title={t("dashboard.lag")}
              bars={lagBars(live.data)}
              labelHeader={t("dashboard.columns.group")}
              valueHeader={t("dashboard.columns.lag")}
              testId="consumer-lag"
            />
          </div>
        </>
      )}
    </section>
  );
}
