// The player bar, fixed at the bottom of every page: what plays, the
// transport buttons, seek, volume and the queue. A labelled region, with
// the current track announced politely when it changes.
import { useCallback, useRef, useState } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { Icon } from "./icons";
import { usePlayer } from "./PlayerProvider";
import { SeekBar, VolumeControl } from "./PlayerSliders";
import { Artwork } from "../components/music/Artwork";
import { Modal } from "../components/Modal";
import { LYRICS_PANEL_ID, LyricsPanel } from "./LyricsPanel";
import { QUEUE_PANEL_ID, QueuePanel } from "./QueuePanel";
import { SHORTCUTS, useShortcuts } from "./shortcuts";
import type { PlayerError } from "./types";
import "./player.css";

function useErrorText(error: PlayerError | null): string | null {
  const { t } = useTranslation();
  if (!error) return null;
  if (error.kind === "failed" && error.message) return t("player.errors.failedBecause", { title: error.title, message: error.message });
  return t(`player.errors.${error.kind}`, { title: error.title });
}

export function PlayerBar() {
  const { t } = useTranslation();
  const player = usePlayer();
  const { current, playing, shuffle, repeat, error } = player;
  // One panel at a time, above the bar: the queue or the lyrics.
  const [panel, setPanel] = useState<"queue" | "lyrics" | null>(null);
  const queueButton = useRef<HTMLButtonElement>(null);
  const lyricsButton = useRef<HTMLButtonElement>(null);
  const errorText = useErrorText(error);
  const queueOpen = panel === "queue";
  const lyricsOpen = panel === "lyrics";
  const [helpOpen, setHelpOpen] = useState(false);
  useShortcuts(useCallback(() => setHelpOpen(true), []));

  function closeQueue() {
    setPanel(null);
    queueButton.current?.focus();
  }

  function closeLyrics() {
    setPanel(null);
    lyricsButton.current?.focus();
  }

  return (
    <section className="player" aria-label={t("player.region")}>
      <p className="visually-hidden" role="status">
        {current ? t("player.nowPlaying", { title: current.title, artist: current.artist }) : ""}
      </p>
      {queueOpen && <QueuePanel onClose={closeQueue} />}
      {lyricsOpen && <LyricsPanel onClose={closeLyrics} />}
      <Modal open={helpOpen} onClose={() => setHelpOpen(false)} title={t("player.shortcuts.title")}>
        <dl className="shortcut-list">
          {SHORTCUTS.map(({ action, keys }) => (
            <div key={action}>
              <dt>
                {keys.map((key, i) => (
                  <span key={key}>
                    {i > 0 && ` ${t("player.shortcuts.or")} `}
                    <kbd>{key === "Space" ? t("player.shortcuts.space") : key}</kbd>
                  </span>
                ))}
              </dt>
              <dd>{t(`player.shortcuts.${action}`)}</dd>
            </div>
          ))}
        </dl>
        <button type="button" onClick={() => setHelpOpen(false)}>
          {t("player.shortcuts.close")}
        </button>
      </Modal>
      <div className="player-now">
        {current && <Artwork src={current.cover} name={current.album || current.title} size={44} />}
        <div className="player-info">
          {current ? (
            <>
              <span className="player-title" data-testid="now-playing">
                {current.title}
              </span>
              {errorText ? (
                <span className="player-error" role="alert">{errorText}</span>
              ) : (
                <span className="player-artist">
                  {current.artistId ? <Link to={`/artists/${current.artistId}`}>{current.artist}</Link> : current.artist}
                  {current.album && current.albumId && (
                    <>
                      {" · "}
                      <Link to={`/albums/${current.albumId}`}>{current.album}</Link>
                    </>
                  )}
                </span>
              )}
            </>
          ) : (
            <span className="player-muted" data-testid="now-playing">{t("player.nothing")}</span>
          )}
        </div>
      </div>
      <div className="player-controls">
        <div className="player-transport">
          <button type="button" className="player-button" aria-label={t("player.shuffle")} aria-pressed={shuffle} onClick={player.toggleShuffle}>
            <Icon name="shuffle" />
          </button>
          <button type="button" className="player-button" aria-label={t("player.previous")} disabled={!current} onClick={player.previous}>
            <Icon name="previous" />
          </button>
          <button type="button" className="player-button player-play" aria-label={t(playing ? "player.pause" : "player.play")} disabled={!current} onClick={player.toggle}>
            <Icon name={playing ? "pause" : "play"} />
          </button>
          <button type="button" className="player-button" aria-label={t("player.next")} disabled={!player.hasNext} onClick={player.next}>
            <Icon name="next" />
          </button>
          <button
            type="button"
            className="player-button player-repeat"
            aria-label={t("player.repeat")}
            aria-pressed={repeat !== "off"}
            aria-describedby="player-repeat-mode"
            data-mode={repeat}
            onClick={player.cycleRepeat}
          >
            <Icon name="repeat" />
            {repeat === "one" && <span className="player-badge" aria-hidden="true">1</span>}
          </button>
          <span id="player-repeat-mode" className="visually-hidden">{t(`player.repeatMode.${repeat}`)}</span>
        </div>
        <SeekBar />
      </div>
      <div className="player-extra">
        <button
          type="button"
          ref={queueButton}
          className="player-button"
          aria-label={t("player.queue")}
          aria-expanded={queueOpen}
          aria-controls={queueOpen ? QUEUE_PANEL_ID : undefined}
          onClick={() => (queueOpen ? closeQueue() : setPanel("queue"))}
        >
          <Icon name="queue" />
        </button>
        <button
          type="button"
          ref={lyricsButton}
          className="player-button player-text-button"
          aria-expanded={lyricsOpen}
          aria-controls={lyricsOpen ? LYRICS_PANEL_ID : undefined}
          onClick={() => (lyricsOpen ? closeLyrics() : setPanel("lyrics"))}
        >
          {t("player.lyrics")}
        </button>
        <VolumeControl />
      </div>
    </section>
  );
}
