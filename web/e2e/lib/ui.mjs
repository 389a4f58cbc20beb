// Steps through the app as a person takes them, found by role and accessible
// name (the names the app gives its controls in src/i18n/locales/en).
export function heading(page, name) {
  return page.getByRole("heading", { level: 1, name, exact: true });
}

export function player(page) {
  return page.getByRole("region", { name: "Player" });
}

export async function signUp(page, user) {
  await page.goto("/signup");
  await heading(page, "Create an account").waitFor();
  await page.getByLabel("Email", { exact: true }).fill(user.email);
  await page.getByLabel("Username", { exact: true }).fill(user.username);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Sign up", exact: true }).click();
  await heading(page, "Home").waitFor();
}

/** Signs in on /signin and waits for Home. */
export async function signIn(page, login, password) {
  await page.goto("/signin");
  await heading(page, "Sign in").waitFor();
  await page.getByLabel("Email or username", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await heading(page, "Home").waitFor();
}

/** The main navigation's link to a page (client-side navigation, no reload). */
export async function navigate(page, name, landing = name) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
  await heading(page, landing).waitFor();
}

/**
 * Types `text` into the search field key by key and waits until its results
 * are announced. The suggestions list overlays the results while the field
 * has focus, so it is closed with Escape (Escape with no list open would
 * clear the field instead, hence the check).
 */
export async function search(page, text) {
  const box = page.getByRole("combobox", { name: "Search" });
  await box.click();
  await box.fill("");
  await box.pressSequentially(text, { delay: 40 });
  await page.getByRole("status").filter({ hasText: `Results for “${text}”` }).waitFor();
  // The query reaches the URL after a pause; a click before then raced that
  // write in CI (the journey stayed on the search), so the page is settled first.
  await page.waitForURL((url) => url.searchParams.get("q") === text.trim());
  await closeSuggestions(page);
}

export async function closeSuggestions(page) {
  const list = page.getByRole("listbox", { name: "Suggestions" });
  const open = await list.waitFor({ state: "visible", timeout: 2_000 }).then(
    () => true,
    () => false,
  );
  if (open) {
    await page.keyboard.press("Escape");
    await list.waitFor({ state: "hidden" });
  }
}

export function trackButton(page, action, title) {
  return page.getByRole("button", { name: `${action} ${title}`, exact: true });
}

/** Titles of the track rows on the page, top to bottom (row text starts with the title). */
export async function rowTitles(page) {
  const titles = await page.getByTestId("track-row").locator(".track-title").allTextContents();
  return titles.map((t) => t.replace(/\s*\(now playing\)$/, "").trim());
}

/** The <audio> element's state, for assertions and failure messages. */
export function audioState(page) {
  return page.evaluate(() => {
    const a = document.querySelector("audio");
    if (!a) return null;
    return {
      src: a.currentSrc ? new URL(a.currentSrc).pathname : "",
      paused: a.paused,
      currentTime: a.currentTime,
      readyState: a.readyState,
      error: a.error ? `${a.error.code} ${a.error.message}` : null,
    };
  });
}

/**
 * Waits until the audio plays past `seconds` (of `trackId`'s stream, when
 * given); a failure says what the element and the player bar showed.
 */
export async function waitForPlayback(page, seconds, { trackId = null, timeout = 30_000 } = {}) {
  try {
    await page.waitForFunction(
      ([s, id]) => {
        const a = document.querySelector("audio");
        return !!a && !a.paused && a.currentTime > s && (!id || a.currentSrc.includes(id));
      },
      [seconds, trackId],
      { timeout, polling: 100 },
    );
  } catch (error) {
    const audio = await audioState(page).catch(() => "unreadable");
    const bar = await player(page).innerText().catch(() => "no player bar");
    throw new Error(
      `expected the audio${trackId ? ` of track ${trackId}` : ""} to play past ${seconds} s within ${timeout / 1000} s; ` +
        `audio: ${JSON.stringify(audio)}; player bar: ${bar.replace(/\s+/g, " ")}`,
      { cause: error },
    );
  }
}

export async function nowPlaying(page) {
  return (await page.getByTestId("now-playing").innerText()).trim();
}

/** Waits until the player shows `track` and its own audio has started. */
export async function waitForTrack(page, track, seconds = 0.5) {
  await page.getByTestId("now-playing").filter({ hasText: track.title }).waitFor();
  await waitForPlayback(page, seconds, { trackId: track.id });
}

