// Sends playback events in batches and never loses one to a refusal.
//
// Every event keeps the id it was created with until the gateway answers 202
// for a batch holding it, so resending after a 503, a dropped connection or
// a reload is harmless (the gateway and ClickHouse deduplicate by event id).
// One request is in flight at a time, which keeps a listener's events in
// order. The queue is mirrored to a store (sessionStorage in the app, see
// sender.ts) so a reload does not lose what was not yet accepted.
import type { PlaybackEvent } from "./events";

export type SendResult =
  | { kind: "accepted" }
  /** 503, another 5xx, 429 or a network error: the same events are sent again later. */
  | { kind: "retry"; afterMs?: number }
  /** 400: these events (by index in the batch) can never be accepted; the rest are sent again. All of them when `indexes` is empty. */
  | { kind: "rejected"; indexes: number[] }
  /** No session: hold everything until `resume`. */
  | { kind: "unauthorized" };

export interface Sender {
  send(events: PlaybackEvent[], keepalive: boolean): Promise<SendResult>;
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventStore {
  load(): PlaybackEvent[];
  save(events: PlaybackEvent[]): void;
}

export interface BatcherOptions {
  sender: Sender;
  clock?: Clock;
  store?: EventStore;
  /** Send once this many events wait. */
  maxBatch?: number;
  /** Otherwise send this long after the first waiting event. */
  flushEveryMs?: number;
  /** Backoff after a refusal: firstBackoffMs, doubling, at most maxBackoffMs. */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** Browsers refuse keepalive bodies beyond 64 KiB in flight; stay under it. */
  keepaliveBytes?: number;
  /** Told about events the gateway refused for good (a bug, not an outage). */
  onDropped?: (events: PlaybackEvent[]) => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Batcher {
  private queue: PlaybackEvent[];
  private inFlight = false;
  /** Ids sent with keepalive and not yet answered, so a pagehide right after a hide does not send them twice. */
  private leaving = new Set<string>();
  private timer: unknown = null;
  private failures = 0;
  private held = false;
  private disposed = false;
  private readonly clock: Clock;
  private readonly maxBatch: number;
  private readonly flushEveryMs: number;

  constructor(private readonly options: BatcherOptions) {
    this.clock = options.clock ?? realClock;
    this.maxBatch = options.maxBatch ?? 20;
    this.flushEveryMs = options.flushEveryMs ?? 5_000;
    this.queue = options.store?.load() ?? [];
    if (this.queue.length > 0) this.schedule(0);
  }

  /** Events not yet accepted, oldest first. */
  get pending(): readonly PlaybackEvent[] {
    return this.queue;
  }

  add(event: PlaybackEvent): void {
    if (this.disposed) return;
    this.queue.push(event);
    this.persist();
    if (this.held || this.failures > 0 || this.inFlight) return;
    if (this.queue.length >= this.maxBatch) this.schedule(0);
    else if (this.timer === null) this.schedule(this.flushEveryMs);
  }

  /** After a 401 held the queue: a session is back, send what waits. */
  resume(): void {
    if (!this.held) return;
    this.held = false;
    this.failures = 0;
    this.schedule(0);
  }

  /**
   * The page is being hidden or closed: send every unaccepted event with
   * `keepalive`, so the request outlives the page. A regular request in
   * flight would die with the page, so its events go too; if both arrive,
   * the event ids make the second a no-op.
   */
  flushOnHide(): void {
    if (this.disposed) return;
    const limit = this.options.keepaliveBytes ?? 60_000;
    const batch: PlaybackEvent[] = [];
    let bytes = 16;
    for (const event of this.queue) {
      if (this.leaving.has(event.event_id)) continue;
      const size = JSON.stringify(event).length + 1;
      if (bytes + size > limit) break;
      bytes += size;
      batch.push(event);
    }
    if (batch.length === 0) return;
    for (const event of batch) this.leaving.add(event.event_id);
    void this.options.sender
      .send(batch, true)
      .catch((): SendResult => ({ kind: "retry" }))
      .then((result) => {
        for (const event of batch) this.leaving.delete(event.event_id);
        // The page lived on (it was only hidden): settle as for any batch.
        if (result.kind === "accepted") this.remove(batch);
      });
  }

  /** Stops the timers; the queue stays in the store for the next batcher. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.sendBatch();
    }, ms);
  }

  private async sendBatch(): Promise<void> {
    if (this.inFlight || this.held || this.disposed || this.queue.length === 0) return;
    const batch = this.queue.slice(0, this.maxBatch);
    this.inFlight = true;
    let result: SendResult;
    try {
      result = await this.options.sender.send(batch, false);
    } catch {
      result = { kind: "retry" };
    }
    this.inFlight = false;
    if (this.disposed) return;
    switch (result.kind) {
      case "accepted":
        this.failures = 0;
        this.remove(batch);
        break;
      case "rejected": {
        this.failures = 0;
        const bad = result.indexes.length > 0 ? result.indexes.map((i) => batch[i]).filter(Boolean) : batch;
        this.remove(bad);
        this.options.onDropped?.(bad);
        break;
      }
      case "retry":
        this.failures += 1;
        this.schedule(result.afterMs ?? this.backoff());
        return;
      case "unauthorized":
        this.held = true;
        return;
    }
    if (this.queue.length >= this.maxBatch) this.schedule(0);
    else if (this.queue.length > 0) this.schedule(this.flushEveryMs);
  }

  private backoff(): number {
    const first = this.options.firstBackoffMs ?? 1_000;
    const max = this.options.maxBackoffMs ?? 60_000;
    return Math.min(max, first * 2 ** (this.failures - 1));
  }

  private remove(events: PlaybackEvent[]): void {
    const gone = new Set(events.map((e) => e.event_id));
    this.queue = this.queue.filter((e) => !gone.has(e.event_id));
    this.persist();
  }

  private persist(): void {
    this.options.store?.save(this.queue);
  }
}
