// Reading a catalog file for POST /v1/admin/import and summing up its report.
//
// The file is JSON: {"rows": [...]} as the endpoint takes it, a bare array of
// rows, or JSON Lines (one row per line). Each row is an object with "kind"
// (artist, album or track) and its fields (gateway/src/catalog/import).
// Files longer than the endpoint's 1,000 rows go in order, 1,000 at a time,
// so parents still come before their children.

import type { Schema } from "../../api/types";

export const MAX_ROWS_PER_REQUEST = 1_000;

export type Outcome = Schema<"Outcome">;
export type RowResult = Schema<"RowResult">;

export class FileError extends Error {
  constructor(
    readonly reason: "empty" | "syntax" | "shape",
    /** 1-based line of a JSON Lines syntax error. */
    readonly line: number | null = null,
    detail = "",
  ) {
    super(detail || reason);
  }
}

/** The rows of a catalog file; throws `FileError` when it is not one. */
export function parseCatalog(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new FileError("empty");
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (error) {
    // Not one JSON value: perhaps JSON Lines.
    const rows: unknown[] = [];
    const lines = trimmed.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === "") continue;
      try {
        rows.push(JSON.parse(line));
      } catch (lineError) {
        if (i === 0) throw new FileError("syntax", null, (error as Error).message);
        throw new FileError("syntax", i + 1, (lineError as Error).message);
      }
    }
    return rows;
  }
  const rows = Array.isArray(whole)
    ? whole
    : typeof whole === "object" && whole !== null && Array.isArray((whole as { rows?: unknown }).rows)
      ? (whole as { rows: unknown[] }).rows
      : typeof whole === "object" && whole !== null && "kind" in whole
        ? [whole]
        : null;
  if (!rows) throw new FileError("shape");
  if (rows.length === 0) throw new FileError("empty");
  return rows;
}

/** The rows in request-sized pieces, in order. */
export function chunks<T>(rows: readonly T[], size = MAX_ROWS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export type Summary = Record<Outcome, number>;

export function summarise(results: readonly RowResult[]): Summary {
  const summary: Summary = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const r of results) summary[r.status] = (summary[r.status] ?? 0) + 1;
  return summary;
}

/** What names a row in the report: its kind and external id, as far as the row says. */
export function describeRow(row: unknown): { kind: string; externalId: string; name: string } {
  if (typeof row !== "object" || row === null) return { kind: "?", externalId: "", name: "" };
  const r = row as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
  return { kind: text(r.kind) || "?", externalId: text(r.external_id), name: text(r.name ?? r.title) };
}
