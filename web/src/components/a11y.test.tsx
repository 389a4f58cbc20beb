// axe-core over the listener pages rendered with a scripted gateway. jsdom
// cannot lay out or paint, so contrast is left to the Playwright run.
import { cleanup, render, screen } from "@testing-library/react";
import axe from "axe-core";
import type { ComponentType } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../i18n";
import Album from "../pages/Album";
import Artist from "../pages/Artist";
import Browse from "../pages/Browse";
import Home from "../pages/Home";
import Library from "../pages/Library";
import Playlist from "../pages/Playlist";
import Search from "../pages/Search";
import SignUp from "../pages/SignUp";
import { json, mockFetch, routed, signIn } from "./testing";

const artist = { id: "a1", name: "Nina", genres: ["jazz"], country: "US", image_url: null };
const album = { id: "al1", artist_id: "a1", title: "Pastel Blues", release_year: 1965, genres: ["jazz"], cover_url: null };
const track = (id: string, title: string) => ({
  id, artist_id: "a1", album_id: "al1", title, duration_ms: 180_000, genre: "jazz", release_year: 1965, track_number: 1, stream_url: null,
});
const item = (id: string, track_id: string, position: number) => ({ id, track_id, position, added_at: "2024-01-01T00:00:00Z" });
const hit = (type: string, id: string, title: string, subtitle: string | null = null) => ({ type, id, title, subtitle, cover_url: null, year: null, score: 1 });

function gateway(url: string): Response {
  const path = url.split("?")[0];
  if (path === "/v1/artists/a1") return json(artist);
  if (path === "/v1/albums/al1") return json(album);
  if (path === "/v1/albums") return json({ items: [album], next_cursor: null });
  if (path === "/v1/tracks") return json({ items: [track("t1", "Be My Husband"), track("t2", "Sinnerman")], next_cursor: null });
  if (path.startsWith("/v1/tracks/")) return json(track(path.slice(11), `Track ${path.slice(11)}`));
  if (path === "/v1/playlists/p1")
    return json({ id: "p1", owner_id: "u1", name: "Mine", description: null, public: false, version: 1, items: [item("i1", "t1", 0), item("i2", "t2", 1)] });
  if (path === "/v1/me/playlists") return json({ items: [{ id: "p1", owner_id: "u1", name: "Mine", description: null, public: false, version: 1 }], next_cursor: null });
  if (path.startsWith("/v1/me/likes/")) return json({ items: path.endsWith("tracks") ? ["t1"] : [], next_cursor: null });
  if (path === "/v1/me/history") return json({ items: [{ event_id: "e1", track_id: "t2", context: "album", played_at: "2024-05-01T10:00:00Z" }], next_cursor: null });
  if (path === "/v1/me/recommendations") return json({ items: [{ track_id: "t1", title: "Be My Husband", artist_id: "a1", score: 1, reason: "Because you played Sinnerman", why: { code: "played", track_id: "t2", title: "Sinnerman" } }] });
  if (path === "/v1/browse") return json({ genres: [{ name: "jazz", tracks: 2, albums: 1 }], decades: [{ decade: 1960, albums: 1 }] });
  if (path === "/v1/charts/tracks" || path === "/v1/charts/trending")
    return json({ period: "week", items: [{ track_id: "t2", title: "Sinnerman", artist_id: "a1", artist_name: "Nina", plays: 5, minutes: 9, previous_plays: 1 }] });
  if (path === "/v1/charts/artists") return json({ period: "week", items: [{ artist_id: "a1", name: "Nina", plays: 5, minutes: 9 }] });
  if (path === "/v1/search/suggest") return json({ items: [hit("artist", "a1", "Nina")] });
  if (path === "/v1/search")
    return json({ items: [hit("artist", "a1", "Nina"), hit("album", "al1", "Pastel Blues", "Nina"), hit("track", "t2", "Sinnerman", "Nina — Pastel Blues")], total: 3, next_cursor: null, search_id: "s1" });
  return json({ error: { code: "not_found", message: "no" } }, 404);
}

async function serious(): Promise<string[]> {
  const result = await axe.run(document.body, { rules: { "color-contrast": { enabled: false } } });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
}

const pages: [string, string, string, ComponentType, string][] = [
  ["home", "/", "/", Home, "Track t2"],
  ["search", "/search?q=nina", "/search", Search, "Pastel Blues"],
  ["artist", "/artists/a1", "/artists/:id", Artist, "Be My Husband"],
  ["album", "/albums/al1", "/albums/:id", Album, "Sinnerman"],
  ["playlist (owner)", "/playlists/p1", "/playlists/:id", Playlist, "Track t2"],
  ["library", "/library", "/library", Library, "Track t2"],
  ["browse", "/browse", "/browse", Browse, "1960s"],
  ["genre", "/browse/genres/jazz", "/browse/genres/:genre", Browse, "Be My Husband"],
  ["decade", "/browse/decades/1960", "/browse/decades/:decade", Browse, "Pastel Blues"],
  ["sign up", "/signup", "/signup", SignUp, "Create an account"],
];

describe("listener pages have no serious accessibility violations", () => {
  beforeEach(() => {
    signIn();
    mockFetch(gateway);
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  for (const [name, url, path, Page, waitFor] of pages) {
    it(name, async () => {
      render(
        routed(
          <main>
            <Page />
          </main>,
          path,
          url,
        ),
      );
      await screen.findAllByText(waitFor, {}, { timeout: 3000 });
      expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
      expect(await serious()).toEqual([]);
    });
  }
});
