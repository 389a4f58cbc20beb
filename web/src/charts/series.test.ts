import { describe, expect, it } from "vitest";
import { DAY, HOUR, barFractions, fillSteps, pushRolling, summarise, toSeconds } from "./series";

describe("toSeconds", () => {
  it("reads RFC 3339 times and calendar days (UTC midnight)", () => {
    expect(toSeconds("2024-03-05T14:00:00Z")).toBe(Date.UTC(2024, 2, 5, 14) / 1000);
    expect(toSeconds("2024-03-05T16:00:00+02:00")).toBe(Date.UTC(2024, 2, 5, 14) / 1000);
    expect(toSeconds("2024-03-05")).toBe(Date.UTC(2024, 2, 5) / 1000);
    expect(toSeconds("not a time")).toBeNaN();
  });
});

describe("fillSteps", () => {
  const t0 = Date.UTC(2024, 2, 5, 10) / 1000;
  const rows = [
    { at: t0 + HOUR, n: 3 },
    { at: t0 + 3 * HOUR, n: 5 },
  ];

  it("puts a zero in every step without a row, from the step holding `from` to `to`", () => {
    const columns = fillSteps(rows, (r) => r.at, [(r) => r.n], HOUR, t0 + 600, t0 + 4 * HOUR + 59);
    expect(columns.x).toEqual([t0, t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR, t0 + 4 * HOUR]);
    expect(columns.values).toEqual([[0, 3, 0, 5, 0]]);
  });

  it("keeps rows outside the range or off the grid rather than lose them", () => {
    const odd = [...rows, { at: t0 + 90, n: 1 }, { at: t0 + 10 * HOUR, n: 2 }];
    const columns = fillSteps(odd, (r) => r.at, [(r) => r.n], HOUR, t0, t0 + HOUR);
    expect(columns.x).toEqual([t0, t0 + 90, t0 + HOUR, t0 + 3 * HOUR, t0 + 10 * HOUR]);
    expect(columns.values[0]).toEqual([0, 1, 3, 5, 2]);
  });

  it("gives one values array per field, aligned with x", () => {
    const day = Date.UTC(2024, 2, 5) / 1000;
    const data = [{ d: day + DAY, a: 1, b: 2 }];
    const columns = fillSteps(data, (r) => r.d, [(r) => r.a, (r) => r.b], DAY, day, day + 2 * DAY);
    expect(columns.values).toEqual([
      [0, 1, 0],
      [0, 2, 0],
    ]);
  });

  it("skips unreadable times and a nonsensical range", () => {
    const columns = fillSteps([{ at: Number.NaN, n: 1 }], (r) => r.at, [(r) => r.n], HOUR, 10, 0);
    expect(columns).toEqual({ x: [], values: [[]] });
  });
});

describe("pushRolling", () => {
  it("keeps the last window of samples and ignores repeats and stale ones", () => {
    let samples = pushRolling([], { t: 100, value: 1 }, 60);
    samples = pushRolling(samples, { t: 130, value: 2 }, 60);
    samples = pushRolling(samples, { t: 130, value: 9 }, 60);
    samples = pushRolling(samples, { t: 120, value: 9 }, 60);
    expect(samples.map((s) => s.value)).toEqual([1, 2]);
    samples = pushRolling(samples, { t: 170, value: 3 }, 60);
    expect(samples.map((s) => s.t)).toEqual([130, 170]);
  });
});

describe("summarise and barFractions", () => {
  it("totals and peaks each series", () => {
    const [plays] = summarise({ x: [1, 2, 3], values: [[2, 7, 1]] }, ["plays"]);
    expect(plays).toEqual({ label: "plays", total: 10, max: 7, maxAt: 2 });
  });

  it("scales bars to the largest value or to a fixed scale", () => {
    expect(barFractions([5, 10, 0])).toEqual([0.5, 1, 0]);
    expect(barFractions([0.25, 2], 1)).toEqual([0.25, 1]);
    expect(barFractions([0, 0])).toEqual([0, 0]);
  });
});
