// Data shaping for the charts: the API sends sparse, keyed rows; uPlot wants
// aligned columns with one x per step, and a missing hour is a zero, not a gap
// for the line to bridge.

export const HOUR = 3_600;
export const DAY = 86_400;

/** Columns for a line chart: x in unix seconds, one values array per series. */
export interface Columns {
  x: number[];
  values: number[][];
}

/** Unix seconds of an RFC 3339 time, or of a "YYYY-MM-DD" day at UTC midnight; NaN when unreadable. */
export function toSeconds(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  return Number.isNaN(ms) ? Number.NaN : Math.floor(ms / 1000);
}

/**
 * Rows keyed by time, laid on a regular grid of `step` seconds from the
 * step holding `from` to the last step starting at or before `to`; steps
 * without a row are 0. Rows off the grid or
 * outside the range are kept, so nothing the API counted disappears.
 */
export function fillSteps<T>(
  rows: readonly T[],
  at: (row: T) => number,
  fields: ReadonlyArray<(row: T) => number>,
  step: number,
  from: number,
  to: number,
): Columns {
  const byTime = new Map<number, T>();
  for (const row of rows) {
    const t = at(row);
    if (!Number.isNaN(t)) byTime.set(t, row);
  }
  const times = new Set<number>(byTime.keys());
  if (Number.isFinite(from) && Number.isFinite(to) && to >= from && (to - from) / step <= 10_000) {
    for (let t = Math.floor(from / step) * step; t <= to; t += step) times.add(t);
  }
  const x = [...times].sort((a, b) => a - b);
  const values = fields.map((field) =>
    x.map((t) => {
      const row = byTime.get(t);
      return row === undefined ? 0 : field(row);
    }),
  );
  return { x, values };
}

export interface Sample {
  /** Unix seconds. */
  t: number;
  value: number;
}

/**
 * Adds a sample to a rolling window, dropping samples older than `window`
 * seconds before the newest and a repeat of the newest time (a poll that
 * got the same cached answer).
 */
export function pushRolling(samples: readonly Sample[], sample: Sample, window: number): Sample[] {
  if (Number.isNaN(sample.t)) return [...samples];
  const last = samples[samples.length - 1];
  const next = last && last.t >= sample.t ? [...samples] : [...samples, sample];
  const newest = next[next.length - 1]?.t ?? sample.t;
  return next.filter((s) => s.t >= newest - window);
}

export interface SeriesSummary {
  label: string;
  total: number;
  max: number;
  maxAt: number | null;
}

/** Total and peak of each series, for the chart's spoken summary. */
export function summarise(columns: Columns, labels: readonly string[]): SeriesSummary[] {
  return labels.map((label, i) => {
    const values = columns.values[i] ?? [];
    let total = 0;
    let max = 0;
    let maxAt: number | null = null;
    values.forEach((v, j) => {
      total += v;
      if (maxAt === null || v > max) {
        max = v;
        maxAt = columns.x[j] ?? null;
      }
    });
    return { label, total, max, maxAt };
  });
}

/** Bars' lengths as fractions of the largest (or of `scale` when given, e.g. 1 for rates). */
export function barFractions(values: readonly number[], scale?: number): number[] {
  const top = scale ?? Math.max(0, ...values);
  if (top <= 0) return values.map(() => 0);
  return values.map((v) => Math.min(1, Math.max(0, v / top)));
}
