// The queue, opened from the bar: play any entry, remove entries, clear.
// Escape closes it and focus returns to the button that opened it.
import { useEffect, useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { formatTime } from "./format";
import { Icon } from "./icons";
import { usePlayer } from "./PlayerProvider";

export const QUEUE_PANEL_ID = "player-queue";

export function QueuePanel({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { items, index, jump, remove, clear } = usePlayer();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => heading.current?.focus(), []);

  function onKeyDown(e: KeyboardEvent<HTMLElement>) {
    if (e.key === "Escape") {
      e.stopPropagation();
      onClose();
    }
  }

  return (
    <section id={QUEUE_PANEL_ID} className="player-queue" aria-labelledby="player-queue-title" onKeyDown={onKeyDown}>
      <div className="player-queue-head">
        <h2 id="player-queue-title" tabIndex={-1} ref={heading}>
          {t("player.queue")}
        </h2>
        <button type="button" onClick={clear} disabled={items.length === 0}>
          {t("player.clearQueue")}
        </button>
        <button type="button" onClick={onClose}>
          {t("player.closeQueue")}
        </button>
      </div>
      {items.length === 0 ? (
        <p className="player-muted">{t("player.queueEmpty")}</p>
      ) : (
        <ol className="player-queue-list">
          {items.map((item, i) => (
            <li key={item.key} data-testid="queue-item" aria-current={i === index ? "true" : undefined}>
              {/* Named by what it shows (WCAG 2.5.3), so a voice command can say it. */}
              <button type="button" className="player-queue-track" onClick={() => jump(item.key)}>
                <span className="player-queue-title">{item.track.title}</span>{" "}
                <span className="player-muted">{item.track.artist}</span>
              </button>
              {item.track.durationMs ? (
                <span className="player-muted player-queue-time">{formatTime(item.track.durationMs / 1000)}</span>
              ) : null}
              <button
                type="button"
                className="player-button"
                aria-label={t("player.removeItem", { title: item.track.title })}
                onClick={() => remove(item.key)}
              >
                <Icon name="remove" />
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
