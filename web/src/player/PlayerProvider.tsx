// The player: one queue and one <audio> element for the whole app. It lives
// in the Layout, above the routes, so playback survives navigation. Track
// lists call `usePlayer()`; the bar also reads `usePlayerTime()`, kept apart
// so the four updates a second of the playhead re-render only what shows it.
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { useSession } from "../api/useSession";
import type { PlayContext } from "./events";
import { currentItem, emptyQueue, hasNext, nextRepeat, queueReducer, type QueueItem, type Repeat } from "./queue";
import type { Entry, PlayerError, PlayerTime, QueueTrack } from "./types";
import { useAudioEngine } from "./useAudioEngine";
import { useMediaSession } from "./useMediaSession";
import { usePlaybackEvents } from "./usePlaybackEvents";
import { loadNormalise, normalised, saveNormalise } from "./loudness";
import { useRadio } from "./useRadio";
import { useQueueSync } from "./queueSync";
import { loadVolume, saveVolume, type Volume } from "./volume";

export type { QueueTrack } from "./types";
export type { PlayContext } from "./events";

export interface PlayerApi {
  current: QueueTrack | null;
  queue: QueueTrack[];
  /** The queue with a key per entry (the same track may be queued twice). */
  items: QueueItem<QueueTrack>[];
  index: number;
  playing: boolean;
  hasNext: boolean;
  repeat: Repeat;
  shuffle: boolean;
  volume: number;
  muted: boolean;
  /** Whether tracks are brought to one loudness (see `normalised`). */
  normalise: boolean;
  error: PlayerError | null;
  /** Whether a radio is keeping the queue filling. */
  radio: boolean;
  /**
   * Plays a radio after `seed` (a track, an album or an artist), `first`
   * first when the seed is a track; rejects when the gateway cannot answer.
   */
  startRadio(seed: string, first?: QueueTrack): Promise<void>;
  /** Replaces the queue and plays tracks[start]. The context defaults to the page it was started from. */
  play(tracks: QueueTrack[], start?: number, context?: PlayContext): void;
  playNext(track: QueueTrack, context?: PlayContext): void;
  enqueue(track: QueueTrack, context?: PlayContext): void;
  toggle(): void;
  next(): void;
  previous(): void;
  seek(seconds: number): void;
  jump(key: number): void;
  remove(key: number): void;
  clear(): void;
  setVolume(volume: number): void;
  toggleMute(): void;
  toggleNormalise(): void;
  toggleShuffle(): void;
  cycleRepeat(): void;
}

const noop = () => {};
/** Outside a provider (a component rendered alone in a test) the player does nothing. */
const idle: PlayerApi = {
  current: null, queue: [], items: [], index: -1, playing: false, hasNext: false, repeat: "off", shuffle: false,
  volume: 1, muted: false, normalise: true, error: null, radio: false, startRadio: async () => {},
  play: noop, playNext: noop, enqueue: noop, toggle: noop, next: noop, previous: noop, seek: noop,
  jump: noop, remove: noop, clear: noop, setVolume: noop, toggleMute: noop, toggleNormalise: noop, toggleShuffle: noop, cycleRepeat: noop,
};

const PlayerContext = createContext<PlayerApi>(idle);
const TimeContext = createContext<PlayerTime>({ position: 0, duration: 0 });

export function usePlayer(): PlayerApi {
  return useContext(PlayerContext);
}

export function usePlayerTime(): PlayerTime {
  return useContext(TimeContext);
}

/** Where a play started, from the page it was started on, unless the caller says. */
export function contextFromPath(pathname: string): PlayContext {
  const match = pathname.match(/^\/(albums|artists|playlists)\/([^/]+)/);
  if (match) {
    const kind = ({ albums: "album", artists: "artist", playlists: "playlist" } as const)[match[1] as "albums" | "artists" | "playlists"];
    return { kind, id: decodeURIComponent(match[2]).slice(0, 200) };
  }
  if (pathname.startsWith("/search")) return { kind: "search" };
  if (pathname.startsWith("/library")) return { kind: "library" };
  return { kind: "other" };
}

function entry(track: QueueTrack, context?: PlayContext): Entry {
  return { ...track, context: context ?? contextFromPath(window.location.pathname) };
}

