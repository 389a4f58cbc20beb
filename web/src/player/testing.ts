// Test doubles for the batcher and the tracker: a manual clock and a
// scripted gateway. Only the *.test.ts files import this.
import type { Clock, EventStore, SendResult, Sender } from "./batcher";
import type { PlaybackEvent } from "./events";

interface Timer {
  id: number;
  at: number;
  run: () => void;
}

/** Lets pending promise callbacks (the sender's answer) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export class FakeClock implements Clock {
  private timers: Timer[] = [];
  private ids = 0;
  constructor(public time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }
  setTimeout(run: () => void, ms: number): unknown {
    const timer = { id: ++this.ids, at: this.time + ms, run };
    this.timers.push(timer);
    return timer.id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Moves time forward, running each timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
      await settle();
    }
    this.time = end;
  }
}

/** A gateway that answers from a script (then 202), remembering what it accepted. */
export class FakeGateway implements Sender {
  readonly calls: { ids: string[]; keepalive: boolean }[] = [];
  /** Every accepted event id, once per acceptance: a doubled id shows up twice. */
  readonly accepted: string[] = [];
  private script: (SendResult | Error)[] = [];

  answer(...results: (SendResult | Error)[]): this {
    this.script.push(...results);
    return this;
  }

  async send(events: PlaybackEvent[], keepalive: boolean): Promise<SendResult> {
    this.calls.push({ ids: events.map((e) => e.event_id), keepalive });
    const next = this.script.shift() ?? { kind: "accepted" };
    if (next instanceof Error) throw next;
    if (next.kind === "accepted") this.accepted.push(...events.map((e) => e.event_id));
    return next;
  }
}

export class MemoryStore implements EventStore {
  saved: PlaybackEvent[] = [];
  constructor(initial: PlaybackEvent[] = []) {
    this.saved = initial;
  }
  load(): PlaybackEvent[] {
    return this.saved.slice();
  }
  save(events: PlaybackEvent[]): void {
    this.saved = events.slice();
  }
}

let counter = 0;
/** A valid event with a fresh, readable id. */
export function fakeEvent(overrides: Partial<PlaybackEvent> = {}): PlaybackEvent {
  counter += 1;
  return {
    event_id: `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    user_id: "11111111-1111-4111-8111-111111111111",
    track_id: "22222222-2222-4222-8222-222222222222",
    session_id: "33333333-3333-4333-8333-333333333333",
    kind: "progress",
    position_ms: 1000,
    track_duration_ms: 200_000,
    occurred_at: 1_700_000_000_000,
    client: { app: "encore-web" },
    device: { platform: "web" },
    context: { kind: "other" },
    ...overrides,
  };
}
