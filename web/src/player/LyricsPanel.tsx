// The playing track's lyrics, opened from the bar. Synced (LRC) lyrics
// follow playback: the current line is marked and kept in view; plain
// lyrics are shown as verses. Escape closes it and focus returns to the
// button that opened it.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../api/client";
import type { Schema } from "../api/types";
import { usePlayer, usePlayerTime } from "./PlayerProvider";

export const LYRICS_PANEL_ID = "player-lyrics";

type Lyrics = Schema<"TrackLyrics">;

/** The index of the line playing at `positionMs`: the last that started. */
export function currentLine(lines: Lyrics["lines"], positionMs: number): number {
  let found = -1;
  lines.forEach((line, i) => {
    if (line.start_ms !== null && line.start_ms !== undefined && line.start_ms <= positionMs) found = i;
  });
  return found;
}

export function LyricsPanel({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { current } = usePlayer();
  const { position } = usePlayerTime();
  const heading = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const id = current?.id ?? "";
  const lyrics = useQuery({
    queryKey: ["lyrics", id],
    enabled: id !== "",
    // No lyrics is an answer, not a failure to retry.
    queryFn: () =>
      api<Lyrics>(`/v1/tracks/${encodeURIComponent(id)}/lyrics`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
  });

  useEffect(() => heading.current?.focus(), []);

  const data = lyrics.data;
  const at = data?.synced ? currentLine(data.lines, position * 1000) : -1;
  useEffect(() => {
    if (at < 0) return;
    list.current?.children[at]?.scrollIntoView({ block: "center", behavior: "smooth" });
  }, [at]);

  function onKeyDown(e: KeyboardEvent<HTMLElement>) {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
    }
  }

  let body;
  if (!current) body = <p className="player-muted">{t("player.nothing")}</p>;
  else if (lyrics.isPending) body = <p className="player-muted" role="status">{t("common.loading")}</p>;
  else if (lyrics.error) body = <p className="player-error" role="alert">{t("player.lyricsFailed")}</p>;
  else if (!data) body = <p className="player-muted">{t("player.noLyrics")}</p>;
  else
    body = (
      <ol className={`player-lyrics-lines${data.synced ? " synced" : ""}`} ref={list} lang={data.lang === "xxx" ? undefined : data.lang}>
        {data.lines.map((line, i) => (
          <li key={i} aria-current={i === at ? "true" : undefined} data-testid="lyrics-line">
            {line.text || "\u00a0"}
          </li>
        ))}
      </ol>
    );

  return (
    <section id={LYRICS_PANEL_ID} className="player-queue player-lyrics" aria-labelledby="player-lyrics-title" onKeyDown={onKeyDown}>
      <div className="player-queue-head">
        <h2 id="player-lyrics-title" tabIndex={-1} ref={heading}>
          {current ? t("player.lyricsOf", { title: current.title }) : t("player.lyrics")}
        </h2>
        <button type="button" onClick={onClose}>
          {t("player.closeLyrics")}
        </button>
      </div>
      {body}
    </section>
  );
}
