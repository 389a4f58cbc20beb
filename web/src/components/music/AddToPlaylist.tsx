// The dialog that adds one track to one of the listener's playlists, or to a
// new one made on the spot.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import type { QueueTrack } from "../../player/PlayerProvider";
import { Modal } from "../Modal";
import { ErrorNote, Loading } from "../Status";
import { keys, useMyPlaylists } from "./queries";
import type { Playlist } from "./types";

export function AddToPlaylist({
  track,
  onClose,
  onDone,
}: {
  track: QueueTrack | null;
  onClose: () => void;
  /** Told what happened, for the list's live region. */
  onDone: (message: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal open={track !== null} onClose={onClose} title={t("catalog.addTo.title", { title: track?.title ?? "" })}>
      {track && <Choices track={track} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function Choices({ track, onClose, onDone }: { track: QueueTrack; onClose: () => void; onDone: (m: string) => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const playlists = useMyPlaylists();
  const [name, setName] = useState("");

  const add = useMutation({
    mutationFn: async (target: { id?: string; name: string }) => {
      let id = target.id;
      if (!id) {
        const made = await api<Playlist>("/v1/playlists", { method: "POST", body: { name: target.name } satisfies Schema<"CreatePlaylist"> });
        id = made.id;
      }
      return api<Playlist>(`/v1/playlists/${id}/items`, { method: "POST", body: { track_id: track.id } satisfies Schema<"AddItem"> });
    },
    onSuccess: (playlist) => {
      client.setQueryData(keys.playlist(playlist.id), playlist);
      void client.invalidateQueries({ queryKey: keys.myPlaylists });
      onDone(t("catalog.addTo.done", { title: track.title, playlist: playlist.name }));
      onClose();
    },
  });

  function create(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) add.mutate({ name: name.trim() });
  }

  return (
    <div className="add-to">
      {playlists.isPending && <Loading />}
      {playlists.error && <ErrorNote error={playlists.error} retry={() => void playlists.refetch()} />}
      {playlists.data && playlists.data.length > 0 && (
        <ul className="plain-list" aria-label={t("catalog.addTo.yours")}>
          {playlists.data.map((p) => (
            <li key={p.id}>
              <button type="button" disabled={add.isPending} onClick={() => add.mutate({ id: p.id, name: p.name })}>
                {p.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {playlists.data?.length === 0 && <p>{t("catalog.addTo.none")}</p>}
      <form className="inline-form" onSubmit={create}>
        <label>
          {t("catalog.addTo.newName")}
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
        </label>
        <button type="submit" disabled={add.isPending || !name.trim()}>
          {t("catalog.addTo.create")}
        </button>
      </form>
      {add.error && <ErrorNote error={add.error} />}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          {t("catalog.addTo.cancel")}
        </button>
      </div>
    </div>
  );
}
