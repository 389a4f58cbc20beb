// Albums as a grid of covers: an artist's, a genre's, a decade's.
import { Link } from "react-router";
import { sameOriginImage } from "./format";
import type { Album } from "./types";
import "./pages.css";

export function AlbumGrid({ albums, label }: { albums: Album[]; label?: string }) {
  return (
    <ul className="album-grid" aria-label={label}>
      {albums.map((al) => {
        const cover = sameOriginImage(al.cover_url);
        return (
          <li key={al.id}>
            <Link to={`/albums/${al.id}`}>
              {cover && <img src={`${cover}?size=200`} alt="" width={100} height={100} loading="lazy" />}
              <span className="album-title">{al.title}</span>
            </Link>
            {al.release_year && <span className="muted">{al.release_year}</span>}
          </li>
        );
      })}
    </ul>
  );
}
