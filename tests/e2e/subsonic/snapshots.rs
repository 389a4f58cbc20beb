//! Every Subsonic response type, in XML and JSON, against a snapshot
//! (`snapshots/`, reviewed with `cargo insta review`), so that an accidental
//! change of shape fails a test. What differs from run to run (ids, times,
//! the generated username) is replaced by placeholders first; ids keep
//! their order of appearance, so the structure between them still shows.

use regex::Regex;
use serde_json::json;

use encore_tests::api::Api;
use encore_tests::TestRun;

use super::{catalogue, clients, Clients};

/// The answer's text with run-specific values replaced.
fn normalized(text: &str, username: &str, email: &str) -> String {
    let mut text = text
        .replace(username, "<username>")
        .replace(email, "<email>");
    let uuid = Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .expect("a regex");
    let mut seen: Vec<String> = Vec::new();
    text = uuid
        .replace_all(&text, |c: &regex::Captures<'_>| {
            let id = c[0].to_string();
            let n = match seen.iter().position(|s| *s == id) {
                Some(n) => n,
                None => {
                    seen.push(id);
                    seen.len() - 1
                }
            };
            format!("<id{}>", n + 1)
        })
        .into_owned();
    let time = Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z").expect("a regex");
    text = time.replace_all(&text, "<time>").into_owned();
    let modified = Regex::new(r#"(lastModified"?\s*[=:]\s*"?)\d+"#).expect("a regex");
    text = modified.replace_all(&text, "${1}<ms>").into_owned();
    // A share's link: this run's address and a random token.
    let link = Regex::new(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{22}").expect("a regex");
    text = link.replace_all(&text, "<base>/s/<token>").into_owned();
    let version = Regex::new(r#"(serverVersion"?\s*[=:]\s*"?)[0-9.]+"#).expect("a regex");
    version.replace_all(&text, "${1}<version>").into_owned()
}

fn raw_content_type(raw: &super::client::Raw) -> &str {
    raw.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_type_keeps_its_shape_in_xml_and_json() {
    let run = TestRun::new("subsonic-snapshots");
    // The etl creates the warehouse the discovery methods read.
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "snap-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        by_key,
        ..
    } = clients(&api, &gateway.url("")).await;
    let (artist, album, song) = (
        cat.artist.as_str(),
        cat.albums[0].as_str(),
        cat.tracks[0].as_str(),
    );
    // State for the lists that read it.
    for (track, text) in [
        (song, "[00:00.50]Teen age riot\n[00:02]Spirit desire"),
        (cat.tracks[2].as_str(), "Plain words\n\nA second verse"),
    ] {
        let path = format!("/v1/tracks/{track}/lyrics");
        admin
            .api
            .put(&path, json!({ "text": text }))
            .await
            .expect(200);
    }
    by_key
        .ok(
            "star",
            &[("id", song), ("albumId", album), ("artistId", artist)],
        )
        .await;
    by_key
        .ok("setRating", &[("id", song), ("rating", "4")])
        .await;
    let created = by_key
        .ok(
            "createPlaylist",
            &[
                ("name", "Snapshot"),
                ("songId", song),
                ("songId", &cat.tracks[2]),
            ],
        )
        .await;
    let playlist = created["playlist"]["id"].as_str().expect("id").to_string();
    by_key
        .ok(
            "savePlayQueue",
            &[
                ("id", song),
                ("id", &cat.tracks[1]),
                ("current", song),
                ("position", "1000"),
            ],
        )
        .await;
    admin
        .api
        .post(
            "/v1/radio-stations",
            json!({"name": "Radio Paradise", "stream_url": "https://stream.radioparadise.com/mp3-192",
                   "homepage_url": "https://radioparadise.com"}),
        )
        .await
        .expect(201);
    by_key
        .ok(
            "createBookmark",
            &[
                ("id", &cat.tracks[1]),
                ("position", "2000"),
                ("comment", "here"),
            ],
        )
        .await;
    by_key
        .ok(
            "reportPlayback",
            &[
                ("mediaId", &cat.tracks[1]),
                ("mediaType", "song"),
                ("positionMs", "0"),
                ("state", "starting"),
            ],
        )
        .await;

    // Now playing is read from the warehouse, which the etl writes from the
    // playback topic: wait for the report to get there.
    encore_tests::eventually("the reported play in now playing", || async {
        let playing = by_key.ok("getNowPlaying", &[]).await;
        match playing["nowPlaying"]["entry"].as_array() {
            Some(entries) if !entries.is_empty() => Ok(()),
            _ => Err(playing.to_string()),
        }
    })
    .await;

    by_key
        .ok(
            "createShare",
            &[("id", album), ("description", "for the road")],
        )
        .await;

    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("ping", vec![]),
        ("getLicense", vec![]),
        ("getOpenSubsonicExtensions", vec![]),
        ("tokenInfo", vec![]),
        ("getUser", vec![("username", &username)]),
        ("getMusicFolders", vec![]),
        ("getIndexes", vec![]),
        ("getArtists", vec![]),
        ("getArtist", vec![("id", artist)]),
        ("getAlbum", vec![("id", album)]),
        ("getSong", vec![("id", song)]),
        ("getMusicDirectory", vec![("id", album)]),
        ("getGenres", vec![]),
        ("getAlbumList", vec![("type", "alphabeticalByName")]),
        ("getAlbumList2", vec![("type", "alphabeticalByName")]),
        ("getSongsByGenre", vec![("genre", "Rock")]),
        ("getStarred", vec![]),
        ("getStarred2", vec![]),
        ("search2", vec![("query", "")]),
        ("search3", vec![("query", ""), ("songCount", "2")]),
        ("getPlaylists", vec![]),
        ("getPlaylist", vec![("id", &playlist)]),
        ("getPlayQueue", vec![]),
        ("getNowPlaying", vec![]),
        (
            "getTopSongs",
            vec![("artist", "Sonic Youth Orchestra"), ("count", "2")],
        ),
        ("getSimilarSongs2", vec![("id", artist)]),
        ("getLyricsBySongId", vec![("id", song)]),
        (
            "getLyrics",
            vec![("artist", "Sonic Youth Orchestra"), ("title", "Goo Part 1")],
        ),
        ("getSimilarSongs", vec![("id", song)]),
        ("getArtistInfo2", vec![("id", artist)]),
        ("getAlbumInfo2", vec![("id", album)]),
        ("getRandomSongs", vec![("size", "0")]),
        ("getAlbum", vec![]),
        ("getSong", vec![("id", "not-an-id")]),
        ("getScanStatus", vec![]),
        ("getArtistInfo", vec![("id", artist)]),
        ("getAlbumInfo", vec![("id", album)]),
        ("getPlayQueueByIndex", vec![]),
        ("getBookmarks", vec![]),
        ("getInternetRadioStations", vec![]),
        ("getShares", vec![]),
    ];
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    let _guard = settings.bind_to_scope();
    for (n, (method, params)) in calls.iter().enumerate() {
        for format in ["json", "xml"] {
            let raw = by_key.raw(method, format, params).await;
            assert_eq!(raw.status, 200, "{method}");
            // Compared and also parsed: a snapshot could record an
            // ill-formed answer as easily as a good one.
            crate::fuzz::check_envelope(raw_content_type(&raw), &raw.bytes)
                .unwrap_or_else(|e| panic!("{method} in {format}: {e}"));
            let mut text = String::from_utf8(raw.bytes).expect("UTF-8");
            if format == "json" {
                // Pretty, so a change shows as a line in the diff.
                let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                text = serde_json::to_string_pretty(&value).expect("JSON");
            }
            let name = format!("{n:02}_{method}.{format}");
            insta::assert_snapshot!(name, normalized(&text, &username, &listener.email));
        }
    }
    // The one method sent as POST with a JSON body (OpenSubsonic transcoding).
    let player = serde_json::json!({"name": "snap", "platform": "tests", "maxTranscodingAudioBitrate": 128000,
        "directPlayProfiles": [{"containers": ["flac"], "audioCodecs": ["flac"]}],
        "transcodingProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "http"}]});
    for format in ["json", "xml"] {
        let params = [("mediaId", song), ("mediaType", "song")];
        let raw = by_key
            .post_json("getTranscodeDecision", format, &params, &player)
            .await;
        assert_eq!(raw.status, 200);
        crate::fuzz::check_envelope(raw_content_type(&raw), &raw.bytes)
            .unwrap_or_else(|e| panic!("getTranscodeDecision in {format}: {e}"));
        let mut text = String::from_utf8(raw.bytes).expect("UTF-8");
        if format == "json" {
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            text = serde_json::to_string_pretty(&value).expect("JSON");
        }
        let name = format!("{:02}_getTranscodeDecision.{format}", calls.len());
        insta::assert_snapshot!(name, normalized(&text, &username, &listener.email));
    }
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
