import { describe, expect, it } from "vitest";
import { asQueueTrack, fresh, runningLow } from "./radio";

const track = (id: string) => ({ id, title: id, artist: "A", artist_id: "a", album: null, album_id: null, duration_ms: 0 });

describe("radio", () => {
  it("queues only what it has not queued, each once", () => {
    expect(fresh([track("x"), track("y"), track("x"), track("z")], new Set(["y"])).map((t) => t.id)).toEqual(["x", "z"]);
  });

  it("refills when fewer than three tracks are left after the current one", () => {
    expect(runningLow(5, 1)).toBe(false);
    expect(runningLow(5, 2)).toBe(true);
    expect(runningLow(1, 0)).toBe(true);
  });

  it("queues a track with its names and no length until it has audio", () => {
    expect(asQueueTrack(track("x"))).toMatchObject({ id: "x", artist: "A", artistId: "a", durationMs: null });
  });
});
