// An artist's albums and tracks, or an album's tracks, each one a button
// that opens it in the studio.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../../charts/Status";
import { useAlbumsOf, useTracksOf } from "./catalog";
import { formatDuration } from "./UploadAudio";
import type { EntityKind, Selection } from "./types";

interface Item {
  id: string;
  label: string;
  detail?: string;
}

function EntityList({
  title,
  kind,
  items,
  onPick,
}: {
  title: string;
  kind: EntityKind;
  items: Item[];
  onPick: (selection: Selection) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="studio-list" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {items.length === 0 ? (
        <p className="studio-muted">{t("studio.contents.none")}</p>
      ) : (
        <ul className="studio-results">
          {items.map((item) => (
            <li key={item.id}>
              <button type="button" className="studio-result" data-testid={`studio-${kind}`} onClick={() => onPick({ kind, id: item.id })}>
                <span>{item.label}</span>
                {item.detail && <span className="studio-muted">{item.detail}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ArtistContents({ artistId, onPick }: { artistId: string; onPick: (selection: Selection) => void }) {
  const { t } = useTranslation();
  const albums = useAlbumsOf(artistId);
  const tracks = useTracksOf({ artist: artistId });
  return (
    <div className="studio-contents">
      {albums.isPending && <Loading />}
      {albums.isError && <ErrorNote error={albums.error} onRetry={() => void albums.refetch()} />}
      {albums.data && (
        <EntityList
          title={t("studio.contents.albums")}
          kind="album"
          onPick={onPick}
          items={albums.data.items.map((a) => ({ id: a.id, label: a.title, detail: a.release_year ? String(a.release_year) : undefined }))}
        />
      )}
      <TrackList tracks={tracks} onPick={onPick} />
    </div>
  );
}

export function AlbumContents({ albumId, onPick }: { albumId: string; onPick: (selection: Selection) => void }) {
  const tracks = useTracksOf({ album: albumId });
  return (
    <div className="studio-contents">
      <TrackList tracks={tracks} onPick={onPick} />
    </div>
  );
}

function TrackList({ tracks, onPick }: { tracks: ReturnType<typeof useTracksOf>; onPick: (selection: Selection) => void }) {
  const { t } = useTranslation();
  if (tracks.isPending) return <Loading />;
  if (tracks.isError) return <ErrorNote error={tracks.error} onRetry={() => void tracks.refetch()} />;
  return (
    <EntityList
      title={t("studio.contents.tracks")}
      kind="track"
      onPick={onPick}
      items={tracks.data.items.map((tr) => ({
        id: tr.id,
        label: tr.track_number ? `${tr.track_number}. ${tr.title}` : tr.title,
        detail: tr.stream_url ? formatDuration(tr.duration_ms) : t("studio.contents.noAudio"),
      }))}
    />
  );
}
