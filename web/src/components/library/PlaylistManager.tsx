// The listener's playlists: create, open, rename, delete (after asking).
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { ConfirmDialog } from "../Modal";
import { ErrorNote, Loading } from "../Status";
import { useMyPlaylists } from "../music/queries";
import type { Playlist } from "../music/types";
import { useCreatePlaylist, useDeletePlaylist } from "./mutations";
import { RenameForm } from "./RenameForm";
import "./library.css";

export function PlaylistManager() {
  const { t } = useTranslation();
  const playlists = useMyPlaylists();
  const create = useCreatePlaylist();
  const remove = useDeletePlaylist();
  const [name, setName] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Playlist | null>(null);
  const [status, setStatus] = useState("");

  function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    create.mutate(trimmed, {
      onSuccess: (p) => {
        setName("");
        setStatus(t("library.playlists.created", { name: p.name }));
      },
    });
  }

  return (
    <>
      <form className="inline-form" onSubmit={submit}>
        <label>
          {t("library.playlists.name")}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
          {t("library.playlists.create")}
        </button>
      </form>
      {create.error && <ErrorNote error={create.error} />}
      <p role="status" className="track-status">
        {status}
      </p>
      {playlists.isPending && <Loading />}
      {playlists.error && <ErrorNote error={playlists.error} retry={() => void playlists.refetch()} />}
      {playlists.data?.length === 0 && <p className="muted">{t("library.playlists.none")}</p>}
      {playlists.data && playlists.data.length > 0 && (
        <ul className="playlist-list" aria-label={t("library.playlists.title")}>
          {playlists.data.map((p) => (
            <li key={p.id} data-testid="playlist-row">
              {renaming === p.id ? (
                <RenameForm id={p.id} name={p.name} onDone={() => setRenaming(null)} />
              ) : (
                <>
                  <Link to={`/playlists/${p.id}`} className="playlist-name">
                    {p.name}
                  </Link>
                  <span className="muted">{t(p.public ? "catalog.playlist.public" : "catalog.playlist.private")}</span>
                  <span className="row-actions">
                    <button type="button" aria-label={t("library.playlists.renameNamed", { name: p.name })} onClick={() => setRenaming(p.id)}>
                      {t("library.playlists.rename")}
                    </button>
                    <button
                      type="button"
                      className="danger"
                      aria-label={t("library.playlists.deleteNamed", { name: p.name })}
                      onClick={() => setDeleting(p)}
                    >
                      {t("library.playlists.delete")}
                    </button>
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.error && <ErrorNote error={remove.error} />}
      <ConfirmDialog
        open={deleting !== null}
        title={t("library.playlists.confirmTitle", { name: deleting?.name ?? "" })}
        message={t("library.playlists.confirmText")}
        confirmLabel={t("library.playlists.confirmDelete")}
        cancelLabel={t("library.playlists.cancel")}
        busy={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (!deleting) return;
          const gone = deleting.name;
          remove.mutate(deleting.id, {
            onSuccess: () => setStatus(t("library.playlists.deleted", { name: gone })),
            onSettled: () => setDeleting(null),
          });
        }}
      />
    </>
  );
}
