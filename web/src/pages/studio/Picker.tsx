// Finds an artist, album or track to work on: search as you type (the
// catalog's search), or paste an id.
import { useEffect, useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ErrorNote } from "../../charts/Status";
import type { EntityKind, SearchPage, Selection } from "./types";

const KINDS: EntityKind[] = ["artist", "album", "track"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function useDebounced(value: string, ms: number): string {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function Picker({ onPick }: { onPick: (selection: Selection) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [kind, setKind] = useState<EntityKind>("artist");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const isId = UUID.test(q);
  const results = useQuery({
    queryKey: ["studio", "search", kind, q],
    queryFn: ({ signal }) =>
      api<SearchPage>(`/v1/search?q=${encodeURIComponent(q)}&type=${kind}&limit=10`, { signal }),
    enabled: q.length > 0 && !isId,
    placeholderData: (previous) => previous,
  });

  return (
    <section className="studio-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t("studio.pick.title")}</h2>
      <form className="studio-pick" role="search" onSubmit={(e) => e.preventDefault()}>
        <fieldset className="studio-kinds">
          <legend>{t("studio.pick.kind")}</legend>
          {KINDS.map((k) => (
            <label key={k}>
              <input type="radio" name={`${id}-kind`} value={k} checked={kind === k} onChange={() => setKind(k)} />
              {t(`studio.kinds.${k}`)}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-q`}>{t("studio.pick.search")}</label>
        <input
          id={`${id}-q`}
          type="search"
          value={text}
          autoComplete="off"
          aria-describedby={`${id}-hint`}
          onChange={(e) => setText(e.target.value)}
        />
        <span id={`${id}-hint`} className="studio-hint">{t("studio.pick.hint")}</span>
      </form>
      {isId && (
        <button type="button" onClick={() => onPick({ kind, id: q })}>
          {t("studio.pick.openId", { kind: t(`studio.kinds.${kind}`) })}
        </button>
      )}
      {results.isError && <ErrorNote error={results.error} onRetry={() => void results.refetch()} />}
      {!isId && q && results.data && (
        <>
          <p role="status" className="studio-muted">
            {results.data.items.length === 0 ? t("studio.pick.none") : t("studio.pick.found", { n: results.data.total })}
          </p>
          <ul className="studio-results">
            {results.data.items.filter((hit) => hit.type !== "playlist").map((hit) => (
              <li key={hit.id}>
                {/* The hit's own type: while a new kind loads, the last results still show. */}
                <button type="button" className="studio-result" data-testid="studio-result" onClick={() => onPick({ kind: hit.type as EntityKind, id: hit.id })}>
                  <span>{hit.title}</span>
                  {(hit.subtitle || hit.year) && (
                    <span className="studio-muted">{[hit.subtitle, hit.year].filter(Boolean).join(" · ")}</span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
