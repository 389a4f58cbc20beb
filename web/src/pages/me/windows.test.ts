import { describe, expect, it } from "vitest";
import { formatListening } from "../../charts/format";
import { windows } from "./windows";

describe("listening by period", () => {
  it("charts windows that do not overlap", () => {
    expect(windows({ day: 30, week: 30, month: 30 }).map((w) => w.minutes)).toEqual([30, 0, 0]);
    expect(windows({ day: 10, week: 70, month: 100 }).map((w) => w.minutes)).toEqual([10, 60, 30]);
    expect(windows({ day: 10, week: 9.9, month: 100 })[1].minutes).toBe(0);
  });

  it("says hours, not hundreds of minutes", () => {
    expect(formatListening("en", 959.2)).toBe("16 hr");
    expect(formatListening("en", 45)).toBe("45 min");
    expect(formatListening("ru", 90)).toBe("1,5 ч");
  });
});
