// Loading and error states shared by the listener pages: the error names
// what the gateway said (and the fields it blamed), with a way to try again.
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function Loading() {
  const { t } = useTranslation();
  return <p role="status" className="muted">{t("common.loading")}</p>;
}

/** The gateway's message, with each blamed field named. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.fields.map((f) => `${f.field}: ${f.message}`).join("; ");
    return fields || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div role="alert" className="error-note">
      <p className="error">{t("common.error", { message: describeError(error) })}</p>
      {retry && (
        <button type="button" onClick={retry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}
