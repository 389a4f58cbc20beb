// The search field as an ARIA 1.2 combobox: suggestions in a listbox, the
// arrow keys move the active option (aria-activedescendant, focus stays in
// the field), Enter opens it, Escape closes the list.
import { Artwork } from "../music/Artwork";
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Hit } from "../music/types";
import { nextActive } from "./logic";
import "./search.css";

export function SearchBox({
  value,
  onChange,
  onSubmit,
  suggestions,
  onChoose,
  focusOnMount = false,
}: {
  value: string;
  onChange: (value: string) => void;
  /** Enter without a chosen suggestion, for a page that waits before searching. */
  onSubmit?: () => void;
  suggestions: Hit[];
  onChoose: (hit: Hit) => void;
  /** Take focus when shown: the search shortcut's destination. */
  focusOnMount?: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (focusOnMount) input.current?.focus();
  }, [focusOnMount]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const shown = open && value.trim().length > 0 && suggestions.length > 0;
  const optionId = (i: number) => `${id}-option-${i}`;

  function choose(hit: Hit) {
    setOpen(false);
    setActive(-1);
    onChoose(hit);
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!shown) {
        setOpen(true);
        setActive(e.key === "ArrowDown" ? 0 : suggestions.length - 1);
      } else {
        setActive(nextActive(e.key, active, suggestions.length));
      }
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown && active >= 0 && suggestions[active]) choose(suggestions[active]);
      else {
        setOpen(false);
        onSubmit?.();
      }
    } else if (e.key === "Escape") {
      if (shown) {
        e.preventDefault();
        setOpen(false);
        setActive(-1);
      } else if (value) {
        e.preventDefault();
        onChange("");
      }
    }
  }

  return (
    <div className="search-box">
      <label htmlFor={`${id}-input`} className="search-label">
        {t("search.label")}
      </label>
      <input
        ref={input}
        id={`${id}-input`}
        type="search"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={`${id}-listbox`}
        aria-activedescendant={shown && active >= 0 ? optionId(active) : undefined}
        aria-describedby={`${id}-hint`}
        placeholder={t("search.placeholder")}
        value={value}
        maxLength={200}
        onChange={(e) => {
          onChange(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
      />
      <span id={`${id}-hint`} className="visually-hidden">
        {t("search.hint")}
      </span>
      <ul id={`${id}-listbox`} role="listbox" aria-label={t("search.suggestions")} className="suggestions" hidden={!shown}>
        {shown &&
          suggestions.map((hit, i) => (
            <li
              key={`${hit.type}-${hit.id}`}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              className={i === active ? "active" : undefined}
              // Keep focus in the field: a click must not blur it first.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(hit)}
            >
              <Artwork src={hit.cover_url} name={hit.title} size={32} round={hit.type === "artist"} />
              <span className="suggestion-title">{hit.title}</span>
              <span className="suggestion-meta">
                {t(`search.kind.${hit.type}`)}
                {hit.subtitle ? ` · ${hit.subtitle}` : ""}
              </span>
            </li>
          ))}
      </ul>
    </div>
  );
}
