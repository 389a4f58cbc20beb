import { act, renderHook, waitFor } from "@testing-library/react";
import { useReducer } from "react";
import { beforeEach, describe, expect, it } from "vitest";
import { json, mockFetch, signIn } from "../components/testing";
import { emptyQueue, queueReducer } from "./queue";
import type { Entry, QueueTrack } from "./types";
import { useRadio } from "./useRadio";

const track = (id: string) => ({ id, title: id, artist: "A", artist_id: "a", album: null, album_id: null, duration_ms: 0 });
const entry = (t: QueueTrack): Entry => ({ ...t, context: { kind: "radio" } });

function usePlayerWithRadio() {
  const [state, dispatch] = useReducer(queueReducer<Entry>, undefined, emptyQueue<Entry>);
  return { state, dispatch, radio: useRadio(state, dispatch, entry) };
}

const ids = (state: { items: { track: Entry }[] }) => state.items.map((i) => i.track.id);

describe("a radio", () => {
  beforeEach(() => {
    signIn();
    // After s: a and b; after anything else nothing new; the wide net from s adds c and d.
    mockFetch((url) => {
      const query = new URL(url, "http://x").searchParams;
      if (query.get("count") === "100") return json({ items: ["a", "b", "c", "d"].map(track) });
      return json({ items: query.get("seed") === "s" ? [track("a"), track("b")] : [track("a")] });
    });
  });

  it("keeps the queue filling with what it has not queued, then stops", async () => {
    const { result } = renderHook(usePlayerWithRadio);
    await act(() => result.current.radio.start("s", entry({ id: "s", title: "s", artist: "A" })));
    // Three queued is running low: the refill finds nothing new after s and
    // casts the wide net.
    await waitFor(() => expect(ids(result.current.state)).toEqual(["s", "a", "b", "c", "d"]));
    expect(result.current.radio.on).toBe(true);
    act(() => result.current.dispatch({ type: "next" }));
    act(() => result.current.dispatch({ type: "next" }));
    // Low again at b: nothing anywhere is new, so nothing repeats.
    await new Promise((r) => setTimeout(r, 50));
    expect(ids(result.current.state)).toEqual(["s", "a", "b", "c", "d"]);
  });
});
