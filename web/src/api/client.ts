// Every call to the gateway goes through `api`: it adds the access token,
// renews it once on a 401, and turns error bodies into `ApiError`s that name
// the field at fault.
import { SessionStore, type Session } from "./session";
import type { Schema } from "./types";

/** A field at fault; `index` names the row of a batch (events, import rows). */
export type FieldError = Schema<"FieldError">;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly retryAfter: number | null = null,
    /** On a 404, what was not found: "album", "track"... */
    readonly resource: string | null = null,
  ) {
    super(message);
  }
}

/** The CSRF token the gateway set beside the refresh cookie (readable on purpose: double submit). */
export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)encore_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** The headers that ask the gateway for a cookie session rather than a refresh token in JSON. */
export const COOKIE_SESSION = { "X-Encore-Session": "cookie" } as const;

async function renewFromCookie(): Promise<Session | null> {
  // The CSRF cookie is set and cleared with the refresh cookie: without it
  // there is no session to renew, and asking would only log a 401.
  if (!csrfToken()) return null;
  const response = await fetch("/v1/auth/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken(), ...COOKIE_SESSION },
    body: "{}",
  });
  if (!response.ok) return null;
  return (await response.json()) as Session;
}

export const session = new SessionStore(renewFromCookie);

/** Called when a request needs a session and none can be renewed: the app goes to sign-in. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export interface CallOptions {
  method?: string;
  /** JSON-encoded unless it is already a Blob, FormData or string. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send without a token and never renew (sign-in, sign-up). */
  anonymous?: boolean;
}

export async function errorOf(response: Response): Promise<ApiError> {
  const retry = response.headers.get("Retry-After");
  try {
    const body = await response.json();
    const e = body?.error ?? {};
    const after = retry ? Number(retry) : null;
    return new ApiError(response.status, e.code ?? "error", e.message ?? response.statusText, e.fields ?? [], after, e.resource ?? null);
  } catch {
    return new ApiError(response.status, "error", response.statusText || `HTTP ${response.status}`, [], retry ? Number(retry) : null);
  }
}

async function send(path: string, options: CallOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof Blob || options.body instanceof FormData || typeof options.body === "string") {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method: options.method ?? "GET", headers, body, signal: options.signal, credentials: "same-origin" });
}

/** The raw response of an authorized call (for streams and status codes callers care about). */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  if (options.anonymous) return send(path, options, null);
  let response = await send(path, options, await session.token());
  if (response.status === 401) {
    const renewed = await session.refresh();
    if (!renewed) {
      onSignedOut();
      return response;
    }
    response = await send(path, options, renewed.access_token);
  }
  return response;
}

/** An authorized JSON call; throws `ApiError` on any non-2xx answer. */
export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const response = await call(path, options);
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
