// The day, week and month totals overlap (the month holds the week, which
// holds the day), so a chart of them side by side shows three equal bars for
// someone who listened only today. Charted, they become three windows that
// do not overlap: today, the rest of the week, the rest of the month.

export interface Totals {
  day: number;
  week: number;
  month: number;
}

export interface Window {
  key: "day" | "restOfWeek" | "restOfMonth";
  minutes: number;
}

/** Never below zero: the three totals are read at slightly different moments. */
export function windows(t: Totals): Window[] {
  return [
    { key: "day", minutes: t.day },
    { key: "restOfWeek", minutes: Math.max(0, t.week - t.day) },
    { key: "restOfMonth", minutes: Math.max(0, t.month - t.week) },
  ];
}
