import { describe, expect, it } from "vitest";
import { Batcher, type BatcherOptions } from "./batcher";
import type { PlaybackEvent } from "./events";
import { resultOf, sessionStore } from "./sender";
import { FakeClock, FakeGateway, MemoryStore, fakeEvent, settle } from "./testing";

function setup(options: Partial<BatcherOptions> = {}) {
  const clock = new FakeClock();
  const gateway = new FakeGateway();
  const store = new MemoryStore();
  const batcher = new Batcher({ sender: gateway, clock, store, maxBatch: 20, flushEveryMs: 5_000, firstBackoffMs: 1_000, maxBackoffMs: 60_000, ...options });
  return { clock, gateway, store, batcher };
}

const ids = (events: readonly PlaybackEvent[]) => events.map((e) => e.event_id);

describe("batching", () => {
  it("waits for the interval, then sends everything in one batch", async () => {
    const { clock, gateway, batcher, store } = setup();
    const events = [fakeEvent(), fakeEvent(), fakeEvent()];
    events.forEach((e) => batcher.add(e));
    expect(store.saved).toHaveLength(3);
    await clock.advance(4_999);
    expect(gateway.calls).toHaveLength(0);
    await clock.advance(1);
    expect(gateway.calls).toEqual([{ ids: ids(events), keepalive: false }]);
    expect(batcher.pending).toHaveLength(0);
    expect(store.saved).toHaveLength(0);
  });

  it("sends at once when a full batch waits, and the rest on the timer", async () => {
    const { clock, gateway, batcher } = setup();
    const events = Array.from({ length: 25 }, () => fakeEvent());
    events.forEach((e) => batcher.add(e));
    await clock.advance(0);
    expect(gateway.calls.map((c) => c.ids.length)).toEqual([20]);
    await clock.advance(5_000);
    expect(gateway.calls.map((c) => c.ids.length)).toEqual([20, 5]);
    expect(gateway.accepted).toEqual(ids(events));
  });

  it("keeps one request in flight at a time, in order", async () => {
    const { clock, gateway, batcher } = setup({ maxBatch: 2 });
    const events = Array.from({ length: 5 }, () => fakeEvent());
    events.forEach((e) => batcher.add(e));
    await clock.advance(10_000);
    expect(gateway.calls.map((c) => c.ids)).toEqual([ids(events.slice(0, 2)), ids(events.slice(2, 4)), ids(events.slice(4))]);
  });
});

describe("refusals", () => {
  it("retries a batch refused with 503 and network errors, backing off, until accepted: nothing lost, nothing doubled", async () => {
    const { clock, gateway, batcher, store } = setup();
    gateway.answer({ kind: "retry" }, new TypeError("network"), { kind: "retry" });
    const first = [fakeEvent(), fakeEvent()];
    first.forEach((e) => batcher.add(e));
    await clock.advance(5_000);
    expect(gateway.calls).toHaveLength(1);
    // Events made during the outage wait behind the refused ones.
    const later = fakeEvent();
    batcher.add(later);
    await clock.advance(999);
    expect(gateway.calls).toHaveLength(1);
    await clock.advance(1); // 1 s after the first refusal
    await clock.advance(2_000); // then 2 s
    await clock.advance(4_000); // then 4 s: accepted
    expect(gateway.calls).toHaveLength(4);
    expect(gateway.calls[0].ids).toEqual(ids(first));
    for (const call of gateway.calls.slice(1)) expect(call.ids).toEqual(ids([...first, later]));
    expect(gateway.accepted.sort()).toEqual(ids([...first, later]).sort());
    expect(new Set(gateway.accepted).size).toBe(gateway.accepted.length);
    expect(store.saved).toEqual([]);
  });

  it("honours Retry-After and caps the backoff", async () => {
    const { clock, gateway, batcher } = setup({ maxBackoffMs: 3_000 });
    gateway.answer({ kind: "retry", afterMs: 10_000 }, { kind: "retry" }, { kind: "retry" }, { kind: "retry" });
    batcher.add(fakeEvent());
    await clock.advance(5_000);
    await clock.advance(9_999);
    expect(gateway.calls).toHaveLength(1);
    await clock.advance(1);
    expect(gateway.calls).toHaveLength(2);
    await clock.advance(2_000 + 3_000 + 3_000);
    expect(gateway.calls).toHaveLength(5);
    expect(batcher.pending).toHaveLength(0);
  });

  it("drops only the events a 400 names, and sends the rest again", async () => {
    const dropped: PlaybackEvent[] = [];
    const { clock, gateway, batcher } = setup({ onDropped: (e) => dropped.push(...e) });
    gateway.answer({ kind: "rejected", indexes: [1] });
    const events = [fakeEvent(), fakeEvent(), fakeEvent()];
    events.forEach((e) => batcher.add(e));
    await clock.advance(10_000);
    expect(dropped).toEqual([events[1]]);
    expect(gateway.accepted).toEqual(ids([events[0], events[2]]));
  });

  it("holds the queue without a session and sends it on resume", async () => {
    const { clock, gateway, batcher } = setup();
    gateway.answer({ kind: "unauthorized" });
    batcher.add(fakeEvent());
    await clock.advance(5_000);
    batcher.add(fakeEvent());
    await clock.advance(60_000);
    expect(gateway.calls).toHaveLength(1);
    batcher.resume();
    await clock.advance(0);
    expect(gateway.calls).toHaveLength(2);
    expect(gateway.accepted).toHaveLength(2);
  });
});

