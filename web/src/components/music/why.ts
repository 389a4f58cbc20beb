// A suggestion's reason in the listener's language. The server sends it as a
// code with what the wording names (`why`); its English `reason` is for apps
// that do not translate.
import type { TFunction } from "i18next";
import type { Why } from "./types";

export function whyText(t: TFunction, why: Why): string {
  switch (why.code) {
    case "played":
      return why.title ? t("why.played", { title: why.title }) : t("why.playedUnnamed");
    case "artist":
      return why.name ? t("why.artist", { name: why.name }) : t("why.artistUnnamed");
    case "similar_listeners":
      return t("why.similarListeners", { genre: why.genre });
    case "genre":
      return t("why.genre", { genre: why.genre });
    case "popular":
      return t("why.popular");
    case "replay":
      return t("why.replay", { count: why.plays });
    case "played_with":
      return why.title
        ? t("why.playedWith", { title: why.title, count: why.sessions })
        : t("why.playedWithUnnamed", { count: why.sessions });
  }
}

/**
 * Whether a listener is too new for personal picks: none of their
 * suggestions (there may be none at all) is more than a fallback.
 */
export function onlyFallbacks(whys: Why[]): boolean {
  return whys.every((w) => w.code === "popular" || w.code === "genre");
}
