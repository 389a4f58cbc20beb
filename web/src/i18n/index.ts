// English and Russian, switchable; the choice is remembered in localStorage
// (a preference, not a secret) and sets <html lang>.
//
// Strings live in locales/<language>/<area>.json, one file per area of the
// app, merged into one namespace: `t("player.play")` reads the `player` key
// of whichever file defines it.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

export const LANGUAGES = { en: "English", ru: "Русский" } as const;
export type Language = keyof typeof LANGUAGES;
const KEY = "encore.language";

type Strings = Record<string, unknown>;
const files = import.meta.glob<Strings>("./locales/*/*.json", { eager: true, import: "default" });

/** Every area file of one language, merged. */
export function strings(language: Language): Strings {
  const merged: Strings = {};
  for (const [path, content] of Object.entries(files)) {
    if (path.startsWith(`./locales/${language}/`)) Object.assign(merged, content);
  }
  return merged;
}

function initial(): Language {
  const saved = localStorage.getItem(KEY);
  if (saved === "en" || saved === "ru") return saved;
  return navigator.language.toLowerCase().startsWith("ru") ? "ru" : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: strings("en") }, ru: { translation: strings("ru") } },
  lng: initial(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  // i18next advertises a hosted service on the console otherwise.
  showSupportNotice: false,
});
document.documentElement.lang = i18n.language;

export function setLanguage(language: Language): void {
  localStorage.setItem(KEY, language);
  document.documentElement.lang = language;
  void i18n.changeLanguage(language);
}

export default i18n;
