// A listener's journey through Encore's Subsonic API with the npm
// `subsonic-api` client: GET and an API key (the OpenSubsonic extension).
// Run by tests/e2e/subsonic/clients.rs, which sets up the catalogue and
// checks what lands in the warehouse.
//
// Environment (set by the test): JOURNEY_URL, JOURNEY_API_KEY, JOURNEY_ALBUM, JOURNEY_SONG (with
// audio), JOURNEY_LISTENED_AT (Unix ms), JOURNEY_AUDIO_BYTES, JOURNEY_TRANSCODED_OUT
// (where to write the transcoded stream, for ffprobe).
// Exits non-zero, naming the step, on the first thing that is not as expected.

import { writeFileSync } from "node:fs";
import { SubsonicAPI } from "subsonic-api";

const env = process.env;
const api = new SubsonicAPI({ url: env.JOURNEY_URL, auth: { apiKey: env.JOURNEY_API_KEY } });

function check(step, condition, detail = "") {
	if (!condition) {
		console.error(`subsonic-api: ${step} failed`, JSON.stringify(detail));
		process.exit(1);
	}
	console.log(`subsonic-api: ${step} ok`);
}

const ok = (answer) => answer && answer.status === "ok";
const album = env.JOURNEY_ALBUM;
const song = env.JOURNEY_SONG;

check("ping", ok(await api.ping()));
const artists = await api.getArtists();
check("browse: getArtists", artists.artists.index.flatMap((i) => i.artist).some((a) => a.name === "Sonic Youth Orchestra"), artists);
const got = await api.getAlbum({ id: album });
check("browse: getAlbum", got.album.song.length === 2, got);
const found = await api.search3({ query: "daydreem nation" });
check("search3", found.searchResult3.album.some((a) => a.id === album), found);
const created = await api.createPlaylist({ name: "From subsonic-api", songId: song });
check("createPlaylist", ok(created) && created.playlist.songCount === 1, created);
check("star", ok(await api.star({ id: song })));
const starred = await api.getStarred2();
check("getStarred2", starred.starred2.song.some((s) => s.id === song), starred);
const at = Number(env.JOURNEY_LISTENED_AT);
check("scrobble, listened", ok(await api.scrobble({ id: song, time: at, submission: true })));
check("scrobble, sent again", ok(await api.scrobble({ id: song, time: at, submission: true })));
const stream = await api.stream({ id: song, format: "raw" });
const bytes = new Uint8Array(await stream.arrayBuffer());
check("stream, raw", bytes.length === Number(env.JOURNEY_AUDIO_BYTES), bytes.length);
const opus = await api.stream({ id: song, format: "opus", maxBitRate: 64 });
const transcoded = new Uint8Array(await opus.arrayBuffer());
check("stream, transcoded", opus.headers.get("content-type") === "audio/ogg" && transcoded.length > 0);
writeFileSync(env.JOURNEY_TRANSCODED_OUT, transcoded);
check("createBookmark", ok(await api.createBookmark({ id: song, position: 2000, comment: "npm" })));
const marks = await api.getBookmarks();
check("getBookmarks", marks.bookmarks.bookmark.length === 1 && marks.bookmarks.bookmark[0].entry.id === song && marks.bookmarks.bookmark[0].position === 2000, marks);
check("deleteBookmark", ok(await api.deleteBookmark({ id: song })));
// The index-based queue (OpenSubsonic indexBasedQueue) has no method of its
// own in this client; its generic JSON call sends it.
const extensions = await api.getOpenSubsonicExtensions();
check("indexBasedQueue advertised", extensions.openSubsonicExtensions.some((e) => e.name === "indexBasedQueue"), extensions);
const saved = await api.customJSON("savePlayQueueByIndex", { id: [song, song], currentIndex: 1, position: 500 });
check("savePlayQueueByIndex", ok(saved["subsonic-response"] ?? saved), saved);
const byIndex = await api.customJSON("getPlayQueueByIndex", {});
const queue = (byIndex["subsonic-response"] ?? byIndex).playQueueByIndex;
check("getPlayQueueByIndex", queue && queue.currentIndex === 1 && queue.entry.length === 2, byIndex);
const lyrics = await api.getLyricsBySongId({ id: song });
const synced = lyrics.lyricsList.structuredLyrics[0];
check("getLyricsBySongId", ok(lyrics) && synced?.synced === true && synced.line.map((l) => l.start).join() === "500,1750", lyrics);
const shared = await api.createShare({ id: song, description: "npm", expires: Date.now() + 86_400_000 });
const share = shared.shares.share[0];
check("createShare", ok(shared) && share.description === "npm" && share.entry[0].id === song, shared);
// The link's page reads the share through the native API, without an account.
const opened = await fetch(share.url.replace("/s/", "/v1/shares/"));
const page = await opened.json();
check("the shared link, opened", opened.status === 200 && page.tracks[0].id === song && page.tracks[0].stream_url, page);
const streamed = await fetch(new URL(page.tracks[0].stream_url, share.url));
check("the shared link, streamed", streamed.status === 200 && (await streamed.arrayBuffer()).byteLength === Number(env.JOURNEY_AUDIO_BYTES));
check("updateShare", ok(await api.updateShare({ id: share.id, description: "npm, again" })));
const shares = await api.getShares();
check("getShares", shares.shares.share.length === 1 && shares.shares.share[0].description === "npm, again", shares);
check("deleteShare", ok(await api.deleteShare({ id: share.id })));
const gone = await fetch(share.url.replace("/s/", "/v1/shares/"));
check("the shared link, after the delete", gone.status === 404);
check("deletePlaylist", ok(await api.deletePlaylist({ id: created.playlist.id })));
