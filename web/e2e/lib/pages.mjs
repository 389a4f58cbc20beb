// Every page of the app, for the tests that visit them all (accessibility,
// screenshots): where it is, the heading that says it is there, and whether
// it needs a signed-in admin (studio and dashboard do; the rest take anyone).
import { admin, findCatalogue, makePlaylist } from "./api.mjs";
import { env } from "./env.mjs";
import { heading, signIn } from "./ui.mjs";

/** The ids the catalogue pages need, and a playlist of the admin's own to show. */
export async function tourFixture() {
  const account = await admin();
  const catalogue = await findCatalogue(account);
  const playlistName = "Tour of the north";
  const playlistId = await makePlaylist(
    account,
    playlistName,
    catalogue.tracks.slice(0, 3).map((t) => t.id),
  );
  return { ...catalogue, playlist: { id: playlistId, name: playlistName } };
}

export function signedOutPages() {
  return [
    { name: "signin", path: "/signin", title: "Sign in" },
    { name: "signup", path: "/signup", title: "Create an account" },
    { name: "404", path: "/no-such-page", title: "Page not found" },
  ];
}

export function signedInPages(f) {
  return [
    { name: "home", path: "/", title: "Home" },
    { name: "search", path: "/search?q=Aurora", title: "Search", status: "Results for “Aurora”" },
    { name: "artist", path: `/artists/${f.artist.id}`, title: f.artist.name },
    { name: "album", path: `/albums/${f.album.id}`, title: f.album.title },
    { name: "playlist", path: `/playlists/${f.playlist.id}`, title: f.playlist.name },
    { name: "browse", path: "/browse", title: "Browse" },
    { name: "genre", path: "/browse/genres/Ambient", title: "Ambient" },
    { name: "library", path: "/library", title: "Library" },
    { name: "me", path: "/me", title: "My stats" },
    { name: "studio", path: "/studio", title: "Studio" },
    { name: "dashboard", path: "/dashboard", title: "Dashboard" },
  ];
}

export async function signInAsAdmin(page) {
  await signIn(page, env.adminLogin, env.adminPassword);
}

/** Opens a page with a full load and waits until it has finished loading its data. */
export async function visit(page, entry) {
  await page.goto(entry.path);
  await heading(page, entry.title).waitFor();
  if (entry.status) await page.getByRole("status").filter({ hasText: entry.status }).waitFor();
  await settle(page, entry.name);
}

/**
 * Waits for the network to go quiet and every "Loading…" to be replaced by
 * what it stood for, so what is checked or pictured is the finished page.
 */
export async function settle(page, name) {
  await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => undefined);
  await page
    .waitForFunction(
      () => ![...document.querySelectorAll('[role="status"]')].some((el) => el.textContent.trim() === "Loading…"),
      null,
      { timeout: 15_000 },
    )
    .catch(() => {
      throw new Error(`the ${name} page still shows "Loading…" after 15 s`);
    });
  // Fonts and images laid out, and one frame painted with them.
  await page.evaluate(() => document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r()))));
}
