// Uploads a track's audio with a progress bar (see upload.ts).
import { useId, useReducer, useRef, useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { ApiError } from "../../api/client";
import { errorText } from "../../charts/Status";
import { IDLE, percent, uploadAudio, uploadReducer } from "./upload";
import type { Track } from "./types";

/** What went wrong with an upload, in the user's words. */
function useUploadError() {
  const { t } = useTranslation();
  return (error: ApiError): string => {
    switch (error.status) {
      case 0:
        return t("studio.upload.errors.network");
      case 413:
        return t("studio.upload.errors.tooLarge");
      case 415:
        return t("studio.upload.errors.unsupported", { message: error.message });
      case 403:
        return t("studio.upload.errors.forbidden");
      default:
        return errorText(error);
    }
  };
}

export function UploadAudio({ track }: { track: Track }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const describe = useUploadError();
  const [state, dispatch] = useReducer(uploadReducer, IDLE);
  const [file, setFile] = useState<File | null>(null);
  const abort = useRef<AbortController | null>(null);
  const busy = state.phase === "uploading" || state.phase === "processing";
  const pct = percent(state);
  const size = (bytes: number) => new Intl.NumberFormat(i18n.language, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 }).format(bytes / 1_048_576);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file || busy) return;
    const controller = new AbortController();
    abort.current = controller;
    dispatch({ type: "start", total: file.size });
    try {
      const result = await uploadAudio(track.id, file, {
        onProgress: (loaded, total) => dispatch({ type: "progress", loaded, total }),
        onSent: () => dispatch({ type: "sent" }),
        signal: controller.signal,
      });
      dispatch({ type: "done", result });
      client.setQueryData(["catalog", "track", track.id], result.track);
      void client.invalidateQueries({ queryKey: ["catalog", "tracks"] });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") dispatch({ type: "reset" });
      else dispatch({ type: "fail", error: error as ApiError });
    } finally {
      abort.current = null;
    }
  }

  const fileError = state.error?.fields.find((f) => f.field === "file" || f.field === "body");
  return (
    <section className="studio-panel" aria-labelledby={`${id}-title`} data-testid="upload-audio">
      <h3 id={`${id}-title`}>{t("studio.upload.title")}</h3>
      <p className="studio-muted">
        {track.stream_url ? t("studio.upload.replaces") : t("studio.upload.noAudio")} {t("studio.upload.formats")}
      </p>
      <form onSubmit={(e) => void submit(e)} className="studio-form">
        <label htmlFor={`${id}-file`}>{t("studio.upload.file")}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept="audio/*,.mp3,.flac,.ogg,.oga,.opus,.wav"
          disabled={busy}
          aria-invalid={fileError ? true : undefined}
          aria-describedby={fileError ? `${id}-error` : undefined}
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            dispatch({ type: "reset" });
          }}
        />
        <div className="studio-actions">
          <button type="submit" disabled={!file || busy}>{t("studio.upload.start")}</button>
          {busy && (
            <button type="button" onClick={() => abort.current?.abort()}>{t("studio.upload.cancel")}</button>
          )}
        </div>
      </form>
      {state.phase !== "idle" && (
        <div className="upload-progress">
          <label htmlFor={`${id}-progress`}>
            {state.phase === "processing"
              ? t("studio.upload.processing")
              : t("studio.upload.progress", { percent: pct, sent: size(state.loaded), total: size(state.total) })}
          </label>
          <progress id={`${id}-progress`} max={100} value={pct}>{`${pct}%`}</progress>
        </div>
      )}
      <div role="status" className="studio-status">
        {state.phase === "done" && state.result &&
          t("studio.upload.done", {
            format: state.result.audio.format.toUpperCase(),
            duration: formatDuration(state.result.audio.duration_ms),
          })}
      </div>
      {state.phase === "error" && state.error && (
        <p role="alert" id={`${id}-error`} className="error">
          {describe(state.error)}
        </p>
      )}
    </section>
  );
}

/** m:ss of a duration in milliseconds. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
