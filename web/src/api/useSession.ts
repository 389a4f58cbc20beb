import { useSyncExternalStore } from "react";
import { session } from "./client";
import type { Session } from "./session";

/** The current session (null when signed out), re-rendering on sign-in, renewal and sign-out. */
export function useSession(): Session | null {
  return useSyncExternalStore(
    (notify) => session.subscribe(notify),
    () => session.current,
  );
}
