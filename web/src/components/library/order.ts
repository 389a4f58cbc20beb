// A playlist's items after a move or a removal, numbered as the gateway
// numbers them (densely from 0), so the optimistic list matches the answer.
import type { PlaylistItem } from "../music/types";

export function moveItem(items: PlaylistItem[], from: number, to: number): PlaylistItem[] {
  if (from === to || from < 0 || to < 0 || from >= items.length || to >= items.length) return items;
  const next = items.slice();
  const [moved] = next.splice(from, 1);
  next.splice(to, 0, moved);
  return next.map((item, position) => (item.position === position ? item : { ...item, position }));
}

export function removeItem(items: PlaylistItem[], itemId: string): PlaylistItem[] {
  return items.filter((i) => i.id !== itemId).map((item, position) => (item.position === position ? item : { ...item, position }));
}

/** Where an item dropped on another one ends up: that one's index. */
export function dropTarget(items: PlaylistItem[], activeId: string, overId: string | null): { from: number; to: number } | null {
  if (!overId || activeId === overId) return null;
  const from = items.findIndex((i) => i.id === activeId);
  const to = items.findIndex((i) => i.id === overId);
  return from < 0 || to < 0 ? null : { from, to };
}
