// Asks the running `ingest sync` to sync every source now (POST
// /v1/admin/sync) and follows the request until it is done or failed.
import { useId, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import type { Schema } from "../../api/types";
import { ErrorNote } from "../../charts/Status";

/** `status` is "pending", "running", "done" or "failed" (the description says only string). */
export type SyncRequest = Schema<"SyncRequest">;

export const SYNC_POLL_MS = 2_000;

export function isFinished(request: SyncRequest | undefined): boolean {
  return request?.status === "done" || request?.status === "failed";
}

export function SyncPanel() {
  const { t } = useTranslation();
  const id = useId();
  const [requestId, setRequestId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => api<SyncRequest>("/v1/admin/sync", { method: "POST" }),
    onSuccess: (request) => setRequestId(request.id),
  });
  const status = useQuery({
    queryKey: ["admin", "sync", requestId],
    queryFn: ({ signal }) => api<SyncRequest>(`/v1/admin/sync/${requestId}`, { signal }),
    enabled: requestId !== null,
    initialData: start.data?.id === requestId ? start.data : undefined,
    staleTime: 0,
    refetchInterval: (query) => (isFinished(query.state.data) ? false : SYNC_POLL_MS),
  });
  const request = status.data;
  const running = requestId !== null && !isFinished(request);

  return (
    <section className="studio-panel" aria-labelledby={`${id}-title`} data-testid="sync-panel">
      <h2 id={`${id}-title`}>{t("studio.sync.title")}</h2>
      <p className="studio-muted">{t("studio.sync.about")}</p>
      <button type="button" disabled={start.isPending || running} onClick={() => start.mutate()}>
        {t("studio.sync.start")}
      </button>
      {start.isError && <ErrorNote error={start.error} />}
      <div role="status" className="sync-status" data-testid="sync-status">
        {request && (
          <p>
            {t("studio.sync.state", { status: t(`studio.sync.statuses.${request.status}`, { defaultValue: request.status }) })}
            {running && <span className="studio-muted"> {t("studio.sync.watching")}</span>}
          </p>
        )}
      </div>
      {status.isError && <ErrorNote error={status.error} onRetry={() => void status.refetch()} />}
      {request?.summary && <pre className="sync-summary" tabIndex={0}>{request.summary}</pre>}
    </section>
  );
}
