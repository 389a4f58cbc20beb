// The play queue as pure state: what plays now, what comes next, and whether
// the listener wants sound. The provider keeps the <audio> element in step
// with this state, so every rule about order lives here and is unit tested.

export type Repeat = "off" | "all" | "one";
export const REPEAT_MODES: readonly Repeat[] = ["off", "all", "one"];

/** Returns a number in [0, 1), like Math.random; tests pass a seeded one. */
export type Random = () => number;

/** One entry of the queue. The key tells apart two entries of the same track. */
export interface QueueItem<T> {
  key: number;
  track: T;
}

export interface QueueState<T> {
  /** The play order (shuffled when `shuffle` is on). */
  items: QueueItem<T>[];
  /** The same entries in the order they were added, restored when shuffle goes off. */
  original: QueueItem<T>[];
  /** Position of the current entry in `items`; -1 when the queue is empty. */
  index: number;
  /** Whether the listener wants sound; the audio element follows it. */
  playing: boolean;
  repeat: Repeat;
  shuffle: boolean;
  /** Bumped when the current entry must start again from 0 (repeat one, previous). */
  restarts: number;
  nextKey: number;
}

export type QueueAction<T> =
  | { type: "play"; tracks: T[]; start?: number; random?: Random }
  | { type: "playNext"; track: T }
  | { type: "enqueue"; track: T }
  | { type: "jump"; key: number }
  /**
   * `auto` is the end of a track; a listener's "next" ignores repeat-one.
   * `skip` passes over a track that cannot play: onwards only, never round
   * again, so a queue with nothing playable comes to rest.
   */
  | { type: "next"; auto?: boolean; skip?: boolean }
  /** `position` is seconds into the current track: past 3 s, previous restarts it. */
  | { type: "previous"; position: number }
  | { type: "remove"; key: number }
  | { type: "setPlaying"; playing: boolean }
  | { type: "toggle" }
  | { type: "shuffle"; on: boolean; random?: Random }
  | { type: "repeat"; mode: Repeat }
  | { type: "clear" };

/** Seconds after which "previous" restarts the track instead of going back. */
export const RESTART_THRESHOLD_S = 3;

export function emptyQueue<T>(): QueueState<T> {
  return { items: [], original: [], index: -1, playing: false, repeat: "off", shuffle: false, restarts: 0, nextKey: 1 };
}

export function currentItem<T>(state: QueueState<T>): QueueItem<T> | null {
  return state.items[state.index] ?? null;
}

/** Whether "next" would move to another entry (used to enable the button). */
export function hasNext<T>(state: QueueState<T>): boolean {
  return state.index >= 0 && (state.index + 1 < state.items.length || state.repeat === "all");
}

/**
 * The entry the current one runs into when it ends by itself, if another:
 * what the player loads ahead, so one track runs straight into the next.
 */
export function upNext<T>(state: QueueState<T>): QueueItem<T> | null {
  const after = queueReducer(state, { type: "next", auto: true });
  return after.playing && after.index !== state.index && after.restarts === state.restarts ? currentItem(after) : null;
}

