// What every track list does with its rows, shared by the plain list and the
// editable playlist: play from a row, queue, like, pick a playlist, and say
// what happened in a polite live region.
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { usePlayer, type QueueTrack } from "../../player/PlayerProvider";
import { describeError } from "../Status";
import { useLikedIds, useToggleLike } from "./likes";

export function useTrackActions(tracks: QueueTrack[], onPlay?: (index: number) => void) {
  const { t } = useTranslation();
  const player = usePlayer();
  const liked = useLikedIds("tracks");
  const toggle = useToggleLike("tracks");
  const [status, setStatus] = useState("");
  const [adding, setAdding] = useState<QueueTrack | null>(null);

  const play = useCallback(
    (index: number) => {
      player.play(tracks, index);
      onPlay?.(index);
    },
    [player, tracks, onPlay],
  );

  return {
    current: player.current,
    /** The current track failed to play: no row should look as if it were playing. */
    failed: player.error !== null,
    status,
    setStatus,
    adding,
    stopAdding: () => setAdding(null),
    isLiked: (id: string) => liked.data?.has(id) ?? false,
    play,
    playNext: (track: QueueTrack) => {
      player.playNext(track);
      setStatus(t("catalog.track.queuedNext", { title: track.title }));
    },
    enqueue: (track: QueueTrack) => {
      player.enqueue(track);
      setStatus(t("catalog.track.queued", { title: track.title }));
    },
    radio: (track: QueueTrack) => {
      player.startRadio(track.id, track).then(
        () => setStatus(t("catalog.track.radioStarted", { title: track.title })),
        (e) => setStatus(t("catalog.track.radioFailed", { message: describeError(e, t) })),
      );
    },
    toggleLike: (track: QueueTrack) => {
      const now = !(liked.data?.has(track.id) ?? false);
      toggle.mutate(
        { id: track.id, liked: now },
        {
          onSuccess: () => setStatus(t(now ? "catalog.track.liked" : "catalog.track.unliked", { title: track.title })),
          onError: (e) => setStatus(t("catalog.track.likeFailed", { message: describeError(e, t) })),
        },
      );
    },
    addToPlaylist: (track: QueueTrack) => setAdding(track),
  };
}
