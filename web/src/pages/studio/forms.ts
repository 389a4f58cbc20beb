// Form values <-> request bodies for the catalog editors. Every input holds
// text; these turn it into what the API takes and send only what changed.

export type FieldKind = "text" | "number" | "genres" | "select";

export interface FieldSpec {
  /** The request body's field, which the API's errors name too. */
  name: string;
  kind: FieldKind;
  required?: boolean;
  /** Empty text is sent to clear the field (the API's "empty text clears it"). */
  clearable?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  /** For selects: the choices, value first. */
  options?: { value: string; label: string }[];
}

export type Values = Record<string, string>;

/** Form values of an entity: lists as "a, b", absent values as "". */
export function toValues(entity: object, spec: readonly FieldSpec[]): Values {
  const record = entity as Record<string, unknown>;
  const values: Values = {};
  for (const field of spec) {
    const value = record[field.name];
    values[field.name] = Array.isArray(value) ? value.join(", ") : value === null || value === undefined ? "" : String(value);
  }
  return values;
}

/** "rock, Indie Pop ," → ["rock", "Indie Pop"]. */
export function parseGenres(text: string): string[] {
  return text
    .split(",")
    .map((g) => g.trim())
    .filter((g) => g !== "");
}

/** A value as the API takes it; undefined when it should not be sent. */
function convert(field: FieldSpec, text: string): unknown {
  const trimmed = text.trim();
  switch (field.kind) {
    case "genres":
      return parseGenres(text);
    case "number":
      if (trimmed === "") return undefined;
      // Not a number: sent as is, so the API's field error says what is wrong.
      return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
    case "select":
      return trimmed === "" ? undefined : trimmed;
    case "text":
      if (trimmed === "" && !field.clearable && !field.required) return undefined;
      return trimmed;
  }
}

/** The PATCH body: the fields whose text changed, converted. */
export function changes(spec: readonly FieldSpec[], initial: Values, values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of spec) {
    const before = initial[field.name] ?? "";
    const after = values[field.name] ?? "";
    if (field.kind === "genres" ? parseGenres(before).join("\n") === parseGenres(after).join("\n") : before.trim() === after.trim()) {
      continue;
    }
    const value = convert(field, after);
    if (value !== undefined) body[field.name] = value;
  }
  return body;
}

/** The POST body: every filled-in field, converted (required ones always). */
export function creation(spec: readonly FieldSpec[], values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of spec) {
    const text = values[field.name] ?? "";
    if (text.trim() === "" && !field.required) continue;
    const value = convert(field, text);
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) body[field.name] = value;
  }
  return body;
}

export const ARTIST_FIELDS: FieldSpec[] = [
  { name: "name", kind: "text", required: true, maxLength: 200 },
  { name: "genres", kind: "genres" },
  { name: "country", kind: "text", clearable: true, maxLength: 2 },
  { name: "image_url", kind: "text", clearable: true, maxLength: 500 },
];

export const ALBUM_FIELDS: FieldSpec[] = [
  { name: "title", kind: "text", required: true, maxLength: 300 },
  { name: "release_year", kind: "number", min: 1860, max: 2100 },
  { name: "genres", kind: "genres" },
  { name: "cover_url", kind: "text", clearable: true, maxLength: 500 },
];

export const TRACK_FIELDS: FieldSpec[] = [
  { name: "title", kind: "text", required: true, maxLength: 300 },
  { name: "album_id", kind: "select" },
  { name: "genre", kind: "text", clearable: true, maxLength: 50 },
  { name: "release_year", kind: "number", min: 1860, max: 2100 },
  { name: "track_number", kind: "number", min: 1, max: 999 },
];
