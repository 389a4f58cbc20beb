import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import axe from "axe-core";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../i18n";
import { session } from "../api/client";
import type { Session } from "../api/session";
import type { PlaybackEvent } from "./events";
import { PlayerBar } from "./PlayerBar";
import { PlayerProvider, usePlayer, type QueueTrack } from "./PlayerProvider";

const USER = "11111111-1111-4111-8111-111111111111";
const TRACKS: QueueTrack[] = [
  { id: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", title: "First Song", artist: "Band", artistId: "ar1", durationMs: 120_000 },
  { id: "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb", title: "Second Song", artist: "Band", durationMs: 90_000 },
];

/** jsdom has no media playback: a fake element state with the real event order. */
const media = new WeakMap<HTMLMediaElement, { paused: boolean; time: number; duration: number }>();
const of = (el: HTMLMediaElement) => {
  if (!media.has(el)) media.set(el, { paused: true, time: 0, duration: Number.NaN });
  return media.get(el)!;
};
const play = vi.fn(function (this: HTMLMediaElement) {
  of(this).paused = false;
  this.dispatchEvent(new Event("play"));
  this.dispatchEvent(new Event("playing"));
  return Promise.resolve();
});
const pause = vi.fn(function (this: HTMLMediaElement) {
  if (of(this).paused) return;
  of(this).paused = true;
  this.dispatchEvent(new Event("pause"));
});

beforeEach(() => {
  Object.defineProperties(HTMLMediaElement.prototype, {
    paused: { configurable: true, get: function (this: HTMLMediaElement) { return of(this).paused; } },
    ended: { configurable: true, get: () => false },
    currentTime: {
      configurable: true,
      get: function (this: HTMLMediaElement) { return of(this).time; },
      set: function (this: HTMLMediaElement, v: number) { of(this).time = v; },
    },
    duration: { configurable: true, get: function (this: HTMLMediaElement) { return of(this).duration; } },
  });
  HTMLMediaElement.prototype.play = play;
  HTMLMediaElement.prototype.pause = pause;
  HTMLMediaElement.prototype.load = () => {};
  // The gateway: stream URLs with a ticket, and every event batch accepted.
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      const path = String(input);
      if (path.endsWith("/stream-url")) {
        return new Response(JSON.stringify({ url: `${path.slice(0, -4)}?ticket=t1`, expires_at: "" }), { status: 200 });
      }
      return new Response(JSON.stringify({ accepted: 1 }), { status: 202 });
    }),
  );
  const signedIn: Session = {
    user: { id: USER, email: "a@b.c", username: "a", display_name: null, role: "listener", avatar_url: null, created_at: "" },
    access_token: "tok en",
    token_type: "Bearer",
    expires_in: 3600,
  };
  session.set(signedIn);
});

afterEach(() => {
  cleanup();
  act(() => session.set(null));
  sessionStorage.clear();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  play.mockClear();
  pause.mockClear();
});

function Starter() {
  const player = usePlayer();
  return (
    <button type="button" onClick={() => player.play(TRACKS, 0, { kind: "album", id: "al1" })}>
      start
    </button>
  );
}

function renderPlayer() {
  render(
    <MemoryRouter>
      <PlayerProvider>
        <Starter />
        <PlayerBar />
      </PlayerProvider>
    </MemoryRouter>,
  );
  return document.querySelector("audio")!;
}

const stored = (): PlaybackEvent[] => JSON.parse(sessionStorage.getItem(`encore.playback.unsent.${USER}`) ?? "[]");

