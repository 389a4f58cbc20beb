// The entity being worked on: its edit form, what it contains, forms to add
// albums and tracks to it, and a track's audio upload.
import { useEffect, useId, useRef } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../../charts/Status";
import { AlbumContents, ArtistContents } from "./Contents";
import { EntityForm } from "./EntityForm";
import { UploadAudio } from "./UploadAudio";
import { useAlbumsOf, useEntity, useSave } from "./catalog";
import { ALBUM_FIELDS, ARTIST_FIELDS, TRACK_FIELDS, toValues, type FieldSpec } from "./forms";
import type { Album, Artist, Selection, Track } from "./types";

type Pick = (selection: Selection) => void;

function withAlbums(spec: FieldSpec[], albums: Album[], allowNone: boolean, none: string): FieldSpec[] {
  const options = [...(allowNone ? [{ value: "", label: none }] : []), ...albums.map((a) => ({ value: a.id, label: a.title }))];
  return spec.map((f) => (f.name === "album_id" ? { ...f, options } : f));
}

function Panel({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  const id = useId();
  return (
    <section className="studio-panel" aria-labelledby={id} data-testid={testId}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

export function Workspace({ selection, onPick }: { selection: Selection; onPick: Pick }) {
  const { t } = useTranslation();
  const entity = useEntity<Artist | Album | Track>(selection.kind, selection.id);
  const heading = useRef<HTMLHeadingElement>(null);
  const loaded = entity.data?.id;
  useEffect(() => {
    // A pick moves the keyboard and screen reader to what was picked.
    if (loaded) heading.current?.focus();
  }, [loaded]);
  if (entity.isPending) return <Loading />;
  if (entity.isError) return <ErrorNote error={entity.error} onRetry={() => void entity.refetch()} />;
  const title = t(`studio.edit.${selection.kind}`, { name: "name" in entity.data ? entity.data.name : entity.data.title });
  return (
    <section className="studio-workspace" aria-labelledby="studio-workspace-title">
      <h2 id="studio-workspace-title" ref={heading} tabIndex={-1}>{title}</h2>
      {selection.kind === "artist" && <ArtistWork artist={entity.data as Artist} onPick={onPick} />}
      {selection.kind === "album" && <AlbumWork album={entity.data as Album} onPick={onPick} />}
      {selection.kind === "track" && <TrackWork track={entity.data as Track} onPick={onPick} />}
    </section>
  );
}

function ArtistWork({ artist, onPick }: { artist: Artist; onPick: Pick }) {
  const { t } = useTranslation();
  const save = useSave();
  const albums = useAlbumsOf(artist.id);
  const empty = (spec: FieldSpec[]) => toValues({}, spec);
  const trackSpec = withAlbums(TRACK_FIELDS, albums.data?.items ?? [], true, t("studio.form.noAlbum"));
  return (
    <>
      <Panel title={t("studio.details")}>
        <EntityForm
          key={artist.id}
          spec={ARTIST_FIELDS}
          initial={toValues(artist, ARTIST_FIELDS)}
          mode="edit"
          submitLabel={t("studio.form.save")}
          onSubmit={(body) => save("artist", "PATCH", body, artist.id)}
          testId="edit-artist"
        />
      </Panel>
      <ArtistContents artistId={artist.id} onPick={onPick} />
      <div className="studio-columns">
        <Panel title={t("studio.create.album")}>
          <EntityForm
            key={`album-${artist.id}`}
            spec={ALBUM_FIELDS}
            initial={empty(ALBUM_FIELDS)}
            mode="create"
            submitLabel={t("studio.create.albumButton")}
            onSubmit={async (body) => {
              const album = await save<Album>("album", "POST", { ...body, artist_id: artist.id });
              onPick({ kind: "album", id: album.id });
            }}
            testId="create-album"
          />
        </Panel>
        <Panel title={t("studio.create.track")}>
          <EntityForm
            key={`track-${artist.id}-${albums.data ? "albums" : "none"}`}
            spec={trackSpec}
            initial={empty(trackSpec)}
            mode="create"
            submitLabel={t("studio.create.trackButton")}
            onSubmit={async (body) => {
              const track = await save<Track>("track", "POST", { ...body, artist_id: artist.id });
              onPick({ kind: "track", id: track.id });
            }}
            testId="create-track"
          />
        </Panel>
      </div>
    </>
  );
}

function AlbumWork({ album, onPick }: { album: Album; onPick: Pick }) {
  const { t } = useTranslation();
  const save = useSave();
  return (
    <>
      <button type="button" className="studio-up" onClick={() => onPick({ kind: "artist", id: album.artist_id })}>
        {t("studio.openArtist")}
      </button>
      <Panel title={t("studio.details")}>
        <EntityForm
          key={album.id}
          spec={ALBUM_FIELDS}
          initial={toValues(album, ALBUM_FIELDS)}
          mode="edit"
          submitLabel={t("studio.form.save")}
          onSubmit={(body) => save("album", "PATCH", body, album.id)}
          testId="edit-album"
        />
      </Panel>
      <AlbumContents albumId={album.id} onPick={onPick} />
    </>
  );
}

function TrackWork({ track, onPick }: { track: Track; onPick: Pick }) {
  const { t } = useTranslation();
  const save = useSave();
  const albums = useAlbumsOf(track.artist_id);
  // The API can move a track to another album but not take it off one.
  const spec = withAlbums(TRACK_FIELDS, albums.data?.items ?? [], !track.album_id, t("studio.form.noAlbum"));
  return (
    <>
      <button type="button" className="studio-up" onClick={() => onPick({ kind: "artist", id: track.artist_id })}>
        {t("studio.openArtist")}
      </button>
      <UploadAudio track={track} />
      <Panel title={t("studio.details")}>
        {albums.isPending ? (
          <Loading />
        ) : (
          <EntityForm
            key={track.id}
            spec={spec}
            initial={toValues(track, spec)}
            mode="edit"
            submitLabel={t("studio.form.save")}
            onSubmit={(body) => save("track", "PATCH", body, track.id)}
            testId="edit-track"
          />
        )}
      </Panel>
    </>
  );
}
