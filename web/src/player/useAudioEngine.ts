// Keeps the <audio> element in step with the queue state, and turns what
// the element does into queue actions and playback events.
//
// The queue state says what should play and whether the listener wants
// sound; the element reports what really happens (it may be paused by the
// OS, end, or fail), and those reports flow back as actions.
//
// Gapless: a second element (`spare`) loads the entry the current one runs
// into during its last seconds, and at the end the two swap, so the next
// track starts from buffered audio in the same task as the old one ended,
// with no URL to fetch and nothing to buffer. `audioRef` always names the
// element that plays; the other one is only ever loading ahead.
import { useCallback, useEffect, useRef, useState, type Dispatch, type RefObject } from "react";
import { ApiError, call, errorOf } from "../api/client";
import type { PlaybackTracker } from "./events";
import { currentItem, upNext, type QueueAction, type QueueState } from "./queue";
import { gainFor, type Loudness } from "./loudness";
import type { Resume } from "./queueSync";
import { streamPath, streamUrl } from "./stream";
import type { Schema } from "../api/types";
import type { Entry, PlayerError, PlayerTime } from "./types";

/** The rejection of a track known to have no audio. */
const NO_AUDIO = Symbol("no audio");

const ms = (seconds: number) => (Number.isFinite(seconds) ? seconds * 1000 : 0);
const durationMs = (audio: HTMLAudioElement) => (Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration * 1000 : null);
/** Seconds before the end at which the next entry starts loading in the spare element. */
const AHEAD_S = 20;

