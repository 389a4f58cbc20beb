// The admin analytics endpoints' bodies, and the public charts', as the
// gateway describes them (../../api/types).
import type { Schema } from "../../api/types";

export type Analytics = Schema<"Analytics">;
export type Live = Schema<"Live">;
export type { ArtistChart, TrackChart, Period as ChartPeriod } from "../../components/music/types";
import type { Period as ChartPeriod } from "../../components/music/types";

/** The dashboard's periods, in days, and the chart period each matches. */
export const DAYS = [1, 7, 30] as const;
export type Days = (typeof DAYS)[number];
export const PERIOD_OF: Record<Days, ChartPeriod> = { 1: "day", 7: "week", 30: "month" };
