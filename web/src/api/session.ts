// The signed-in session, kept in memory only: the access token never touches
// storage a page script could read later, and the refresh token never reaches
// scripts at all (the gateway keeps it in an HttpOnly cookie). A reload
// therefore starts with no token and renews from the cookie.

import type { Schema } from "./types";

export type Role = Schema<"Role">;
export type User = Schema<"UserProfile">;
/** `expires_in` is in seconds; `refresh_token` is absent for a cookie session, the web app's. */
export type Session = Schema<"Session">;

/** Renews the session from the refresh cookie; null when there is none or it was refused. */
export type Renew = () => Promise<Session | null>;

type Listener = (session: Session | null) => void;

/**
 * Renew this long before the access token expires, so a request in flight
 * does not race it: 30 s, or a quarter of a short token's life.
 */
export const RENEW_MARGIN_MS = 30_000;

export function renewMargin(expiresInSeconds: number): number {
  return Math.min(RENEW_MARGIN_MS, (expiresInSeconds * 1000) / 4);
}

export class SessionStore {
  private session: Session | null = null;
  private expiresAt = 0;
  private margin = RENEW_MARGIN_MS;
  private renewing: Promise<Session | null> | null = null;
  private listeners = new Set<Listener>();

  constructor(
    private readonly renew: Renew,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get current(): Session | null {
    return this.session;
  }

  set(session: Session | null): void {
    this.session = session;
    this.expiresAt = session ? this.now() + session.expires_in * 1000 : 0;
    this.margin = session ? renewMargin(session.expires_in) : RENEW_MARGIN_MS;
    for (const listener of this.listeners) listener(session);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A usable access token, renewed first when it is about to expire; null when signed out. */
  async token(): Promise<string | null> {
    if (this.session && this.now() < this.expiresAt - this.margin) {
      return this.session.access_token;
    }
    const renewed = await this.refresh();
    return renewed?.access_token ?? null;
  }

  /**
   * Renews the session. Concurrent callers share one request: the refresh
   * token is single use, so two parallel refreshes would look like reuse and
   * end every session of the family.
   */
  refresh(): Promise<Session | null> {
    if (!this.renewing) {
      this.renewing = this.renew()
        .catch(() => null)
        .then((session) => {
          this.set(session);
          return session;
        })
        .finally(() => {
          this.renewing = null;
        });
    }
    return this.renewing;
  }
}
