// What the listener liked: tracks (playable), albums and artists (links).
import { useState } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../Status";
import { useLikedIds } from "../music/likes";
import { useAlbumNames, useArtistNames, useResolvedTracks } from "../music/queries";
import { TrackList } from "../music/TrackList";
import type { LikeKind } from "../music/types";
import "./library.css";

const STEP = 20;

export function LikedTracks() {
  const { t } = useTranslation();
  const liked = useLikedIds("tracks");
  const [shown, setShown] = useState(STEP);
  const ids = [...(liked.data ?? [])].slice(0, shown);
  const resolved = useResolvedTracks(ids);
  if (liked.isPending) return <Loading />;
  if (liked.error) return <ErrorNote error={liked.error} retry={() => void liked.refetch()} />;
  if (liked.data.size === 0) return <p className="muted">{t("library.likes.noTracks")}</p>;
  const rows = ids.flatMap((id, i) => {
    const track = resolved.tracks[i];
    return track ? [{ key: id, track }] : [];
  });
  return (
    <>
      {resolved.error && <ErrorNote error={resolved.error} />}
      {rows.length > 0 && <TrackList label={t("library.likes.tracks")} rows={rows} />}
      {resolved.loading && <Loading />}
      {liked.data.size > shown && (
        <button type="button" onClick={() => setShown((n) => n + STEP)}>
          {t("library.more")}
        </button>
      )}
    </>
  );
}

/** Liked albums or artists, by name. */
export function LikedEntities({ kind }: { kind: Exclude<LikeKind, "tracks"> }) {
  const { t } = useTranslation();
  const liked = useLikedIds(kind);
  const ids = [...(liked.data ?? [])];
  const albums = useAlbumNames(kind === "albums" ? ids : []);
  const artistNames = useArtistNames(kind === "artists" ? ids : []);
  const names = kind === "albums" ? new Map([...albums].map(([id, al]) => [id, al.title])) : artistNames;
  if (liked.isPending) return <Loading />;
  if (liked.error) return <ErrorNote error={liked.error} retry={() => void liked.refetch()} />;
  if (ids.length === 0) return <p className="muted">{t(kind === "albums" ? "library.likes.noAlbums" : "library.likes.noArtists")}</p>;
  return (
    <ul className="liked-list" aria-label={t(kind === "albums" ? "library.likes.albums" : "library.likes.artists")}>
      {ids.map((id) => (
        <li key={id}>
          <Link to={`/${kind}/${id}`}>{names.get(id) ?? t("common.loading")}</Link>
        </li>
      ))}
    </ul>
  );
}
