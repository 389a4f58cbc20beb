//! The Subsonic API (`/rest`) against the real stack: browsing, search,
//! playlists, stars, scrobbles and streaming, in both request styles of the
//! reference clients (GET with an API key; form POST with the md5 token),
//! and every protocol error.

mod bookmarks;
pub(crate) mod client;
mod clients;
mod errors;
mod listening;
mod lyrics;
mod queue;
mod radio;
mod scan;
mod shares;
mod snapshots;
mod transcoding;
mod users;

use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::EntityType;
use encore_tests::api::{register, Account, Api};
use encore_tests::audio::tone;
use encore_tests::{wait_for_live_count, TestRun};
use serde_json::{json, Value};

use self::client::{Auth, Subsonic};

/// An artist with two albums of two tracks; the first track has audio.
pub(crate) struct Catalogue {
    pub(crate) artist: String,
    pub(crate) albums: [String; 2],
    pub(crate) tracks: Vec<String>,
    pub(crate) audio: Vec<u8>,
}

pub(crate) async fn catalogue(run: &TestRun, admin: &Account) -> Catalogue {
    let api = &admin.api;
    let artist = api
        .post(
            "/v1/artists",
            json!({"name": "Sonic Youth Orchestra", "genres": ["Rock"]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut albums = Vec::new();
    let mut tracks = Vec::new();
    for (title, year, genre) in [("Daydream Nation", 1988, "Rock"), ("Goo", 1990, "Noise")] {
        let album = api
            .post(
                "/v1/albums",
                json!({"artist_id": artist, "title": title, "release_year": year, "genres": [genre]}),
            )
            .await
            .expect(201)["id"]
            .as_str()
            .expect("id")
            .to_string();
        for n in 1..=2 {
            let track = api
                .post(
                    "/v1/tracks",
                    json!({"artist_id": artist, "album_id": album, "title": format!("{title} Part {n}"),
                           "duration_ms": 180_000, "genre": genre, "release_year": year, "track_number": n}),
                )
                .await
                .expect(201)["id"]
                .as_str()
                .expect("id")
                .to_string();
            tracks.push(track);
        }
        albums.push(album);
    }
    let dir = std::env::temp_dir().join(format!("encore-subsonic-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let audio = tone(&dir, "mp3");
    let _ = std::fs::remove_dir_all(&dir);
    admin.upload_audio(&tracks[0], audio.clone()).await;
    Catalogue {
        artist,
        albums: [albums[0].clone(), albums[1].clone()],
        tracks,
        audio,
    }
}

/// A listener with an API key and an app password, and the two reference
/// clients' styles of request, one with each.
pub(crate) struct Clients {
    pub(crate) listener: Account,
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) by_key: Subsonic,
    pub(crate) by_token: Subsonic,
}

/// A new credential of `account`'s (`path`: the API keys or the app
/// passwords), named `name`: its secret, shown only now.
async fn secret(account: &Account, path: &str, name: &str) -> String {
    account
        .api
        .post(path, json!({ "name": name }))
        .await
        .expect(201)["secret"]
        .as_str()
        .expect("a secret")
        .to_string()
}

/// An app signed in with a new API key of `account`'s: an admin's, for the
/// methods only admins may call.
pub(crate) async fn app_of(account: &Account, base: &str, name: &str) -> Subsonic {
    let key = secret(account, "/v1/me/api-keys", name).await;
    Subsonic::new(base, Auth::ApiKey(key), false)
}

pub(crate) async fn clients(api: &Api, base: &str) -> Clients {
    let listener = register(api, "sonic").await;
    let me = listener.api.get("/v1/me").await.expect(200);
    let username = me["username"].as_str().expect("username").to_string();
    let key = secret(&listener, "/v1/me/api-keys", "subsonic-api").await;
    let password = secret(&listener, "/v1/me/app-passwords", "py-opensonic").await;
    let by_key = Subsonic::new(base, Auth::ApiKey(key), false);
    let by_token = Subsonic::new(
        base,
        Auth::Token {
            user: username.clone(),
            password: password.clone(),
        },
        true,
    );
    Clients {
        listener,
        username,
        password,
        by_key,
        by_token,
    }
}

pub(crate) fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["id"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_browse_search_edit_playlists_star_scrobble_and_stream() {
    let run = TestRun::new("subsonic-journey");
    let indexer = run.start_indexer(run.indexer_config()).await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "sonic-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        by_key,
        by_token,
        ..
    } = clients(&api, &gateway.url("")).await;

    // System: both styles log in; the extensions need no login.
    by_key.ok("ping", &[]).await;
    by_token.ok("ping", &[]).await;
    let anonymous = Subsonic::new(&gateway.url(""), Auth::None, false);
    let extensions = anonymous.ok("getOpenSubsonicExtensions", &[]).await;
    assert!(extensions["openSubsonicExtensions"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x["name"] == "apiKeyAuthentication")));
    assert_eq!(extensions["openSubsonic"], true);
    assert_eq!(extensions["type"], "encore");
    assert_eq!(by_key.ok("getLicense", &[]).await["license"]["valid"], true);
    let shouted = username.to_uppercase();
    let user = by_token.ok("getUser", &[("username", &shouted)]).await;
    assert_eq!(user["user"]["username"], username.as_str());
    assert_eq!(user["user"]["streamRole"], true);
    assert_eq!(
        by_key.ok("tokenInfo", &[]).await["tokenInfo"]["username"],
        user["user"]["username"]
    );

    // Browsing, by tags and by folders.
    let artists = by_key.ok("getArtists", &[]).await;
    assert_eq!(artists["artists"]["index"][0]["name"], "S");
    assert_eq!(artists["artists"]["index"][0]["artist"][0]["albumCount"], 2);
    let artist = by_token.ok("getArtist", &[("id", &cat.artist)]).await;
    assert_eq!(ids(&artist["artist"]["album"]), cat.albums.to_vec());
    let album = by_key.ok("getAlbum", &[("id", &cat.albums[0])]).await;
    assert_eq!(album["album"]["songCount"], 2);
    assert_eq!(album["album"]["year"], 1988);
    assert_eq!(ids(&album["album"]["song"]), cat.tracks[..2].to_vec());
    let song = by_key.ok("getSong", &[("id", &cat.tracks[0])]).await;
    assert_eq!(song["song"]["contentType"], "audio/mpeg");
    assert_eq!(song["song"]["suffix"], "mp3");
    assert_eq!(song["song"]["size"], cat.audio.len());
    let folder = by_token
        .ok("getMusicDirectory", &[("id", &cat.artist)])
        .await;
    assert_eq!(folder["directory"]["child"][0]["isDir"], true);
    let folder = by_token
        .ok("getMusicDirectory", &[("id", &cat.albums[1])])
        .await;
    assert_eq!(ids(&folder["directory"]["child"]), cat.tracks[2..].to_vec());
    let indexes = by_key.ok("getIndexes", &[]).await;
    let modified = indexes["indexes"]["lastModified"]
        .as_i64()
        .expect("lastModified");
    assert_eq!(
        indexes["indexes"]["index"][0]["artist"][0]["id"],
        cat.artist.as_str()
    );
    let unchanged = by_key
        .ok("getIndexes", &[("ifModifiedSince", &modified.to_string())])
        .await;
    assert_eq!(unchanged["indexes"].get("index"), None);
    let genres = by_key.ok("getGenres", &[]).await;
    assert!(genres["genres"]["genre"].as_array().is_some_and(|g| g
        .iter()
        .any(|x| x["value"] == "Noise" && x["songCount"] == 2)));
    let folders = by_key.ok("getMusicFolders", &[]).await;
    assert_eq!(folders["musicFolders"]["musicFolder"][0]["id"], 1);
    // XML is the default, in the protocol's namespace.
    let xml = by_key
        .raw("getAlbum", "xml", &[("id", &cat.albums[0])])
        .await;
    let xml = String::from_utf8(xml.bytes).expect("UTF-8");
    assert!(
        xml.contains(r#"<subsonic-response xmlns="http://subsonic.org/restapi" status="ok""#),
        "{xml}"
    );
    assert!(xml.contains(r#"name="Daydream Nation""#), "{xml}");

    // Search: through the index with typos, and everything for an empty query.
    let client = SearchClient::new(&run.indexer_config().search_url).expect("a client");
    let names = Names::new(&run.search_prefix());
    wait_for_live_count(&client, &names.alias(EntityType::Track), 4).await;
    let fresh: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&client, &fresh).await.expect("refresh");
    let found = by_key.ok("search3", &[("query", "daydreem nation")]).await;
    let found = &found["searchResult3"];
    assert_eq!(ids(&found["album"])[0], cat.albums[0], "{found}");
    assert_eq!(ids(&found["song"]).len(), 2, "{found}");
    let all = by_token
        .ok(
            "search3",
            &[("query", "\"\""), ("songCount", "3"), ("songOffset", "1")],
        )
        .await;
    assert_eq!(ids(&all["searchResult3"]["song"]).len(), 3);
    assert_eq!(
        ids(&all["searchResult3"]["artist"]),
        vec![cat.artist.clone()]
    );
    let old = by_key.ok("search2", &[("query", "goo")]).await;
    assert_eq!(old["searchResult2"]["album"][0]["isDir"], true);

    // Playlists are the native API's.
    let created = by_token
        .ok(
            "createPlaylist",
            &[
                ("name", "Road trip"),
                ("songId", &cat.tracks[0]),
                ("songId", &cat.tracks[2]),
            ],
        )
        .await;
    let playlist = created["playlist"]["id"].as_str().expect("id").to_string();
    assert_eq!(created["playlist"]["songCount"], 2);
    by_key
        .ok(
            "updatePlaylist",
            &[
                ("playlistId", &playlist),
                ("name", "Road trip II"),
                ("songIdToAdd", &cat.tracks[3]),
                ("songIndexToRemove", "0"),
                ("public", "TRUE"),
            ],
        )
        .await;
    let native = listener
        .api
        .get(&format!("/v1/playlists/{playlist}"))
        .await
        .expect(200);
    assert_eq!(native["name"], "Road trip II");
    assert_eq!(native["public"], true);
    let tracks: Vec<&str> = native["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["track_id"].as_str())
        .collect();
    assert_eq!(tracks, [cat.tracks[2].as_str(), cat.tracks[3].as_str()]);
    let listed = by_key.ok("getPlaylists", &[]).await;
    assert_eq!(
        ids(&listed["playlists"]["playlist"]),
        vec![playlist.clone()]
    );
    let read = by_token.ok("getPlaylist", &[("id", &playlist)]).await;
    assert_eq!(
        ids(&read["playlist"]["entry"]),
        [cat.tracks[2].clone(), cat.tracks[3].clone()]
    );

    // Stars are the native likes.
    by_key
        .ok(
            "star",
            &[
                ("id", &cat.tracks[1]),
                ("albumId", &cat.albums[1]),
                ("artistId", &cat.artist),
            ],
        )
        .await;
    let starred = by_token.ok("getStarred2", &[]).await;
    assert_eq!(
        ids(&starred["starred2"]["song"]),
        vec![cat.tracks[1].clone()]
    );
    assert_eq!(
        ids(&starred["starred2"]["album"]),
        vec![cat.albums[1].clone()]
    );
    let likes = listener.api.get("/v1/me/likes/tracks").await.expect(200);
    assert_eq!(likes["items"], json!([cat.tracks[1]]));
    let by_star = by_key.ok("getAlbumList2", &[("type", "starred")]).await;
    assert_eq!(
        ids(&by_star["albumList2"]["album"]),
        vec![cat.albums[1].clone()]
    );
    by_key.ok("unstar", &[("id", &cat.tracks[1])]).await;
    let likes = listener.api.get("/v1/me/likes/tracks").await.expect(200);
    assert_eq!(likes["items"], json!([]));

    // Album lists read from PostgreSQL.
    for (params, expected) in [
        (
            vec![("type", "alphabeticalByName")],
            vec![cat.albums[0].clone(), cat.albums[1].clone()],
        ),
        (
            vec![("type", "newest")],
            vec![cat.albums[1].clone(), cat.albums[0].clone()],
        ),
        (
            vec![("type", "byYear"), ("fromYear", "1990"), ("toYear", "1980")],
            vec![cat.albums[1].clone(), cat.albums[0].clone()],
        ),
        (
            vec![("type", "byGenre"), ("genre", "noise")],
            vec![cat.albums[1].clone()],
        ),
        (
            vec![
                ("type", "alphabeticalByArtist"),
                ("size", "1"),
                ("offset", "1"),
            ],
            vec![cat.albums[1].clone()],
        ),
    ] {
        let list = by_token.ok("getAlbumList2", &params).await;
        assert_eq!(ids(&list["albumList2"]["album"]), expected, "{params:?}");
    }
    let random = by_key
        .ok("getRandomSongs", &[("size", "10"), ("genre", "Rock")])
        .await;
    assert_eq!(ids(&random["randomSongs"]["song"]).len(), 2);
    let by_genre = by_key
        .ok("getSongsByGenre", &[("genre", "noise"), ("count", "1")])
        .await;
    assert_eq!(
        ids(&by_genre["songsByGenre"]["song"]),
        vec![cat.tracks[2].clone()]
    );

    // Streaming is not listening; a scrobble is, once however often it is sent.
    let streamed = by_key
        .raw("stream", "json", &[("id", &cat.tracks[0])])
        .await;
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.bytes, cat.audio);
    let ranged = by_key.stream_range(&cat.tracks[0], "bytes=10-19").await;
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.bytes, cat.audio[10..20]);
    let when = (encore_common::now_millis() - 600_000).to_string();
    by_key
        .ok(
            "scrobble",
            &[
                ("id", &cat.tracks[0]),
                ("time", &when),
                ("submission", "false"),
            ],
        )
        .await;
    for _ in 0..2 {
        by_token
            .ok(
                "scrobble",
                &[
                    ("id", &cat.tracks[0]),
                    ("time", &when),
                    ("submission", "True"),
                ],
            )
            .await;
    }
    let user_id = listener.id;
    run.wait_for_scalar(
        &format!("SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user_id}')"),
        2,
    )
    .await;
    assert_eq!(
        run.scalar(&format!(
            "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user_id}') AND kind = 'start'"
        ))
        .await,
        1
    );
    // The history is read from the same ClickHouse plays: the scrobble is
    // there once, as a play started.
    encore_tests::eventually("the scrobbled play in the history", || async {
        let history = listener.api.get("/v1/me/history").await.expect(200);
        match history["items"].as_array().map(Vec::len) {
            Some(1) => Ok(()),
            _ => Err(history.to_string()),
        }
    })
    .await;
    // The warehouse's own lists: what this listener played.
    let frequent = encore_tests::eventually("the played album in frequent", || async {
        let list = by_key.ok("getAlbumList2", &[("type", "frequent")]).await;
        let found = ids(&list["albumList2"]["album"]);
        if found == [cat.albums[0].clone()] {
            Ok(found)
        } else {
            Err(format!("{found:?}"))
        }
    })
    .await;
    assert_eq!(frequent.len(), 1);
    let recent = by_key.ok("getAlbumList", &[("type", "recent")]).await;
    assert_eq!(
        ids(&recent["albumList"]["album"]),
        vec![cat.albums[0].clone()]
    );

    by_key.ok("deletePlaylist", &[("id", &playlist)]).await;
    assert_eq!(
        listener
            .api
            .get(&format!("/v1/playlists/{playlist}"))
            .await
            .status,
        404
    );
    gateway.stop().await;
    etl.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
