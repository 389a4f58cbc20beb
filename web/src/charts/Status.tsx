// Loading and error states shared by the statistics, studio and dashboard pages.
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p role="status" className="loading">
      {label ?? t("common.loading")}
    </p>
  );
}

/** The message of an error for people: the API's own message, and every field it names. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.fields.map((f) => `${f.field}: ${f.message}`);
    return [error.message, ...fields].filter(Boolean).join(" — ");
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div role="alert" className="error-note">
      <p className="error">{t("common.error", { message: errorText(error) })}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

/** The message given for one field of a failed request, if any. */
export function fieldMessage(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.fields.find((f) => f.field === field)?.message;
}
