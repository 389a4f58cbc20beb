import { describe, expect, it } from "vitest";
import { formatDuration, sameOriginImage } from "./format";

describe("formatDuration", () => {
  it("writes minutes and seconds, and hours when there are some", () => {
    expect(formatDuration(187_000)).toBe("3:07");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(59_600)).toBe("1:00");
  });
  it("leaves an unknown length blank", () => {
    expect(formatDuration(0)).toBe("");
    expect(formatDuration(null)).toBe("");
  });
});

describe("sameOriginImage", () => {
  it("keeps paths on this origin and drops the rest", () => {
    expect(sameOriginImage("/v1/albums/x/cover")).toBe("/v1/albums/x/cover");
    expect(sameOriginImage("https://cdn.example/x.jpg")).toBeNull();
    expect(sameOriginImage("//cdn.example/x.jpg")).toBeNull();
    expect(sameOriginImage(null)).toBeNull();
  });
});
