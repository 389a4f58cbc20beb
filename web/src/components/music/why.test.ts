import { describe, expect, it } from "vitest";
import i18n from "../../i18n";
import { onlyFallbacks, whyText } from "./why";

describe("a suggestion's reason", () => {
  it("is worded in the listener's language from its code", async () => {
    await i18n.changeLanguage("ru");
    const t = i18n.getFixedT("ru");
    expect(whyText(t, { code: "played", track_id: "x", title: "Yesterday" })).toBe("Потому что вы слушали «Yesterday»");
    expect(whyText(t, { code: "genre", genre: "rock" })).toBe("Популярное в жанре rock");
    expect(whyText(t, { code: "replay", plays: 5 })).toBe("Вы слушали это 5 раз");
    const en = i18n.getFixedT("en");
    expect(whyText(en, { code: "replay", plays: 1 })).toBe("You played this once");
    expect(whyText(en, { code: "played_with", track_id: "x", title: null, sessions: 3 })).toBe(
      "Often played with this track (3 sessions)",
    );
    expect(whyText(en, { code: "artist", artist_id: "a", name: null })).toBe("Because you like this artist");
  });

  it("tells a new listener's fallbacks from personal picks", () => {
    expect(onlyFallbacks([{ code: "popular" }, { code: "genre", genre: "jazz" }])).toBe(true);
    expect(onlyFallbacks([{ code: "popular" }, { code: "played", track_id: "x", title: "A" }])).toBe(false);
    expect(onlyFallbacks([])).toBe(true);
  });
});
