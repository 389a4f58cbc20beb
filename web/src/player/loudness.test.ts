import { describe, expect, it } from "vitest";
import { gainFor, normalised } from "./loudness";
import type { Entry } from "./types";

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

describe("gainFor", () => {
  const answer = { loudness: { gain_db: -6 }, album_loudness: { gain_db: -4 } };
  const entry = (context: Entry["context"], albumId = "al1"): Entry => ({ id: "t1", title: "T", artist: "A", albumId, context });

  it("plays an album from its page with the album's gain", () => {
    expect(gainFor(answer, entry({ kind: "album", id: "al1" }))).toEqual({ gain_db: -4 });
  });

  it("plays anything else, or another album's page, with the track's own", () => {
    expect(gainFor(answer, entry({ kind: "playlist", id: "p1" }))).toEqual({ gain_db: -6 });
    expect(gainFor(answer, entry({ kind: "album", id: "al2" }))).toEqual({ gain_db: -6 });
    expect(gainFor({ loudness: { gain_db: -6 }, album_loudness: null }, entry({ kind: "album", id: "al1" }))).toEqual({ gain_db: -6 });
    expect(gainFor({ loudness: null, album_loudness: null }, entry({ kind: "other" }))).toBeNull();
  });
});
