// A list of tracks that plays from any row: the list is the queue.
import type { ReactNode } from "react";
import type { QueueTrack } from "../../player/PlayerProvider";
import { AddToPlaylist } from "./AddToPlaylist";
import { TrackRow } from "./TrackRow";
import { useTrackActions } from "./useTrackActions";
import "./tracks.css";

export interface TrackRowData {
  /** Unique in the list: a track may appear twice (history, playlists). */
  key: string;
  track: QueueTrack;
  detail?: ReactNode;
}

export function TrackList({
  rows,
  label,
  onPlay,
  art = true,
}: {
  rows: TrackRowData[];
  /** The list's accessible name. */
  label: string;
  /** Called after a row was played (search reports the click). */
  onPlay?: (index: number) => void;
  /** Each row's album cover; an album's own page leaves it out. */
  art?: boolean;
}) {
  const tracks = rows.map((r) => r.track);
  const actions = useTrackActions(tracks, onPlay);
  return (
    <>
      <ol className="track-list" aria-label={label}>
        {rows.map((row, index) => (
          <TrackRow
            key={row.key}
            track={row.track}
            index={index}
            detail={row.detail}
            art={art}
            playing={actions.current?.id === row.track.id && !actions.failed}
            liked={actions.isLiked(row.track.id)}
            onPlay={() => actions.play(index)}
            onPlayNext={() => actions.playNext(row.track)}
            onEnqueue={() => actions.enqueue(row.track)}
            onRadio={() => actions.radio(row.track)}
            onToggleLike={() => actions.toggleLike(row.track)}
            onAddToPlaylist={() => actions.addToPlaylist(row.track)}
          />
        ))}
      </ol>
      <p role="status" className="track-status">
        {actions.status}
      </p>
      <AddToPlaylist track={actions.adding} onClose={actions.stopAdding} onDone={actions.setStatus} />
    </>
  );
}
