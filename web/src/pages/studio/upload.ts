// Audio upload with progress. fetch() cannot report upload progress, so
// this one request goes through XMLHttpRequest, with the same bearer token
// and the same single renewal on 401 as every other call (api/client.ts).
import { ApiError, session } from "../../api/client";
import type { Uploaded } from "./types";

export type UploadPhase = "idle" | "uploading" | "processing" | "done" | "error";

export interface UploadState {
  phase: UploadPhase;
  /** Bytes sent so far and in all. */
  loaded: number;
  total: number;
  error: ApiError | null;
  result: Uploaded | null;
}

export type UploadAction =
  | { type: "start"; total: number }
  | { type: "progress"; loaded: number; total: number }
  /** Every byte is sent; the server is checking the file. */
  | { type: "sent" }
  | { type: "done"; result: Uploaded }
  | { type: "fail"; error: ApiError }
  | { type: "reset" };

export const IDLE: UploadState = { phase: "idle", loaded: 0, total: 0, error: null, result: null };

export function uploadReducer(state: UploadState, action: UploadAction): UploadState {
  switch (action.type) {
    case "start":
      return { ...IDLE, phase: "uploading", total: action.total };
    case "progress":
      // Late progress events after "sent" or a renewal's restart must not move the bar backwards.
      if (state.phase !== "uploading") return state;
      return { ...state, loaded: Math.max(0, action.loaded), total: action.total > 0 ? action.total : state.total };
    case "sent":
      return state.phase === "uploading" ? { ...state, phase: "processing", loaded: state.total } : state;
    case "done":
      return { ...state, phase: "done", loaded: state.total, result: action.result, error: null };
    case "fail":
      return { ...state, phase: "error", error: action.error };
    case "reset":
      return IDLE;
  }
}

/** Whole percent sent, 0..100. */
export function percent(state: UploadState): number {
  if (state.phase === "processing" || state.phase === "done") return 100;
  if (state.total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((state.loaded / state.total) * 100)));
}

/** An `ApiError` from an XHR answer: the gateway's JSON error body when there is one. */
export function errorOfXhr(status: number, body: string, statusText: string): ApiError {
  if (status === 0) return new ApiError(0, "network", "");
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string; fields?: { field: string; message: string }[] } };
    const e = parsed.error ?? {};
    return new ApiError(status, e.code ?? "error", e.message ?? statusText, e.fields ?? []);
  } catch {
    return new ApiError(status, "error", statusText || `HTTP ${status}`);
  }
}

export interface UploadCallbacks {
  onProgress: (loaded: number, total: number) => void;
  onSent: () => void;
  signal?: AbortSignal;
}

function send(url: string, file: Blob, token: string | null, callbacks: UploadCallbacks): Promise<{ status: number; body: string; statusText: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    // The server decides the format from the bytes; the type is only a courtesy.
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (event) => callbacks.onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.upload.onload = () => callbacks.onSent();
    xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText, statusText: xhr.statusText });
    xhr.onerror = () => resolve({ status: 0, body: "", statusText: "" });
    xhr.onabort = () => reject(new DOMException("The upload was cancelled", "AbortError"));
    if (callbacks.signal) {
      if (callbacks.signal.aborted) {
        reject(new DOMException("The upload was cancelled", "AbortError"));
        return;
      }
      callbacks.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(file);
  });
}

/** Uploads `file` as the audio of track `trackId`; throws `ApiError` on refusal, an AbortError when cancelled. */
export async function uploadAudio(trackId: string, file: Blob, callbacks: UploadCallbacks): Promise<Uploaded> {
  const url = `/v1/tracks/${encodeURIComponent(trackId)}/audio`;
  let answer = await send(url, file, await session.token(), callbacks);
  if (answer.status === 401) {
    const renewed = await session.refresh();
    if (renewed) answer = await send(url, file, renewed.access_token, callbacks);
  }
  if (answer.status >= 200 && answer.status < 300) return JSON.parse(answer.body) as Uploaded;
  throw errorOfXhr(answer.status, answer.body, answer.statusText);
}
