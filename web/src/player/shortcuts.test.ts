import { describe, expect, it } from "vitest";
import { shortcutFor, type Press } from "./shortcuts";

const press = (key: string, more: Partial<Press> = {}): Press => ({
  key,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  target: { tagName: "BODY" },
  ...more,
});

describe("shortcutFor", () => {
  it("maps the player's keys", () => {
    expect(shortcutFor(press(" "))).toBe("toggle");
    expect(shortcutFor(press("K"))).toBe("toggle");
    expect(shortcutFor(press("ArrowLeft"))).toBe("seekBack");
    expect(shortcutFor(press("l"))).toBe("seekForward");
    expect(shortcutFor(press("N", { shiftKey: true }))).toBe("next");
    expect(shortcutFor(press("P", { shiftKey: true }))).toBe("previous");
    expect(shortcutFor(press("ArrowUp"))).toBe("volumeUp");
    expect(shortcutFor(press("m"))).toBe("mute");
    expect(shortcutFor(press("/"))).toBe("search");
    expect(shortcutFor(press("?", { shiftKey: true }))).toBe("help");
    expect(shortcutFor(press("x"))).toBe(null);
  });

  it("leaves fields, sliders and the browser's own shortcuts alone", () => {
    expect(shortcutFor(press("k", { target: { tagName: "INPUT" } }))).toBe(null);
    expect(shortcutFor(press("ArrowLeft", { target: { tagName: "DIV", role: "slider" } }))).toBe(null);
    expect(shortcutFor(press("/", { target: { tagName: "INPUT", role: "combobox" } }))).toBe(null);
    expect(shortcutFor(press("k", { ctrlKey: true }))).toBe(null);
    expect(shortcutFor(press("l", { metaKey: true }))).toBe(null);
  });

  it("lets a focused button take Space, but not the other keys", () => {
    expect(shortcutFor(press(" ", { target: { tagName: "BUTTON" } }))).toBe(null);
    expect(shortcutFor(press("k", { target: { tagName: "BUTTON" } }))).toBe("toggle");
  });
});
