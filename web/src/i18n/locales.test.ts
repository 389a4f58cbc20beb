import { describe, expect, it } from "vitest";
import { LANGUAGES, strings, type Language } from "./index";

/** Every key path of a nested strings object, as "a.b.c". */
function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

// i18next picks `key_one`, `key_few`... by the language's plural rules, so
// Russian has forms English has not: keys are compared without them.
const PLURAL = /_(zero|one|two|few|many|other)$/;

function stems(language: Language): string[] {
  return [...new Set(keys(strings(language)).map((k) => k.replace(PLURAL, "")))].sort();
}

describe("locales", () => {
  it("Russian translates every English string and adds none of its own", () => {
    expect(stems("ru")).toEqual(stems("en"));
  });

  it("a plural string has every form its language's rules pick", () => {
    for (const language of Object.keys(LANGUAGES) as Language[]) {
      const all = keys(strings(language));
      const forms = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
      for (const stem of new Set(all.filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, "")))) {
        for (const form of forms) expect(all, `${language}: ${stem}_${form}`).toContain(`${stem}_${form}`);
      }
    }
  });
});
