import { describe, expect, it } from "vitest";
import type { Schema } from "../../api/types";
import { reusable } from "./ShareButton";

function share(over: Partial<Schema<"Share">>): Schema<"Share"> {
  return {
    id: "s1",
    kind: "playlist",
    source_id: "p1",
    track_ids: ["a", "b"],
    description: "",
    expired: false,
    url: "http://x/s/tok",
    created_at: "2026-01-01T00:00:00Z",
    expires_at: "2026-02-01T00:00:00Z",
    visit_count: 0,
    ...over,
  };
}

describe("reusable", () => {
  it("gives back a live share of the same tracks", () => {
    expect(reusable([share({})], "playlist", "p1", ["a", "b"])?.id).toBe("s1");
  });

  it("makes a new one when the playlist changed, its order included", () => {
    expect(reusable([share({})], "playlist", "p1", ["b", "a"])).toBeUndefined();
    expect(reusable([share({})], "playlist", "p1", ["a", "b", "c"])).toBeUndefined();
  });

  it("takes an album's tracks in any order", () => {
    expect(reusable([share({ kind: "album" })], "album", "p1", ["b", "a"])?.id).toBe("s1");
  });

  it("skips expired shares, links it cannot show, and other sources", () => {
    expect(reusable([share({ expired: true })], "playlist", "p1", ["a", "b"])).toBeUndefined();
    expect(reusable([share({ url: null })], "playlist", "p1", ["a", "b"])).toBeUndefined();
    expect(reusable([share({ source_id: "p2" })], "playlist", "p1", ["a", "b"])).toBeUndefined();
    expect(reusable([share({ kind: "album" })], "playlist", "p1", ["a", "b"])).toBeUndefined();
  });
});
