import { describe, expect, it } from "vitest";
import { normalised } from "./loudness";

describe("normalised", () => {
  it("brings a loud track down by its gain", () => {
    expect(normalised(1, { gain_db: -20, peak: 1 }, true)).toBeCloseTo(0.1, 5);
    expect(normalised(0.5, { gain_db: -6.02, peak: 0.9 }, true)).toBeCloseTo(0.25, 2);
  });

  it("raises a quiet track only as far as the element and its peak allow", () => {
    expect(normalised(0.5, { gain_db: 6.02 }, true)).toBeCloseTo(1, 2);
    expect(normalised(0.4, { gain_db: 12, peak: 0.8 }, true)).toBeCloseTo(0.5, 5);
    expect(normalised(1, { gain_db: 3 }, true)).toBe(1);
  });

  it("leaves the level alone when off or unmeasured", () => {
    expect(normalised(0.7, { gain_db: -10 }, false)).toBe(0.7);
    expect(normalised(0.7, null, true)).toBe(0.7);
  });
});
