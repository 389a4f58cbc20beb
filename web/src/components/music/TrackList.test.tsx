import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../../i18n";
import { json, mockFetch, signIn, wrapper } from "../testing";
import { TrackList } from "./TrackList";

const player = vi.hoisted(() => ({ current: null, play: vi.fn(), playNext: vi.fn(), enqueue: vi.fn() }));
vi.mock("../../player/PlayerProvider", () => ({ usePlayer: () => player }));

const tracks = [
  { id: "t1", title: "One", artist: "Ada", artistId: "a1" },
  { id: "t2", title: "Two", artist: "Ada", artistId: "a1", durationMs: 187_000 },
];

describe("TrackList", () => {
  let fetch: ReturnType<typeof mockFetch>;
  beforeEach(() => {
    signIn();
    vi.clearAllMocks();
    const liked = new Set(["t2"]);
    fetch = mockFetch((url, init) => {
      if (url.startsWith("/v1/me/likes/tracks?")) return json({ items: [...liked], next_cursor: null });
      const id = url.match(/^\/v1\/me\/likes\/tracks\/(\w+)$/)?.[1];
      if (id && init.method === "PUT") liked.add(id);
      if (id && init.method === "DELETE") liked.delete(id);
      return new Response(null, { status: 204 });
    });
    render(<TrackList label="Tracks" rows={tracks.map((track) => ({ key: track.id, track }))} />, { wrapper: wrapper() });
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("shows a row per track with its title", () => {
    const rows = screen.getAllByTestId("track-row");
    expect(rows).toHaveLength(2);
    expect(within(rows[1]).getByText("Two")).toBeTruthy();
    expect(within(rows[1]).getByText("3:07")).toBeTruthy();
  });

  it("plays the whole list from the row played", () => {
    fireEvent.click(screen.getByRole("button", { name: "Play Two" }));
    expect(player.play).toHaveBeenCalledWith(tracks, 1);
  });

  it("queues from the row's menu, reached by keyboard", () => {
    const more = screen.getByRole("button", { name: "More actions for One" });
    fireEvent.click(more);
    const menu = screen.getByRole("menu");
    const items = within(menu).getAllByRole("menuitem");
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[1]);
    fireEvent.click(items[1]);
    expect(player.enqueue).toHaveBeenCalledWith(tracks[0]);
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(more);
    expect(screen.getByRole("status").textContent).toContain("One");
  });

  it("closes the menu on Escape and gives focus back", () => {
    const more = screen.getByRole("button", { name: "More actions for Two" });
    fireEvent.click(more);
    fireEvent.keyDown(screen.getByRole("menu"), { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(more);
  });

  it("shows which tracks are liked and likes another", async () => {
    await waitFor(() => expect(screen.getByRole("button", { name: "Like Two" }).getAttribute("aria-pressed")).toBe("true"));
    const like = screen.getByRole("button", { name: "Like One" });
    expect(like.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(like);
    await waitFor(() => expect(like.getAttribute("aria-pressed")).toBe("true"));
    expect(fetch.mock.calls.some(([url, init]) => url === "/v1/me/likes/tracks/t1" && init?.method === "PUT")).toBe(true);
  });
});
