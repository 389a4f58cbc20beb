import { describe, expect, it } from "vitest";
import {
  currentItem,
  emptyQueue,
  hasNext,
  nextRepeat,
  queueReducer,
  shuffled,
  upNext,
  type QueueAction,
  type QueueState,
  type Random,
} from "./queue";

type S = QueueState<string>;

function run(...actions: QueueAction<string>[]): S {
  return actions.reduce(queueReducer<string>, emptyQueue<string>());
}
const apply = (state: S, ...actions: QueueAction<string>[]) => actions.reduce(queueReducer<string>, state);
const titles = (state: S) => state.items.map((item) => item.track);
const current = (state: S) => currentItem(state)?.track ?? null;

/** A small seeded generator (mulberry32), so shuffles repeat exactly. */
function seeded(seed: number): Random {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ABCDE = ["a", "b", "c", "d", "e"];

describe("play", () => {
  it("replaces the queue and starts at the given track", () => {
    const s = run({ type: "enqueue", track: "x" }, { type: "play", tracks: ABCDE, start: 2 });
    expect(titles(s)).toEqual(ABCDE);
    expect(current(s)).toBe("c");
    expect(s.playing).toBe(true);
  });

  it("clamps a start outside the list", () => {
    expect(current(run({ type: "play", tracks: ABCDE, start: 99 }))).toBe("e");
    expect(current(run({ type: "play", tracks: ABCDE, start: -1 }))).toBe("a");
  });

  it("gives every entry its own key, even for the same track twice", () => {
    const s = run({ type: "play", tracks: ["a", "a"] }, { type: "enqueue", track: "a" });
    expect(new Set(s.items.map((i) => i.key)).size).toBe(3);
  });

  it("restarts when the same list is played again", () => {
    const s = run({ type: "play", tracks: ABCDE });
    expect(apply(s, { type: "play", tracks: ABCDE }).restarts).toBe(s.restarts + 1);
  });
});

describe("next and previous", () => {
  it("walks forward and stops silent at the end when repeat is off", () => {
    let s = run({ type: "play", tracks: ["a", "b"] });
    s = apply(s, { type: "next", auto: true });
    expect(current(s)).toBe("b");
    expect(hasNext(s)).toBe(false);
    s = apply(s, { type: "next", auto: true });
    expect(current(s)).toBe("b");
    expect(s.playing).toBe(false);
  });

  it("wraps around with repeat all", () => {
    const s = run({ type: "play", tracks: ["a", "b"], start: 1 }, { type: "repeat", mode: "all" });
    expect(hasNext(s)).toBe(true);
    expect(current(apply(s, { type: "next", auto: true }))).toBe("a");
    expect(current(apply(s, { type: "previous", position: 0 }))).toBe("a");
    const first = apply(s, { type: "jump", key: s.items[0].key });
    expect(current(apply(first, { type: "previous", position: 0 }))).toBe("b");
  });

  it("repeats one track at its end, but the listener's next moves on", () => {
    const s = run({ type: "play", tracks: ["a", "b"] }, { type: "repeat", mode: "one" });
    const again = apply(s, { type: "next", auto: true });
    expect(current(again)).toBe("a");
    expect(again.restarts).toBe(s.restarts + 1);
    expect(current(apply(s, { type: "next" }))).toBe("b");
  });

  it("knows what a track runs into when it ends, which the player loads ahead", () => {
    const s = run({ type: "play", tracks: ["a", "b"] });
    expect(upNext(s)?.track).toBe("b");
    // The end of the queue, and repeat one (the same entry again), run into nothing new.
    expect(upNext(apply(s, { type: "next" }))).toBeNull();
    expect(upNext(apply(s, { type: "repeat", mode: "one" }))).toBeNull();
    // Repeat all runs from the last back to the first.
    expect(upNext(apply(s, { type: "next" }, { type: "repeat", mode: "all" }))?.track).toBe("a");
  });

  it("restarts the track when previous comes more than 3 s in", () => {
    const s = run({ type: "play", tracks: ABCDE, start: 2 });
    const restarted = apply(s, { type: "previous", position: 10 });
    expect(current(restarted)).toBe("c");
    expect(restarted.restarts).toBe(s.restarts + 1);
    expect(current(apply(s, { type: "previous", position: 1 }))).toBe("b");
  });

  it("keeps a paused queue paused when the listener skips", () => {
    const s = run({ type: "play", tracks: ABCDE }, { type: "toggle" }, { type: "next" });
    expect(current(s)).toBe("b");
    expect(s.playing).toBe(false);
  });

  it("does nothing on an empty queue", () => {
    const s = emptyQueue<string>();
    expect(apply(s, { type: "next" }, { type: "previous", position: 0 }, { type: "toggle" })).toEqual(s);
  });
});

describe("play next and enqueue", () => {
  it("puts play-next right after the current track and enqueue at the end", () => {
    const s = run({ type: "play", tracks: ["a", "b", "c"] }, { type: "next" }, { type: "playNext", track: "x" }, { type: "enqueue", track: "y" });
    expect(titles(s)).toEqual(["a", "b", "x", "c", "y"]);
    expect(current(s)).toBe("b");
    expect(current(apply(s, { type: "next" }))).toBe("x");
  });

  it("makes the first entry of an empty queue current without playing it", () => {
    const s = run({ type: "enqueue", track: "a" });
    expect(current(s)).toBe("a");
    expect(s.playing).toBe(false);
    expect(apply(s, { type: "toggle" }).playing).toBe(true);
  });
});

describe("remove", () => {
  const base = run({ type: "play", tracks: ABCDE, start: 2 });
  const keyOf = (t: string) => base.items.find((i) => i.track === t)!.key;

  it("keeps the current track when an earlier or later one goes", () => {
    const s = apply(base, { type: "remove", key: keyOf("a") }, { type: "remove", key: keyOf("e") });
    expect(titles(s)).toEqual(["b", "c", "d"]);
    expect(current(s)).toBe("c");
  });

  it("moves on to the following track when the current one goes", () => {
    const s = apply(base, { type: "remove", key: keyOf("c") });
    expect(current(s)).toBe("d");
    expect(s.playing).toBe(true);
  });

  it("stops when the last current track goes, and empties cleanly", () => {
    const last = apply(base, { type: "jump", key: keyOf("e") }, { type: "remove", key: keyOf("e") });
    expect(current(last)).toBe("d");
    expect(last.playing).toBe(false);
    const empty = ABCDE.reduce((s, t) => apply(s, { type: "remove", key: keyOf(t) }), base);
    expect(empty.index).toBe(-1);
    expect(current(empty)).toBeNull();
  });

  it("ignores an unknown key", () => {
    expect(apply(base, { type: "remove", key: 999 })).toBe(base);
  });
});

describe("shuffle", () => {
  it("is a permutation and repeats for the same seed", () => {
    const list = Array.from({ length: 20 }, (_, i) => i);
    const one = shuffled(list, seeded(7));
    expect(one).toEqual(shuffled(list, seeded(7)));
    expect(one).not.toEqual(list);
    expect(one.slice().sort((a, b) => a - b)).toEqual(list);
  });

  it("keeps the current track playing and shuffles the rest after it", () => {
    const s = run({ type: "play", tracks: ABCDE, start: 2 }, { type: "shuffle", on: true, random: seeded(1) });
    expect(s.shuffle).toBe(true);
    expect(current(s)).toBe("c");
    expect(s.index).toBe(0);
    expect(titles(s).slice().sort()).toEqual(ABCDE);
    expect(s.restarts).toBe(run({ type: "play", tracks: ABCDE, start: 2 }).restarts);
    const again = run({ type: "play", tracks: ABCDE, start: 2 }, { type: "shuffle", on: true, random: seeded(1) });
    expect(titles(again)).toEqual(titles(s));
  });

  it("restores the original order, with additions, when turned off", () => {
    let s = run({ type: "play", tracks: ABCDE, start: 1 }, { type: "shuffle", on: true, random: seeded(3) });
    s = apply(s, { type: "enqueue", track: "y" }, { type: "playNext", track: "x" }, { type: "next" });
    const playing = current(s);
    expect(playing).toBe("x");
    s = apply(s, { type: "shuffle", on: false });
    expect(titles(s)).toEqual(["a", "b", "x", "c", "d", "e", "y"]);
    expect(current(s)).toBe("x");
  });

  it("shuffles a newly played list around its start track", () => {
    const s = run({ type: "shuffle", on: true }, { type: "play", tracks: ABCDE, start: 3, random: seeded(5) });
    expect(current(s)).toBe("d");
    expect(s.index).toBe(0);
    expect(s.original.map((i) => i.track)).toEqual(ABCDE);
  });
});

describe("repeat", () => {
  it("cycles off → all → one → off", () => {
    expect(nextRepeat("off")).toBe("all");
    expect(nextRepeat("all")).toBe("one");
    expect(nextRepeat("one")).toBe("off");
  });

  it("clear keeps the listener's modes", () => {
    const s = run({ type: "repeat", mode: "all" }, { type: "shuffle", on: true }, { type: "play", tracks: ABCDE }, { type: "clear" });
    expect(s.items).toEqual([]);
    expect(s.repeat).toBe("all");
    expect(s.shuffle).toBe(true);
  });
});

describe("skip", () => {
  it("passes over a track that cannot play, and keeps playing", () => {
    const s = apply(run({ type: "play", tracks: ABCDE, start: 1 }), { type: "setPlaying", playing: false }, { type: "next", skip: true });
    expect(current(s)).toBe("c");
    expect(s.playing).toBe(true);
  });

  it("never goes round again, even on repeat: a queue of nothing playable comes to rest", () => {
    const s = apply(run({ type: "repeat", mode: "all" }, { type: "play", tracks: ABCDE, start: 4 }), { type: "next", skip: true });
    expect(current(s)).toBe("e");
    expect(s.playing).toBe(false);
    const one = apply(run({ type: "repeat", mode: "one" }, { type: "play", tracks: ABCDE, start: 2 }), { type: "next", skip: true });
    expect(current(one)).toBe("d");
  });
});
