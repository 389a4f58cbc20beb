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

export type ChartPeriod = "day" | "week" | "month";

export interface Chart<T> {
  period: ChartPeriod;
  items: T[];
}

export interface TrackEntry {
  track_id: string;
  title: string | null;
  artist_id: string | null;
  artist_name: string | null;
  plays: number;
  minutes: number;
}

export interface ArtistEntry {
  artist_id: string;
  name: string | null;
  plays: number;
  minutes: number;
}

/** The dashboard's periods, in days, and the chart period each matches. */
export const DAYS = [1, 7, 30] as const;
export type Days = (typeof DAYS)[number];
export const PERIOD_OF: Record<Days, ChartPeriod> = { 1: "day", 7: "week", 30: "month" };
