import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../api/useSession";
import { PeriodTabs, tabId } from "../components/home/PeriodTabs";
import { Recommendations, TopArtists, TopTracks, Trending } from "../components/home/sections";
import type { Period } from "../components/music/types";
import "../components/home/home.css";

export default function Home() {
  const { t } = useTranslation();
  const session = useSession();
  const [period, setPeriod] = useState<Period>("week");
  const name = session?.user.display_name || session?.user.username;
  return (
    <div className="home">
      <h1>{t("home.title")}</h1>
      {name && <p className="muted">{t("home.greeting", { name })}</p>}
      <section aria-labelledby="home-recommendations">
        <h2 id="home-recommendations">{t("home.recommendations.title")}</h2>
        <Recommendations />
      </section>
      <section aria-labelledby="home-trending">
        <h2 id="home-trending">{t("home.trending.title")}</h2>
        <Trending />
      </section>
      <section aria-labelledby="home-charts">
        <h2 id="home-charts">{t("home.charts.title")}</h2>
        <PeriodTabs value={period} onChange={setPeriod} panelId="home-charts-panel" />
        <div role="tabpanel" id="home-charts-panel" aria-labelledby={tabId(period)} className="grid chart-panel">
          <div>
            <h3>{t("home.charts.tracks")}</h3>
            <TopTracks period={period} />
          </div>
          <div>
            <h3>{t("home.charts.artists")}</h3>
            <TopArtists period={period} />
          </div>
        </div>
      </section>
    </div>
  );
}
