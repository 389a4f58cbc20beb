// A share link's page: what someone shared, playable by anyone holding the
// link, without an account. Each track plays in the browser's own audio
// control, straight from the share's stream URL: a visitor has no session,
// so nothing here goes through the app's player, its stream tickets or its
// playback events (a share's plays are not anyone's listening history).
import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../api/client";
import type { Schema } from "../api/types";
import { ErrorNote, Loading } from "../components/Status";
import { formatTime } from "../player/format";
import "../components/music/pages.css";

type OpenShare = Schema<"OpenShare">;

export default function Share() {
  const { t, i18n } = useTranslation();
  const { token = "" } = useParams();
  const share = useQuery({
    queryKey: ["share", token],
    queryFn: () => api<OpenShare>(`/v1/shares/${encodeURIComponent(token)}`),
    // A link that is gone stays gone: asking again only counts more visits.
    retry: false,
  });

  if (share.isPending) return <Loading />;
  if (share.error) {
    const status = share.error instanceof ApiError ? share.error.status : 0;
    if (status === 404 || status === 410) {
      return (
        <section>
          <h1>{t(status === 410 ? "library.share.expired" : "library.share.missing")}</h1>
          <p className="muted">{t("library.share.askAgain")}</p>
        </section>
      );
    }
    return <ErrorNote error={share.error} retry={() => void share.refetch()} />;
  }

  const s = share.data;
  const until = new Date(s.expires_at).toLocaleDateString(i18n.language, { dateStyle: "long" });
  return (
    <article className="entity">
      <header className="entity-head">
        <div>
          <p className="muted kicker">{t("library.share.from", { owner: s.owner })}</p>
          <h1>{s.description || t("library.share.untitled", { n: s.tracks.length })}</h1>
          <p className="muted">{t("library.share.until", { date: until })}</p>
        </div>
      </header>
      <ol className="share-tracks">
        {s.tracks.map((track) => (
          <li key={track.id}>
            <p>
              <strong>{track.title}</strong> · {track.artist}
              {track.album ? ` · ${track.album}` : ""}{" "}
              <span className="muted">{formatTime(track.duration_ms / 1000)}</span>
            </p>
            {track.stream_url ? (
              <audio
                controls
                preload="none"
                src={track.stream_url}
                aria-label={t("library.share.play", { title: track.title })}
              />
            ) : (
              <p className="muted">{t("library.share.noAudio")}</p>
            )}
          </li>
        ))}
      </ol>
    </article>
  );
}
