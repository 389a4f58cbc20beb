import { describe, expect, it } from "vitest";
import type { Hit } from "../music/types";
import { groupHits, hitPath, hitToTrack, nextActive, splitSubtitle } from "./logic";

const hit = (type: Hit["type"], id: string, subtitle: string | null = null): Hit => ({
  type,
  id,
  title: id,
  subtitle,
  cover_url: null,
  year: null,
  score: 1,
});

describe("groupHits", () => {
  it("groups by kind and keeps each hit's rank in the answer", () => {
    const page = (search_id: string, items: Hit[]) => ({ items, total: 3, next_cursor: null, search_id });
    const groups = groupHits([page("s1", [hit("track", "t1"), hit("artist", "a1")]), page("s2", [hit("track", "t2")])]);
    expect(groups.track.map((r) => [r.hit.id, r.position, r.searchId])).toEqual([
      ["t1", 0, "s1"],
      ["t2", 2, "s2"],
    ]);
    expect(groups.artist.map((r) => r.position)).toEqual([1]);
    expect(groups.album).toEqual([]);
  });
});

describe("splitSubtitle", () => {
  it("reads artist and album", () => {
    expect(splitSubtitle("AC/DC — Back in Black")).toEqual({ artist: "AC/DC", album: "Back in Black" });
    expect(splitSubtitle("AC/DC")).toEqual({ artist: "AC/DC" });
    expect(splitSubtitle(null)).toEqual({ artist: "" });
  });
  it("makes a queue entry of a track hit", () => {
    expect(hitToTrack(hit("track", "t1", "Queen — Jazz"))).toEqual({ id: "t1", title: "t1", artist: "Queen", album: "Jazz", cover: null });
  });
});

describe("hitPath", () => {
  it("opens artists, albums and playlists; tracks have no page", () => {
    expect(hitPath(hit("artist", "x"))).toBe("/artists/x");
    expect(hitPath(hit("album", "x"))).toBe("/albums/x");
    expect(hitPath(hit("playlist", "x"))).toBe("/playlists/x");
    expect(hitPath(hit("track", "x"))).toBeNull();
  });
});

describe("nextActive", () => {
  it("moves down and up, wrapping through no option", () => {
    expect(nextActive("ArrowDown", -1, 3)).toBe(0);
    expect(nextActive("ArrowDown", 2, 3)).toBe(-1);
    expect(nextActive("ArrowUp", -1, 3)).toBe(2);
    expect(nextActive("ArrowUp", 0, 3)).toBe(-1);
  });
  it("has nothing to move to without options", () => {
    expect(nextActive("ArrowDown", -1, 0)).toBe(-1);
  });
});
