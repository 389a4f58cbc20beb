// The analyst dashboard (admins): live throughput and lag, plays and
// listeners over the chosen period, top tracks and artists, skip rates.
// Pictures first; every chart shows its table on demand.
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../api/client";
import { useSession } from "../api/useSession";
import { PeriodPicker } from "../charts/PeriodPicker";
import { ErrorNote, Loading } from "../charts/Status";
import { Activity } from "./dashboard/Activity";
import { LivePanel } from "./dashboard/LivePanel";
import { TopCharts } from "./dashboard/TopCharts";
import { DAYS, PERIOD_OF, type Analytics, type Days } from "./dashboard/types";
import "./dashboard/dashboard.css";

export default function Dashboard() {
  const { t } = useTranslation();
  const session = useSession();
  const isAdmin = session?.user.role === "admin";
  const [days, setDays] = useState<Days>(7);
  const analytics = useQuery({
    queryKey: ["admin", "analytics", days],
    queryFn: ({ signal }) => api<Analytics>(`/v1/admin/analytics?days=${days}`, { signal }),
    // Asking is pointless (and a 403 in the console) for anyone else.
    enabled: isAdmin,
    placeholderData: (previous) => previous,
  });
  const forbidden = analytics.error instanceof ApiError && analytics.error.status === 403;

  if (!isAdmin || forbidden) {
    return (
      <section className="dashboard">
        <h1>{t("dashboard.title")}</h1>
        <p className="admins-only">{t("dashboard.adminsOnly")}</p>
      </section>
    );
  }

  return (
    <div className="dashboard">
      <div className="dashboard-head">
        <h1>{t("dashboard.title")}</h1>
        <PeriodPicker
          legend={t("dashboard.period")}
          options={DAYS.map((d) => ({ value: d, label: t(`dashboard.days.${d}`) }))}
          value={days}
          onChange={setDays}
        />
      </div>
      <LivePanel />
      {analytics.isPending && <Loading />}
      {analytics.isError && <ErrorNote error={analytics.error} onRetry={() => void analytics.refetch()} />}
      {analytics.data && <Activity analytics={analytics.data} />}
      <TopCharts period={PERIOD_OF[days]} />
    </div>
  );
}
