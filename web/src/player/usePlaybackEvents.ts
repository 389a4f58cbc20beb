// One event tracker and batcher per signed-in listener, flushed with
// keepalive when the page is hidden or closed.
import { useEffect, useRef, type RefObject } from "react";
import { session } from "../api/client";
import { Batcher } from "./batcher";
import { PlaybackTracker } from "./events";
import { CLIENT, deviceId, httpSender, sessionStore } from "./sender";

export function usePlaybackEvents(userId: string | null): RefObject<PlaybackTracker | null> {
  const tracker = useRef<PlaybackTracker | null>(null);

  useEffect(() => {
    if (!userId) return;
    const batcher = new Batcher({ sender: httpSender, store: sessionStore(userId) });
    const current = new PlaybackTracker({
      userId,
      client: CLIENT,
      device: { id: deviceId(), platform: "web" },
      emit: (event) => batcher.add(event),
    });
    tracker.current = current;

    const hide = () => {
      if (document.visibilityState === "hidden") batcher.flushOnHide();
    };
    const leave = () => batcher.flushOnHide();
    // A renewed session after a 401 (or after sign-in) lets held events go.
    const unsubscribe = session.subscribe((s) => {
      if (s?.user.id === userId) batcher.resume();
    });
    document.addEventListener("visibilitychange", hide);
    window.addEventListener("pagehide", leave);
    return () => {
      // Signing out or switching accounts ends the open play; the store keeps
      // whatever could not be sent for this listener's next sign-in in the tab.
      current.stop(null, Date.now());
      if (tracker.current === current) tracker.current = null;
      unsubscribe();
      document.removeEventListener("visibilitychange", hide);
      window.removeEventListener("pagehide", leave);
      batcher.dispose();
    };
  }, [userId]);

  return tracker;
}
