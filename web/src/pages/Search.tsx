// Search as you type: every keystroke asks at once (react-query cancels the
// answer still on its way for the previous one), so results are on screen one
// gateway answer after the last keystroke; the budget is 150 ms. Suggestions
// and results are asked for together, and the query lives in the URL.
import { useEffect, useEffectEvent, useMemo, useRef, useState } from "react";
import { useLocation, useNavigate, useNavigation, useSearchParams } from "react-router";
import { useTranslation } from "react-i18next";
import { usePlayer } from "../player/PlayerProvider";
import { ErrorNote } from "../components/Status";
import type { Hit } from "../components/music/types";
import { useSearch, useSuggestions, type Filter } from "../components/search/api";
import { groupHits, hitPath, hitToTrack, KINDS } from "../components/search/logic";
import { SearchBox } from "../components/search/SearchBox";
import { SearchResults } from "../components/search/SearchResults";
import { useDebounced } from "../components/search/useDebounced";
import "../components/search/search.css";

/** How long the query must rest before suggestions are asked for. */
const SUGGEST_SETTLE_MS = 120;
/** How long the query must rest before the URL (and history entry) follows. */
const URL_SETTLE_MS = 400;
const FILTERS: Filter[] = ["all", ...KINDS];

export default function Search() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const player = usePlayer();
  const [params, setParams] = useSearchParams();
  const urlQ = params.get("q") ?? "";
  const typeParam = params.get("type");
  const filter: Filter = FILTERS.includes(typeParam as Filter) ? (typeParam as Filter) : "all";

  const [text, setText] = useState(urlQ);
  // No settling: a pause (even a zero timer, one more render) would only add
  // to the time to results.
  const settled = text.trim();
  // The URL follows after a pause: writing it is a router navigation that
  // re-renders the whole app, which would sit between a keystroke and its
  // results.
  const [forUrl] = useDebounced(settled, URL_SETTLE_MS);
  const written = useRef(urlQ);

  // Mirror the query into the URL (replacing: typing is not history)... Only
  // a new settled query writes it, so the URL is read here, not reacted to:
  // the URL changing is handled below.
  const navigation = useNavigation();
  const writeUrl = useEffectEvent((q: string) => {
    if (q === urlQ) return;
    // A result or link chosen during the pause is on its way (its page is
    // still loading): writing now would replace that navigation and bring
    // the listener back here.
    if (navigation.state !== "idle") return;
    written.current = q;
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        if (q) next.set("q", q);
        else next.delete("q");
        return next;
      },
      { replace: true },
    );
  });
  useEffect(() => writeUrl(forUrl), [forUrl]);
  // ...and take the URL's when it changes from outside (back, a link), not
  // when it is catching up with what is being typed.
  const takeUrl = useEffectEvent((q: string) => {
    if (q === written.current || q === settled) return;
    written.current = q;
    setText(q);
  });
  useEffect(() => takeUrl(urlQ), [urlQ]);

  // Suggestions wait for a short pause: while someone is typing fast they
  // would only double the requests that results are waiting behind.
  const [suggestFor] = useDebounced(settled, SUGGEST_SETTLE_MS);
  const suggestions = useSuggestions(suggestFor);
  const results = useSearch(settled, filter);
  const pages = useMemo(() => results.data?.pages ?? [], [results.data]);
  const groups = useMemo(() => groupHits(pages), [pages]);
  const first = pages[0];
  const total = first?.total ?? 0;
  const didYouMean = first?.did_you_mean;

  function setFilter(next: Filter) {
    setParams(
      (p) => {
        const out = new URLSearchParams(p);
        if (next === "all") out.delete("type");
        else out.set("type", next);
        return out;
      },
      { replace: true },
    );
  }

  function choose(hit: Hit) {
    const path = hitPath(hit);
    if (path) navigate(path);
    else player.play([hitToTrack(hit)], 0);
  }

  return (
    <section className="search-page">
      <h1>{t("search.title")}</h1>
      <SearchBox
        value={text}
        onChange={setText}
        suggestions={suggestions.data?.items ?? []}
        onChoose={choose}
        focusOnMount={(location.state as { focusSearch?: boolean } | null)?.focusSearch === true}
      />
      <div role="group" aria-label={t("search.filter")} className="filters">
        {FILTERS.map((f) => (
          <button key={f} type="button" aria-pressed={filter === f} onClick={() => setFilter(f)}>
            {t(`search.filters.${f}`)}
          </button>
        ))}
      </div>
      <p role="status" className="muted search-status">
        {settled && first && !results.isPlaceholderData ? t("search.count", { n: total, q: settled }) : ""}
      </p>
      {!settled && <p className="muted">{t("search.empty")}</p>}
      {settled && results.error && <ErrorNote error={results.error} retry={() => void results.refetch()} />}
      {settled && first && total === 0 && <p>{t("search.nothing", { q: settled })}</p>}
      {settled && didYouMean && (
        <p className="did-you-mean">
          {t("search.didYouMean")}{" "}
          <button type="button" className="link-button" onClick={() => setText(didYouMean)}>
            {didYouMean}
          </button>
          ?
        </p>
      )}
      <div aria-busy={results.isFetching}>
        {settled && <SearchResults groups={groups} />}
      </div>
      {results.hasNextPage && (
        <button type="button" onClick={() => void results.fetchNextPage()} disabled={results.isFetchingNextPage}>
          {t("search.more")}
        </button>
      )}
    </section>
  );
}
