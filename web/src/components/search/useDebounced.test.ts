import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useDebounced } from "./useDebounced";

describe("useDebounced", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("settles only once typing pauses", () => {
    const { result, rerender } = renderHook(({ v }) => useDebounced(v, 80), { initialProps: { v: "q" } });
    rerender({ v: "qu" });
    act(() => void vi.advanceTimersByTime(50));
    rerender({ v: "que" });
    act(() => void vi.advanceTimersByTime(50));
    expect(result.current[0]).toBe("q");
    act(() => void vi.advanceTimersByTime(30));
    expect(result.current[0]).toBe("que");
  });

  it("settles at once on flush", () => {
    const { result, rerender } = renderHook(({ v }) => useDebounced(v, 80), { initialProps: { v: "a" } });
    rerender({ v: "ab" });
    act(() => result.current[1]());
    expect(result.current[0]).toBe("ab");
  });
});
