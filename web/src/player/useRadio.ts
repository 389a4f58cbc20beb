// The radio's side of the player: start one from a track, an album or an
// artist, and keep it filling (see radio.ts) until the listener plays
// something else.
import { useCallback, useEffect, useMemo, useRef, useState, type Dispatch } from "react";
import { api } from "../api/client";
import type { Schema } from "../api/types";
import { withQuery } from "../components/music/queries";
import type { PlayContext } from "./events";
import type { QueueAction, QueueState } from "./queue";
import { asQueueTrack, BATCH, fresh, runningLow, WIDE } from "./radio";
import type { Entry, QueueTrack } from "./types";

interface Station {
  seed: string;
  seen: Set<string>;
  /** Set when even the wide net brought nothing new. */
  done: boolean;
}

async function ask(seed: string, count: number): Promise<Schema<"RadioTrack">[]> {
  return (await api<Schema<"Radio">>(withQuery("/v1/radio", { seed, count }))).items;
}

export function useRadio(
  state: QueueState<Entry>,
  dispatch: Dispatch<QueueAction<Entry>>,
  entry: (track: QueueTrack, context?: PlayContext) => Entry,
) {
  const station = useRef<Station | null>(null);
  const [on, setOn] = useState(false);
  const busy = useRef(false);

  const stop = useCallback(() => {
    station.current = null;
    setOn(false);
  }, []);

  /** Plays `first` (the seed track, when it is one) and then the radio after `seed`. */
  const start = useCallback(
    async (seed: string, first?: QueueTrack) => {
      const context: PlayContext = { kind: "radio", id: seed };
      const found = await ask(seed, BATCH);
      const seen = new Set<string>(first ? [first.id] : []);
      const tracks = [...(first ? [first] : []), ...fresh(found, seen).map(asQueueTrack)];
      tracks.forEach((t) => seen.add(t.id));
      dispatch({ type: "play", tracks: tracks.map((t) => entry(t, context)), start: 0 });
      station.current = { seed, seen, done: false };
      setOn(tracks.length > 0);
    },
    [dispatch, entry],
  );

  // Refill when the queue runs low.
  const current = state.items[state.index]?.track.id;
  useEffect(() => {
    const s = station.current;
    if (!s || s.done || busy.current || !current || !runningLow(state.items.length, state.index)) return;
    busy.current = true;
    const context: PlayContext = { kind: "radio", id: s.seed };
    void (async () => {
      try {
        let more = fresh(await ask(current, BATCH), s.seen);
        if (more.length === 0) more = fresh(await ask(s.seed, WIDE), s.seen);
        if (station.current !== s) return;
        if (more.length === 0) s.done = true;
        for (const t of more) {
          s.seen.add(t.id);
          dispatch({ type: "enqueue", track: entry(asQueueTrack(t), context) });
        }
      } catch {
        // A radio that cannot refill plays out what it has queued.
        s.done = true;
      } finally {
        busy.current = false;
      }
    })();
  }, [current, state.items.length, state.index, dispatch, entry]);

  return useMemo(() => ({ on, start, stop }), [on, start, stop]);
}
