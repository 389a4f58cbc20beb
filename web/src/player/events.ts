// Turns what the player does into playback events on the contract every
// client shares (`POST /v1/events/playback`, gateway/src/playback): one
// session per play, opened by `start` and closed by `skip` or `complete`,
// with `pause`, `resume` and periodic `progress` in between. Pure: the clock,
// the ids and the destination are given, so the rules are unit tested.

import type { Schema } from "../api/types";

export type EventKind = "start" | "progress" | "pause" | "resume" | "skip" | "complete";
export type ContextKind = "album" | "artist" | "playlist" | "search" | "recommendation" | "library" | "radio" | "other";

/** Where a play was started from. */
export interface PlayContext {
  kind: ContextKind;
  id?: string;
}

/**
 * The gateway's PlaybackEventIn (it refuses unknown fields), narrowed to what
 * this client sends: extending it makes tsc check every narrowed field
 * against the description.
 */
export interface PlaybackEvent extends Omit<Schema<"PlaybackEventIn">, "occurred_at"> {
  /** Sent although optional: the gateway refuses an event of another user, so a queue kept across a reload can never be credited to whoever signs in next. */
  user_id: string;
  kind: EventKind;
  /**
   * Epoch milliseconds, which the gateway takes beside RFC 3339
   * (playback/validate.rs); its description names only the string, hence the Omit.
   */
  occurred_at: number;
  client: { app: string; version?: string };
  device: { id?: string; platform: "web" };
  context: PlayContext;
}

/** The gateway's bounds (gateway/src/playback/validate.rs). */
export const MAX_TRACK_MS = 86_400_000;
export const PROGRESS_EVERY_MS = 15_000;

/**
 * Whether stopping at `positionMs` counts as a listen (complete) or a skip:
 * half the track or four minutes, whichever comes first, the rule the
 * gateway applies to Subsonic reports (gateway/src/subsonic/playback.rs).
 */
export function listened(positionMs: number, durationMs: number): boolean {
  return positionMs >= Math.min(Math.floor(durationMs / 2), 240_000);
}

/** A random v4 UUID. `crypto.randomUUID` exists only in secure contexts; `getRandomValues` everywhere. */
export function uuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TrackerOptions {
  userId: string;
  client: PlaybackEvent["client"];
  device: PlaybackEvent["device"];
  emit: (event: PlaybackEvent) => void;
  newId?: () => string;
  progressEveryMs?: number;
}

interface Loaded {
  trackId: string;
  context: PlayContext;
  /** Known duration from the catalog, until the audio reports its own. */
  durationMs: number | null;
}

interface Open extends Loaded {
  sessionId: string;
  paused: boolean;
  /** Wall time of the last start, resume or progress event. */
  lastReportAt: number;
  positionMs: number;
}

const whole = (ms: number) => (Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : 0);

/**
 * The event state of one listener's player. Call `load` when another play is
 * chosen, then the audio element's facts: `playing`, `paused`, `time`,
 * `ended`; `stop` when the listener moves on or the player is torn down.
 */
export class PlaybackTracker {
  private loaded: Loaded | null = null;
  private open: Open | null = null;
  private readonly newId: () => string;
  private readonly progressEveryMs: number;

  constructor(private readonly options: TrackerOptions) {
    this.newId = options.newId ?? uuid;
    this.progressEveryMs = options.progressEveryMs ?? PROGRESS_EVERY_MS;
  }

  /** The play that is open, if any (for tests and the provider's checks). */
  get session(): string | null {
    return this.open?.sessionId ?? null;
  }

  /** A new play was chosen: whatever was open ends (skip or complete by the listen rule). */
  load(trackId: string, context: PlayContext, durationMs: number | null, now: number): void {
    this.stop(null, now);
    this.loaded = { trackId, context, durationMs: durationMs && durationMs > 0 ? durationMs : null };
  }

  /** The audio is producing sound: the play starts, or resumes after a pause. */
  playing(positionMs: number, durationMs: number | null, now: number): void {
    if (durationMs && durationMs > 0 && this.loaded) this.loaded.durationMs = durationMs;
    if (this.open) {
      if (durationMs && durationMs > 0) this.open.durationMs = durationMs;
      if (!this.open.paused) return;
      this.open.paused = false;
      this.open.lastReportAt = now;
      this.send("resume", positionMs, now);
      return;
    }
    if (!this.loaded) return;
    this.open = { ...this.loaded, sessionId: this.newId(), paused: false, lastReportAt: now, positionMs };
    this.send("start", positionMs, now);
  }

  paused(positionMs: number, now: number): void {
    if (!this.open || this.open.paused) return;
    this.open.paused = true;
    this.send("pause", positionMs, now);
  }

  /** The playhead moved; every `progressEveryMs` of playing a progress event goes out. */
  time(positionMs: number, now: number): void {
    if (!this.open) return;
    this.open.positionMs = positionMs;
    if (this.open.paused || now - this.open.lastReportAt < this.progressEveryMs) return;
    this.open.lastReportAt = now;
    this.send("progress", positionMs, now);
  }

  /** The track played to its end. */
  ended(now: number): void {
    if (!this.open) return;
    const end = this.open.durationMs ?? this.open.positionMs;
    this.send("complete", end, now);
    this.open = null;
  }

  /**
   * The listener moved on (next, previous, another list, sign-out) before
   * the end: a skip, unless enough was heard to count as a listen.
   * `positionMs` null means the last position seen.
   */
  stop(positionMs: number | null, now: number): void {
    if (!this.open) return;
    const at = positionMs ?? this.open.positionMs;
    const duration = this.durationOf(at);
    this.send(listened(at, duration) ? "complete" : "skip", at, now);
    this.open = null;
  }

  private durationOf(positionMs: number): number {
    const known = this.open?.durationMs;
    // Without a known duration the position is the best lower bound the gateway accepts.
    return Math.min(MAX_TRACK_MS, Math.max(1, whole(known ?? positionMs)));
  }

  private send(kind: EventKind, positionMs: number, now: number): void {
    const open = this.open;
    if (!open) return;
    open.positionMs = positionMs;
    const duration = this.durationOf(positionMs);
    this.options.emit({
      event_id: this.newId(),
      user_id: this.options.userId,
      track_id: open.trackId,
      session_id: open.sessionId,
      kind,
      position_ms: Math.min(whole(positionMs), duration),
      track_duration_ms: duration,
      occurred_at: Math.round(now),
      client: this.options.client,
      device: this.options.device,
      context: open.context,
    });
  }
}
