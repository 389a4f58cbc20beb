import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../components/Status";
import { AlbumGrid } from "../components/music/AlbumGrid";
import { LikeButton } from "../components/music/LikeButton";
import { PlayAll } from "../components/music/PlayAll";
import { RadioButton } from "../components/music/RadioButton";
import { TrackList } from "../components/music/TrackList";
import { Artwork } from "../components/music/Artwork";
import { CATALOG_STALE_MS, fetchAll, keys, toQueueTrack, useArtist } from "../components/music/queries";
import type { Schema } from "../api/types";
import "../components/music/pages.css";

export default function Artist() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const artist = useArtist(id);
  const albums = useQuery({
    queryKey: keys.albumsOf(id),
    queryFn: ({ signal }) => fetchAll<Schema<"Page_Album">>("/v1/albums", { artist_id: id }, signal),
    staleTime: CATALOG_STALE_MS,
  });
  const tracks = useQuery({
    queryKey: keys.tracksOf({ artistId: id }),
    // An artist with more than 500 tracks shows their first 500.
    queryFn: ({ signal }) => fetchAll<Schema<"Page_Track">>("/v1/tracks", { artist_id: id }, signal, 5),
    staleTime: CATALOG_STALE_MS,
  });

  if (artist.isPending) return <Loading />;
  if (artist.error) return <ErrorNote error={artist.error} retry={() => void artist.refetch()} />;

  const a = artist.data;
  const names = new Map([[a.id, a.name]]);
  const byId = new Map((albums.data ?? []).map((al) => [al.id, al]));
  const queue = (tracks.data ?? []).map((tr) => toQueueTrack(tr, names, byId));

  return (
    <article className="entity">
      <header className="entity-head">
        <Artwork src={a.image_url} name={a.name} size={160} round className="entity-art" />
        <div>
          <p className="muted kicker">{t("catalog.artist.kind")}</p>
          <h1>{a.name}</h1>
          <p className="muted">{[a.genres.join(", "), a.country].filter(Boolean).join(" · ")}</p>
          <div className="entity-actions">
            <PlayAll tracks={queue} name={a.name} />
            <RadioButton seed={a.id} label={t("catalog.artist.radio")} />
            <LikeButton kind="artists" id={a.id} name={a.name} />
          </div>
        </div>
      </header>

      <section aria-labelledby="artist-albums">
        <h2 id="artist-albums">{t("catalog.artist.albums")}</h2>
        {albums.isPending && <Loading />}
        {albums.error && <ErrorNote error={albums.error} retry={() => void albums.refetch()} />}
        {albums.data?.length === 0 && <p className="muted">{t("catalog.artist.noAlbums")}</p>}
        {albums.data && albums.data.length > 0 && (
          <AlbumGrid albums={albums.data} />
        )}
      </section>

      <section aria-labelledby="artist-tracks">
        <h2 id="artist-tracks">{t("catalog.artist.tracks")}</h2>
        {tracks.isPending && <Loading />}
        {tracks.error && <ErrorNote error={tracks.error} retry={() => void tracks.refetch()} />}
        {tracks.data?.length === 0 && <p className="muted">{t("catalog.artist.noTracks")}</p>}
        {queue.length > 0 && (
          <TrackList label={t("catalog.artist.tracksOf", { name: a.name })} rows={queue.map((tr) => ({ key: tr.id, track: tr }))} />
        )}
      </section>
    </article>
  );
}