describe("the player bar", () => {
  it("plays, pauses, skips and reports it, all from buttons with stable names", async () => {
    const audio = renderPlayer();
    expect(screen.getByRole("region", { name: "Player" })).toBeTruthy();
    expect(screen.getByTestId("now-playing").textContent).toBe("Nothing is playing");
    expect((screen.getByRole("button", { name: "Play" }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBe(`/v1/tracks/${TRACKS[0].id}/stream?ticket=t1`));
    expect(play).toHaveBeenCalled();
    expect(screen.getByTestId("now-playing").textContent).toBe("First Song");
    expect(screen.getByRole("status").textContent).toBe("Now playing: First Song by Band");
    expect(screen.getByRole("link", { name: "Band" }).getAttribute("href")).toBe("/artists/ar1");

    fireEvent.click(screen.getByRole("button", { name: "Pause" }));
    expect(pause).toHaveBeenCalled();
    await screen.findByRole("button", { name: "Play" });

    fireEvent.click(screen.getByRole("button", { name: "Next track" }));
    await waitFor(() => expect(audio.getAttribute("src")).toContain(TRACKS[1].id));
    expect(screen.getByTestId("now-playing").textContent).toBe("Second Song");
    fireEvent.click(screen.getByRole("button", { name: "Play" }));
    await screen.findByRole("button", { name: "Pause" });

    const events = stored();
    expect(events.map((e) => [e.kind, e.track_id])).toEqual([
      ["start", TRACKS[0].id],
      ["pause", TRACKS[0].id],
      ["skip", TRACKS[0].id],
      ["start", TRACKS[1].id],
    ]);
    expect(events[0].context).toEqual({ kind: "album", id: "al1" });
    expect(events[0].user_id).toBe(USER);
  });

  it("seeks, sets the volume, shuffles and repeats", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    of(audio).duration = 120;
    act(() => void audio.dispatchEvent(new Event("durationchange")));

    const seek = screen.getByRole("slider", { name: "Seek" });
    fireEvent.change(seek, { target: { value: "30" } });
    expect(audio.currentTime).toBe(30);
    expect(seek.getAttribute("aria-valuetext")).toBe("0:30 of 2:00");
    fireEvent.keyDown(seek, { key: "ArrowRight" });
    expect(audio.currentTime).toBe(35);

    fireEvent.change(screen.getByRole("slider", { name: "Volume" }), { target: { value: "40" } });
    expect(audio.volume).toBeCloseTo(0.4);
    fireEvent.click(screen.getByRole("button", { name: "Mute" }));
    expect(audio.muted).toBe(true);

    const shuffle = screen.getByRole("button", { name: "Shuffle" });
    fireEvent.click(shuffle);
    expect(shuffle.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("now-playing").textContent).toBe("First Song");

    const repeat = screen.getByRole("button", { name: "Repeat" });
    expect(repeat.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(repeat);
    fireEvent.click(repeat);
    expect(repeat.getAttribute("aria-pressed")).toBe("true");
    expect(document.getElementById("player-repeat-mode")?.textContent).toBe("Repeating this track");
  });

  it("opens the queue, plays and removes entries, and closes with Escape", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    const toggle = screen.getByRole("button", { name: "Queue" });
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByTestId("queue-item")).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Second Song Band" }));
    await waitFor(() => expect(audio.getAttribute("src")).toContain(TRACKS[1].id));
    fireEvent.click(screen.getByRole("button", { name: "Remove First Song from the queue" }));
    expect(screen.getAllByTestId("queue-item")).toHaveLength(1);
    fireEvent.keyDown(screen.getByRole("heading", { name: "Queue" }), { key: "Escape" });
    expect(screen.queryByRole("heading", { name: "Queue" })).toBeNull();
    expect(document.activeElement).toBe(toggle);
  });

  it("loads the next track ahead in its last seconds and starts it the moment the first ends", async () => {
    const first = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(first.getAttribute("src")).toBeTruthy());
    const [, spare] = Array.from(document.querySelectorAll("audio"));
    of(first).duration = 120;
    // Far from the end, nothing loads ahead.
    first.currentTime = 30;
    act(() => void first.dispatchEvent(new Event("timeupdate")));
    expect(spare.getAttribute("src")).toBeNull();
    first.currentTime = 110;
    act(() => void first.dispatchEvent(new Event("timeupdate")));
    await waitFor(() => expect(spare.getAttribute("src")).toContain(TRACKS[1].id));
    Object.defineProperty(spare, "readyState", { configurable: true, value: HTMLMediaElement.HAVE_ENOUGH_DATA });
    play.mockClear();

    act(() => void first.dispatchEvent(new Event("ended")));
    // Started in the same task as the end, from the element that loaded ahead.
    expect(play).toHaveBeenCalledTimes(1);
    expect(play.mock.contexts[0]).toBe(spare);
    expect(document.querySelector("audio")).toBe(spare);
    expect(first.getAttribute("src")).toBeNull();
    await screen.findByText("Second Song", { selector: "[data-testid=now-playing]" });
    expect(stored().map((e) => [e.kind, e.track_id])).toEqual([
      ["start", TRACKS[0].id],
      ["complete", TRACKS[0].id],
      ["start", TRACKS[1].id],
    ]);
  });

  it("restarts a playing track on Previous past 3 s as a new play", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    audio.currentTime = 10;
    fireEvent.click(screen.getByRole("button", { name: "Previous track" }));
    expect(audio.currentTime).toBe(0);
    const events = stored();
    expect(events.map((e) => [e.kind, e.position_ms])).toEqual([
      ["start", 0],
      ["skip", 10_000],
      ["start", 0],
    ]);
    expect(events[0].session_id).not.toBe(events[2].session_id);
  });

  it("says so when a track has no audio, and stops", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ error: { code: "not_found", message: "no audio" } }), { status: 404 })));
    act(() => void audio.dispatchEvent(new Event("error")));
    expect((await screen.findByRole("alert")).textContent).toBe("“First Song” has no audio yet.");
    await screen.findByRole("button", { name: "Play" });
    const fetched = vi.mocked(fetch).mock.calls.find(([path]) => String(path).endsWith("/stream"));
    expect(fetched?.[0]).toBe(`/v1/tracks/${TRACKS[0].id}/stream`);
    expect(new Headers(fetched?.[1]?.headers).get("Authorization")).toBe("Bearer tok en");
  });

  it("has no serious accessibility violations, queue open", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    fireEvent.click(screen.getByRole("button", { name: "Queue" }));
    // axe probes icon fonts with a canvas jsdom lacks; contrast needs real layout (Playwright's axe run covers it).
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
    const results = await axe.run(document.body, { rules: { "color-contrast": { enabled: false }, region: { enabled: false } } });
    const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`)).toEqual([]);
  });

  it("empties the player when the listener signs out", async () => {
    const audio = renderPlayer();
    fireEvent.click(screen.getByRole("button", { name: "start" }));
    await waitFor(() => expect(audio.getAttribute("src")).toBeTruthy());
    act(() => session.set(null));
    expect(screen.getByTestId("now-playing").textContent).toBe("Nothing is playing");
    expect(audio.getAttribute("src")).toBeNull();
    expect(stored().map((e) => e.kind)).toEqual(["start", "skip"]);
  });
});
