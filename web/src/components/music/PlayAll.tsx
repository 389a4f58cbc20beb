import { useTranslation } from "react-i18next";
import { usePlayer, type QueueTrack } from "../../player/PlayerProvider";

/** Plays a whole list from its first track. */
export function PlayAll({ tracks, name }: { tracks: QueueTrack[]; name: string }) {
  const { t } = useTranslation();
  const player = usePlayer();
  return (
    <button
      type="button"
      className="primary"
      disabled={tracks.length === 0}
      aria-label={t("catalog.playAllOf", { name })}
      onClick={() => player.play(tracks, 0)}
    >
      <span aria-hidden="true">▶</span> {t("catalog.playAll")}
    </button>
  );
}