/** Fisher–Yates, deterministic for a given `random`. */
export function shuffled<X>(list: readonly X[], random: Random): X[] {
  const out = list.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The current entry first, then every other entry in random order. */
function shuffleAround<T>(original: QueueItem<T>[], current: QueueItem<T> | null, random: Random): QueueItem<T>[] {
  if (!current) return shuffled(original, random);
  return [current, ...shuffled(original.filter((item) => item.key !== current.key), random)];
}

function withItems<T>(state: QueueState<T>, tracks: T[]): [QueueItem<T>[], number] {
  const items = tracks.map((track, i) => ({ key: state.nextKey + i, track }));
  return [items, state.nextKey + tracks.length];
}

/** Inserts `item` right after `after` (or at the start when `after` is absent). */
function insertAfter<T>(list: QueueItem<T>[], after: number | undefined, item: QueueItem<T>): QueueItem<T>[] {
  const at = after === undefined ? -1 : list.findIndex((x) => x.key === after);
  return [...list.slice(0, at + 1), item, ...list.slice(at + 1)];
}

function restart<T>(state: QueueState<T>, playing: boolean): QueueState<T> {
  return { ...state, playing, restarts: state.restarts + 1 };
}

export function queueReducer<T>(state: QueueState<T>, action: QueueAction<T>): QueueState<T> {
  switch (action.type) {
    case "play": {
      if (action.tracks.length === 0) return { ...state, items: [], original: [], index: -1, playing: false };
      const [original, nextKey] = withItems(state, action.tracks);
      const start = Math.min(Math.max(action.start ?? 0, 0), original.length - 1);
      const items = state.shuffle ? shuffleAround(original, original[start], action.random ?? Math.random) : original;
      return {
        ...state,
        items,
        original,
        index: state.shuffle ? 0 : start,
        playing: true,
        nextKey,
        restarts: state.restarts + 1,
      };
    }
    case "playNext":
    case "enqueue": {
      const item = { key: state.nextKey, track: action.track };
      const base = { ...state, nextKey: state.nextKey + 1 };
      const current = currentItem(state);
      // Into an empty queue the entry becomes current, waiting for "play".
      if (!current) return { ...base, items: [item], original: [item], index: 0, playing: false };
      if (action.type === "enqueue") {
        return { ...base, items: [...state.items, item], original: [...state.original, item] };
      }
      return {
        ...base,
        items: insertAfter(state.items, current.key, item),
        original: insertAfter(state.original, current.key, item),
      };
    }
    case "jump": {
      const index = state.items.findIndex((item) => item.key === action.key);
      if (index < 0) return state;
      return { ...state, index, playing: true, restarts: state.restarts + 1 };
    }
    case "next": {
      if (state.index < 0) return state;
      if (action.skip) {
        return state.index + 1 < state.items.length ? { ...state, index: state.index + 1, playing: true } : { ...state, playing: false };
      }
      if (action.auto && state.repeat === "one") return restart(state, true);
      if (state.index + 1 < state.items.length) {
        return { ...state, index: state.index + 1, playing: action.auto ? true : state.playing };
      }
      if (state.repeat === "all") {
        const playing = action.auto ? true : state.playing;
        return state.items.length === 1 ? restart(state, playing) : { ...state, index: 0, playing };
      }
      // The end of the queue: stay on the last track, silent; "play" starts it again.
      return { ...state, playing: false };
    }
    case "previous": {
      if (state.index < 0) return state;
      if (action.position > RESTART_THRESHOLD_S) return restart(state, state.playing);
      if (state.index > 0) return { ...state, index: state.index - 1 };
      if (state.repeat === "all" && state.items.length > 1) return { ...state, index: state.items.length - 1 };
      return restart(state, state.playing);
    }
    case "remove": {
      const at = state.items.findIndex((item) => item.key === action.key);
      if (at < 0) return state;
      const items = state.items.filter((item) => item.key !== action.key);
      const original = state.original.filter((item) => item.key !== action.key);
      if (items.length === 0) return { ...state, items, original, index: -1, playing: false };
      if (at < state.index) return { ...state, items, original, index: state.index - 1 };
      if (at > state.index) return { ...state, items, original };
      // The current entry went: the one after it takes its place; past the end, the queue stops.
      if (at < items.length) return { ...state, items, original };
      return { ...state, items, original, index: items.length - 1, playing: false };
    }
    case "setPlaying":
      return state.playing === action.playing ? state : { ...state, playing: action.playing };
    case "toggle":
      return state.index < 0 ? state : { ...state, playing: !state.playing };
    case "shuffle": {
      if (action.on === state.shuffle) return state;
      const current = currentItem(state);
      if (action.on) {
        const items = shuffleAround(state.original, current, action.random ?? Math.random);
        return { ...state, shuffle: true, items, index: current ? 0 : -1 };
      }
      const index = current ? state.original.findIndex((item) => item.key === current.key) : -1;
      return { ...state, shuffle: false, items: state.original, index };
    }
    case "repeat":
      return { ...state, repeat: action.mode };
    case "clear":
      return { ...emptyQueue<T>(), repeat: state.repeat, shuffle: state.shuffle, nextKey: state.nextKey, restarts: state.restarts + 1 };
  }
}

/** The repeat mode a "Repeat" button press moves to: off → all → one → off. */
export function nextRepeat(mode: Repeat): Repeat {
  return REPEAT_MODES[(REPEAT_MODES.indexOf(mode) + 1) % REPEAT_MODES.length];
}