export function useAudioEngine(
  audioRef: RefObject<HTMLAudioElement | null>,
  /** The second element, which loads the next entry ahead; the two swap roles at each gapless start. */
  spareRef: RefObject<HTMLAudioElement | null>,
  state: QueueState<Entry>,
  dispatch: Dispatch<QueueAction<Entry>>,
  trackerRef: RefObject<PlaybackTracker | null>,
  /** Where a restored track starts, applied once its audio is set. */
  resume?: RefObject<Resume | null>,
) {
  const [time, setTime] = useState<PlayerTime>({ position: 0, duration: 0 });
  const [error, setError] = useState<PlayerError | null>(null);
  /** The loaded track's loudness, for volume normalisation. */
  const [loudness, setLoudness] = useState<Loudness | null>(null);
  const latest = useRef(state);
  /** The entry (and restart count) the element holds. */
  const loaded = useRef<{ key: number | null; restarts: number }>({ key: null, restarts: -1 });
  /** Bumped on every load, so an answer for an older one is ignored. */
  const generation = useRef(0);
  /** True while the stream URL is being made: the element still holds the old track. */
  const busy = useRef(false);
  /** One quiet reload per load, for a token that expired during a long play. */
  const retried = useRef(false);
  /** The entry loading in the spare element, with its URL once known. */
  const ahead = useRef<{ key: number; answer: Schema<"StreamUrl"> | null } | null>(null);

  useEffect(() => {
    latest.current = state;
  });

  const playAudio = useCallback(() => {
    const audio = audioRef.current;
    if (!audio) return;
    // Older engines return nothing rather than a promise.
    const started: Promise<void> | undefined = audio.play();
    started?.catch((e: unknown) => {
      // AbortError: a newer load interrupted this one. Failures to load come as the "error" event.
      // NotAllowedError: autoplay refused; NotSupportedError: a source that already failed.
      if (e instanceof DOMException && (e.name === "NotAllowedError" || e.name === "NotSupportedError")) {
        dispatch({ type: "setPlaying", playing: false });
      }
    });
  }, [audioRef, dispatch]);

  const item = currentItem(state);
  const key = item?.key ?? null;

  // A new entry, or the same one started again, clears the last one's error,
  // and a new entry its time (a restart seeks to 0, which reports the time).
  // Done while rendering, so the bar never shows the old ones beside the new
  // title.
  const [shown, setShown] = useState({ key, restarts: state.restarts });
  if (shown.key !== key || shown.restarts !== state.restarts) {
    setShown({ key, restarts: state.restarts });
    setError(null);
    if (shown.key !== key) setTime({ position: 0, duration: (item?.track.durationMs ?? 0) / 1000 });
  }

  // Load what the queue says is current.
  useEffect(() => {
    const audio = audioRef.current;
    if (!audio) return;
    const before = loaded.current;
    if (before.key === key && before.restarts === state.restarts) return;
    const now = Date.now();
    trackerRef.current?.stop(ms(audio.currentTime), now);
    loaded.current = { key, restarts: state.restarts };
    const mine = ++generation.current;
    retried.current = false;
    // Loaded the slow way (a jump, a skip, an edit): whatever was loading ahead is stale.
    ahead.current = null;
    const spare = spareRef.current;
    if (spare?.getAttribute("src")) {
      spare.removeAttribute("src");
      spare.load();
    }
    if (!item) {
      busy.current = false;
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
      return;
    }
    const track = item.track;
    trackerRef.current?.load(track.id, track.context, track.durationMs ?? null, now);
    if (before.key === key && !busy.current) {
      audio.currentTime = 0;
      // An element already playing fires no new "playing" for a seek, so the new play starts here.
      if (!audio.paused) trackerRef.current?.playing(0, durationMs(audio), now);
      else if (latest.current.playing) playAudio();
      return;
    }
    // A track without audio is passed over while playing, as a gap in an
    // album would be; anything else that fails stops, to be retried.
    const cannotPlay = (failure: PlayerError) => {
      setError(failure);
      if (failure.kind === "noAudio" && latest.current.playing) dispatch({ type: "next", skip: true });
      else dispatch({ type: "setPlaying", playing: false });
    };
    busy.current = true;
    audio.pause();
    // Known from its listing to have no audio: no need to ask for a URL
    // that is not there (the same path as a 404 all the same).
    const url = track.playable === false ? Promise.reject(NO_AUDIO) : streamUrl(track.id);
    url.then(
      (answer) => {
        if (mine !== generation.current) return;
        busy.current = false;
        setLoudness(gainFor(answer, track));
        audio.src = answer.url;
        const at = resume?.current;
        if (at && at.trackId === track.id) {
          // Before the audio loads, this is where playback will start.
          resume.current = null;
          audio.currentTime = at.seconds;
          setTime({ position: at.seconds, duration: (track.durationMs ?? 0) / 1000 });
        }
        if (latest.current.playing) playAudio();
      },
      (e: unknown) => {
        // No URL: the track has no audio (404) or the gateway is unreachable.
        if (mine !== generation.current) return;
        busy.current = false;
        const noAudio = e === NO_AUDIO || (e instanceof ApiError && e.status === 404);
        cannotPlay({ kind: noAudio ? "noAudio" : "failed", title: track.title, message: noAudio ? undefined : e instanceof Error ? e.message : undefined });
      },
    );
    // A new `item` with the same `key` and `restarts` (the queue edited
    // around it) is let through by the check at the top.
  }, [key, item, state.restarts, audioRef, spareRef, trackerRef, playAudio, dispatch, resume]);

  // Follow the listener's play/pause.
  useEffect(() => {
    const audio = audioRef.current;
    if (!audio || busy.current || !audio.getAttribute("src")) return;
    if (state.playing && audio.paused) playAudio();
    else if (!state.playing && !audio.paused) audio.pause();
  }, [state.playing, audioRef, playAudio]);

  /** After a load error: retry once with a fresh token, else ask the gateway why and say so. */
  const recover = useCallback(
    async (audio: HTMLAudioElement): Promise<void> => {
      const entry = currentItem(latest.current);
      if (!entry || busy.current || !audio.getAttribute("src")) return;
      const mine = generation.current;
      const at = audio.currentTime;
      if (!retried.current) {
        retried.current = true;
        // A failure here is explained by the probe below.
        const url = await streamUrl(entry.track.id).then((a) => a.url, () => null);
        if (mine !== generation.current) return;
        if (url && new URL(url, window.location.href).href !== audio.src) {
          audio.src = url;
          audio.currentTime = at;
          if (latest.current.playing) playAudio();
          return;
        }
      }
      let found: PlayerError = { kind: "failed", title: entry.track.title };
      try {
        const response = await call(streamPath(entry.track.id), { headers: { Range: "bytes=0-0" } });
        // The stream answers, so the element failed on the bytes, unless the network dropped mid-way.
        const networkFault = audio.error?.code === 2; // MEDIA_ERR_NETWORK
        if (response.status === 404) found = { ...found, kind: "noAudio" };
        else if (response.ok && !networkFault) found = { ...found, kind: "unsupported" };
        else found = { ...found, message: (await errorOf(response)).message };
        if (response.ok) void response.body?.cancel();
      } catch (e) {
        found = { ...found, message: e instanceof Error ? e.message : undefined };
      }
      if (mine !== generation.current) return;
      trackerRef.current?.stop(ms(at), Date.now());
      setError(found);
      dispatch({ type: "setPlaying", playing: false });
    },
    [playAudio, trackerRef, dispatch],
  );

  /** In the last seconds of a track, loads what it runs into in the spare element. */
  const loadAhead = useCallback(
    (audio: HTMLAudioElement) => {
      const spare = spareRef.current;
      const end = durationMs(audio);
      if (!spare || !end || end / 1000 - audio.currentTime > AHEAD_S || !latest.current.playing) return;
      const next = upNext(latest.current);
      if (!next || next.track.playable === false || ahead.current?.key === next.key) return;
      const pending = { key: next.key, answer: null as Schema<"StreamUrl"> | null };
      ahead.current = pending;
      streamUrl(next.track.id).then(
        (answer) => {
          if (ahead.current !== pending) return;
          pending.answer = answer;
          spare.src = answer.url;
          spare.load();
        },
        // The slow way at the end will say why.
        () => undefined,
      );
    },
    [spareRef],
  );

  /**
   * At the end of `old`, starts what was loaded ahead, if it is still what
   * comes next and has audio buffered; false to go on the slow way.
   */
  const runInto = useCallback(
    (old: HTMLAudioElement): boolean => {
      const spare = spareRef.current;
      const next = upNext(latest.current);
      const pre = ahead.current;
      if (!spare || !next || !pre?.answer || pre.key !== next.key || spare.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) return false;
      ahead.current = null;
      // Until the provider applies the next track's gain, the old volume is the nearest.
      spare.volume = old.volume;
      spare.muted = old.muted;
      audioRef.current = spare;
      spareRef.current = old;
      // The active element comes first, where `document.querySelector("audio")` finds it.
      old.before(spare);
      loaded.current = { key: next.key, restarts: latest.current.restarts };
      generation.current++;
      retried.current = false;
      setLoudness(gainFor(pre.answer, next.track));
      trackerRef.current?.load(next.track.id, next.track.context, next.track.durationMs ?? null, Date.now());
      playAudio();
      old.removeAttribute("src");
      old.load();
      dispatch({ type: "next", auto: true });
      return true;
    },
    [audioRef, spareRef, trackerRef, playAudio, dispatch],
  );

  // Report what the playing element does; the spare's events, while it only
  // loads ahead, are not the listener's.
  useEffect(() => {
    const elements = [audioRef.current, spareRef.current].filter((e): e is HTMLAudioElement => e !== null);
    const tracker = () => trackerRef.current;
    const now = () => Date.now();
    const onPlaying = (audio: HTMLAudioElement) => {
      retried.current = false;
      tracker()?.playing(ms(audio.currentTime), durationMs(audio), now());
    };
    // Media keys or the OS may start or stop the element without us.
    const onPlay = (audio: HTMLAudioElement) => {
      if (!audio.paused) dispatch({ type: "setPlaying", playing: true });
    };
    const onPause = (audio: HTMLAudioElement) => {
      // A pause on the way to the end, or while a new track loads, is not the listener's.
      if (busy.current || !audio.paused || audio.ended) return;
      tracker()?.paused(ms(audio.currentTime), now());
      dispatch({ type: "setPlaying", playing: false });
    };
    const onEnded = (audio: HTMLAudioElement) => {
      tracker()?.ended(now());
      if (!runInto(audio)) dispatch({ type: "next", auto: true });
    };
    const onTime = (audio: HTMLAudioElement) => {
      tracker()?.time(ms(audio.currentTime), now());
      setTime({ position: audio.currentTime, duration: (durationMs(audio) ?? 0) / 1000 });
      loadAhead(audio);
    };
    const onDuration = (audio: HTMLAudioElement) => {
      const known = durationMs(audio);
      if (known) setTime({ position: audio.currentTime, duration: known / 1000 });
    };
    const onError = (audio: HTMLAudioElement) => void recover(audio);
    const handlers: [string, (audio: HTMLAudioElement) => void][] = [
      ["playing", onPlaying],
      ["play", onPlay],
      ["pause", onPause],
      ["ended", onEnded],
      ["timeupdate", onTime],
      ["seeked", onTime],
      ["durationchange", onDuration],
      ["error", onError],
    ];
    const listeners = handlers.map(([name, handle]): [string, (event: Event) => void] => [
      name,
      (event) => {
        const audio = event.currentTarget as HTMLAudioElement;
        if (audio === audioRef.current) handle(audio);
      },
    ]);
    for (const audio of elements) for (const [name, listener] of listeners) audio.addEventListener(name, listener);
    return () => {
      for (const audio of elements) for (const [name, listener] of listeners) audio.removeEventListener(name, listener);
    };
  }, [audioRef, spareRef, dispatch, trackerRef, recover, loadAhead, runInto]);

  const seek = useCallback(
    (seconds: number) => {
      const audio = audioRef.current;
      if (!audio || !audio.getAttribute("src")) return;
      const end = durationMs(audio);
      const to = Math.max(0, end ? Math.min(seconds, end / 1000) : seconds);
      audio.currentTime = to;
      setTime((t) => ({ ...t, position: to }));
    },
    [audioRef],
  );

  return { time, error, seek, loudness };
}
