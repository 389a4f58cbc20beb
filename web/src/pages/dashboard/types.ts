// The shapes of the admin analytics endpoints and the public charts, as the gateway sends them.

export interface Analytics {
  from: string;
  to: string;
  hourly: { at: string; plays: number; listeners: number }[];
  daily: { day: string; plays: number; listeners: number; new_listeners: number }[];
  skip_rate_by_genre: { genre: string; plays: number; skips: number; skip_rate: number }[];
}

export interface Live {
  at: string;
  events_per_second: number;
  groups: { group: string; topic: string; lag: number }[];
  /** Consumers whose metrics did not answer, with why (gateway/src/dashboard.rs). */
  unreachable?: string[];
}

export type { Chart, ChartArtist as ArtistEntry, ChartTrack as TrackEntry, Period as ChartPeriod } from "../../components/music/types";
import type { Period as ChartPeriod } from "../../components/music/types";

/** The dashboard's periods, in days, and the chart period each matches. */
export const DAYS = [1, 7, 30] as const;
export type Days = (typeof DAYS)[number];
export const PERIOD_OF: Record<Days, ChartPeriod> = { 1: "day", 7: "week", 30: "month" };
