import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import "../../i18n";
import type { Hit } from "../music/types";
import { SearchBox } from "./SearchBox";

const hit = (type: Hit["type"], title: string): Hit => ({
  type,
  id: `${type}-${title}`,
  title,
  subtitle: null,
  cover_url: null,
  year: null,
  score: 1,
});
const suggestions = [hit("artist", "Queen"), hit("track", "Queen of the Night")];

function setup(onChoose = vi.fn(), onSubmit = vi.fn()) {
  render(<SearchBox value="que" onChange={() => {}} onSubmit={onSubmit} suggestions={suggestions} onChoose={onChoose} />);
  const input = screen.getByRole("combobox", { name: "Search" });
  fireEvent.focus(input);
  return { input, onChoose, onSubmit };
}

describe("SearchBox", () => {
  afterEach(cleanup);

  it("is a combobox whose arrows move the active option without moving focus", () => {
    const { input } = setup();
    expect(input.getAttribute("aria-expanded")).toBe("true");
    expect(screen.getAllByRole("option")).toHaveLength(2);
    fireEvent.keyDown(input, { key: "ArrowDown" });
    const first = screen.getAllByRole("option")[0];
    expect(input.getAttribute("aria-activedescendant")).toBe(first.id);
    expect(first.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option")[1].id);
  });

  it("opens the active option on Enter", () => {
    const { input, onChoose } = setup();
    fireEvent.keyDown(input, { key: "ArrowUp" });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(onChoose).toHaveBeenCalledWith(suggestions[1]);
  });

  it("searches at once on Enter without an active option", () => {
    const { input, onChoose, onSubmit } = setup();
    fireEvent.keyDown(input, { key: "Enter" });
    expect(onSubmit).toHaveBeenCalled();
    expect(onChoose).not.toHaveBeenCalled();
  });

  it("closes the list on Escape", () => {
    const { input } = setup();
    fireEvent.keyDown(input, { key: "Escape" });
    expect(input.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryAllByRole("option")).toHaveLength(0);
  });
});
