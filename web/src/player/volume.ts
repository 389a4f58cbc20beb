// The listener's volume, remembered in localStorage (a preference, not a secret).

export interface Volume {
  /** 0 to 1. */
  level: number;
  muted: boolean;
}

const KEY = "encore.volume";

export function loadVolume(): Volume {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "null") as Partial<Volume> | null;
    const level = typeof saved?.level === "number" && saved.level >= 0 && saved.level <= 1 ? saved.level : 1;
    return { level, muted: saved?.muted === true };
  } catch {
    return { level: 1, muted: false };
  }
}

export function saveVolume(volume: Volume): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(volume));
  } catch {
    // Storage disabled: the volume lasts for this page only.
  }
}
