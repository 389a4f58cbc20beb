// Day / week / month as tabs (WAI-ARIA tabs: one tab stop, arrows move and
// select, Home and End jump).
import { useRef, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";
import type { Period } from "../music/types";

export const PERIODS: Period[] = ["day", "week", "month"];

export function PeriodTabs({ value, onChange, panelId }: { value: Period; onChange: (p: Period) => void; panelId: string }) {
  const { t } = useTranslation();
  const list = useRef<HTMLDivElement>(null);

  function onKeyDown(e: KeyboardEvent) {
    const at = PERIODS.indexOf(value);
    const to =
      e.key === "ArrowRight" ? (at + 1) % PERIODS.length
      : e.key === "ArrowLeft" ? (at - 1 + PERIODS.length) % PERIODS.length
      : e.key === "Home" ? 0
      : e.key === "End" ? PERIODS.length - 1
      : -1;
    if (to < 0) return;
    e.preventDefault();
    onChange(PERIODS[to]);
    list.current?.querySelector<HTMLElement>(`#${tabId(PERIODS[to])}`)?.focus();
  }

  return (
    <div role="tablist" aria-label={t("home.charts.period")} className="tabs" ref={list} onKeyDown={onKeyDown}>
      {PERIODS.map((p) => (
        <button
          key={p}
          id={tabId(p)}
          type="button"
          role="tab"
          aria-selected={p === value}
          aria-controls={panelId}
          tabIndex={p === value ? 0 : -1}
          onClick={() => onChange(p)}
        >
          {t(`home.charts.${p}`)}
        </button>
      ))}
    </div>
  );
}

export const tabId = (p: Period) => `period-tab-${p}`;