function newAudio(): HTMLAudioElement {
  const audio = document.createElement("audio");
  audio.preload = "auto";
  return audio;
}

export function PlayerProvider({ children }: { children: ReactNode }) {
  const userId = useSession()?.user.id ?? null;
  const [state, dispatch] = useReducer(queueReducer<Entry>, undefined, emptyQueue<Entry>);
  const [volume, setVolumeState] = useState<Volume>(loadVolume);
  const [normalise, setNormalise] = useState<boolean>(loadNormalise);
  // Two elements, made here rather than rendered: they swap roles at each
  // gapless start (useAudioEngine), which React's own nodes must not do.
  const [elements] = useState(() => [newAudio(), newAudio()] as const);
  const audioRef = useRef<HTMLAudioElement | null>(elements[0]);
  const spareRef = useRef<HTMLAudioElement | null>(elements[1]);
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    holder.current?.append(...elements);
  }, [elements]);
  const tracker = usePlaybackEvents(userId);
  const resume = useQueueSync(userId, state, dispatch, audioRef, entry);
  const { time, error, seek, loudness } = useAudioEngine(audioRef, spareRef, state, dispatch, tracker, resume);
  const radio = useRadio(state, dispatch, entry);

  // Another listener (or none) gets an empty player.
  const previousUser = useRef(userId);
  useEffect(() => {
    if (previousUser.current !== null && previousUser.current !== userId) dispatch({ type: "clear" });
    previousUser.current = userId;
  }, [userId]);

  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return;
    audio.volume = normalised(volume.level, loudness, normalise);
    audio.muted = volume.muted;
    saveVolume(volume);
  }, [volume, loudness, normalise]);

  useEffect(() => saveNormalise(normalise), [normalise]);

  const position = useCallback(() => audioRef.current?.currentTime ?? 0, []);
  const next = useCallback(() => dispatch({ type: "next" }), []);
  const previous = useCallback(() => dispatch({ type: "previous", position: position() }), [position]);

  useMediaSession(currentItem(state)?.track ?? null, state.playing, time, {
    play: () => dispatch({ type: "setPlaying", playing: true }),
    pause: () => dispatch({ type: "setPlaying", playing: false }),
    previous,
    next,
    seek,
    position,
  });

  const api = useMemo<PlayerApi>(() => {
    const items = state.items as QueueItem<QueueTrack>[];
    return {
      current: currentItem(state)?.track ?? null,
      queue: items.map((item) => item.track),
      items,
      index: state.index,
      playing: state.playing,
      hasNext: hasNext(state),
      repeat: state.repeat,
      shuffle: state.shuffle,
      volume: volume.level,
      muted: volume.muted,
      normalise,
      error,
      radio: radio.on,
      startRadio: radio.start,
      play: (tracks, start, context) => {
        radio.stop();
        dispatch({ type: "play", tracks: tracks.map((t) => entry(t, context)), start });
      },
      playNext: (track, context) => dispatch({ type: "playNext", track: entry(track, context) }),
      enqueue: (track, context) => dispatch({ type: "enqueue", track: entry(track, context) }),
      toggle: () => dispatch({ type: "toggle" }),
      next,
      previous,
      seek,
      jump: (key) => dispatch({ type: "jump", key }),
      remove: (key) => dispatch({ type: "remove", key }),
      clear: () => {
        radio.stop();
        dispatch({ type: "clear" });
      },
      setVolume: (level) => setVolumeState({ level: Math.min(1, Math.max(0, level)), muted: false }),
      toggleMute: () => setVolumeState((v) => ({ ...v, muted: !v.muted })),
      toggleNormalise: () => setNormalise((on) => !on),
      toggleShuffle: () => dispatch({ type: "shuffle", on: !state.shuffle }),
      cycleRepeat: () => dispatch({ type: "repeat", mode: nextRepeat(state.repeat) }),
    };
  }, [state, volume, normalise, error, next, previous, seek, radio]);

  return (
    <PlayerContext.Provider value={api}>
      <TimeContext.Provider value={time}>
        {children}
        {/* No controls: the player bar is the interface; the elements only play. */}
        <div ref={holder} />
      </TimeContext.Provider>
    </PlayerContext.Provider>
  );
}
