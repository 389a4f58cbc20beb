// The seek and volume sliders: native range inputs (role slider, arrow keys
// for free) with spoken values.
import { useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import { formatTime } from "./format";
import { Icon } from "./icons";
import { usePlayer, usePlayerTime } from "./PlayerProvider";

/** Arrow keys move this many seconds; Page Up/Down six times as far. */
const SEEK_STEP_S = 5;

export function SeekBar() {
  const { t } = useTranslation();
  const { current, seek } = usePlayer();
  const { position, duration } = usePlayerTime();
  // While the pointer drags, the thumb follows it and the audio seeks once, on release.
  const [scrub, setScrub] = useState<number | null>(null);
  const shown = scrub ?? position;
  const max = Math.max(duration, 0);
  const disabled = !current || max === 0;

  function commit() {
    if (scrub !== null) seek(scrub);
    setScrub(null);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -6, PageUp: 6 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    seek(Math.min(max, Math.max(0, position + step * SEEK_STEP_S)));
  }

  return (
    <div className="player-seek">
      <span className="player-time" aria-hidden="true">{formatTime(shown)}</span>
      <input
        type="range"
        className="player-range"
        aria-label={t("player.seek")}
        aria-valuetext={t("player.timeOf", { position: formatTime(shown), duration: formatTime(max) })}
        min={0}
        max={max || 1}
        step={1}
        value={Math.min(shown, max || 1)}
        disabled={disabled}
        onKeyDown={onKeyDown}
        onPointerDown={() => setScrub(position)}
        onPointerUp={commit}
        onPointerCancel={commit}
        onBlur={commit}
        onChange={(e) => {
          const value = Number(e.target.value);
          if (scrub !== null) setScrub(value);
          else seek(value);
        }}
      />
      <span className="player-time" aria-hidden="true">{formatTime(max)}</span>
    </div>
  );
}

export function VolumeControl() {
  const { t } = useTranslation();
  const { volume, muted, setVolume, toggleMute, normalise, toggleNormalise } = usePlayer();
  const percent = Math.round((muted ? 0 : volume) * 100);
  return (
    <div className="player-volume">
      <button type="button" className="player-button" aria-label={t("player.mute")} aria-pressed={muted} onClick={toggleMute}>
        <Icon name={muted || volume === 0 ? "muted" : "volume"} />
      </button>
      <input
        type="range"
        className="player-range"
        aria-label={t("player.volume")}
        aria-valuetext={t("player.percent", { percent })}
        min={0}
        max={100}
        step={5}
        value={percent}
        onChange={(e) => setVolume(Number(e.target.value) / 100)}
      />
      <button
        type="button"
        className="player-button"
        aria-label={t("player.normalise")}
        title={t("player.normaliseHint")}
        aria-pressed={normalise}
        onClick={toggleNormalise}
      >
        <Icon name="normalise" />
      </button>
    </div>
  );
}
