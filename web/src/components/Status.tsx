// Loading and error states shared by the listener pages: the error says what
// the gateway said, in the listener's language (from its code; the fields it
// blamed by name), with a way to try again where trying again can help.
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function Loading() {
  const { t } = useTranslation();
  return <p role="status" className="muted">{t("common.loading")}</p>;
}

/** What a 404 names (`resource`), by the key its wording has under `errors.notFound`. */
const NOT_FOUND: Record<string, string> = {
  album: "album",
  artist: "artist",
  track: "track",
  song: "track",
  playlist: "playlist",
  share: "share",
  user: "user",
  "audio of this track": "audio",
  "lyrics of this track": "lyrics",
};

/** Codes worded under `errors`, whatever the request was. */
const WORDED = new Set(["unauthorized", "forbidden", "too_many_requests", "unavailable", "internal"]);

/**
 * An error for people: each blamed field by name with the gateway's words
 * for it; otherwise the code worded in the listener's language; the
 * gateway's English message for a code the app does not know.
 */
export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const fields = error.fields.map((f) => `${f.field}: ${f.message}`).join("; ");
    if (fields) return fields;
    if (error.code === "not_found") return t(`errors.notFound.${NOT_FOUND[error.resource ?? ""] ?? "other"}`);
    if (WORDED.has(error.code)) return t(`errors.${error.code}`);
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Asking again cannot bring back what is not there, nor allow what is refused. */
function worthRetrying(error: unknown): boolean {
  return !(error instanceof ApiError && (error.status === 404 || error.status === 403));
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  const text = describeError(error, t);
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <div role="alert" className="error-note">
      <p className="error">{missing ? text : t("common.error", { message: text })}</p>
      {retry && worthRetrying(error) && (
        <button type="button" onClick={retry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
