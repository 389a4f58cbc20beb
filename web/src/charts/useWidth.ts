import { useEffect, useState } from "react";

/**
 * The element's content width, following it as the layout changes
 * (ResizeObserver). Takes the element itself (from a callback ref), so it
 * starts observing whenever the element appears.
 */
export function useWidth(element: HTMLElement | null, fallback = 320): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    if (!element) return;
    const measure = (w: number) => {
      if (w > 0) setWidth(Math.floor(w));
    };
    measure(element.clientWidth);
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) measure(entry.contentRect.width);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return width;
}
