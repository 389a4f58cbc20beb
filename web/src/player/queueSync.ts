// The queue follows the listener: it is saved to the gateway's play queue
// (`/v1/me/play-queue`, the one Subsonic apps save too) as it changes, with
// the position every 10 s while playing, on pause and when the page is
// hidden; and on sign-in, with nothing queued, the saved one comes back,
// paused where it stopped: after a reload, or from another device.
import { useEffect, useRef, type Dispatch, type RefObject } from "react";
import { api, call } from "../api/client";
import type { Schema } from "../api/types";
import { toQueueTrack } from "../components/music/queries";
import type { QueueAction, QueueState } from "./queue";
import type { Entry, QueueTrack } from "./types";

type Saved = Schema<"PlayQueue">;
type Track = Schema<"Track">;
type Artist = Schema<"Artist">;
type Album = Schema<"Album">;

const SAVE_AFTER_MS = 1_500;
const POSITION_EVERY_MS = 10_000;

/** Where the restored track should start, once its audio is loaded. */
export interface Resume {
  trackId: string;
  seconds: number;
}

/** Names for a queue's track ids: the tracks, then their artists and albums, each asked once. */
async function resolve(ids: string[]): Promise<(QueueTrack | null)[]> {
  const ask = async <T,>(path: string): Promise<T | null> => api<T>(path).catch(() => null);
  const unique = [...new Set(ids)];
  const tracks = new Map<string, Track>();
  for (const t of await Promise.all(unique.map((id) => ask<Track>(`/v1/tracks/${id}`)))) if (t) tracks.set(t.id, t);
  const rows = async <T extends { id: string }>(kind: string, wanted: (string | null | undefined)[]) => {
    const map = new Map<string, T>();
    const found = await Promise.all([...new Set(wanted.filter((x): x is string => !!x))].map((id) => ask<T>(`/v1/${kind}/${id}`)));
    for (const row of found) if (row) map.set(row.id, row);
    return map;
  };
  const all = [...tracks.values()];
  const [artistRows, albums] = await Promise.all([
    rows<Artist>("artists", all.map((t) => t.artist_id)),
    rows<Album>("albums", all.map((t) => t.album_id)),
  ]);
  const artists = new Map([...artistRows].map(([id, a]) => [id, a.name]));
  return ids.map((id) => {
    const track = tracks.get(id);
    return track ? toQueueTrack(track, artists, albums) : null;
  });
}

export function useQueueSync(
  userId: string | null,
  state: QueueState<Entry>,
  dispatch: Dispatch<QueueAction<Entry>>,
  audioRef: RefObject<HTMLAudioElement | null>,
  entry: (track: QueueTrack) => Entry,
): RefObject<Resume | null> {
  /** Where the restored track starts: the engine applies it once. */
  const resume = useRef<Resume | null>(null);
  /** The user whose saved queue was looked at: nothing is saved before that. */
  const ready = useRef<string | null>(null);
  const latest = useRef(state);
  useEffect(() => {
    latest.current = state;
  });

  // On sign-in: the saved queue, if the player is empty.
  useEffect(() => {
    if (!userId || ready.current === userId) return;
    let cancelled = false;
    void (async () => {
      const saved = await api<Saved>("/v1/me/play-queue").catch(() => undefined);
      if (cancelled) return;
      const ids = Array.isArray(saved?.track_ids) ? saved.track_ids : [];
      if (saved && ids.length > 0 && latest.current.items.length === 0) {
        const found = await resolve(ids);
        if (cancelled) return;
        const place = saved.current_index ?? 0;
        // Tracks deleted since are left out, and the place moves with them.
        const kept = found.flatMap((t, i) => (t ? [{ track: t, i }] : []));
        const start = Math.max(0, kept.findIndex((k) => k.i === place));
        if (kept.length > 0 && latest.current.items.length === 0) {
          const current = kept[start];
          if (current.i === place) resume.current = { trackId: current.track.id, seconds: saved.position_ms / 1000 };
          dispatch({ type: "play", tracks: kept.map((k) => entry(k.track)), start });
          dispatch({ type: "setPlaying", playing: false });
        }
      }
      // A failure other than "none saved" leaves saving off: better than
      // overwriting a queue this page never saw.
      if (saved !== undefined) ready.current = userId;
    })();
    return () => {
      cancelled = true;
    };
  }, [userId, dispatch, entry]);

  // Saving: after the queue changes, while playing, on pause and on hide.
  useEffect(() => {
    if (!userId) return;
    const save = () => {
      if (ready.current !== userId) return;
      const { items, index } = latest.current;
      const audio = audioRef.current;
      if (items.length === 0) {
        void call("/v1/me/play-queue", { method: "DELETE" }).catch(() => undefined);
        return;
      }
      const body = {
        track_ids: items.map((item) => item.track.id),
        current_index: Math.max(0, index),
        position_ms: Math.round((audio?.currentTime ?? 0) * 1000),
      };
      void call("/v1/me/play-queue", { method: "PUT", body }).catch(() => undefined);
    };
    const changed = window.setTimeout(save, SAVE_AFTER_MS);
    const ticking = state.playing ? window.setInterval(save, POSITION_EVERY_MS) : undefined;
    const onHide = () => {
      if (document.visibilityState === "hidden") save();
    };
    document.addEventListener("visibilitychange", onHide);
    return () => {
      window.clearTimeout(changed);
      if (ticking !== undefined) window.clearInterval(ticking);
      document.removeEventListener("visibilitychange", onHide);
    };
  }, [userId, state.items, state.index, state.playing, audioRef]);

  return resume;
}
