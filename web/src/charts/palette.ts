// Series colours: the app's own CSS variables, read at draw time so the
// canvas matches the legend swatches (which use the same variables in CSS).
export const SERIES_VARS = ["--accent", "--ok", "--focus", "--danger"] as const;
const FALLBACK = ["#a98bff", "#7ee2a8", "#ffd866", "#ff8a8a"];

export function cssVar(name: string, fallback: string): string {
  if (typeof document === "undefined") return fallback;
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function seriesColor(index: number): string {
  const i = index % SERIES_VARS.length;
  return cssVar(SERIES_VARS[i], FALLBACK[i]);
}
