// The browser side of the batcher: the HTTP sender and the store.
//
// The unsent queue is kept in sessionStorage, per user. That outlives a
// reload or a crashed tab being restored (so a reload cannot lose events
// the gateway refused with 503), but not the tab: listening data is
// personal, and localStorage would keep it on a shared computer after the
// tab is closed and let two tabs send the same queue in parallel. Keyed by
// user, and each event names its user, so nobody else's session sends it.
import { call, session } from "../api/client";
import { version } from "../../package.json";
import type { EventStore, SendResult, Sender } from "./batcher";
import { uuid, type PlaybackEvent } from "./events";

export const EVENTS_PATH = "/v1/events/playback";
export const CLIENT: PlaybackEvent["client"] = { app: "encore-web", version };

/** A random id for this browser, so the gateway can tell one listener's devices apart. */
export function deviceId(): string {
  const key = "encore.device";
  try {
    const saved = localStorage.getItem(key);
    if (saved) return saved;
    const made = uuid();
    localStorage.setItem(key, made);
    return made;
  } catch {
    return uuid();
  }
}

export function sessionStore(userId: string, storage: Storage = sessionStorage): EventStore {
  const key = `encore.playback.unsent.${userId}`;
  return {
    load() {
      try {
        const saved: unknown = JSON.parse(storage.getItem(key) ?? "[]");
        if (!Array.isArray(saved)) return [];
        return saved.filter(
          (e): e is PlaybackEvent => typeof e === "object" && e !== null && (e as PlaybackEvent).user_id === userId && typeof (e as PlaybackEvent).event_id === "string",
        );
      } catch {
        return [];
      }
    },
    save(events) {
      try {
        if (events.length === 0) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify(events));
      } catch {
        // Storage full or disabled: the queue still lives in memory.
      }
    },
  };
}

/** What an answer of the events endpoint means for the batch. */
export async function resultOf(response: Response): Promise<SendResult> {
  if (response.ok) return { kind: "accepted" };
  if (response.status === 401) return { kind: "unauthorized" };
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    const after = Number(response.headers.get("Retry-After"));
    return after > 0 ? { kind: "retry", afterMs: after * 1000 } : { kind: "retry" };
  }
  // A 400 names each bad event by its index; the others are fine and go again.
  let indexes: number[] = [];
  try {
    const body = (await response.json()) as { error?: { fields?: { index?: unknown }[] } };
    indexes = (body.error?.fields ?? []).map((f) => f.index).filter((i): i is number => typeof i === "number");
  } catch {
    // No readable body: the whole batch is at fault.
  }
  return { kind: "rejected", indexes: [...new Set(indexes)] };
}

export const httpSender: Sender = {
  async send(events, keepalive) {
    const body = JSON.stringify({ events });
    if (!keepalive) {
      return resultOf(await call(EVENTS_PATH, { method: "POST", body, headers: { "Content-Type": "application/json" } }));
    }
    // The page is going away: no time to renew a token, and `call` cannot set
    // keepalive. sendBeacon would be simpler but cannot carry Authorization.
    const token = session.current?.access_token;
    if (!token) return { kind: "unauthorized" };
    const response = await fetch(EVENTS_PATH, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body,
    });
    return resultOf(response);
  },
};
