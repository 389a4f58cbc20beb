//! Catalog CRUD, paging and the authorization matrix, against real PostgreSQL.

use encore_tests::api::{register, Account, Api};
use encore_tests::TestRun;
use serde_json::{json, Value};

struct Cast {
    anonymous: Api,
    listener: Account,
    artist: Account,
    other_artist: Account,
    admin: Account,
}

async fn cast(run: &TestRun, api: &Api) -> Cast {
    Cast {
        anonymous: api.clone(),
        listener: register(api, "lis").await,
        artist: run.account_with_role(api, "art", "artist").await,
        other_artist: run.account_with_role(api, "oth", "artist").await,
        admin: run.account_with_role(api, "adm", "admin").await,
    }
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_for_every_catalog_write() {
    let run = TestRun::new("cat-authz");
    let gateway = run.start_gateway().await;
    let c = cast(&run, &Api::new(&gateway)).await;
    let artist_body = json!({"name": "Nina Simone", "genres": ["jazz"], "country": "US"});

    // Create an artist: artists and admins may; listeners may not; anonymous is 401.
    assert_eq!(
        c.anonymous
            .post("/v1/artists", artist_body.clone())
            .await
            .status,
        401
    );
    assert_eq!(
        c.listener
            .api
            .post("/v1/artists", artist_body.clone())
            .await
            .status,
        403
    );
    let own = c
        .artist
        .api
        .post("/v1/artists", artist_body.clone())
        .await
        .expect(201);
    assert_eq!(own["version"], 1);
    let theirs = c
        .other_artist
        .api
        .post("/v1/artists", json!({"name": "Other"}))
        .await
        .expect(201);
    c.admin
        .api
        .post("/v1/artists", json!({"name": "Admin's"}))
        .await
        .expect(201);
    let (own, theirs) = (id(&own), id(&theirs));

    // Update: own artist yes, someone else's no, admin everything.
    let path = format!("/v1/artists/{own}");
    assert_eq!(
        c.anonymous.patch(&path, json!({"name": "X"})).await.status,
        401
    );
    assert_eq!(
        c.listener
            .api
            .patch(&path, json!({"name": "X"}))
            .await
            .status,
        403
    );
    assert_eq!(
        c.other_artist
            .api
            .patch(&path, json!({"name": "X"}))
            .await
            .status,
        403
    );
    let renamed = c
        .artist
        .api
        .patch(&path, json!({"name": "Nina"}))
        .await
        .expect(200);
    assert_eq!(
        (renamed["name"].clone(), renamed["version"].clone()),
        (json!("Nina"), json!(2))
    );
    assert_eq!(
        c.admin
            .api
            .patch(&path, json!({"country": ""}))
            .await
            .expect(200)["country"],
        Value::Null
    );

    // Albums and tracks follow their artist.
    let album_body = json!({"artist_id": own, "title": "Pastel Blues", "release_year": 1965});
    assert_eq!(
        c.other_artist
            .api
            .post("/v1/albums", album_body.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        c.listener
            .api
            .post("/v1/albums", album_body.clone())
            .await
            .status,
        403
    );
    let album = id(&c
        .artist
        .api
        .post("/v1/albums", album_body)
        .await
        .expect(201));
    let track_body =
        json!({"artist_id": own, "album_id": album, "title": "Sinnerman", "genre": "jazz"});
    assert_eq!(
        c.other_artist
            .api
            .post("/v1/tracks", track_body.clone())
            .await
            .status,
        403
    );
    let track = id(&c
        .artist
        .api
        .post("/v1/tracks", track_body)
        .await
        .expect(201));
    let foreign_album = c
        .artist
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": own, "album_id": uuid::Uuid::new_v4(), "title": "x"}),
        )
        .await;
    assert_eq!(foreign_album.status, 400);
    let cross = c
        .admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": theirs, "album_id": album, "title": "x"}),
        )
        .await;
    assert_eq!(
        (cross.status, cross.error_fields()),
        (400, vec!["album_id".to_string()])
    );

    let track_path = format!("/v1/tracks/{track}");
    assert_eq!(
        c.other_artist
            .api
            .patch(&track_path, json!({"title": "Y"}))
            .await
            .status,
        403
    );
    assert_eq!(
        c.admin
            .api
            .patch(&track_path, json!({"title": "Sinnerman (live)"}))
            .await
            .expect(200)["version"],
        2
    );
    assert_eq!(c.listener.api.delete(&track_path).await.status, 403);
    assert_eq!(
        c.other_artist
            .api
            .delete(&format!("/v1/albums/{album}"))
            .await
            .status,
        403
    );
    assert_eq!(c.artist.api.delete(&track_path).await.status, 204);
    assert_eq!(c.anonymous.get(&track_path).await.status, 404);
    assert_eq!(
        c.artist
            .api
            .delete(&format!("/v1/albums/{album}"))
            .await
            .status,
        204
    );
    assert_eq!(c.other_artist.api.delete(&path).await.status, 403);
    assert_eq!(
        c.admin
            .api
            .delete(&format!("/v1/artists/{theirs}"))
            .await
            .status,
        204
    );
    assert_eq!(c.artist.api.delete(&path).await.status, 204);
    assert_eq!(
        c.artist
            .api
            .patch(&path, json!({"name": "gone"}))
            .await
            .status,
        404
    );
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_cursors_and_filter() {
    let run = TestRun::new("cat-paging");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let a = id(&admin
        .api
        .post("/v1/artists", json!({"name": "A", "genres": ["rock"]}))
        .await
        .expect(201));
    let b = id(&admin
        .api
        .post("/v1/artists", json!({"name": "B", "genres": ["jazz"]}))
        .await
        .expect(201));
    let mut created = Vec::new();
    for n in 0..7 {
        let (artist, genre, year) = if n < 4 {
            (&a, "rock", 1990)
        } else {
            (&b, "jazz", 2001)
        };
        let body = json!({"artist_id": artist, "title": format!("Track {n}"), "genre": genre, "release_year": year});
        created.push(id(&admin.api.post("/v1/tracks", body).await.expect(201)));
    }

    let mut seen = Vec::new();
    let mut path = "/v1/tracks?limit=3".to_string();
    let mut pages = 0;
    loop {
        let page = api.get(&path).await.expect(200);
        pages += 1;
        seen.extend(page["items"].as_array().expect("items").iter().map(id));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/tracks?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(
        (pages, seen),
        (3, created.clone()),
        "every track once, in creation order"
    );

    let jazz = api.get("/v1/tracks?genre=jazz").await.expect(200);
    assert_eq!(jazz["items"].as_array().map(Vec::len), Some(3));
    let by_artist = api
        .get(&format!("/v1/tracks?artist_id={a}&year=1990"))
        .await
        .expect(200);
    assert_eq!(by_artist["items"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        api.get("/v1/artists?genre=jazz").await.expect(200)["items"][0]["name"],
        "B"
    );

    let bad_limit = api.get("/v1/tracks?limit=0").await;
    assert_eq!(
        (bad_limit.status, bad_limit.error_fields()),
        (400, vec!["limit".to_string()])
    );
    let typed_limit = api.get("/v1/tracks?limit=ten").await;
    assert_eq!(
        (typed_limit.status, typed_limit.error_fields()),
        (400, vec!["limit".to_string()])
    );
    assert_eq!(
        api.get("/v1/tracks?cursor=nonsense").await.error_fields(),
        ["cursor"]
    );
    assert_eq!(
        api.get("/v1/tracks?artist_id=nope").await.error_fields(),
        ["artist_id"]
    );
    assert_eq!(api.get("/v1/tracks/not-a-uuid").await.status, 400);
    let wrong_type = admin
        .api
        .post("/v1/tracks", json!({"artist_id": a, "title": 12}))
        .await;
    assert_eq!(
        (wrong_type.status, wrong_type.error_fields()),
        (400, vec!["title".to_string()])
    );
    let out_of_range = admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": a, "title": "t", "release_year": 3000, "duration_ms": -1}),
        )
        .await;
    assert_eq!(out_of_range.error_fields(), ["duration_ms", "release_year"]);
    let unknown = admin
        .api
        .post("/v1/artists", json!({"name": "X", "colour": "red"}))
        .await;
    assert_eq!(unknown.status, 400);
    let not_json = admin
        .api
        .send(
            admin
                .api
                .request(reqwest::Method::POST, "/v1/artists")
                .body("name=X"),
        )
        .await;
    assert_eq!(not_json.status, 415);
    assert_eq!(api.get("/v1/nowhere").await.status, 404);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsing_by_genre_and_decade() {
    let run = TestRun::new("cat-browse");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let artist = id(&admin
        .api
        .post("/v1/artists", json!({"name": "A", "genres": ["rock"]}))
        .await
        .expect(201));
    for (title, year, genres) in [
        ("Early", Some(1979), json!(["rock"])),
        ("Eighties", Some(1980), json!(["rock", "pop"])),
        ("Late Eighties", Some(1989), json!(["pop"])),
        ("Undated", None, json!(["rock"])),
    ] {
        let body =
            json!({"artist_id": artist, "title": title, "genres": genres, "release_year": year});
        admin.api.post("/v1/albums", body).await.expect(201);
    }
    for genre in ["rock", "rock", "pop"] {
        let body = json!({"artist_id": artist, "title": "t", "genre": genre});
        admin.api.post("/v1/tracks", body).await.expect(201);
    }

    let browse = api.get("/v1/browse").await.expect(200);
    assert_eq!(
        browse,
        json!({
            "genres": [{"name": "rock", "tracks": 2, "albums": 3}, {"name": "pop", "tracks": 1, "albums": 2}],
            "decades": [{"decade": 1980, "albums": 2}, {"decade": 1970, "albums": 1}],
        })
    );
    let eighties = api.get("/v1/albums?decade=1980").await.expect(200);
    let mut titles: Vec<&str> = eighties["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["title"].as_str())
        .collect();
    titles.sort();
    assert_eq!(titles, ["Eighties", "Late Eighties"]);
    let rock_eighties = api
        .get("/v1/albums?decade=1980&genre=rock")
        .await
        .expect(200);
    assert_eq!(rock_eighties["items"][0]["title"], "Eighties");
    assert_eq!(rock_eighties["items"].as_array().map(Vec::len), Some(1));

    for wrong in [
        "/v1/albums?decade=1985",
        "/v1/albums?decade=1980&year=1984",
        "/v1/albums?decade=eighties",
    ] {
        let answer = api.get(wrong).await;
        assert_eq!(
            (answer.status, answer.error_fields()),
            (400, vec!["decade".to_string()]),
            "{wrong}"
        );
    }
    run.cleanup().await;
}
