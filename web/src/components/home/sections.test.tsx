import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../../i18n";
import { json, mockFetch, signIn, wrapper } from "../testing";
import { TopTracks } from "./sections";

const player = vi.hoisted(() => ({ current: null, play: vi.fn(), playNext: vi.fn(), enqueue: vi.fn() }));
vi.mock("../../player/PlayerProvider", () => ({ usePlayer: () => player }));

describe("chart rows", () => {
  beforeEach(() => {
    signIn();
    mockFetch((url) => {
      const path = url.split("?")[0];
      if (path === "/v1/charts/tracks")
        return json({ period: "week", items: [{ track_id: "t1", title: "Sinnerman", artist_id: "a1", artist_name: "Nina", plays: 5, minutes: 9 }] });
      if (path === "/v1/tracks/t1")
        return json({ id: "t1", artist_id: "a1", album_id: "al1", title: "Sinnerman", duration_ms: 600_000, genre: null, release_year: null, track_number: 1, stream_url: null });
      if (path === "/v1/artists/a1") return json({ id: "a1", name: "Nina", genres: [], country: null, image_url: null });
      if (path === "/v1/albums/al1")
        return json({ id: "al1", artist_id: "a1", title: "Pastel Blues", release_year: 1965, genres: [], cover_url: "/v1/albums/al1/cover" });
      return json({ items: [], next_cursor: null });
    });
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it("show the catalogue's cover and whether the track has audio, which the warehouse does not know", async () => {
    render(<TopTracks period="week" />, { wrapper: wrapper() });
    const row = await screen.findByTestId("track-row");
    await waitFor(() => expect(row.querySelector("img.artwork")?.getAttribute("src")).toContain("/v1/albums/al1/cover"));
    expect(within(row).getByText("No audio")).toBeTruthy();
    expect(within(row).getByText("Sinnerman")).toBeTruthy();
  });
});
