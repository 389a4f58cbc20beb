import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { ErrorNote, Loading } from "../components/Status";
import { ShareButton } from "../components/library/ShareButton";
import { LikeButton } from "../components/music/LikeButton";
import { PlayAll } from "../components/music/PlayAll";
import { TrackList } from "../components/music/TrackList";
import { Artwork } from "../components/music/Artwork";
import { formatDuration } from "../components/music/format";
import { CATALOG_STALE_MS, fetchAll, keys, toQueueTrack, useAlbum, useArtist } from "../components/music/queries";
import type { Schema } from "../api/types";
import type { Track } from "../components/music/types";
import "../components/music/pages.css";

/** Album order: by track number, unnumbered tracks after, in the order they were added. */
function byTrackNumber(a: Track, b: Track): number {
  return (a.track_number ?? Number.MAX_SAFE_INTEGER) - (b.track_number ?? Number.MAX_SAFE_INTEGER) || a.id.localeCompare(b.id);
}

export default function Album() {
  const { t } = useTranslation();
  const { id = "" } = useParams();
  const album = useAlbum(id);
  const artist = useArtist(album.data?.artist_id);
  const tracks = useQuery({
    queryKey: keys.tracksOf({ albumId: id }),
    queryFn: async ({ signal }) => (await fetchAll<Schema<"Page_Track">>("/v1/tracks", { album_id: id }, signal)).sort(byTrackNumber),
    staleTime: CATALOG_STALE_MS,
  });

  if (album.isPending) return <Loading />;
  if (album.error) return <ErrorNote error={album.error} retry={() => void album.refetch()} />;

  const al = album.data;
  const artistName = artist.data?.name ?? "";
  const queue = (tracks.data ?? []).map((tr) =>
    toQueueTrack(tr, new Map([[al.artist_id, artistName]]), new Map([[al.id, al]])),
  );
  const totalMs = queue.reduce((sum, tr) => sum + (tr.durationMs ?? 0), 0);

  return (
    <article className="entity">
      <header className="entity-head">
        <Artwork src={al.cover_url} name={al.title} size={160} className="entity-art" />
        <div>
          <p className="muted kicker">{t("catalog.album.kind")}</p>
          <h1>{al.title}</h1>
          <p>
            {artistName && <Link to={`/artists/${al.artist_id}`}>{artistName}</Link>}
            <span className="muted">
              {[al.release_year, al.genres.join(", "), queue.length ? t("catalog.album.tracks", { n: queue.length }) : "", formatDuration(totalMs)]
                .filter(Boolean)
                .map((part) => ` · ${part}`)
                .join("")}
            </span>
          </p>
          <div className="entity-actions">
            <PlayAll tracks={queue} name={al.title} />
            <LikeButton kind="albums" id={al.id} name={al.title} />
            {queue.length > 0 && <ShareButton kind="album" id={al.id} name={al.title} trackIds={queue.map((tr) => tr.id)} />}
          </div>
        </div>
      </header>
      <section aria-labelledby="album-tracks">
        <h2 id="album-tracks" className="visually-hidden">
          {t("catalog.album.trackList")}
        </h2>
        {tracks.isPending && <Loading />}
        {tracks.error && <ErrorNote error={tracks.error} retry={() => void tracks.refetch()} />}
        {tracks.data?.length === 0 && <p className="muted">{t("catalog.album.empty")}</p>}
        {queue.length > 0 && (
          <TrackList art={false} label={t("catalog.album.tracksOf", { title: al.title })} rows={queue.map((tr) => ({ key: tr.id, track: tr }))} />
        )}
      </section>
    </article>
  );
}
