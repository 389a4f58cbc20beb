//! Listening across devices and what to play next, through `/rest`:
//! playback reports become the native events, a play queue moves between
//! devices, ratings order the "highest" list, and top and similar songs
//! come from the warehouse.

use encore_tests::api::Api;
use encore_tests::{eventually, TestRun};

use super::{catalogue, clients, ids, Clients};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_queues_ratings_now_playing_top_and_similar_songs() {
    let run = TestRun::new("subsonic-listening");
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "listen-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients {
        listener,
        username,
        by_key,
        by_token,
        ..
    } = clients(&api, &gateway.url("")).await;
    let other = clients(&api, &gateway.url("")).await;
    // The second song: no audio uploaded, so it keeps its 3 minutes.
    let song = cat.tracks[1].as_str();

    // A report per state change; a report sent twice counts once.
    for (state, position) in [
        ("starting", "0"),
        ("starting", "0"),
        ("paused", "20000"),
        ("playing", "20000"),
        ("stopped", "150000"),
        ("stopped", "150000"),
    ] {
        by_key
            .ok(
                "reportPlayback",
                &[
                    ("mediaId", song),
                    ("mediaType", "song"),
                    ("positionMs", position),
                    ("state", state),
                ],
            )
            .await;
    }
    let user = listener.id;
    let kinds = format!(
        "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}') AND kind IN ('start', 'pause', 'resume', 'complete')"
    );
    run.wait_for_scalar(&kinds, 4).await;
    assert_eq!(
        run.scalar(&format!(
            "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}')"
        ))
        .await,
        4,
        "nothing doubled"
    );
    // A stop before half the song is a skip.
    for (state, position) in [("starting", "0"), ("stopped", "30000")] {
        by_token
            .ok(
                "reportPlayback",
                &[
                    ("mediaId", song),
                    ("mediaType", "song"),
                    ("positionMs", position),
                    ("state", state),
                ],
            )
            .await;
    }
    run.wait_for_scalar(
        &format!(
            "SELECT count() FROM plays FINAL WHERE user_id = toUUID('{user}') AND kind = 'skip'"
        ),
        1,
    )
    .await;
    assert_eq!(
        by_key
            .error(
                "reportPlayback",
                &[
                    ("mediaId", song),
                    ("mediaType", "song"),
                    ("positionMs", "0"),
                    ("state", "rewinding")
                ]
            )
            .await,
        10
    );
    assert_eq!(
        by_key
            .error(
                "reportPlayback",
                &[
                    ("mediaId", song),
                    ("mediaType", "podcast"),
                    ("positionMs", "0"),
                    ("state", "starting")
                ]
            )
            .await,
        70
    );

    // Now playing: the latest start of each listener, from any client, as
    // soon as the etl has written it to the warehouse.
    let entries = encore_tests::eventually("the started song in now playing", || async {
        let playing = by_token.ok("getNowPlaying", &[]).await;
        match playing["nowPlaying"]["entry"].as_array() {
            Some(entries) if !entries.is_empty() => Ok(entries.clone()),
            _ => Err(playing.to_string()),
        }
    })
    .await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["username"], username.as_str());
    assert_eq!(entries[0]["id"], song);

    // The play queue, saved on one device and read on another.
    by_key
        .ok(
            "savePlayQueue",
            &[
                ("id", &cat.tracks[2]),
                ("id", song),
                ("id", &cat.tracks[2]),
                ("current", song),
                ("position", "61000"),
            ],
        )
        .await;
    let queue = by_token.ok("getPlayQueue", &[]).await;
    assert_eq!(
        ids(&queue["playQueue"]["entry"]),
        [
            cat.tracks[2].clone(),
            song.to_string(),
            cat.tracks[2].clone()
        ]
    );
    assert_eq!(queue["playQueue"]["current"], song);
    assert_eq!(queue["playQueue"]["position"], 61000);
    assert_eq!(queue["playQueue"]["changedBy"], "encore-tests");
    assert_eq!(
        by_key
            .error(
                "savePlayQueue",
                &[("id", song), ("current", &cat.tracks[3])]
            )
            .await,
        10
    );
    // The index-based twins (OpenSubsonic `indexBasedQueue`): the second
    // copy of a track twice in the queue is the current one, which an id
    // cannot say. The id-based answer names the track; the by-index answer
    // of an id-based save takes the track's first place.
    let by_index = by_token.ok("getPlayQueueByIndex", &[]).await;
    assert_eq!(
        by_index["playQueueByIndex"]["currentIndex"], 1,
        "{by_index}"
    );
    by_key
        .ok(
            "savePlayQueueByIndex",
            &[
                ("id", &cat.tracks[2]),
                ("id", song),
                ("id", &cat.tracks[2]),
                ("currentIndex", "2"),
                ("position", "1500"),
            ],
        )
        .await;
    let by_index = by_token.ok("getPlayQueueByIndex", &[]).await;
    assert_eq!(
        by_index["playQueueByIndex"]["currentIndex"], 2,
        "{by_index}"
    );
    assert_eq!(by_index["playQueueByIndex"]["position"], 1500);
    assert_eq!(ids(&by_index["playQueueByIndex"]["entry"]).len(), 3);
    let queue = by_token.ok("getPlayQueue", &[]).await;
    assert_eq!(queue["playQueue"]["current"], cat.tracks[2].as_str());
    for bad in [
        vec![("id", song), ("currentIndex", "1")],
        vec![("id", song), ("currentIndex", "-1")],
        vec![("id", song)],
    ] {
        assert_eq!(
            by_key.error("savePlayQueueByIndex", &bad).await,
            10,
            "{bad:?}"
        );
    }
    by_key.ok("savePlayQueueByIndex", &[]).await;
    assert!(by_token
        .ok("getPlayQueueByIndex", &[])
        .await
        .get("playQueueByIndex")
        .is_none());
    by_key.ok("savePlayQueue", &[]).await;
    assert!(by_token
        .ok("getPlayQueue", &[])
        .await
        .get("playQueue")
        .is_none());

    // Ratings show on the item and order the "highest" list.
    by_key
        .ok("setRating", &[("id", &cat.albums[1]), ("rating", "5")])
        .await;
    by_key
        .ok("setRating", &[("id", &cat.albums[0]), ("rating", "2")])
        .await;
    by_key
        .ok("setRating", &[("id", song), ("rating", "4")])
        .await;
    assert_eq!(
        by_key.ok("getSong", &[("id", song)]).await["song"]["userRating"],
        4
    );
    let highest = by_token.ok("getAlbumList2", &[("type", "highest")]).await;
    assert_eq!(
        ids(&highest["albumList2"]["album"]),
        [cat.albums[1].clone(), cat.albums[0].clone()]
    );
    by_key
        .ok("setRating", &[("id", song), ("rating", "0")])
        .await;
    assert!(by_key.ok("getSong", &[("id", song)]).await["song"]
        .get("userRating")
        .is_none());
    assert_eq!(
        by_key
            .error("setRating", &[("id", song), ("rating", "6")])
            .await,
        10
    );

    // Lyrics: none stored, an empty list for a song that exists.
    let lyrics = by_key.ok("getLyricsBySongId", &[("id", song)]).await;
    assert_eq!(
        lyrics["lyricsList"]["structuredLyrics"],
        serde_json::json!([])
    );

    // Two listeners play the first song and then the third in one session:
    // the third becomes similar to the first; top songs follow the plays.
    let (other_artist, _, other_song) = admin
        .artist_album_track("Other Band", "Other Album", "Other Song")
        .await;
    let other_song = other_song["id"].as_str().expect("id").to_string();

    // Before anyone listened, an artist radio is the artist's own songs and
    // then its genre neighbours' (a Noise band here), never empty.
    let neighbour = admin
        .api
        .post(
            "/v1/artists",
            serde_json::json!({"name": "Noise Neighbours"}),
        )
        .await
        .expect(201);
    let neighbour_song = admin
        .api
        .post(
            "/v1/tracks",
            serde_json::json!({"artist_id": neighbour["id"], "title": "Feedback", "genre": "Noise", "duration_ms": 120_000}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let radio = by_key
        .ok("getSimilarSongs2", &[("id", &cat.artist), ("count", "50")])
        .await;
    let radio = ids(&radio["similarSongs2"]["song"]);
    assert_eq!(radio.len(), cat.tracks.len() + 1, "{radio:?}");
    assert!(
        cat.tracks
            .iter()
            .all(|t| radio[..cat.tracks.len()].contains(t)),
        "{radio:?}"
    );
    assert_eq!(radio.last(), Some(&neighbour_song), "{radio:?}");
    assert!(
        !radio.contains(&other_song),
        "Other Band shares no genre: {radio:?}"
    );
    let capped = by_key
        .ok("getSimilarSongs2", &[("id", &cat.artist), ("count", "2")])
        .await;
    assert_eq!(ids(&capped["similarSongs2"]["song"]).len(), 2);
    // Ten minutes into the previous 3-hour session bucket: sessions are cut
    // at bucket boundaries (00:00, 03:00, ... UTC), and "an hour ago" put the
    // three plays on both sides of one when the test ran just after it.
    let bucket = 3 * 3_600_000;
    let now = encore_common::now_millis();
    let base = now - now.rem_euclid(bucket) - bucket + 600_000;
    for who in [&by_key, &other.by_key] {
        for (track, offset) in [
            (song, 0),
            (cat.tracks[2].as_str(), 200_000),
            (other_song.as_str(), 400_000),
        ] {
            let at = (base + offset).to_string();
            who.ok("scrobble", &[("id", track), ("time", &at)]).await;
        }
    }
    // Other Band's song can only come from co-listening: it shares neither
    // the artist nor a genre with the first song.
    let similar = eventually("the songs played with the first similar to it", || async {
        let answer = by_token
            .ok("getSimilarSongs", &[("id", song), ("count", "5")])
            .await;
        let found = ids(&answer["similarSongs"]["song"]);
        if found[..found.len().min(2)].contains(&other_song) && found.contains(&cat.tracks[2]) {
            Ok(found)
        } else {
            Err(format!("{answer}"))
        }
    })
    .await;
    assert!(!similar.contains(&song.to_string()));
    // The native radio is the same core's answer, with the names a player shows.
    let native = listener
        .api
        .get(&format!("/v1/radio?seed={song}&count=5"))
        .await
        .expect(200);
    let native_ids: Vec<String> = native["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(native_ids, similar, "{native}");
    assert!(native["items"][0]["artist"].is_string(), "{native}");
    let unknown = listener
        .api
        .get(&format!("/v1/radio?seed={}", uuid::Uuid::nil()))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["error"]["resource"], "seed");
    let too_many = listener
        .api
        .get(&format!("/v1/radio?seed={song}&count=500"))
        .await;
    assert_eq!(too_many.error_fields(), ["count"]);
    let by_artist = by_key
        .ok("getSimilarSongs2", &[("id", &cat.tracks[2])])
        .await;
    assert!(ids(&by_artist["similarSongs2"]["song"]).contains(&song.to_string()));
    let top = eventually("the most played first in top songs", || async {
        let answer = by_key
            .ok(
                "getTopSongs",
                &[("artist", "sonic youth orchestra"), ("count", "3")],
            )
            .await;
        let found = ids(&answer["topSongs"]["song"]);
        if found.len() == 3 && found[0] == song {
            Ok(found)
        } else {
            Err(format!("{answer}"))
        }
    })
    .await;
    assert_eq!(top[1], cat.tracks[2], "then the next most played");
    // Sessions are brought up to date at the start of each features run, so
    // the last scrobbles' pairs may be one run behind the songs above.
    let other_artist_id = other_artist["id"].as_str().expect("id").to_string();
    let similar_artists = eventually("the other artist among the similar", || async {
        let info = by_key.ok("getArtistInfo2", &[("id", &cat.artist)]).await;
        let found = ids(&info["artistInfo2"]["similarArtist"]);
        if found.is_empty() {
            Err(format!("{info}"))
        } else {
            Ok(found)
        }
    })
    .await;
    assert_eq!(
        similar_artists,
        [other_artist_id],
        "listened to in the same sessions"
    );
    let album_info = by_key.ok("getAlbumInfo2", &[("id", &cat.albums[0])]).await;
    assert!(
        album_info["albumInfo"].get("largeImageUrl").is_none(),
        "no cover yet"
    );
    let nobody = by_key
        .ok("getTopSongs", &[("artist", "Nobody At All")])
        .await;
    assert_eq!(nobody["topSongs"]["song"], serde_json::json!([]));
    gateway.stop().await;
    etl.stop().await;
    run.cleanup().await;
}
