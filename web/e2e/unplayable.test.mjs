// A track without audio: its row says so and cannot be played, and the
// queue passes over it (here, between two playable tracks of a playlist)
// instead of stopping there; nothing looks as if it were playing it.
import assert from "node:assert/strict";
import { admin, findCatalogue, makePlaylist, register, request } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { heading, player, signIn, trackButton, waitForTrack } from "./lib/ui.mjs";

browserTest("a track without audio is marked, cannot be started, and the queue skips it", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("silence");
  const { tracks } = await findCatalogue(user.account);
  const editor = await admin();
  const token = await editor.token();
  const post = async (path, body) => (await request(path, { method: "POST", token, body, expect: [201] })).body;
  const artist = await post("/v1/artists", { name: `Silent Trio ${user.username.slice(-6)}` });
  try {
    const silent = await post("/v1/tracks", { artist_id: artist.id, title: "Four Minutes Of Nothing" });
    const [a, b] = [tracks[0], tracks[1]];
    const id = await makePlaylist(user.account, "With a gap", [a.id, silent.id, b.id]);

    await signIn(page, user.username, user.password);
    await page.goto(`/playlists/${id}`);
    await heading(page, "With a gap").waitFor();
    const silentRow = page.getByTestId("track-row").filter({ hasText: silent.title });
    await silentRow.getByText("No audio", { exact: true }).waitFor();
    assert.ok(
      await page.getByRole("button", { name: `${silent.title} has no audio yet`, exact: true }).isDisabled(),
      "its play button is off",
    );

    await trackButton(page, "Play", a.title).click();
    await waitForTrack(page, a, 0.3);
    await player(page).getByRole("button", { name: "Next track", exact: true }).click();
    // Over the silent track and on to the next that has audio, still playing.
    await waitForTrack(page, b, 0.3);
    assert.equal(await silentRow.getAttribute("aria-current"), null, "the silent row never looked as if it played");
  } finally {
    await request(`/v1/artists/${artist.id}`, { method: "DELETE", token: await editor.token(), expect: [204] });
  }
});
