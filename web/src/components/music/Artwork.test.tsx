import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Artwork, hueOf, initialsOf } from "./Artwork";

describe("Artwork", () => {
  it("loads a same-origin image at twice the size shown", () => {
    const { container } = render(<Artwork src="/v1/albums/a1/cover" name="Nevermind" size={40} />);
    const img = container.querySelector("img");
    expect(img?.getAttribute("src")).toBe("/v1/albums/a1/cover?size=80");
    expect(img?.getAttribute("alt")).toBe("");
  });

  it("shows the name's initials where there is no image, or one from elsewhere", () => {
    for (const src of [null, "https://elsewhere.example/x.jpg"]) {
      const { unmount } = render(<Artwork src={src} name="Led Zeppelin" size={40} />);
      const placeholder = screen.getByTestId("artwork-placeholder");
      expect(placeholder.textContent).toBe("LZ");
      expect(placeholder.getAttribute("aria-hidden")).toBe("true");
      unmount();
    }
  });

  it("takes initials from letters and digits in any script", () => {
    expect(initialsOf("AC/DC")).toBe("AD");
    expect(initialsOf("Кино")).toBe("К");
    expect(initialsOf("...")).toBe("");
  });

  it("gives a name the same hue every time, and names different hues", () => {
    expect(hueOf("Nirvana")).toBe(hueOf("Nirvana"));
    expect(new Set(["Nirvana", "Queen", "Кино", "ABBA"].map(hueOf)).size).toBeGreaterThan(1);
  });
});
