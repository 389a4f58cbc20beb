// Results grouped by kind. Opening a result (or playing a track from it)
// reports the click, so search quality can be measured.
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import type { ResultType } from "../music/types";
import { Artwork } from "../music/Artwork";
import { TrackList } from "../music/TrackList";
import { reportClick } from "./api";
import { hitPath, hitToTrack, KINDS, type Ranked } from "./logic";
import "./search.css";

function reportClickOf(r: Ranked | undefined): void {
  if (r) reportClick({ searchId: r.searchId, hit: r.hit, position: r.position });
}

const HEADINGS: Record<ResultType, string> = {
  artist: "search.groups.artists",
  album: "search.groups.albums",
  track: "search.groups.tracks",
  playlist: "search.groups.playlists",
};

export function SearchResults({ groups }: { groups: Record<ResultType, Ranked[]> }) {
  const { t } = useTranslation();
  return (
    <>
      {KINDS.filter((kind) => groups[kind].length > 0).map((kind) => (
        <section key={kind} className="result-group" aria-labelledby={`results-${kind}`}>
          <h2 id={`results-${kind}`}>{t(HEADINGS[kind])}</h2>
          {kind === "track" ? (
            <TrackList
              label={t(HEADINGS[kind])}
              rows={groups.track.map((r) => ({ key: r.hit.id, track: hitToTrack(r.hit) }))}
              onPlay={(index) => reportClickOf(groups.track[index])}
            />
          ) : (
            <ul className="result-cards">
              {groups[kind].map((r) => (
                <li key={r.hit.id}>
                  <Artwork src={r.hit.cover_url} name={r.hit.title} size={48} round={kind === "artist"} />
                  <div>
                    <Link to={hitPath(r.hit) ?? "/"} onClick={() => reportClickOf(r)}>
                      {r.hit.title}
                    </Link>
                    {(r.hit.subtitle || r.hit.year) && (
                      <span className="muted">{[r.hit.subtitle, r.hit.year].filter(Boolean).join(" · ")}</span>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </>
  );
}
