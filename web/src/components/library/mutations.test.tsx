import { QueryClient } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json, mockFetch, signIn, wrapper } from "../testing";
import { keys } from "../music/queries";
import type { Playlist } from "../music/types";
import { usePlaylistEdits } from "./mutations";

const item = (id: string, position: number) => ({ id, track_id: `t${id}`, position, added_at: "" });
const playlist: Playlist = {
  id: "p1",
  owner_id: "u1",
  name: "Mix",
  description: null,
  public: false,
  version: 3,
  items: [item("a", 0), item("b", 1), item("c", 2)],
};
const order = (client: QueryClient) => client.getQueryData<Playlist>(keys.playlist("p1"))?.items?.map((i) => i.id).join("");

describe("usePlaylistEdits", () => {
  let client: QueryClient;
  beforeEach(() => {
    signIn();
    client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(keys.playlist("p1"), playlist);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("moves at once, sends the new position, and keeps the gateway's order", async () => {
    let release: (r: Response) => void = () => {};
    const fetch = mockFetch((_url, init) => {
      if (init.method === "PUT") return new Promise<Response>((r) => (release = r));
      return json({ ...playlist, items: [item("b", 0), item("c", 1), item("a", 2)] });
    });
    const { result } = renderHook(() => usePlaylistEdits("p1"), { wrapper: wrapper(client) });
    act(() => result.current.mutate({ kind: "move", itemId: "a", from: 0, to: 2 }));
    await waitFor(() => expect(order(client)).toBe("bca"));
    const put = fetch.mock.calls.find(([, init]) => init?.method === "PUT");
    expect(put?.[0]).toBe("/v1/playlists/p1/items/a/position");
    expect(JSON.parse(String(put?.[1]?.body))).toEqual({ position: 2 });
    release(json({ ...playlist, version: 4, items: [item("b", 0), item("c", 1), item("a", 2)] }));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(order(client)).toBe("bca");
  });

  it("puts the order back when the gateway refuses", async () => {
    mockFetch((_url, init) =>
      init.method === "PUT" ? json({ error: { code: "forbidden", message: "no" } }, 403) : json(playlist),
    );
    const { result } = renderHook(() => usePlaylistEdits("p1"), { wrapper: wrapper(client) });
    act(() => result.current.mutate({ kind: "move", itemId: "c", from: 2, to: 0 }));
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(order(client)).toBe("abc");
  });

  it("removes an item at once", async () => {
    mockFetch(() => json({ ...playlist, items: [item("a", 0), item("c", 1)] }));
    const { result } = renderHook(() => usePlaylistEdits("p1"), { wrapper: wrapper(client) });
    act(() => result.current.mutate({ kind: "remove", itemId: "b" }));
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(order(client)).toBe("ac");
  });
});
