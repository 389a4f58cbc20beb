// The studio, for artist accounts and admins: find an artist, album or track,
// edit it, add to it, upload a track's audio; admins also import catalog
// files and request source syncs. The entity being worked on is in the URL
// (?artist=…, ?album=…, ?track=…), so a reload or a shared link keeps it.
import { useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { useSession } from "../api/useSession";
import { EntityForm } from "./studio/EntityForm";
import { ImportCatalog } from "./studio/ImportCatalog";
import { Picker } from "./studio/Picker";
import { SyncPanel } from "./studio/SyncPanel";
import { Workspace } from "./studio/Workspace";
import { useSave } from "./studio/catalog";
import { ARTIST_FIELDS, toValues } from "./studio/forms";
import type { Artist, EntityKind, Selection } from "./studio/types";
import "./studio/studio.css";

const KINDS: EntityKind[] = ["artist", "album", "track"];

function useSelection(): [Selection | null, (selection: Selection) => void] {
  const [params, setParams] = useSearchParams();
  const kind = KINDS.find((k) => params.get(k));
  const selection = kind ? { kind, id: params.get(kind) ?? "" } : null;
  return [selection, (next) => setParams({ [next.kind]: next.id })];
}

export default function Studio() {
  const { t } = useTranslation();
  const session = useSession();
  const role = session?.user.role;
  const [selection, select] = useSelection();
  const save = useSave();

  if (role !== "artist" && role !== "admin") {
    return (
      <section className="studio">
        <h1>{t("studio.title")}</h1>
        <p className="studio-closed">{t("studio.artistsOnly")}</p>
      </section>
    );
  }

  return (
    <div className="studio">
      <h1>{t("studio.title")}</h1>
      <p className="studio-muted">{role === "admin" ? t("studio.aboutAdmin") : t("studio.aboutArtist")}</p>
      <div className="studio-columns">
        <Picker onPick={select} />
        <section className="studio-panel" aria-labelledby="studio-new-artist">
          <h2 id="studio-new-artist">{t("studio.create.artist")}</h2>
          <EntityForm
            spec={ARTIST_FIELDS}
            initial={toValues({}, ARTIST_FIELDS)}
            mode="create"
            submitLabel={t("studio.create.artistButton")}
            onSubmit={async (body) => {
              const artist = await save<Artist>("artist", "POST", body);
              select({ kind: "artist", id: artist.id });
            }}
            testId="create-artist"
          />
        </section>
      </div>
      {selection && <Workspace key={`${selection.kind}-${selection.id}`} selection={selection} onPick={select} />}
      {role === "admin" && (
        <div className="studio-columns studio-admin">
          <ImportCatalog />
          <SyncPanel />
        </div>
      )}
    </div>
  );
}
