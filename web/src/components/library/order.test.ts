import { describe, expect, it } from "vitest";
import type { PlaylistItem } from "../music/types";
import { dropTarget, moveItem, removeItem } from "./order";

const items: PlaylistItem[] = ["a", "b", "c", "d"].map((id, position) => ({
  id,
  track_id: `t-${id}`,
  position,
  added_at: "2024-01-01T00:00:00Z",
}));
const ids = (list: PlaylistItem[]) => list.map((i) => i.id).join("");

describe("moveItem", () => {
  it("moves down and up, shifting the items between", () => {
    expect(ids(moveItem(items, 0, 2))).toBe("bcad");
    expect(ids(moveItem(items, 3, 1))).toBe("adbc");
  });
  it("renumbers densely from 0, as the gateway does", () => {
    expect(moveItem(items, 0, 3).map((i) => i.position)).toEqual([0, 1, 2, 3]);
  });
  it("leaves the list alone for a move to the same place or out of range", () => {
    expect(moveItem(items, 1, 1)).toBe(items);
    expect(moveItem(items, 1, 9)).toBe(items);
  });
  it("does not change the list it was given (the rollback keeps it)", () => {
    moveItem(items, 0, 3);
    expect(ids(items)).toBe("abcd");
  });
});

describe("removeItem", () => {
  it("closes the gap", () => {
    const left = removeItem(items, "b");
    expect(ids(left)).toBe("acd");
    expect(left.map((i) => i.position)).toEqual([0, 1, 2]);
  });
});

describe("dropTarget", () => {
  it("takes the index of the item dropped on", () => {
    expect(dropTarget(items, "a", "c")).toEqual({ from: 0, to: 2 });
    expect(dropTarget(items, "a", "a")).toBeNull();
    expect(dropTarget(items, "a", null)).toBeNull();
    expect(dropTarget(items, "x", "a")).toBeNull();
  });
});
