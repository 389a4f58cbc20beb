// Imports a catalog file (POST /v1/admin/import, admins) and shows the
// per-row report: created, updated, unchanged, or rejected and why.
import { useId, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { errorText } from "../../charts/Status";
import { FileError, chunks, describeRow, parseCatalog, summarise, type RowResult } from "./importFile";

const SHOWN = 500;

interface Report {
  rows: unknown[];
  results: RowResult[];
}

export function ImportCatalog() {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [onlyRejected, setOnlyRejected] = useState(true);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    setError(null);
    setReport(null);
    let rows: unknown[];
    try {
      rows = parseCatalog(await file.text());
    } catch (e) {
      setError(
        e instanceof FileError
          ? t(`studio.import.fileErrors.${e.reason === "syntax" && e.line ? "syntaxLine" : e.reason}`, { line: e.line, detail: e.message })
          : errorText(e),
      );
      return;
    }
    setBusy(true);
    const results: RowResult[] = [];
    try {
      let sent = 0;
      for (const piece of chunks(rows)) {
        setProgress(t("studio.import.sending", { from: sent + 1, to: sent + piece.length, total: rows.length }));
        const answer = await api<Schema<"ImportResponse">>("/v1/admin/import", { method: "POST", body: { rows: piece } });
        results.push(...answer.results);
        sent += piece.length;
      }
      setProgress(t("studio.import.finished", { total: rows.length }));
    } catch (e) {
      setProgress("");
      setError(t("studio.import.failedAt", { row: results.length + 1, message: errorText(e) }));
    } finally {
      setBusy(false);
      setReport({ rows, results });
      void client.invalidateQueries({ queryKey: ["catalog"] });
    }
  }

  return (
    <section className="studio-panel" aria-labelledby={`${id}-title`} data-testid="import-catalog">
      <h2 id={`${id}-title`}>{t("studio.import.title")}</h2>
      <p className="studio-muted">{t("studio.import.about")}</p>
      <form className="studio-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-file`}>{t("studio.import.file")}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".json,.jsonl,.ndjson,application/json"
          disabled={busy}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <div className="studio-actions">
          <button type="submit" disabled={!file || busy}>{t("studio.import.start")}</button>
          <span role="status" className="studio-status">{progress}</span>
        </div>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {report && report.results.length > 0 && (
        <ImportReport report={report} onlyRejected={onlyRejected} setOnlyRejected={setOnlyRejected} />
      )}
    </section>
  );
}

function ImportReport({
  report,
  onlyRejected,
  setOnlyRejected,
}: {
  report: Report;
  onlyRejected: boolean;
  setOnlyRejected: (only: boolean) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const summary = summarise(report.results);
  const indexed = report.results.map((result, i) => ({ result, i }));
  const listed = onlyRejected ? indexed.filter((r) => r.result.status === "rejected") : indexed;
  return (
    <div className="import-report" data-testid="import-report">
      <h3>{t("studio.import.report")}</h3>
      <ul className="import-summary">
        {(["created", "updated", "unchanged", "rejected"] as const).map((outcome) => (
          <li key={outcome} className={`outcome-${outcome}`}>
            {t(`studio.import.outcomes.${outcome}`)}: <strong>{summary[outcome]}</strong>
          </li>
        ))}
      </ul>
      <label className="studio-check">
        <input type="checkbox" checked={onlyRejected} onChange={(e) => setOnlyRejected(e.target.checked)} />
        {t("studio.import.onlyRejected")}
      </label>
      {listed.length === 0 ? (
        <p className="studio-muted">{t("studio.import.noneRejected")}</p>
      ) : (
        <div className="studio-table" tabIndex={0}>
          <table>
            <caption id={id}>{t("studio.import.rowsCaption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("studio.import.columns.row")}</th>
                <th scope="col">{t("studio.import.columns.kind")}</th>
                <th scope="col">{t("studio.import.columns.externalId")}</th>
                <th scope="col">{t("studio.import.columns.name")}</th>
                <th scope="col">{t("studio.import.columns.result")}</th>
                <th scope="col">{t("studio.import.columns.problems")}</th>
              </tr>
            </thead>
            <tbody>
              {listed.slice(0, SHOWN).map(({ result, i }) => {
                const row = describeRow(report.rows[i]);
                return (
                  <tr key={i} data-testid="import-row" className={`outcome-${result.status}`}>
                    <th scope="row">{i + 1}</th>
                    <td>{row.kind}</td>
                    <td>{row.externalId}</td>
                    <td>{row.name}</td>
                    <td>{t(`studio.import.outcomes.${result.status}`)}</td>
                    <td>{result.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {listed.length > SHOWN && <p className="studio-muted">{t("studio.import.more", { shown: SHOWN, total: listed.length })}</p>}
    </div>
  );
}
