// One track in a list: play it (with the list after it), play it next, add
// it to the queue, like it, or add it to a playlist. Every action is a
// button named after the track, so keyboard and screen-reader users reach
// each one directly.
import type { ReactNode, Ref, CSSProperties } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import type { QueueTrack } from "../../player/PlayerProvider";
import { ActionMenu } from "../ActionMenu";
import { Artwork } from "./Artwork";
import { formatDuration } from "./format";
import "./tracks.css";

export interface TrackRowProps {
  track: QueueTrack;
  index: number;
  playing: boolean;
  liked: boolean;
  detail?: ReactNode;
  /** Show the album's cover (or its placeholder) before the title. */
  art?: boolean;
  onPlay: () => void;
  onPlayNext: () => void;
  onEnqueue: () => void;
  onRadio: () => void;
  onToggleLike: () => void;
  onAddToPlaylist: () => void;
  /** Before the number: a drag handle on an editable playlist. */
  leading?: ReactNode;
  /** After the menu: a remove button on an editable playlist. */
  trailing?: ReactNode;
  rowRef?: Ref<HTMLLIElement>;
  style?: CSSProperties;
  className?: string;
}

export function TrackRow({
  track,
  index,
  playing,
  liked,
  detail,
  art = false,
  onPlay,
  onPlayNext,
  onEnqueue,
  onRadio,
  onToggleLike,
  onAddToPlaylist,
  leading,
  trailing,
  rowRef,
  style,
  className,
}: TrackRowProps) {
  const { t } = useTranslation();
  const title = track.title || t("catalog.track.untitled");
  const silent = track.playable === false;
  return (
    <li
      ref={rowRef}
      style={style}
      data-testid="track-row"
      className={`track-row${playing ? " playing" : ""}${silent ? " unplayable" : ""}${className ? ` ${className}` : ""}`}
      aria-current={playing ? "true" : undefined}
    >
      {leading}
      <span className="track-num" aria-hidden="true">
        {playing ? "♪" : index + 1}
      </span>
      <button
        type="button"
        className="icon-button play"
        aria-label={t(silent ? "catalog.track.noAudio" : "catalog.track.play", { title })}
        disabled={silent}
        onClick={onPlay}
      >
        <span aria-hidden="true">▶</span>
      </button>
      {/* One grid cell for the cover and the names, so the columns stay the same with or without it. */}
      <div className="track-body">
        {art && <Artwork src={track.cover} name={track.album || track.title} size={40} />}
        <div className="track-main">
          <span className="track-title">
            {title}
            {playing && <span className="visually-hidden"> ({t("catalog.track.nowPlaying")})</span>}
            {silent && <span className="track-badge">{t("catalog.track.noAudioBadge")}</span>}
          </span>
          <span className="track-sub">
            {track.artistId && track.artist ? <Link to={`/artists/${track.artistId}`}>{track.artist}</Link> : track.artist}
            {track.album && (
              <>
                {track.artist ? " · " : ""}
                {track.albumId ? <Link to={`/albums/${track.albumId}`}>{track.album}</Link> : track.album}
              </>
            )}
          </span>
          {detail && <span className="track-detail">{detail}</span>}
        </div>
      </div>
      <span className="track-time">{formatDuration(track.durationMs)}</span>
      <button
        type="button"
        className={`icon-button like${liked ? " on" : ""}`}
        aria-label={t("catalog.track.like", { title })}
        aria-pressed={liked}
        onClick={onToggleLike}
      >
        <span aria-hidden="true">{liked ? "♥" : "♡"}</span>
      </button>
      <ActionMenu
        label={t("catalog.track.more", { title })}
        items={[
          { label: t("catalog.track.playNext"), onSelect: onPlayNext },
          { label: t("catalog.track.enqueue"), onSelect: onEnqueue },
          { label: t("catalog.track.radio"), onSelect: onRadio },
          { label: t("catalog.track.addToPlaylist"), onSelect: onAddToPlaylist },
        ]}
      />
      {trailing}
    </li>
  );
}
