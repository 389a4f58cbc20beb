import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../api/useSession";
import { PeriodTabs, tabId } from "../components/home/PeriodTabs";
import {
  RecentlyPlayed,
  Recommendations,
  StartWithGenre,
  TopArtists,
  TopTracks,
  Trending,
  useRecommendations,
  useTrackChart,
} from "../components/home/sections";
import type { Period } from "../components/music/types";
import { onlyFallbacks } from "../components/music/why";
import "../components/home/home.css";

/**
 * Home lists a track once: the week's risers leave out what recommendations
 * and the week's chart show, and a listener too new for personal picks (whose
 * "recommendations" would be the chart again) is offered genres instead.
 */
export default function Home() {
  const { t } = useTranslation();
  const session = useSession();
  const [period, setPeriod] = useState<Period>("week");
  const name = session?.user.display_name || session?.user.username;
  const recommendations = useRecommendations();
  const week = useTrackChart("tracks", "week");
  const newcomer = !!recommendations.data && onlyFallbacks(recommendations.data.items.map((s) => s.why));
  const shown = new Set([
    ...(newcomer ? [] : (recommendations.data?.items ?? []).map((s) => s.track_id)),
    ...(week.data?.items ?? []).map((c) => c.track_id),
  ]);
  return (
    <div className="home">
      <h1>{t("home.title")}</h1>
      {name && <p className="muted">{t("home.greeting", { name })}</p>}
      <section aria-labelledby="home-recent">
        <h2 id="home-recent">{t("home.recent.title")}</h2>
        <RecentlyPlayed />
      </section>
      {newcomer ? (
        <section aria-labelledby="home-start">
          <h2 id="home-start">{t("home.start.title")}</h2>
          <StartWithGenre />
        </section>
      ) : (
        <section aria-labelledby="home-recommendations">
          <h2 id="home-recommendations">{t("home.recommendations.title")}</h2>
          <Recommendations />
        </section>
      )}
      <section aria-labelledby="home-trending">
        <h2 id="home-trending">{t("home.trending.title")}</h2>
        {/* Until both lists it leaves out are in, it would show them again. */}
        {recommendations.isPending || week.isPending ? null : <Trending shown={shown} />}
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
