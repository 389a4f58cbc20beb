import { describe, expect, it } from "vitest";
import { currentLine } from "./LyricsPanel";

describe("currentLine", () => {
  const lines = [
    { start_ms: 500, text: "One" },
    { start_ms: 2000, text: "Two" },
    { start_ms: 2000, text: "Two again" },
    { start_ms: 9000, text: "Three" },
  ];

  it("is the last line that has started", () => {
    expect(currentLine(lines, 0)).toBe(-1);
    expect(currentLine(lines, 500)).toBe(0);
    expect(currentLine(lines, 8999)).toBe(2);
    expect(currentLine(lines, 60_000)).toBe(3);
  });

  it("is none for plain lyrics", () => {
    expect(currentLine([{ text: "Plain" }], 10_000)).toBe(-1);
  });
});
