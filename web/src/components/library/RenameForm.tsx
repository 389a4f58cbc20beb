// Renames a playlist in place; the field takes focus, Escape gives up.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNote } from "../Status";
import { useRenamePlaylist } from "./mutations";

export function RenameForm({ id, name, onDone }: { id: string; name: string; onDone: () => void }) {
  const { t } = useTranslation();
  const rename = useRenamePlaylist();
  const [value, setValue] = useState(name);

  function submit(e: FormEvent) {
    e.preventDefault();
    const next = value.trim();
    if (!next || next === name) return onDone();
    rename.mutate({ id, name: next }, { onSuccess: onDone });
  }

  return (
    <form className="inline-form" onSubmit={submit} onKeyDown={(e) => e.key === "Escape" && onDone()}>
      <label>
        {t("library.playlists.newName", { name })}
        <input value={value} onChange={(e) => setValue(e.target.value)} maxLength={200} autoFocus required />
      </label>
      <button type="submit" className="primary" disabled={rename.isPending}>
        {t("library.playlists.save")}
      </button>
      <button type="button" onClick={onDone}>
        {t("library.playlists.cancel")}
      </button>
      {rename.error && <ErrorNote error={rename.error} />}
    </form>
  );
}
