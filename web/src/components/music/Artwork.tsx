// Artwork for an album, an artist or a track: the uploaded image scaled by
// the gateway, or, where there is none, a placeholder of the name's
// initials on a colour of its own, so that a list without covers still
// tells its rows apart at a glance. Decorative either way (alt=""): the
// name is always written beside it.
import { useState, type CSSProperties } from "react";
import { sameOriginImage } from "./format";
import "./artwork.css";

/** A hue from the name, stable across visits. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return hash % 360;
}

/** Up to two initials: "Led Zeppelin" → "LZ", "AC/DC" → "AD", "Кино" → "К". */
export function initialsOf(name: string): string {
  const words = name.match(/[\p{L}\p{N}]+/gu) ?? [];
  return words
    .slice(0, 2)
    .map((w) => [...w][0]?.toUpperCase() ?? "")
    .join("");
}

export function Artwork({
  src,
  name,
  size,
  round = false,
  className = "",
}: {
  /** The image's address on this server (`cover_url`, `image_url`); anything else is not loaded. */
  src: string | null | undefined;
  name: string;
  /** Pixels a side as shown; the image is asked for at twice that, for sharp screens. */
  size: number;
  round?: boolean;
  className?: string;
}) {
  const image = sameOriginImage(src);
  const [failed, setFailed] = useState<string | null>(null);
  const classes = `artwork${round ? " round" : ""}${className ? ` ${className}` : ""}`;
  if (image && failed !== image) {
    return (
      <img
        className={classes}
        src={`${image}?size=${Math.min(size * 2, 4096)}`}
        alt=""
        width={size}
        height={size}
        loading="lazy"
        onError={() => setFailed(image)}
      />
    );
  }
  return (
    <span
      className={`${classes} placeholder`}
      aria-hidden="true"
      data-testid="artwork-placeholder"
      style={{ width: size, height: size, fontSize: Math.max(10, size * 0.36), "--art-hue": hueOf(name) } as CSSProperties}
    >
      {initialsOf(name)}
    </span>
  );
}
