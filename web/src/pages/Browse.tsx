// Browsing by genre and by decade: the index (`/browse`), a genre's albums
// and tracks (`/browse/genres/:genre`), a decade's albums (`/browse/decades/:decade`).
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../components/Status";
import { AlbumGrid } from "../components/music/AlbumGrid";
import { DecadeLinks, GenreLinks, useBrowse } from "../components/music/browse";
import { PlayAll } from "../components/music/PlayAll";
import { CATALOG_STALE_MS, fetchAll, keys, toQueueTrack, useAlbumNames, useArtistNames } from "../components/music/queries";
import { TrackList } from "../components/music/TrackList";
import type { Schema } from "../api/types";
import NotFound from "./NotFound";
import "../components/music/pages.css";

export default function Browse() {
  const { genre, decade } = useParams();
  if (genre !== undefined) return <GenrePage genre={genre} />;
  if (decade !== undefined) return /^\d{4}$/.test(decade) && Number(decade) % 10 === 0 ? <DecadePage decade={Number(decade)} /> : <NotFound />;
  return <BrowseIndex />;
}

function BrowseIndex() {
  const { t } = useTranslation();
  const browse = useBrowse();
  return (
    <div className="browse">
      <h1>{t("browse.title")}</h1>
      {browse.isPending && <Loading />}
      {browse.error && <ErrorNote error={browse.error} retry={() => void browse.refetch()} />}
      {browse.data && browse.data.genres.length + browse.data.decades.length === 0 && <p className="muted">{t("browse.none")}</p>}
      {browse.data && browse.data.genres.length > 0 && (
        <section aria-labelledby="browse-genres">
          <h2 id="browse-genres">{t("browse.genres")}</h2>
          <GenreLinks genres={browse.data.genres} />
        </section>
      )}
      {browse.data && browse.data.decades.length > 0 && (
        <section aria-labelledby="browse-decades">
          <h2 id="browse-decades">{t("browse.decades")}</h2>
          <DecadeLinks decades={browse.data.decades} />
        </section>
      )}
    </div>
  );
}

/** At most this many of a genre's or decade's albums and tracks: a page, not the catalogue. */
const PAGES = 2;

function Albums({ filter, label }: { filter: { genre?: string; decade?: number }; label: string }) {
  const { t } = useTranslation();
  const albums = useQuery({
    queryKey: keys.albumsBy(filter),
    queryFn: ({ signal }) => fetchAll<Schema<"Page_Album">>("/v1/albums", filter, signal, PAGES),
    staleTime: CATALOG_STALE_MS,
  });
  if (albums.isPending) return <Loading />;
  if (albums.error) return <ErrorNote error={albums.error} retry={() => void albums.refetch()} />;
  if (albums.data.length === 0) return <p className="muted">{t("browse.noAlbums")}</p>;
  return <AlbumGrid albums={albums.data} label={label} />;
}

function GenrePage({ genre }: { genre: string }) {
  const { t } = useTranslation();
  const tracks = useQuery({
    queryKey: keys.tracksOf({ genre }),
    queryFn: ({ signal }) => fetchAll<Schema<"Page_Track">>("/v1/tracks", { genre }, signal, PAGES),
    staleTime: CATALOG_STALE_MS,
  });
  const names = useArtistNames((tracks.data ?? []).map((tr) => tr.artist_id));
  const albums = useAlbumNames((tracks.data ?? []).map((tr) => tr.album_id));
  const queue = (tracks.data ?? []).map((tr) => toQueueTrack(tr, names, albums));
  return (
    <article className="browse">
      <p>
        <Link to="/browse">{t("browse.back")}</Link>
      </p>
      <h1 className="browse-name">{genre}</h1>
      <section aria-labelledby="genre-albums">
        <h2 id="genre-albums">{t("browse.albumsOf")}</h2>
        <Albums filter={{ genre }} label={t("browse.albumsOf")} />
      </section>
      <section aria-labelledby="genre-tracks">
        <h2 id="genre-tracks">{t("browse.tracksOf")}</h2>
        {tracks.isPending && <Loading />}
        {tracks.error && <ErrorNote error={tracks.error} retry={() => void tracks.refetch()} />}
        {tracks.data?.length === 0 && <p className="muted">{t("browse.noTracks")}</p>}
        {queue.length > 0 && (
          <>
            <PlayAll tracks={queue} name={genre} />
            <TrackList label={t("browse.tracksIn", { genre })} rows={queue.map((tr) => ({ key: tr.id, track: tr }))} />
          </>
        )}
      </section>
    </article>
  );
}

function DecadePage({ decade }: { decade: number }) {
  const { t } = useTranslation();
  const title = t("browse.decade", { decade });
  return (
    <article className="browse">
      <p>
        <Link to="/browse">{t("browse.back")}</Link>
      </p>
      <h1>{title}</h1>
      <Albums filter={{ decade }} label={t("browse.albumsOf")} />
    </article>
  );
}
