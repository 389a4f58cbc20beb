//! Search: the indexer keeps the index in sync with the catalog topics; the
//! gateway searches it. Real Kafka, real OpenSearch, real PostgreSQL.

use std::time::Duration;

use elasticsearch::indices::IndicesDeleteParts;
use encore_common::kafka::dlq_headers;
use encore_indexer::client::SearchClient;
use encore_indexer::indices::{self, Names, ALL};
use encore_schemas::{CatalogChange, ChangeOp, EntityType, Track};
use encore_tests::api::{encode, register, Account, Api};
use encore_tests::{chinook, eventually, read_topic, wait_for_live_count, Service, TestRun};
use serde_json::{json, Value};
use uuid::Uuid;

/// Searches until `accept` holds for the answer, and returns that answer.
async fn search_until(api: &Api, query: &str, accept: impl Fn(&Value) -> bool) -> Value {
    let what = format!("a search for {query} to give the expected answer");
    eventually(&what, || async {
        let answer = api.get(&format!("/v1/search?{query}")).await;
        if answer.status == 200 && accept(&answer.body) {
            Ok(answer.body)
        } else {
            Err(format!("{} {}", answer.status, answer.body))
        }
    })
    .await
}

pub(crate) fn titles(answer: &Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["title"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn q(text: &str) -> String {
    format!("q={}", encode(text))
}

struct World {
    run: TestRun,
    gateway: Service,
    indexer: Service,
    admin: Account,
}

async fn world(name: &str) -> World {
    let run = TestRun::new(name);
    let gateway = run.start_gateway().await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    World {
        run,
        gateway,
        indexer,
        admin,
    }
}

impl World {
    async fn finish(self) {
        self.indexer.stop().await;
        self.gateway.stop().await;
        self.run.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_follows_creates_renames_and_deletes() {
    let w = world("search-follow").await;
    let api = Api::new(&w.gateway);
    let kino = w
        .admin
        .api
        .post(
            "/v1/artists",
            json!({"name": "Кино", "genres": ["post-punk"]}),
        )
        .await
        .expect(201);
    let album = w
        .admin
        .api
        .post(
            "/v1/albums",
            json!({"artist_id": kino["id"], "title": "Группа крови", "release_year": 1988}),
        )
        .await
        .expect(201);
    let track = w
        .admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": kino["id"], "album_id": album["id"], "title": "Звезда по имени Солнце", "genre": "Rock", "release_year": 1988}),
        )
        .await
        .expect(201);
    let track_id = track["id"].as_str().expect("id").to_string();

    // Cyrillic, any case, by prefix, and through the artist's name.
    // The track may be indexed before its artist and album (three topics);
    // their names reach its document when they arrive.
    let found = search_until(&api, &format!("{}&type=track", q("звезда")), |a| {
        a["items"][0]["subtitle"] == "Кино — Группа крови"
    })
    .await;
    assert_eq!(titles(&found), ["Звезда по имени Солнце"]);
    assert_eq!(found["items"][0]["subtitle"], "Кино — Группа крови");
    // On the cluster a search may reach another copy of the shard, which
    // refreshes on its own second: each answer is waited for, not assumed.
    let shouted = search_until(
        &api,
        &format!("{}&type=track", q("ЗВЕЗДА ПО")),
        |a| titles(a) == ["Звезда по имени Солнце"],
    )
    .await;
    assert_eq!(titles(&shouted), ["Звезда по имени Солнце"]);
    // Each index refreshes on its own second: the artists' may lag the tracks'.
    let artists = search_until(&api, &format!("{}&type=artist", q("Ки")), |a| {
        titles(a) == ["Кино"]
    })
    .await;
    assert_eq!(titles(&artists), ["Кино"]);
    let filtered = search_until(
        &api,
        &format!("{}&genre=rock&year=1988", q("кино")),
        |a| titles(a) == ["Звезда по имени Солнце"],
    )
    .await;
    assert_eq!(
        titles(&filtered),
        ["Звезда по имени Солнце"],
        "filters keep only the track"
    );

    // Renaming the artist re-indexes its track.
    w.admin
        .api
        .patch(
            &format!("/v1/artists/{}", kino["id"].as_str().expect("id")),
            json!({"name": "Kino"}),
        )
        .await
        .expect(200);
    // (Transliterated, "kino" finds the track under either name: wait for
    // the new one.)
    let renamed = search_until(&api, &format!("{}&type=track", q("kino")), |a| {
        titles(a).len() == 1 && a["items"][0]["subtitle"] == "Kino — Группа крови"
    })
    .await;
    assert_eq!(renamed["items"][0]["subtitle"], "Kino — Группа крови");

    // A rename of the track and then its deletion.
    w.admin
        .api
        .patch(
            &format!("/v1/tracks/{track_id}"),
            json!({"title": "Zvezda"}),
        )
        .await
        .expect(200);
    let retitled = search_until(&api, &q("zvezda"), |a| titles(a) == ["Zvezda"]).await;
    assert_eq!(titles(&retitled), ["Zvezda"]);
    w.admin.api.delete(&format!("/v1/tracks/{track_id}")).await;
    let gone = search_until(&api, &format!("{}&type=track", q("zvezda")), |a| {
        titles(a).is_empty()
    })
    .await;
    assert_eq!(titles(&gone), Vec::<String>::new());
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_playlists_are_found_only_by_their_owner() {
    let w = world("search-private").await;
    let api = Api::new(&w.gateway);
    let (ada, bo) = (register(&api, "ada").await, register(&api, "bo").await);
    ada.api
        .post("/v1/playlists", json!({"name": "Secret Sunday Mix"}))
        .await
        .expect(201);
    ada.api
        .post(
            "/v1/playlists",
            json!({"name": "Public Sunday Mix", "public": true}),
        )
        .await
        .expect(201);
    let mine = search_until(&ada.api, &format!("{}&type=playlist", q("sunday")), |a| {
        titles(a).len() == 2
    })
    .await;
    assert_eq!(titles(&mine).len(), 2);
    // Another search may be served by another copy of the shard (a replica
    // on the cluster), which shows new documents after its own refresh.
    let theirs = search_until(&bo.api, &format!("{}&type=playlist", q("sunday")), |a| {
        !titles(a).is_empty()
    })
    .await;
    assert_eq!(titles(&theirs), ["Public Sunday Mix"]);
    assert_eq!(
        titles(
            &api.get(&format!("/v1/search?{}&type=playlist", q("secret")))
                .await
                .expect(200)
        ),
        Vec::<String>::new()
    );
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_400_and_an_unreachable_server_is_503() {
    let run = TestRun::new("search-errors");
    let mut config = run.gateway_config().await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    assert_eq!(api.get("/v1/search").await.error_fields(), ["q"]);
    assert_eq!(api.get("/v1/search?q=%20").await.error_fields(), ["q"]);
    assert_eq!(
        api.get("/v1/search?q=x&limit=0").await.error_fields(),
        ["limit"]
    );
    assert_eq!(
        api.get("/v1/search?q=x&type=song").await.error_fields(),
        ["type"]
    );
    assert_eq!(
        api.get("/v1/search?q=x&cursor=abc").await.error_fields(),
        ["cursor"]
    );
    assert_eq!(
        api.get("/v1/search/suggest?q=x&limit=99")
            .await
            .error_fields(),
        ["limit"]
    );

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    config.search_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let unreachable = run.start_gateway_with(config).await;
    let down = Api::new(&unreachable);
    let answer = down.get("/v1/search?q=anything").await;
    assert_eq!(
        (answer.status, answer.body["error"]["code"].as_str()),
        (503, Some("unavailable"))
    );
    assert!(answer.headers.contains_key("retry-after"));
    gateway.stop().await;
    unreachable.stop().await;
    run.cleanup().await;
}

fn track_change(id: Uuid, artist: Uuid, version: i64, title: &str) -> CatalogChange {
    CatalogChange {
        change_id: Uuid::new_v4(),
        entity_type: EntityType::Track,
        entity_id: id,
        version,
        op: ChangeOp::Upsert,
        occurred_at: encore_common::now_millis(),
        artist: None,
        album: None,
        playlist: None,
        track: Some(Track {
            id,
            artist_id: artist,
            album_id: None,
            title: title.into(),
            duration_ms: 1_000,
            genre: None,
            release_year: None,
            track_number: None,
            audio_key: None,
        }),
    }
}

/// The indexed source of document `id` behind `alias`, once `accept` holds for it.
async fn document_until(
    run: &TestRun,
    alias: &str,
    id: Uuid,
    accept: impl Fn(&Value) -> bool,
) -> Value {
    let url = format!("{}/{alias}/_doc/{id}", run.search_url);
    let what = format!("document {id} in {alias} to be indexed as expected");
    eventually(&what, || async {
        let answer: Value = match reqwest::get(&url).await {
            Ok(response) => response.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        if accept(&answer["_source"]) {
            Ok(answer["_source"].clone())
        } else {
            Err(answer)
        }
    })
    .await
}

/// A track indexed before its artist and album, which then arrive in one
/// batch: the track's document gets both names (two rewrites of the same
/// document must not undo each other).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_track_indexed_before_its_artist_and_album_gets_both_names() {
    late_names("search-late-names", false).await;
}

/// The same with the indexer restarted in between: the new process cannot
/// know what the old one wrote without its owners' names, and must ask the
/// index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_indexer_still_names_a_track_indexed_before_its_artist() {
    late_names("search-late-restart", true).await;
}

async fn late_names(name: &str, restart: bool) {
    let run = TestRun::new(name);
    let mut indexer = run.start_indexer(run.indexer_config()).await;
    let names = Names::new(&run.search_prefix());
    let changes = chinook::changes();
    let track = changes
        .iter()
        .find(|c| c.track.as_ref().is_some_and(|t| t.album_id.is_some()))
        .expect("a Chinook track on an album")
        .clone();
    let body = track.track.clone().expect("a track");
    let album_id = body.album_id.expect("an album");
    let owners: Vec<CatalogChange> = changes
        .iter()
        .filter(|c| c.entity_id == body.artist_id || c.entity_id == album_id)
        .cloned()
        .collect();
    assert_eq!(owners.len(), 2, "the track's artist and album");

    run.produce(&chinook::records(&[track])).await;
    let alias = names.alias(EntityType::Track);
    document_until(&run, &alias, body.id, |doc| {
        doc["title"] == body.title.as_str()
    })
    .await;
    if restart {
        // Committed, so the new process does not read the track again.
        let config = run.indexer_config();
        let tracks = run.topics().name(encore_common::topics::CATALOG_TRACKS);
        encore_tests::wait_until_committed(&run.kafka, &config.group, &tracks).await;
        indexer.stop().await;
        indexer = run.start_indexer(run.indexer_config()).await;
    }
    run.produce(&chinook::records(&owners)).await;
    let artist = owners
        .iter()
        .find_map(|c| c.artist.as_ref())
        .expect("the artist");
    let album = owners
        .iter()
        .find_map(|c| c.album.as_ref())
        .expect("the album");
    let doc = document_until(&run, &alias, body.id, |doc| {
        doc["artist_name"] == artist.name.as_str() && doc["album_title"] == album.title.as_str()
    })
    .await;
    assert_eq!(doc["artist_name"], artist.name.as_str());
    assert_eq!(doc["album_title"], album.title.as_str());
    indexer.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_old_changes_never_overwrite_newer_ones_and_poison_is_dead_lettered() {
    let w = world("search-versions").await;
    let api = Api::new(&w.gateway);
    let (id, artist) = (Uuid::new_v4(), Uuid::new_v4());
    let mut records = chinook::records(&[track_change(id, artist, 3, "Third Version")]);
    w.run.produce(&records).await;
    search_until(&api, &q("third version"), |a| {
        titles(a) == ["Third Version"]
    })
    .await;

    // Versions 1 and 2 arrive late (a replay, a reordering); then poison; then version 4.
    let mut late = chinook::records(&[
        track_change(id, artist, 1, "First"),
        track_change(id, artist, 2, "Second"),
    ]);
    records.clear();
    records.append(&mut late);
    let mut poison = records[0].clone();
    poison.payload = Some(b"not avro at all".to_vec());
    records.push(poison);
    records.extend(chinook::records(&[track_change(
        id,
        artist,
        4,
        "Fourth Version",
    )]));
    w.run.produce(&records).await;
    let newest = search_until(&api, &q("fourth version"), |a| {
        titles(a) == ["Fourth Version"]
    })
    .await;
    assert_eq!(
        titles(&newest),
        ["Fourth Version"],
        "the stream went on past the poison"
    );
    assert_eq!(
        titles(
            &api.get(&format!("/v1/search?{}", q("second")))
                .await
                .expect(200)
        ),
        Vec::<String>::new()
    );

    let dlq = read_topic(
        &w.run.kafka,
        &w.run.topics().name("catalog.dlq"),
        1,
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(dlq.len(), 1);
    assert!(dlq[0].headers[dlq_headers::REASON].contains("undecodable"));
    assert_eq!(
        dlq[0].headers[dlq_headers::SOURCE_TOPIC],
        w.run.topics().name("catalog.tracks")
    );
    w.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_the_index_refuses_go_to_the_dead_letter_topic_with_its_reason() {
    // An index made by an older mapping, which has no `year` on tracks: the
    // server refuses every track document with a year, item by item. (The year
    // is the track's own; a field looked up from another entity, such as the
    // album title, may still be null when the track is indexed, and a null is
    // accepted.)
    let run = TestRun::new("search-refused");
    let names = Names::new(&run.search_prefix());
    let client = SearchClient::new(&run.indexer_config().search_url).expect("client");
    for entity in ALL {
        let mut definition = indices::definition(entity);
        if entity == EntityType::Track {
            definition["mappings"]["properties"]
                .as_object_mut()
                .expect("properties")
                .remove("year");
        }
        let index = names.versioned(entity, 1);
        client
            .es
            .indices()
            .create(elasticsearch::indices::IndicesCreateParts::Index(&index))
            .body(definition)
            .send()
            .await
            .expect("create");
    }
    indices::swap_aliases(&client, &names, 1)
        .await
        .expect("aliases");
    let indexer = run.start_indexer(run.indexer_config()).await;
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let artist = admin
        .api
        .post("/v1/artists", json!({"name": "Refused Band"}))
        .await
        .expect(201);
    let album = admin
        .api
        .post(
            "/v1/albums",
            json!({"artist_id": artist["id"], "title": "Album"}),
        )
        .await
        .expect(201);
    let refused = admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": artist["id"], "album_id": album["id"], "title": "Refused Song", "release_year": 1999}),
        )
        .await
        .expect(201);
    admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": artist["id"], "title": "Accepted Song"}),
        )
        .await
        .expect(201);

    let api = Api::new(&gateway);
    let found = search_until(&api, &format!("{}&type=track", q("song")), |a| {
        titles(a) == ["Accepted Song"]
    })
    .await;
    assert_eq!(titles(&found), ["Accepted Song"]);
    let dlq = read_topic(
        &run.kafka,
        &run.topics().name("catalog.dlq"),
        1,
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(dlq.len(), 1);
    assert!(
        dlq[0].headers[dlq_headers::REASON].contains("strict_dynamic_mapping_exception"),
        "{:?}",
        dlq[0].headers
    );
    assert_eq!(
        dlq[0].key.as_deref(),
        refused["id"].as_str().map(str::as_bytes)
    );
    indexer.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_indexer_loses_nothing_and_a_lost_index_is_rebuilt() {
    let run = TestRun::new("search-rebuild");
    let artist = Uuid::new_v4();
    let changes: Vec<CatalogChange> = (0..600)
        .map(|n| track_change(Uuid::new_v4(), artist, 1, &format!("Song number {n}")))
        .collect();
    run.produce(&chinook::records(&changes)).await;
    let names = Names::new(&run.search_prefix());
    let client = SearchClient::new(&run.indexer_config().search_url).expect("client");
    let tracks = names.alias(EntityType::Track);

    // Killed while batches are in flight, then started again.
    let mut config = run.indexer_config();
    config.batch_size = 50;
    let first = run.start_indexer(config.clone()).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    first.kill().await;
    let second = run.start_indexer(config).await;
    assert_eq!(
        wait_for_live_count(&client, &tracks, 600).await,
        600,
        "nothing lost"
    );

    // Every index of the run is gone (deleted by hand, or a lost data path).
    client
        .es
        .indices()
        .delete(IndicesDeleteParts::Index(&[&format!(
            "{}*",
            run.search_prefix()
        )]))
        .send()
        .await
        .expect("delete");
    assert_eq!(
        wait_for_live_count(&client, &tracks, 600).await,
        600,
        "rebuilt from the topics"
    );
    let generation = indices::current(&client, &names, EntityType::Track)
        .await
        .expect("alias");
    assert!(generation.is_some_and(|g| names.version_of(EntityType::Track, &g).is_some()));

    // An explicit reindex builds the next generation and swaps to it.
    let indexer = encore_indexer::service::indexer(&run.indexer_config()).expect("indexer");
    let next = encore_indexer::rebuild::rebuild(&indexer)
        .await
        .expect("reindex");
    assert!(next >= 2);
    assert_eq!(
        indices::current(&client, &names, EntityType::Track)
            .await
            .expect("alias"),
        Some(names.versioned(EntityType::Track, next))
    );
    assert_eq!(wait_for_live_count(&client, &tracks, 600).await, 600);
    second.stop().await;
    run.cleanup().await;
}

/// Indices built from an older definition (other analyzers or fields) are
/// rebuilt when the indexer starts, so new search features never meet an
/// index that cannot answer them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_index_built_from_an_older_definition_is_rebuilt_at_start() {
    let run = TestRun::new("search-outdated");
    let artist = Uuid::new_v4();
    let changes: Vec<CatalogChange> = (0..50)
        .map(|n| track_change(Uuid::new_v4(), artist, 1, &format!("Old song {n}")))
        .collect();
    run.produce(&chinook::records(&changes)).await;
    let names = Names::new(&run.search_prefix());
    let client = SearchClient::new(&run.indexer_config().search_url).expect("client");
    for entity in ALL {
        let mut older = indices::definition(entity);
        older["mappings"]["_meta"]["definition"] = json!("an-older-definition");
        client
            .es
            .indices()
            .create(elasticsearch::indices::IndicesCreateParts::Index(
                &names.versioned(entity, 1),
            ))
            .body(older)
            .send()
            .await
            .and_then(|r| r.error_for_status_code())
            .expect("an index of the older definition");
    }
    indices::swap_aliases(&client, &names, 1)
        .await
        .expect("aliases");

    let indexer = run.start_indexer(run.indexer_config()).await;
    let current = eventually("the tracks alias on generation 2", || async {
        match indices::current(&client, &names, EntityType::Track).await {
            Ok(Some(index)) if index == names.versioned(EntityType::Track, 2) => Ok(index),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(
        indices::built_with(&client, &current)
            .await
            .expect("mapping"),
        Some(indices::fingerprint(EntityType::Track))
    );
    let tracks = names.alias(EntityType::Track);
    assert_eq!(wait_for_live_count(&client, &tracks, 50).await, 50);
    indexer.stop().await;
    run.cleanup().await;
}

/// Two tracks match a query equally; once one is played it comes first. The
/// popularity updates keep the documents' versions, so a later catalog
/// change is applied (and keeps the popularity), and a replayed older one
/// is still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_more_played_of_similar_matches_comes_first_and_popularity_never_regresses_a_change() {
    let run = TestRun::new("search-popularity");
    let artist = Uuid::new_v4();
    let mut ids = [Uuid::new_v4(), Uuid::new_v4()];
    ids.sort();
    // Equal scores fall back to the id: without popularity, `quiet` is first.
    let [quiet, played] = ids;
    let changes = vec![
        track_change(quiet, artist, 1, "Echo Chamber"),
        track_change(played, artist, 1, "Echo Chamber"),
    ];
    run.produce(&chinook::records(&changes)).await;
    let etl = run.start_etl(run.etl_config()).await;
    let mut config = run.indexer_config();
    config.popularity_every = Duration::from_millis(300);
    let indexer = run.start_indexer(config).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let query = format!("{}&type=track", q("echo chamber"));
    let first = |a: &Value| a["items"][0]["id"].as_str().map(String::from);
    let before = search_until(&api, &query, |a| titles(a).len() == 2).await;
    assert_eq!(first(&before), Some(quiet.to_string()), "{before}");

    let now = encore_common::now_millis();
    let plays: Vec<_> = (0..5)
        .map(|n| {
            crate::analytics::event(
                Uuid::new_v4(),
                played,
                encore_schemas::PlaybackKind::Start,
                0,
                now - n * 60_000,
            )
        })
        .collect();
    run.produce(&encore_tests::playback_records(&plays)).await;
    let after = search_until(&api, &query, |a| first(a) == Some(played.to_string())).await;
    assert_eq!(titles(&after).len(), 2);
    let tracks = Names::new(&run.search_prefix()).alias(EntityType::Track);
    let doc = document_until(&run, &tracks, played, |d| d["popularity"] == 5.0).await;
    assert_eq!(doc["version"], 1);
    let url = format!("{}/{tracks}/_doc/{played}", run.search_url);
    let versioned = || async {
        let answer: Value = reqwest::get(&url)
            .await
            .expect("the document")
            .json()
            .await
            .expect("json");
        (answer["_version"].as_i64(), answer["_source"].clone())
    };
    assert_eq!(versioned().await.0, Some(1), "popularity kept the version");

    // A newer catalog change is applied and keeps the popularity; a replay
    // of the older one is refused.
    run.produce(&chinook::records(&[track_change(
        played,
        artist,
        2,
        "Echo Chamber (Live)",
    )]))
    .await;
    let live = document_until(&run, &tracks, played, |d| d["version"] == 2).await;
    assert_eq!(live["title"], "Echo Chamber (Live)");
    assert_eq!(live["popularity"], 5.0, "{live}");
    run.produce(&chinook::records(&[track_change(
        played,
        artist,
        1,
        "Echo Chamber",
    )]))
    .await;
    // The indexer commits a batch only once it is applied, so the replay
    // has been tried (and refused) when the offsets reach the topic's end.
    let topic = run.topics().name(encore_common::topics::CATALOG_TRACKS);
    encore_tests::wait_until_committed(&run.kafka, &run.indexer_config().group, &topic).await;
    let (version, source) = versioned().await;
    assert_eq!(version, Some(2));
    assert_eq!(source["title"], "Echo Chamber (Live)");
    gateway.stop().await;
    indexer.stop().await;
    etl.stop().await;
    run.cleanup().await;
}

/// Searches and the results opened from them reach ClickHouse through
/// `search-events`, and the ready queries of docs/analytics.md read them:
/// top and zero-result queries, click-through rate and reciprocal rank.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_and_clicks_reach_the_warehouse_for_the_ready_queries() {
    let run = TestRun::new("search-events");
    let artist = Uuid::new_v4();
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    run.produce(&chinook::records(&[
        track_change(first, artist, 1, "Echo Valley"),
        track_change(second, artist, 1, "Echo Valley Reprise"),
    ]))
    .await;
    let indexer = run.start_indexer(run.indexer_config()).await;
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let listener = register(&api, "searcher").await;
    // Every search is an event: wait for the index without searching.
    let client = SearchClient::new(&run.indexer_config().search_url).expect("client");
    let names = Names::new(&run.search_prefix());
    wait_for_live_count(&client, &names.alias(EntityType::Track), 2).await;
    let fresh: Vec<String> = ALL.iter().map(|e| names.alias(*e)).collect();
    indices::refresh(&client, &fresh).await.expect("refresh");
    let found = listener
        .api
        .get(&format!("/v1/search?{}", q("echo valley")))
        .await
        .expect(200);
    assert_eq!(titles(&found).len(), 2, "{found}");
    let search_id = found["search_id"]
        .as_str()
        .expect("a search id")
        .to_string();
    let again = listener
        .api
        .get(&format!("/v1/search?{}", q("Echo Valley")))
        .await
        .expect(200);
    assert_ne!(again["search_id"], found["search_id"]);
    let nothing = api
        .get(&format!("/v1/search?{}", q("zzyzx")))
        .await
        .expect(200);
    assert_eq!(nothing["total"], 0);

    // The second result of the first search is opened; bad clicks are 400s.
    let clicked = listener
        .api
        .post(
            "/v1/search/clicks",
            json!({"search_id": search_id, "result_id": found["items"][1]["id"], "type": "track", "position": 1}),
        )
        .await
        .expect(202);
    assert!(clicked["event_id"].is_string());
    for (body, field) in [
        (
            json!({"search_id": "nope", "result_id": second, "type": "track", "position": 0}),
            "search_id",
        ),
        (
            json!({"search_id": search_id, "result_id": second, "type": "song", "position": 0}),
            "type",
        ),
        (
            json!({"search_id": search_id, "result_id": second, "type": "track", "position": 5000}),
            "position",
        ),
    ] {
        let refused = api.post("/v1/search/clicks", body).await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert_eq!(
            refused.error_fields(),
            vec![field.to_string()],
            "{}",
            refused.body
        );
    }

    run.wait_for_scalar("SELECT count() FROM search_events FINAL", 4)
        .await;
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/analytics.md"))
        .expect("the analytics doc");
    let ready = |opening: &str| -> String {
        let at = doc.find(opening).unwrap_or_else(|| panic!("{opening}"));
        let sql = &doc[at..];
        let sql = &sql[sql.find("```sql").expect("a query") + 6..];
        sql[..sql.find("```").expect("its end")].trim().to_string()
    };
    #[derive(clickhouse::Row, serde::Deserialize, Debug)]
    struct Rate {
        searched: String,
        searches: u64,
        with_a_click: u64,
        ctr: f64,
    }
    let rates: Vec<Rate> = run
        .clickhouse()
        .query(&ready("Click-through rate per query"))
        .fetch_all()
        .await
        .expect("the CTR query");
    let echo = rates
        .iter()
        .find(|r| r.searched == "echo valley")
        .expect("echo valley");
    assert_eq!(
        (echo.searches, echo.with_a_click, echo.ctr),
        (2, 1, 0.5),
        "{rates:?}"
    );
    #[derive(clickhouse::Row, serde::Deserialize, Debug)]
    struct Rank {
        searched: String,
        searches: u64,
        mrr: f64,
    }
    let ranks: Vec<Rank> = run
        .clickhouse()
        .query(&ready("Mean reciprocal rank of clicks per query"))
        .fetch_all()
        .await
        .expect("the MRR query");
    let echo = ranks
        .iter()
        .find(|r| r.searched == "echo valley")
        .expect("echo valley");
    assert_eq!(
        (echo.searches, echo.mrr),
        (2, 0.25),
        "one search clicked at rank 2 (1/2), one not: {ranks:?}"
    );
    #[derive(clickhouse::Row, serde::Deserialize, Debug)]
    struct Zero {
        searched: String,
        searches: u64,
    }
    let zero: Vec<Zero> = run
        .clickhouse()
        .query(&ready("Queries that found nothing"))
        .fetch_all()
        .await
        .expect("the zero-result query");
    assert_eq!(zero.len(), 1, "{zero:?}");
    assert_eq!((zero[0].searched.as_str(), zero[0].searches), ("zzyzx", 1));
    gateway.stop().await;
    etl.stop().await;
    indexer.stop().await;
    run.cleanup().await;
}
