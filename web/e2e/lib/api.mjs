// The gateway's API from node, for setup and for checking what the browser
// did: accounts, the catalogue's ids, a listener's history. Tokens here are
// the node side's own (refresh token in JSON); the browser keeps its own
// session in memory and an HttpOnly cookie, which node never sees.
import { randomBytes } from "node:crypto";
import { env } from "./env.mjs";

/** The password every account the suite makes gets (the gateway wants 8 or more characters). */
export const PASSWORD = "journey through the north";

export class HttpError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} answered ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** One JSON call; throws HttpError unless the status is one of `expect`. */
export async function request(path, { method = "GET", body, token, headers = {}, expect = [200, 201, 202, 204] } = {}) {
  const response = await fetch(`${env.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (!expect.includes(response.status)) throw new HttpError(method, path, response.status, parsed);
  return { status: response.status, headers: response.headers, body: parsed };
}

/** A name no earlier run used: usernames are unique, and runs share nothing else. */
export function uniqueUser(prefix) {
  const username = `${prefix}-${randomBytes(4).toString("hex")}`.slice(0, 32);
  return { username, email: `${username}@example.com`, password: PASSWORD };
}

/**
 * A signed-in account on the node side. Access tokens live seconds in this
 * run (JOURNEY_ACCESS_TTL), so `token()` signs in again when one is about
 * to expire rather than handing out a dead one.
 */
export class Account {
  constructor(loginName, password, session) {
    this.loginName = loginName;
    this.password = password;
    this.setSession(session);
  }

  static async signIn(loginName, password) {
    return new Account(loginName, password, await login(loginName, password));
  }

  setSession(session) {
    this.session = session;
    this.expiresAt = Date.now() + (session.expires_in - 2) * 1000;
  }

  get user() {
    return this.session.user;
  }

  async token() {
    if (Date.now() >= this.expiresAt) this.setSession(await login(this.loginName, this.password));
    return this.session.access_token;
  }

  async get(path) {
    return get(path, await this.token());
  }
}

/** Registers a listener through the API: its credentials and a node-side Account. */
export async function register(prefix) {
  const user = uniqueUser(prefix);
  const { body } = await request("/v1/auth/register", { method: "POST", body: user, expect: [201] });
  return { ...user, account: new Account(user.username, user.password, body) };
}

/** Signs in through the API: a session of node's own, beside the browser's. */
export async function login(loginName, password) {
  const { body } = await request("/v1/auth/login", { method: "POST", body: { login: loginName, password }, expect: [200] });
  return body;
}

export function admin() {
  return Account.signIn(env.adminLogin, env.adminPassword);
}

/** GET with a bearer token; the parsed body. */
export async function get(path, token) {
  return (await request(path, { token })).body;
}

/** The listener's plays, newest first (GET /v1/me/history). */
export async function history(account) {
  return (await account.get("/v1/me/history?limit=100")).items;
}

let catalogue = null;

/**
 * The seeded artist, album and tracks with their ids, found the way a client
 * would (search, then the artist's albums and tracks). Tracks in album order.
 */
export async function findCatalogue(account) {
  if (catalogue) return catalogue;
  const name = env.artist;
  const hits = await account.get(`/v1/search?q=${encodeURIComponent(name)}&type=artist&limit=10`);
  const artist = hits.items.find((h) => h.title === name);
  if (!artist) throw new Error(`the seeded artist "${name}" is not in the search index: ${JSON.stringify(hits.items)}`);
  const albums = await account.get(`/v1/albums?artist_id=${artist.id}&limit=100`);
  const tracks = await account.get(`/v1/tracks?artist_id=${artist.id}&limit=100`);
  if (albums.items.length === 0 || tracks.items.length < 3) {
    throw new Error(`"${name}" should have an album and at least 3 tracks; has ${albums.items.length} albums, ${tracks.items.length} tracks`);
  }
  const album = albums.items[0];
  const ordered = [...tracks.items].sort(
    (a, b) => (a.track_number ?? Infinity) - (b.track_number ?? Infinity) || a.title.localeCompare(b.title),
  );
  catalogue = {
    artist: { id: artist.id, name },
    album: { id: album.id, title: album.title },
    tracks: ordered.map((t) => ({ id: t.id, title: t.title, durationMs: t.duration_ms })),
  };
  return catalogue;
}

/** A playlist of the user's own holding `trackIds` in that order; returns its id. */
export async function makePlaylist(account, name, trackIds) {
  const post = async (path, body) => (await request(path, { method: "POST", token: await account.token(), body, expect: [200, 201] })).body;
  const playlist = await post("/v1/playlists", { name });
  for (const trackId of trackIds) {
    await post(`/v1/playlists/${playlist.id}/items`, { track_id: trackId });
  }
  return playlist.id;
}
