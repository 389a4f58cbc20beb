// A playlist: anyone it is visible to can play it; its owner can also
// rename it, delete it, remove items and reorder them.
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useSession } from "../api/useSession";
import type { QueueTrack } from "../player/PlayerProvider";
import { ConfirmDialog } from "../components/Modal";
import { ErrorNote, Loading } from "../components/Status";
import { RenameForm } from "../components/library/RenameForm";
import { ShareButton } from "../components/library/ShareButton";
import { SortablePlaylist } from "../components/library/SortablePlaylist";
import { useDeletePlaylist } from "../components/library/mutations";
import { PlayAll } from "../components/music/PlayAll";
import { TrackList } from "../components/music/TrackList";
import { usePlaylist, useResolvedTracks } from "../components/music/queries";
import "../components/music/pages.css";

export default function Playlist() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const playlist = usePlaylist(id);
  const items = playlist.data?.items ?? [];
  const resolved = useResolvedTracks(items.map((i) => i.track_id));
  const remove = useDeletePlaylist();
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);

  if (playlist.isPending) return <Loading />;
  if (playlist.error) return <ErrorNote error={playlist.error} retry={() => void playlist.refetch()} />;

  const p = playlist.data;
  const mine = session?.user.id === p.owner_id;
  // A track deleted since it was added still holds its place (its owner may remove it).
  const tracks: QueueTrack[] = items.map(
    (item, i) => resolved.tracks[i] ?? { id: item.track_id, title: t("catalog.track.unavailable"), artist: "" },
  );
  const label = t("catalog.playlist.tracksOf", { name: p.name });

  return (
    <article className="entity">
      <header className="entity-head">
        <div>
          <p className="muted kicker">
            {t(p.public ? "catalog.playlist.public" : "catalog.playlist.private")} · {t("catalog.album.tracks", { n: items.length })}
          </p>
          {renaming ? (
            <>
              <h1 className="visually-hidden">{p.name}</h1>
              <RenameForm id={p.id} name={p.name} onDone={() => setRenaming(false)} />
            </>
          ) : (
            <h1>{p.name}</h1>
          )}
          {p.description && <p>{p.description}</p>}
          <div className="entity-actions">
            <PlayAll tracks={resolved.loading ? [] : tracks} name={p.name} />
            {items.length > 0 && <ShareButton kind="playlist" id={p.id} name={p.name} trackIds={items.map((i) => i.track_id)} />}
            {mine && !renaming && (
              <button type="button" onClick={() => setRenaming(true)}>
                {t("library.playlists.rename")}
              </button>
            )}
            {mine && (
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                {t("library.playlists.delete")}
              </button>
            )}
          </div>
        </div>
      </header>
      {remove.error && <ErrorNote error={remove.error} />}
      <section aria-labelledby="playlist-tracks">
        <h2 id="playlist-tracks" className="visually-hidden">
          {label}
        </h2>
        {items.length === 0 && <p className="muted">{t("catalog.playlist.empty")}</p>}
        {resolved.error && <ErrorNote error={resolved.error} />}
        {items.length > 0 && resolved.loading && <Loading />}
        {items.length > 0 && !resolved.loading &&
          (mine ? (
            <SortablePlaylist playlistId={p.id} label={label} items={items} tracks={tracks} />
          ) : (
            <TrackList label={label} rows={items.map((item, i) => ({ key: item.id, track: tracks[i] }))} />
          ))}
      </section>
      <ConfirmDialog
        open={confirming}
        title={t("library.playlists.confirmTitle", { name: p.name })}
        message={t("library.playlists.confirmText")}
        confirmLabel={t("library.playlists.confirmDelete")}
        cancelLabel={t("library.playlists.cancel")}
        busy={remove.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() =>
          remove.mutate(p.id, {
            onSuccess: () => navigate("/library", { replace: true }),
            onSettled: () => setConfirming(false),
          })
        }
      />
    </article>
  );
}
