// Albums as a grid of covers: an artist's, a genre's, a decade's.
import { Link } from "react-router";
import { Artwork } from "./Artwork";
import type { Album } from "./types";
import "./pages.css";

export function AlbumGrid({ albums, label }: { albums: Album[]; label?: string }) {
  return (
    <ul className="album-grid" aria-label={label}>
      {albums.map((al) => {
        return (
          <li key={al.id}>
            <Link to={`/albums/${al.id}`}>
              <Artwork src={al.cover_url} name={al.title} size={100} className="album-art" />
              <span className="album-title">{al.title}</span>
            </Link>
            {al.release_year && <span className="muted">{al.release_year}</span>}
          </li>
        );
      })}
    </ul>
  );
}
