import { describe, expect, it } from "vitest";
import { daily, hourly, lagBars, pick, skipBars } from "./shape";
import type { Analytics } from "./types";

const analytics: Analytics = {
  from: "2024-03-05T10:20:00Z",
  to: "2024-03-05T13:20:00Z",
  hourly: [
    { at: "2024-03-05T11:00:00Z", plays: 4, listeners: 2 },
    { at: "2024-03-05T13:00:00Z", plays: 1, listeners: 1 },
  ],
  daily: [{ day: "2024-03-05", plays: 5, listeners: 2, new_listeners: 1 }],
  skip_rate_by_genre: [
    { genre: "rock", plays: 10, skips: 2, skip_rate: 0.2 },
    { genre: "jazz", plays: 4, skips: 2, skip_rate: 0.5 },
    { genre: "pop", plays: 20, skips: 4, skip_rate: 0.2 },
  ],
};

describe("dashboard shaping", () => {
  it("lays plays and listeners on every hour of the range", () => {
    const columns = hourly(analytics);
    expect(columns.x.map((x) => new Date(x * 1000).toISOString().slice(11, 13))).toEqual(["10", "11", "12", "13"]);
    expect(columns.values).toEqual([
      [0, 4, 0, 1],
      [0, 2, 0, 1],
    ]);
  });

  it("gives plays, listeners and new listeners per day", () => {
    const columns = daily(analytics);
    expect(columns.x).toEqual([Date.UTC(2024, 2, 5) / 1000]);
    expect(pick(columns, [2]).values).toEqual([[1]]);
    expect(pick(columns, [0, 1]).values).toEqual([[5], [2]]);
  });

  it("orders genres by skip rate, then by plays", () => {
    expect(skipBars(analytics).map((b) => [b.label, b.value])).toEqual([
      ["jazz", 0.5],
      ["pop", 0.2],
      ["rock", 0.2],
    ]);
  });

  it("orders consumer groups by lag with their topic", () => {
    const bars = lagBars({
      at: "2024-03-05T13:20:00Z",
      events_per_second: 2.5,
      groups: [
        { group: "etl", topic: "playback-events", lag: 3 },
        { group: "indexer", topic: "catalog-changes", lag: 40 },
      ],
      unreachable: [],
    });
    expect(bars).toEqual([
      { label: "indexer", detail: "catalog-changes", value: 40 },
      { label: "etl", detail: "playback-events", value: 3 },
    ]);
  });
});
