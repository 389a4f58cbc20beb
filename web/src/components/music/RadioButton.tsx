import { useState } from "react";
import { usePlayer } from "../../player/PlayerProvider";
import { ErrorNote } from "../Status";

/** Starts a radio after `seed` (an artist, an album or a track). */
export function RadioButton({ seed, label }: { seed: string; label: string }) {
  const player = usePlayer();
  const [failed, setFailed] = useState<unknown>(null);
  return (
    <>
      <button type="button" onClick={() => player.startRadio(seed).then(() => setFailed(null), setFailed)}>
        {label}
      </button>
      {failed !== null && <ErrorNote error={failed} />}
    </>
  );
}
