import { useTranslation } from "react-i18next";
import { History } from "../components/library/History";
import { LikedEntities, LikedTracks } from "../components/library/Likes";
import { PlaylistManager } from "../components/library/PlaylistManager";
import "../components/library/library.css";

export default function Library() {
  const { t } = useTranslation();
  return (
    <div className="library">
      <h1>{t("library.title")}</h1>
      <section aria-labelledby="library-playlists">
        <h2 id="library-playlists">{t("library.playlists.title")}</h2>
        <PlaylistManager />
      </section>
      <section aria-labelledby="library-liked-tracks">
        <h2 id="library-liked-tracks">{t("library.likes.tracks")}</h2>
        <LikedTracks />
      </section>
      <div className="grid">
        <section aria-labelledby="library-liked-albums">
          <h2 id="library-liked-albums">{t("library.likes.albums")}</h2>
          <LikedEntities kind="albums" />
        </section>
        <section aria-labelledby="library-liked-artists">
          <h2 id="library-liked-artists">{t("library.likes.artists")}</h2>
          <LikedEntities kind="artists" />
        </section>
      </div>
      <section aria-labelledby="library-history">
        <h2 id="library-history">{t("library.history.title")}</h2>
        <History />
      </section>
    </div>
  );
}
