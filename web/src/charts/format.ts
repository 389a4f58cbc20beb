// Locale-aware formatting shared by the charts, their tables and the pages
// around them. Every function takes the language so a switch re-renders with
// the new conventions (Russian groups thousands with a space, writes "12 мар.").

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(language: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${language}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) {
    format = new Intl.NumberFormat(language, options);
    cache.set(key, format);
  }
  return format;
}

function dateFormat(language: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${language}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) {
    format = new Intl.DateTimeFormat(language, options);
    cache.set(key, format);
  }
  return format;
}

export function formatNumber(language: string, value: number, maximumFractionDigits = 0): string {
  return numberFormat(language, { maximumFractionDigits }).format(value);
}

/** A 0..1 ratio as a percentage with one decimal. */
export function formatPercent(language: string, ratio: number): string {
  return numberFormat(language, { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

/** How an x value (unix seconds) is written: an hour, a calendar day, or a moment to the second. */
export type TimeKind = "hour" | "day" | "second";

export function formatTime(language: string, seconds: number, kind: TimeKind): string {
  const date = new Date(seconds * 1000);
  switch (kind) {
    case "day":
      // Days are calendar dates in UTC (the API's "YYYY-MM-DD"); shown in UTC so they do not shift a day.
      return dateFormat(language, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" }).format(date);
    case "hour":
      return dateFormat(language, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }).format(date);
    case "second":
      return dateFormat(language, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(date);
  }
}

/** Short axis labels: the finest unit the visible span needs. */
export function formatAxisTime(language: string, seconds: number, span: number, kind: TimeKind): string {
  const date = new Date(seconds * 1000);
  if (kind === "day") {
    return dateFormat(language, { day: "numeric", month: "short", timeZone: "UTC" }).format(date);
  }
  if (span <= 15 * 60) return dateFormat(language, { hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(date);
  if (span <= 2 * 86_400) return dateFormat(language, { hour: "2-digit", minute: "2-digit" }).format(date);
  return dateFormat(language, { day: "numeric", month: "short" }).format(date);
}

/** Listening time: minutes below an hour ("45 min"), hours with one decimal above ("16 hr", "16 ч"). */
export function formatListening(language: string, minutes: number): string {
  if (minutes < 60) return numberFormat(language, { style: "unit", unit: "minute", maximumFractionDigits: 0 }).format(minutes);
  return numberFormat(language, { style: "unit", unit: "hour", maximumFractionDigits: 1 }).format(minutes / 60);
}
