// The Media Session API: the OS media keys, lock screen and browser media
// controls show the current track and drive the player.
import { useEffect, useRef } from "react";
import type { PlayerTime, QueueTrack } from "./types";

export interface MediaActions {
  play(): void;
  pause(): void;
  previous(): void;
  next(): void;
  seek(seconds: number): void;
  position(): number;
}

const SKIP_SECONDS = 10;

function mediaSession(): MediaSession | null {
  return typeof navigator !== "undefined" && "mediaSession" in navigator ? navigator.mediaSession : null;
}

/** The lock screen's and the OS player's pictures: the cover at the sizes they ask for. */
export function artworkOf(cover: string | null | undefined): MediaImage[] {
  if (!cover) return [];
  return [96, 256, 512].map((size) => ({ src: `${cover}?size=${size}`, sizes: `${size}x${size}`, type: "image/jpeg" }));
}

export function useMediaSession(track: QueueTrack | null, playing: boolean, time: PlayerTime, actions: MediaActions): void {
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });

  useEffect(() => {
    const media = mediaSession();
    if (!media) return;
    const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
      ["play", () => latest.current.play()],
      ["pause", () => latest.current.pause()],
      ["previoustrack", () => latest.current.previous()],
      ["nexttrack", () => latest.current.next()],
      ["seekto", (d) => d.seekTime !== undefined && latest.current.seek(d.seekTime)],
      ["seekbackward", (d) => latest.current.seek(latest.current.position() - (d.seekOffset ?? SKIP_SECONDS))],
      ["seekforward", (d) => latest.current.seek(latest.current.position() + (d.seekOffset ?? SKIP_SECONDS))],
    ];
    for (const [action, handler] of handlers) {
      try {
        media.setActionHandler(action, handler);
      } catch {
        // This browser does not know the action.
      }
    }
    return () => {
      for (const [action] of handlers) {
        try {
          media.setActionHandler(action, null);
        } catch {
          // As above.
        }
      }
    };
  }, []);

  useEffect(() => {
    const media = mediaSession();
    if (!media || typeof MediaMetadata === "undefined") return;
    media.metadata = track
      ? new MediaMetadata({ title: track.title, artist: track.artist, album: track.album ?? "", artwork: artworkOf(track.cover) })
      : null;
  }, [track]);

  useEffect(() => {
    const media = mediaSession();
    if (media) media.playbackState = track ? (playing ? "playing" : "paused") : "none";
  }, [track, playing]);

  useEffect(() => {
    const media = mediaSession();
    if (!media?.setPositionState || !(time.duration > 0)) return;
    try {
      media.setPositionState({ duration: time.duration, position: Math.min(time.position, time.duration), playbackRate: 1 });
    } catch {
      // A position past a changing duration; the next update corrects it.
    }
  }, [time]);
}
