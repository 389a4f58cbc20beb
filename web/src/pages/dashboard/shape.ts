// Turns the analytics answers into chart columns and bars.
import { DAY, HOUR, fillSteps, toSeconds, type Columns } from "../../charts/series";
import type { Bar } from "../../charts/BarChart";
import type { Analytics, Live } from "./types";

/** Plays and active listeners for every hour of the range (hours without plays are 0). */
export function hourly(a: Analytics): Columns {
  return fillSteps(
    a.hourly,
    (r) => toSeconds(r.at),
    [(r) => r.plays, (r) => r.listeners],
    HOUR,
    toSeconds(a.from),
    toSeconds(a.to),
  );
}

/** Plays, active listeners and new listeners for every day of the range. */
export function daily(a: Analytics): Columns {
  return fillSteps(
    a.daily,
    (r) => toSeconds(r.day),
    [(r) => r.plays, (r) => r.listeners, (r) => r.new_listeners],
    DAY,
    toSeconds(a.from),
    toSeconds(a.to),
  );
}

/** Only the columns at `indexes`, sharing the x axis. */
export function pick(columns: Columns, indexes: number[]): Columns {
  return { x: columns.x, values: indexes.map((i) => columns.values[i] ?? []) };
}

/** Genres by skip rate, highest first; genres with more plays win ties. */
export function skipBars(a: Analytics, limit = 15): Bar[] {
  return [...a.skip_rate_by_genre]
    .sort((x, y) => y.skip_rate - x.skip_rate || y.plays - x.plays || x.genre.localeCompare(y.genre))
    .slice(0, limit)
    .map((g) => ({ label: g.genre, value: g.skip_rate }));
}

/** Consumer groups by lag, largest first, named with their topic. */
export function lagBars(live: Live): Bar[] {
  return [...live.groups]
    .sort((x, y) => y.lag - x.lag || x.group.localeCompare(y.group))
    .map((g) => ({ label: g.group, detail: g.topic, value: g.lag }));
}
