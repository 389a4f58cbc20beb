import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher";
import { listened, PlaybackTracker, uuid, type PlaybackEvent } from "./events";
import { FakeClock, FakeGateway } from "./testing";

const USER = "11111111-1111-4111-8111-111111111111";
const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

function setup() {
  const events: PlaybackEvent[] = [];
  let n = 0;
  const tracker = new PlaybackTracker({
    userId: USER,
    client: { app: "encore-web", version: "test" },
    device: { id: "device-1", platform: "web" },
    emit: (e) => events.push(e),
    newId: () => `id-${++n}`,
  });
  const kinds = () => events.map((e) => [e.kind, e.position_ms] as const);
  return { tracker, events, kinds };
}

describe("the listen rule", () => {
  it("is half the track or four minutes, whichever comes first", () => {
    expect(listened(99_999, 200_000)).toBe(false);
    expect(listened(100_000, 200_000)).toBe(true);
    expect(listened(239_999, 3_600_000)).toBe(false);
    expect(listened(240_000, 3_600_000)).toBe(true);
  });
});

describe("a play's events", () => {
  it("starts when sound starts, reports progress every 15 s of playing, pauses and resumes, completes at the end", () => {
    const { tracker, events, kinds } = setup();
    tracker.load(A, { kind: "album", id: "album-1" }, 60_000, 0);
    expect(events).toHaveLength(0);
    tracker.playing(0, 60_000, 1_000);
    for (let t = 1_250; t <= 17_000; t += 250) tracker.time(t - 1_000, t);
    tracker.paused(16_000, 17_000);
    tracker.time(16_000, 40_000); // paused: no progress
    tracker.playing(16_000, 60_000, 50_000);
    tracker.time(30_000, 64_000);
    tracker.time(31_000, 65_000);
    tracker.ended(105_000);
    expect(kinds()).toEqual([
      ["start", 0],
      ["progress", 15_000],
      ["pause", 16_000],
      ["resume", 16_000],
      ["progress", 31_000],
      ["complete", 60_000],
    ]);
    const sessions = new Set(events.map((e) => e.session_id));
    expect(sessions.size).toBe(1);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events[0]).toEqual({
      event_id: "id-2",
      user_id: USER,
      track_id: A,
      session_id: "id-1",
      kind: "start",
      position_ms: 0,
      track_duration_ms: 60_000,
      occurred_at: 1_000,
      client: { app: "encore-web", version: "test" },
      device: { id: "device-1", platform: "web" },
      context: { kind: "album", id: "album-1" },
    });
    expect(tracker.session).toBeNull();
  });

  it("skips when the listener moves on early, completes when they heard enough", () => {
    const { tracker, kinds, events } = setup();
    tracker.load(A, { kind: "other" }, 200_000, 0);
    tracker.playing(0, 200_000, 0);
    tracker.time(5_000, 5_000);
    tracker.load(B, { kind: "other" }, 200_000, 5_000);
    tracker.playing(0, 200_000, 5_100);
    tracker.stop(150_000, 200_000);
    expect(kinds()).toEqual([
      ["start", 0],
      ["skip", 5_000],
      ["start", 0],
      ["complete", 150_000],
    ]);
    expect(events[0].session_id).not.toEqual(events[2].session_id);
  });

  it("opens a new play when a finished track is played again", () => {
    const { tracker, kinds } = setup();
    tracker.load(A, { kind: "other" }, 1_000, 0);
    tracker.playing(0, 1_000, 0);
    tracker.ended(1_000);
    tracker.paused(1_000, 1_000); // the pause the audio element fires at its end
    tracker.playing(0, 1_000, 2_000);
    expect(kinds()).toEqual([
      ["start", 0],
      ["complete", 1_000],
      ["start", 0],
    ]);
  });

  it("says nothing for a track that never played, or stops twice", () => {
    const { tracker, events } = setup();
    tracker.load(A, { kind: "other" }, 1_000, 0);
    tracker.load(B, { kind: "other" }, 1_000, 0);
    tracker.stop(null, 0);
    tracker.paused(0, 0);
    tracker.ended(0);
    expect(events).toEqual([]);
  });

  it("keeps every field inside the gateway's bounds", () => {
    const { tracker, events } = setup();
    tracker.load(A, { kind: "other" }, null, 0);
    tracker.playing(0, null, 0.4);
    tracker.time(Number.NaN, 20_000);
    tracker.stop(12_345.6, 30_000);
    tracker.load(B, { kind: "other" }, 10_000, 30_000);
    tracker.playing(12_000, 10_000, 30_000);
    for (const e of events) {
      expect(Number.isInteger(e.position_ms) && Number.isInteger(e.track_duration_ms) && Number.isInteger(e.occurred_at)).toBe(true);
      expect(e.track_duration_ms).toBeGreaterThanOrEqual(1);
      expect(e.position_ms).toBeGreaterThanOrEqual(0);
      expect(e.position_ms).toBeLessThanOrEqual(e.track_duration_ms);
    }
  });

  it("makes version 4 UUIDs", () => {
    const id = uuid();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid()).not.toBe(id);
  });
});

describe("from the player to the gateway", () => {
  it("a play through a 503 outage arrives whole and once", async () => {
    const clock = new FakeClock();
    const gateway = new FakeGateway().answer({ kind: "retry" }, { kind: "retry" });
    const batcher = new Batcher({ sender: gateway, clock, flushEveryMs: 5_000, firstBackoffMs: 1_000 });
    const made: PlaybackEvent[] = [];
    const tracker = new PlaybackTracker({
      userId: USER,
      client: { app: "encore-web" },
      device: { platform: "web" },
      emit: (e) => {
        made.push(e);
        batcher.add(e);
      },
    });
    tracker.load(A, { kind: "search" }, 40_000, clock.now());
    tracker.playing(0, 40_000, clock.now());
    for (let s = 1; s <= 40; s++) {
      await clock.advance(1_000);
      tracker.time(s * 1_000, clock.now());
    }
    tracker.ended(clock.now());
    await clock.advance(30_000);
    expect(made.map((e) => e.kind)).toEqual(["start", "progress", "progress", "complete"]);
    expect(gateway.calls.length).toBeGreaterThan(2);
    expect(gateway.accepted.slice().sort()).toEqual(made.map((e) => e.event_id).sort());
    expect(batcher.pending).toHaveLength(0);
  });
});
