import { describe, expect, it } from "vitest";
import { strings } from "./index";

/** Every key path of a nested strings object, as "a.b.c". */
function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe("locales", () => {
  it("Russian translates every English string and adds none of its own", () => {
    expect(keys(strings("ru")).sort()).toEqual(keys(strings("en")).sort());
  });
});
