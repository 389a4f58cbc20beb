import { describe, expect, it } from "vitest";
import { checkSignIn, checkSignUp, safeNext } from "./rules";

describe("safeNext", () => {
  const origin = "https://encore.test";
  it("keeps a path on this origin, with its query", () => {
    expect(safeNext("/albums/1?x=2#top", origin)).toBe("/albums/1?x=2#top");
    expect(safeNext("/search?q=a%20b", origin)).toBe("/search?q=a%20b");
  });
  it("refuses anything that leaves the origin", () => {
    for (const bad of ["//evil.test/x", "/\\evil.test", "https://evil.test/", "javascript:alert(1)", "evil", "", null]) {
      expect(safeNext(bad, origin)).toBe("/");
    }
  });
});

describe("checkSignUp", () => {
  it("accepts a good account", () => {
    expect(checkSignUp({ email: "ada@example.com", username: "ada_l", password: "correct horse" })).toEqual({});
  });
  it("names every field that breaks a rule", () => {
    expect(checkSignUp({ email: "ada@example", username: "a", password: "short" })).toEqual({
      email: "auth.errors.email",
      username: "auth.errors.username",
      password: "auth.errors.password",
    });
    expect(checkSignUp({ email: "", username: "", password: "" })).toEqual({
      email: "auth.errors.required",
      username: "auth.errors.required",
      password: "auth.errors.required",
    });
  });
});

describe("checkSignIn", () => {
  it("needs both fields", () => {
    expect(checkSignIn({ login: " ", password: "" })).toEqual({ login: "auth.errors.required", password: "auth.errors.required" });
    expect(checkSignIn({ login: "ada", password: "x" })).toEqual({});
  });
});
