// A listener's journey through Encore's Subsonic API with the npm
// `subsonic-api` client: GET and an API key (the OpenSubsonic extension).
// Run by tests/e2e/subsonic/clients.rs, which sets up the catalogue and
// checks what lands in the warehouse.
//
// Environment: ENCORE_URL, ENCORE_API_KEY, ENCORE_ALBUM, ENCORE_SONG (with
// audio), ENCORE_LISTENED_AT (Unix ms), ENCORE_AUDIO_BYTES.
// Exits non-zero, naming the step, on the first thing that is not as expected.

import { SubsonicAPI } from "subsonic-api";

const env = process.env;
const api = new SubsonicAPI({ url: env.ENCORE_URL, auth: { apiKey: env.ENCORE_API_KEY } });

function check(step, condition, detail = "") {
	if (!condition) {
		console.error(`subsonic-api: ${step} failed`, JSON.stringify(detail));
		process.exit(1);
	}
	console.log(`subsonic-api: ${step} ok`);
}

const ok = (answer) => answer && answer.status === "ok";
const album = env.ENCORE_ALBUM;
const song = env.ENCORE_SONG;

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
const at = Number(env.ENCORE_LISTENED_AT);
check("scrobble, listened", ok(await api.scrobble({ id: song, time: at, submission: true })));
check("scrobble, sent again", ok(await api.scrobble({ id: song, time: at, submission: true })));
const stream = await api.stream({ id: song, format: "raw" });
const bytes = new Uint8Array(await stream.arrayBuffer());
check("stream, raw", bytes.length === Number(env.ENCORE_AUDIO_BYTES), bytes.length);
check("deletePlaylist", ok(await api.deletePlaylist({ id: created.playlist.id })));