describe("leaving the page", () => {
  it("flushes every waiting event with keepalive, once", async () => {
    const { clock, gateway, batcher } = setup();
    const events = [fakeEvent(), fakeEvent()];
    events.forEach((e) => batcher.add(e));
    batcher.flushOnHide();
    batcher.flushOnHide(); // visibilitychange then pagehide
    expect(gateway.calls).toEqual([{ ids: ids(events), keepalive: true }]);
    await settle();
    expect(batcher.pending).toHaveLength(0);
    await clock.advance(10_000);
    expect(gateway.calls).toHaveLength(1);
  });

  it("includes a batch in flight, since the page may kill it", async () => {
    const { clock, gateway, batcher } = setup();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = { send: async (e: PlaybackEvent[], k: boolean) => (k ? gateway.send(e, k) : held.then(() => gateway.send(e, k))) };
    const b = new Batcher({ sender: slow, clock, flushEveryMs: 5_000 });
    const event = fakeEvent();
    b.add(event);
    await clock.advance(5_000);
    b.flushOnHide();
    expect(gateway.calls).toEqual([{ ids: [event.event_id], keepalive: true }]);
    release();
    await settle();
    expect(b.pending).toHaveLength(0);
    batcher.dispose();
  });

  it("keeps events whose keepalive failed, for the next page to send from the store", async () => {
    const { gateway, batcher, store } = setup();
    gateway.answer(new TypeError("network"));
    batcher.add(fakeEvent());
    batcher.flushOnHide();
    await settle();
    expect(store.saved).toHaveLength(1);
    const next = new Batcher({ sender: gateway, clock: new FakeClock(), store });
    expect(next.pending).toEqual(store.saved);
  });

  it("keeps a keepalive body under the browser's limit", () => {
    const { gateway, batcher } = setup({ keepaliveBytes: 2_000 });
    for (let i = 0; i < 20; i++) batcher.add(fakeEvent());
    batcher.flushOnHide();
    const sent = gateway.calls[0].ids.length;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);
  });
});

describe("the browser side", () => {
  it("persists per user and ignores other users' events", () => {
    const store = sessionStore("u1", sessionStorage);
    const mine = fakeEvent({ user_id: "u1" });
    store.save([mine, fakeEvent({ user_id: "u2" })]);
    expect(store.load()).toEqual([mine]);
    expect(sessionStore("u2", sessionStorage).load()).toEqual([]);
    store.save([]);
    expect(sessionStorage.length).toBe(0);
  });

  it("reads the gateway's answers", async () => {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), { status, headers });
    expect(await resultOf(json(202, { accepted: 1 }))).toEqual({ kind: "accepted" });
    expect(await resultOf(json(503, {}))).toEqual({ kind: "retry" });
    expect(await resultOf(json(503, {}, { "Retry-After": "2" }))).toEqual({ kind: "retry", afterMs: 2_000 });
    expect(await resultOf(json(401, {}))).toEqual({ kind: "unauthorized" });
    const bad = { error: { code: "invalid_events", message: "", fields: [{ index: 2, field: "kind" }, { index: 2, field: "x" }, { index: 0, field: "y" }] } };
    expect(await resultOf(json(400, bad))).toEqual({ kind: "rejected", indexes: [2, 0] });
    expect(await resultOf(new Response("nope", { status: 413 }))).toEqual({ kind: "rejected", indexes: [] });
  });
});
