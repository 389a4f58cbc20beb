// Keyboard shortcuts for the player, anywhere in the app, as music and
// video players have them. A pure function of the key pressed, so each
// binding is a unit test; `useShortcuts` attaches it to the window.
import { useEffect, useRef } from "react";
import { useNavigate } from "react-router";
import { usePlayer, usePlayerTime } from "./PlayerProvider";

export type Shortcut =
  | "toggle"
  | "seekBack"
  | "seekForward"
  | "next"
  | "previous"
  | "volumeUp"
  | "volumeDown"
  | "mute"
  | "search"
  | "help";

/** Every shortcut with the keys that press it, in the order the help lists them. */
export const SHORTCUTS: { action: Shortcut; keys: string[] }[] = [
  { action: "toggle", keys: ["Space", "K"] },
  { action: "seekBack", keys: ["←", "J"] },
  { action: "seekForward", keys: ["→", "L"] },
  { action: "previous", keys: ["Shift+P"] },
  { action: "next", keys: ["Shift+N"] },
  { action: "volumeUp", keys: ["↑"] },
  { action: "volumeDown", keys: ["↓"] },
  { action: "mute", keys: ["M"] },
  { action: "search", keys: ["/"] },
  { action: "help", keys: ["?"] },
];

export interface Press {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** What has focus: the page's own keys win there. */
  target: { tagName: string; isContentEditable?: boolean; role?: string | null } | null;
}

/** Fields, sliders and menus take their own keys; buttons and links take Space and Enter. */
function ownsKeys(target: Press["target"], key: string): boolean {
  if (!target) return false;
  const tag = target.tagName.toUpperCase();
  if (target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return true;
  if (target.role === "combobox" || target.role === "listbox" || target.role === "slider") return true;
  return key === " " && (tag === "BUTTON" || tag === "A" || tag === "SUMMARY");
}

/** The shortcut `press` means, if any. */
export function shortcutFor(press: Press): Shortcut | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  if (ownsKeys(press.target, press.key)) return null;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (press.shiftKey) {
    if (key === "n") return "next";
    if (key === "p") return "previous";
    return press.key === "?" ? "help" : null;
  }
  switch (key) {
    case " ":
    case "k":
      return "toggle";
    case "ArrowLeft":
    case "j":
      return "seekBack";
    case "ArrowRight":
    case "l":
      return "seekForward";
    case "ArrowUp":
      return "volumeUp";
    case "ArrowDown":
      return "volumeDown";
    case "m":
      return "mute";
    case "/":
      return "search";
    case "?":
      return "help";
    default:
      return null;
  }
}

const SEEK_SECONDS = 10;
const VOLUME_STEP = 0.1;

/** Runs the shortcuts while mounted; `onHelp` opens their list. */
export function useShortcuts(onHelp: () => void) {
  const player = usePlayer();
  const { position } = usePlayerTime();
  const navigate = useNavigate();
  // The listener is attached once; what it acts on is read when a key comes
  // (the position changes four times a second).
  const latest = useRef({ player, position, navigate, onHelp });
  useEffect(() => {
    latest.current = { player, position, navigate, onHelp };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { player, position, navigate, onHelp } = latest.current;
      const el = e.target instanceof HTMLElement ? e.target : null;
      const action = shortcutFor({
        key: e.key,
        shiftKey: e.shiftKey,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        target: el && { tagName: el.tagName, isContentEditable: el.isContentEditable, role: el.getAttribute("role") },
      });
      if (!action) return;
      // An open dialog (the help itself, a confirmation) keeps its keys.
      if (document.querySelector("dialog[open]") && action !== "help") return;
      e.preventDefault();
      switch (action) {
        case "toggle":
          if (player.current) player.toggle();
          break;
        case "seekBack":
          if (player.current) player.seek(Math.max(0, position - SEEK_SECONDS));
          break;
        case "seekForward":
          if (player.current) player.seek(position + SEEK_SECONDS);
          break;
        case "next":
          if (player.hasNext) player.next();
          break;
        case "previous":
          if (player.current) player.previous();
          break;
        case "volumeUp":
          player.setVolume(player.volume + VOLUME_STEP);
          break;
        case "volumeDown":
          player.setVolume(player.volume - VOLUME_STEP);
          break;
        case "mute":
          player.toggleMute();
          break;
        case "search": {
          // Already there: the box is on the page. Otherwise the search
          // page focuses it once it has loaded.
          const box = document.querySelector<HTMLElement>('[role="combobox"]');
          if (box) box.focus();
          else void navigate("/search", { state: { focusSearch: true } });
          break;
        }
        case "help":
          onHelp();
          break;
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
