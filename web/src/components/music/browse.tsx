// The genres and decades to browse by (`GET /v1/browse`), as links to their pages.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { CATALOG_STALE_MS, keys } from "./queries";
import type { Browse } from "./types";
import "./browse.css";

export function useBrowse() {
  return useQuery({
    queryKey: keys.browse,
    queryFn: ({ signal }) => api<Browse>("/v1/browse", { signal }),
    staleTime: CATALOG_STALE_MS,
  });
}

export const genrePath = (genre: string) => `/browse/genres/${encodeURIComponent(genre)}`;
export const decadePath = (decade: number) => `/browse/decades/${decade}`;

export function GenreLinks({ genres }: { genres: Browse["genres"] }) {
  const { t } = useTranslation();
  return (
    <ul className="browse-links" aria-label={t("browse.genres")}>
      {genres.map((g) => (
        <li key={g.name}>
          <Link to={genrePath(g.name)}>
            <span className="browse-name">{g.name}</span>
            <span className="muted">{t("browse.tracks", { count: g.tracks })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function DecadeLinks({ decades }: { decades: Browse["decades"] }) {
  const { t } = useTranslation();
  return (
    <ul className="browse-links" aria-label={t("browse.decades")}>
      {decades.map((d) => (
        <li key={d.decade}>
          <Link to={decadePath(d.decade)}>
            <span className="browse-name">{t("browse.decade", { decade: d.decade })}</span>
            <span className="muted">{t("browse.albums", { count: d.albums })}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}
