// A Subsonic web client served from another origin (airsonic-refix, Feishin's
// web build) talks to `/rest` from the browser. Here a page on a port of its
// own signs in with an app password, finds a song, streams it (a ranged
// fetch and an <audio crossorigin>, both of which CORS must allow) and stars
// it; node then checks the star through the native API.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { findCatalogue, register, request } from "./lib/api.mjs";
import { browserTest } from "./lib/browser.mjs";
import { env } from "./lib/env.mjs";

/** A blank page on 127.0.0.1 at a port of its own: another origin than the gateway's. */
async function elsewhere() {
  const server = createServer((_, response) => {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>another client</title><h1>another client</h1>");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

browserTest("a Subsonic client on another origin signs in, streams and stars through /rest", { timeout: 120_000 }, async ({ page }) => {
  const user = await register("cors");
  const { artist, tracks } = await findCatalogue(user.account);
  const { body: created } = await request("/v1/me/app-passwords", {
    method: "POST",
    token: await user.account.token(),
    body: { name: "a web client elsewhere" },
    expect: [201],
  });
  const client = await elsewhere();
  try {
    assert.notEqual(new URL(client.origin).origin, new URL(env.url).origin);
    await page.goto(`${client.origin}/`);
    const seen = await page.evaluate(
      async ({ base, username, secret, artistName }) => {
        const hex = [...new TextEncoder().encode(secret)].map((b) => b.toString(16).padStart(2, "0")).join("");
        const auth = new URLSearchParams({ u: username, p: `enc:${hex}`, v: "1.16.1", c: "cors-test", f: "json" });
        const call = async (method, params = {}) => {
          const query = new URLSearchParams([...auth, ...Object.entries(params)]);
          const response = await fetch(`${base}/rest/${method}?${query}`);
          return (await response.json())["subsonic-response"];
        };
        const ping = await call("ping");
        const found = await call("search3", { query: artistName, songCount: "10", artistCount: "0", albumCount: "0" });
        const song = found.searchResult3?.song?.find((s) => s.artist === artistName);
        if (!song) return { ping, found };
        const streamUrl = `${base}/rest/stream?${new URLSearchParams([...auth, ["id", song.id]])}`;
        const ranged = await fetch(streamUrl, { headers: { Range: "bytes=0-1023" } });
        const bytes = (await ranged.arrayBuffer()).byteLength;
        const audio = document.createElement("audio");
        audio.crossOrigin = "anonymous";
        audio.src = streamUrl;
        document.body.append(audio);
        await audio.play();
        const started = performance.now();
        while (audio.currentTime < 0.5 && performance.now() - started < 15_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        audio.pause();
        const star = await call("star", { id: song.id });
        const starred = await call("getStarred2");
        return {
          ping,
          song: { id: song.id, title: song.title },
          stream: { status: ranged.status, contentRange: ranged.headers.get("content-range"), bytes },
          playedSeconds: audio.currentTime,
          star,
          starred: (starred.starred2?.song ?? []).map((s) => s.id),
        };
      },
      { base: env.url, username: user.username, secret: created.secret, artistName: artist.name },
    );
    assert.equal(seen.ping.status, "ok", `ping from another origin: ${JSON.stringify(seen.ping)}`);
    assert.ok(seen.song, `search3 found none of ${artist.name}'s songs: ${JSON.stringify(seen.found)}`);
    assert.ok(
      tracks.some((t) => t.id === seen.song.id),
      `search3's song ${JSON.stringify(seen.song)} is one of ${artist.name}'s`,
    );
    assert.equal(seen.stream.status, 206, "a ranged stream read from another origin");
    assert.match(seen.stream.contentRange ?? "", /^bytes 0-1023\//, "Content-Range is exposed to the page");
    assert.equal(seen.stream.bytes, 1024);
    assert.ok(seen.playedSeconds >= 0.5, `the <audio crossorigin> element played ${seen.playedSeconds} s`);
    assert.equal(seen.star.status, "ok", `star: ${JSON.stringify(seen.star)}`);
    assert.deepEqual(seen.starred, [seen.song.id], "getStarred2 from the page lists the song");
    const liked = await user.account.get("/v1/me/likes/tracks?limit=10");
    assert.deepEqual(liked.items, [seen.song.id], "the native API sees the star as a like");
  } finally {
    await client.close();
  }
});
