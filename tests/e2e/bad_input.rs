//! The bad-input table: every endpoint of the gateway against each class of
//! bad input, asserting the 4xx that `docs/api.md` documents.
//!
//! One table lists the endpoints with a valid request and, where the class
//! applies, the bad variant and the field the error must name. Each class is
//! a loop over that table, so an endpoint added to the router and the table
//! is covered by every class at once. Nothing here is accepted: every
//! request of every class must be refused, so the world they run against
//! does not change between them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use encore_gateway::auth::token::TokenKeys;
use encore_tests::api::{register, Account, Answer, Api};
use encore_tests::{Service, TestRun};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{event, PNG};

/// Who sends the request when the class needs it to get past authorization.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Anonymous,
    /// The listener who owns the playlist.
    Owner,
    Admin,
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Value),
    /// Raw bytes with a content type (uploads).
    Raw(&'static str, Vec<u8>),
}

/// One endpoint and what each class needs to know about it.
#[derive(Debug, Clone)]
struct Endpoint {
    method: Method,
    /// With `{id}` where the endpoint takes the id of an existing entity.
    path: String,
    caller: Caller,
    /// A token is required (without one: 401).
    auth: bool,
    /// The endpoint looks at a presented token. The account endpoints (which
    /// make sessions) and the public reads do not; search does, because its
    /// answer depends on who asks.
    reads_token: bool,
    valid: Body,
    /// A body with one field of the wrong type, and that field.
    wrong_type: Option<(Value, &'static str)>,
    /// The field `{}` is missing first.
    required: Option<&'static str>,
    /// The id `{id}` stands for (the unknown-id class replaces it).
    id: Option<String>,
    /// Removing what is not there succeeds (204): unliking, unlinking.
    idempotent: bool,
}

impl Endpoint {
    fn new(method: Method, path: &str, caller: Caller, valid: Body) -> Self {
        Endpoint {
            method,
            path: path.to_string(),
            caller,
            auth: caller != Caller::Anonymous,
            reads_token: true,
            valid,
            wrong_type: None,
            required: None,
            id: None,
            idempotent: false,
        }
    }
    fn public(mut self) -> Self {
        self.auth = false;
        self
    }
    fn ignores_token(mut self) -> Self {
        self.reads_token = false;
        self
    }
    fn wrong(mut self, body: Value, field: &'static str) -> Self {
        self.wrong_type = Some((body, field));
        self
    }
    fn requires(mut self, field: &'static str) -> Self {
        self.required = Some(field);
        self
    }
    fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
    fn of(mut self, id: impl ToString) -> Self {
        self.id = Some(id.to_string());
        self
    }
    fn path_with(&self, id: &str) -> String {
        self.path.replace("{id}", id)
    }
    fn url_path(&self) -> String {
        self.path_with(self.id.as_deref().unwrap_or(""))
    }
    fn is_json(&self) -> bool {
        matches!(self.valid, Body::Json(_))
    }
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The entities the endpoints refer to.
struct World {
    run: TestRun,
    gateway: Service,
    admin: Account,
    owner: Account,
    other: Account,
    artist: String,
    album: String,
    track: String,
    playlist: String,
    item: String,
    sync: String,
    station: String,
    share: String,
}

async fn world() -> World {
    let run = TestRun::new("bad-input");
    let mut config = run.gateway_config().await;
    config.max_audio_bytes = 1024 * 1024;
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let owner = register(&api, "owner").await;
    let other = register(&api, "other").await;
    let id = |v: &Value| v["id"].as_str().expect("an id").to_string();
    let artist = id(&admin
        .api
        .post("/v1/artists", json!({"name": "Table"}))
        .await
        .expect(201));
    let album = id(&admin
        .api
        .post("/v1/albums", json!({"artist_id": artist, "title": "Rows"}))
        .await
        .expect(201));
    let track = id(&admin
        .api
        .post(
            "/v1/tracks",
            json!({"artist_id": artist, "album_id": album, "title": "Columns", "duration_ms": 1000}),
        )
        .await
        .expect(201));
    let playlist = id(&owner
        .api
        .post("/v1/playlists", json!({"name": "Mine", "public": false}))
        .await
        .expect(201));
    let with_item = owner
        .api
        .post(
            &format!("/v1/playlists/{playlist}/items"),
            json!({"track_id": track}),
        )
        .await
        .expect(200);
    let item = id(&with_item["items"][0]);
    let sync = id(&admin
        .api
        .call(Method::POST, "/v1/admin/sync", None)
        .await
        .expect(202));
    let station = id(&admin
        .api
        .post(
            "/v1/radio-stations",
            json!({"name": "Table FM", "stream_url": "https://radio.example/table"}),
        )
        .await
        .expect(201));
    let share = id(&owner
        .api
        .post(
            "/v1/me/shares",
            json!({"kind": "playlist", "ids": [playlist]}),
        )
        .await
        .expect(201));
    World {
        run,
        gateway,
        admin,
        owner,
        other,
        artist,
        album,
        track,
        playlist,
        item,
        sync,
        station,
        share,
    }
}

/// A small valid WAV file: the content decides the format, never the name.
fn wav() -> Vec<u8> {
    let samples = vec![0u8; 8_000];
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend(&(36 + samples.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(&16u32.to_le_bytes());
    out.extend(&1u16.to_le_bytes()); // PCM
    out.extend(&1u16.to_le_bytes()); // mono
    out.extend(&8_000u32.to_le_bytes());
    out.extend(&8_000u32.to_le_bytes());
    out.extend(&1u16.to_le_bytes());
    out.extend(&8u16.to_le_bytes());
    out.extend(b"data");
    out.extend(&(samples.len() as u32).to_le_bytes());
    out.extend(samples);
    out
}

fn endpoints(w: &World) -> Vec<Endpoint> {
    use Caller::{Admin, Anonymous, Owner};
    use Method as M;
    let json = |v: Value| Body::Json(v);
    let (artist, album, track) = (&w.artist, &w.album, &w.track);
    let (playlist, item) = (&w.playlist, &w.item);
    let playlist_path = |rest: &str| format!("/v1/playlists/{playlist}{rest}");
    vec![
        Endpoint::new(M::POST, "/v1/auth/register", Anonymous, json(json!({"email": "new@example.com", "username": "newcomer", "password": "correct horse battery"})))
            .wrong(json!({"email": 5, "username": "u", "password": "correct horse battery"}), "email")
            .requires("email")
            .ignores_token(),
        Endpoint::new(M::POST, "/v1/auth/login", Anonymous, json(json!({"login": "nobody", "password": "wrong password"})))
            .wrong(json!({"login": [], "password": "x"}), "login")
            .requires("login")
            .ignores_token(),
        Endpoint::new(M::POST, "/v1/auth/refresh", Anonymous, json(json!({"refresh_token": "unknown"})))
            .wrong(json!({"refresh_token": 1}), "refresh_token")
            .requires("refresh_token")
            .ignores_token(),
        Endpoint::new(M::POST, "/v1/auth/logout", Anonymous, json(json!({"refresh_token": "unknown"})))
            .wrong(json!({"refresh_token": true}), "refresh_token")
            .requires("refresh_token")
            .ignores_token(),
        Endpoint::new(M::GET, "/v1/me", Owner, Body::None),
        Endpoint::new(M::PATCH, "/v1/me", Owner, json(json!({"display_name": "Me"})))
            .wrong(json!({"display_name": 7}), "display_name"),
        Endpoint::new(M::DELETE, "/v1/me", Owner, Body::None),
        Endpoint::new(M::PUT, "/v1/me/avatar", Owner, Body::Raw("image/png", PNG.to_vec())),
        Endpoint::new(M::GET, "/v1/users/{id}/avatar", Anonymous, Body::None).of(w.owner.id).ignores_token(),
        Endpoint::new(M::GET, "/v1/artists", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::POST, "/v1/artists", Admin, json(json!({"name": "New"})))
            .wrong(json!({"name": 1}), "name")
            .requires("name"),
        Endpoint::new(M::GET, "/v1/artists/{id}", Anonymous, Body::None).of(artist).ignores_token(),
        Endpoint::new(M::PATCH, "/v1/artists/{id}", Admin, json(json!({"name": "Renamed"})))
            .wrong(json!({"genres": "rock"}), "genres")
            .of(artist),
        Endpoint::new(M::DELETE, "/v1/artists/{id}", Admin, Body::None).of(artist),
        Endpoint::new(M::GET, "/v1/albums", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::POST, "/v1/albums", Admin, json(json!({"artist_id": artist, "title": "New"})))
            .wrong(json!({"artist_id": artist, "title": "t", "release_year": "1999"}), "release_year")
            .requires("artist_id"),
        Endpoint::new(M::GET, "/v1/albums/{id}", Anonymous, Body::None).of(album).ignores_token(),
        Endpoint::new(M::PATCH, "/v1/albums/{id}", Admin, json(json!({"title": "Renamed"})))
            .wrong(json!({"title": ["t"]}), "title")
            .of(album),
        Endpoint::new(M::DELETE, "/v1/albums/{id}", Admin, Body::None).of(album),
        Endpoint::new(M::GET, "/v1/tracks", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::POST, "/v1/tracks", Admin, json(json!({"artist_id": artist, "title": "New", "duration_ms": 1000})))
            .wrong(json!({"artist_id": artist, "title": "t", "duration_ms": "long"}), "duration_ms")
            .requires("artist_id"),
        Endpoint::new(M::GET, "/v1/tracks/{id}", Anonymous, Body::None).of(track).ignores_token(),
        Endpoint::new(M::PATCH, "/v1/tracks/{id}", Admin, json(json!({"title": "Renamed"})))
            .wrong(json!({"track_number": "one"}), "track_number")
            .of(track),
        Endpoint::new(M::DELETE, "/v1/tracks/{id}", Admin, Body::None).of(track),
        Endpoint::new(M::POST, "/v1/tracks/{id}/audio", Admin, Body::Raw("application/octet-stream", wav())).of(track),
        Endpoint::new(M::GET, "/v1/tracks/{id}/stream", Owner, Body::None).of(track),
        Endpoint::new(M::GET, "/v1/tracks/{id}/similar", Anonymous, Body::None).of(track).ignores_token(),
        Endpoint::new(M::GET, "/v1/tracks/{id}/lyrics", Anonymous, Body::None).of(track).ignores_token(),
        Endpoint::new(M::PUT, "/v1/tracks/{id}/lyrics", Admin, json(json!({"text": "la la la"})))
            .wrong(json!({"text": 5}), "text")
            .requires("text")
            .of(track),
        Endpoint::new(M::DELETE, "/v1/tracks/{id}/lyrics", Admin, Body::None).of(track),
        Endpoint::new(M::POST, "/v1/playlists", Owner, json(json!({"name": "New"})))
            .wrong(json!({"name": "n", "public": "yes"}), "public")
            .requires("name"),
        Endpoint::new(M::GET, "/v1/playlists/{id}", Owner, Body::None).of(playlist).public(),
        Endpoint::new(M::PATCH, "/v1/playlists/{id}", Owner, json(json!({"name": "Renamed"})))
            .wrong(json!({"public": "no"}), "public")
            .of(playlist),
        Endpoint::new(M::DELETE, "/v1/playlists/{id}", Owner, Body::None).of(playlist),
        Endpoint::new(M::POST, "/v1/playlists/{id}/items", Owner, json(json!({"track_id": track})))
            .wrong(json!({"track_id": 5}), "track_id")
            .requires("track_id")
            .of(playlist),
        Endpoint::new(M::DELETE, &playlist_path("/items/{id}"), Owner, Body::None).of(item),
        Endpoint::new(M::PUT, &playlist_path("/items/{id}/position"), Owner, json(json!({"position": 0})))
            .wrong(json!({"position": "first"}), "position")
            .requires("position")
            .of(item),
        Endpoint::new(M::GET, "/v1/me/playlists", Owner, Body::None),
        Endpoint::new(M::GET, "/v1/me/likes/tracks", Owner, Body::None),
        Endpoint::new(M::PUT, "/v1/me/likes/tracks/{id}", Owner, Body::None).of(track),
        Endpoint::new(M::DELETE, "/v1/me/likes/tracks/{id}", Owner, Body::None).of(track).idempotent(),
        Endpoint::new(M::GET, "/v1/radio-stations", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::POST, "/v1/radio-stations", Admin, json(json!({"name": "Radio", "stream_url": "https://radio.example/live"})))
            .wrong(json!({"name": "Radio", "stream_url": 5}), "stream_url")
            .requires("name"),
        Endpoint::new(M::PUT, "/v1/radio-stations/{id}", Admin, json(json!({"name": "Radio", "stream_url": "https://radio.example/live"})))
            .wrong(json!({"name": 1, "stream_url": "https://radio.example/live"}), "name")
            .requires("name")
            .of(&w.station),
        Endpoint::new(M::DELETE, "/v1/radio-stations/{id}", Admin, Body::None).of(&w.station).idempotent(),
        Endpoint::new(M::GET, "/v1/me/bookmarks", Owner, Body::None),
        Endpoint::new(M::PUT, "/v1/me/bookmarks/{id}", Owner, json(json!({"position_ms": 0})))
            .wrong(json!({"position_ms": "start"}), "position_ms")
            .requires("position_ms")
            .of(track),
        Endpoint::new(M::DELETE, "/v1/me/bookmarks/{id}", Owner, Body::None).of(track).idempotent(),
        Endpoint::new(M::GET, "/v1/me/shares", Owner, Body::None),
        Endpoint::new(M::POST, "/v1/me/shares", Owner, json(json!({"kind": "track", "ids": [track]})))
            .wrong(json!({"kind": "track", "ids": "all of them"}), "ids")
            .requires("kind"),
        Endpoint::new(M::PATCH, "/v1/me/shares/{id}", Owner, json(json!({"description": "for you"})))
            .wrong(json!({"description": 5}), "description")
            .of(&w.share),
        Endpoint::new(M::DELETE, "/v1/me/shares/{id}", Owner, Body::None).of(&w.share).idempotent(),
        Endpoint::new(M::GET, "/v1/me/play-queue", Owner, Body::None),
        Endpoint::new(M::PUT, "/v1/me/play-queue", Owner, json(json!({"track_ids": [track], "current_index": 0})))
            .wrong(json!({"track_ids": [track], "current_index": "first"}), "current_index")
            .requires("track_ids"),
        Endpoint::new(M::DELETE, "/v1/me/play-queue", Owner, Body::None),
        Endpoint::new(M::GET, "/v1/me/history", Owner, Body::None),
        Endpoint::new(M::POST, "/v1/events/playback", Owner, json(json!({"events": [event(1, w.owner.id)]})))
            .wrong(json!({"events": "all of them"}), "events")
            .requires("events"),
        Endpoint::new(M::GET, "/v1/search?q=table", Anonymous, Body::None),
        Endpoint::new(M::GET, "/v1/search/suggest?q=ta", Anonymous, Body::None),
        Endpoint::new(M::GET, "/v1/charts/tracks", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::GET, "/v1/charts/artists", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::GET, "/v1/charts/trending", Anonymous, Body::None).ignores_token(),
        Endpoint::new(M::GET, "/v1/me/stats", Owner, Body::None),
        Endpoint::new(M::GET, "/v1/me/recommendations", Owner, Body::None),
        Endpoint::new(M::PUT, "/v1/admin/users/{id}/role", Admin, json(json!({"role": "artist"})))
            .wrong(json!({"role": 1}), "role")
            .requires("role")
            .of(w.other.id),
        Endpoint::new(M::PUT, &format!("/v1/admin/artists/{artist}/members/{{id}}"), Admin, Body::None).of(w.other.id),
        Endpoint::new(M::DELETE, &format!("/v1/admin/artists/{artist}/members/{{id}}"), Admin, Body::None).of(w.other.id).idempotent(),
        Endpoint::new(M::POST, "/v1/admin/import", Admin, json(json!({"rows": [{"kind": "artist", "name": "Imported"}]})))
            .wrong(json!({"rows": "all of them"}), "rows")
            .requires("rows"),
        Endpoint::new(M::POST, "/v1/catalog/match", Admin, json(json!({"items": [{"artist": "Table", "title": "Columns"}]})))
            .wrong(json!({"items": 1}), "items")
            .requires("items"),
        Endpoint::new(M::POST, "/v1/admin/sync", Admin, Body::None),
        Endpoint::new(M::POST, "/v1/admin/sync/claim", Admin, Body::None),
        Endpoint::new(M::GET, "/v1/admin/sync/{id}", Admin, Body::None).of(&w.sync),
        Endpoint::new(M::PUT, "/v1/admin/sync/{id}", Admin, json(json!({"status": "done", "summary": ""})))
            .wrong(json!({"status": 1, "summary": ""}), "status")
            .requires("status")
            .of(&w.sync),
    ]
}

impl World {
    fn api(&self, caller: Caller) -> Api {
        match caller {
            Caller::Anonymous => Api::new(&self.gateway),
            Caller::Owner => self.owner.api.clone(),
            Caller::Admin => self.admin.api.clone(),
        }
    }

    async fn send(&self, api: &Api, method: Method, path: &str, body: &Body) -> Answer {
        let builder = api.request(method, path);
        let builder = match body {
            Body::None => builder,
            Body::Json(value) => builder.json(value),
            Body::Raw(content_type, bytes) => builder
                .header("content-type", *content_type)
                .body(bytes.clone()),
        };
        api.send(builder).await
    }

    async fn oversized(&self, e: &Endpoint, content_type: &str, size: usize) -> Answer {
        let method = e.method.to_string();
        let api = self.api(e.caller);
        api.send_oversized(&method, &e.url_path(), content_type, size)
            .await
    }

    async fn send_bytes(&self, e: &Endpoint, content_type: &str, bytes: Vec<u8>) -> Answer {
        let api = self.api(e.caller);
        let builder = api
            .request(e.method.clone(), &e.url_path())
            .header("content-type", content_type)
            .body(bytes);
        api.send(builder).await
    }
}

/// What went wrong, all of it: one run of the table reports every miss.
#[derive(Default)]
struct Misses(Vec<String>);

impl Misses {
    /// Checks the status and that the error has the API's JSON shape.
    fn status(&mut self, answer: &Answer, status: u16, what: &str) {
        if answer.status != status {
            self.0.push(format!(
                "{what}: {} instead of {status}: {}",
                answer.status, answer.body
            ));
        } else if !answer.body["error"]["code"].is_string() {
            self.0.push(format!(
                "{what}: the error is not the API's JSON shape: {}",
                answer.body
            ));
        }
    }

    /// Checks for a 400 that names `field`.
    fn field(&mut self, answer: &Answer, field: &str, what: &str) {
        let before = self.0.len();
        self.status(answer, 400, what);
        let fields = answer.error_fields();
        let named = fields.iter().any(|f| {
            f == field || f.starts_with(&format!("{field}[")) || f.starts_with(&format!("{field}."))
        });
        if self.0.len() == before && !named {
            self.0.push(format!(
                "{what}: the error names {fields:?}, not {field}: {}",
                answer.body
            ));
        }
    }

    #[track_caller]
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} misses:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_every_class_of_bad_input_with_its_documented_4xx() {
    let w = world().await;
    let table = endpoints(&w);
    let config = w.run.gateway_config().await;
    let keys = TokenKeys::new(&config.auth);
    let now = encore_common::now_millis() / 1000;
    let expired = keys.issue(w.owner.id, now - 3_600).expect("a token");
    let mut foreign_auth = config.auth.clone();
    foreign_auth.jwt_secret = "not-the-server-secret".into();
    let forged = TokenKeys::new(&foreign_auth)
        .issue(w.owner.id, now)
        .expect("a token");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(
            json!({"sub": w.owner.id, "iss": config.auth.issuer, "aud": config.auth.audience, "iat": now, "exp": now + 600})
                .to_string()
        )
    );
    let anonymous = Api::new(&w.gateway);
    let mut misses = Misses::default();

    for e in &table {
        let what = e.label();
        // Expired, forged and unsigned tokens: 401 wherever a token is
        // read, even where it is optional (a presented token must be valid).
        let tokens = [
            ("expired", &expired),
            ("forged", &forged),
            ("unsigned", &unsigned),
        ];
        for (kind, token) in tokens.iter().filter(|_| e.reads_token) {
            let answer = w
                .send(
                    &anonymous.with_token(token),
                    e.method.clone(),
                    &e.url_path(),
                    &e.valid,
                )
                .await;
            misses.status(&answer, 401, &format!("{what} with an {kind} token"));
            if answer.status == 401 && !answer.headers.contains_key("www-authenticate") {
                misses.0.push(format!("{what}: no WWW-Authenticate"));
            }
        }
        // No token where one is needed.
        if e.auth {
            let answer = w
                .send(&anonymous, e.method.clone(), &e.url_path(), &e.valid)
                .await;
            misses.status(&answer, 401, &format!("{what} without a token"));
        }
        // Unknown and malformed ids.
        if e.id.is_some() {
            let unknown = w
                .send(
                    &w.api(e.caller),
                    e.method.clone(),
                    &e.path_with(&Uuid::new_v4().to_string()),
                    &e.valid,
                )
                .await;
            if e.idempotent {
                if unknown.status != 204 {
                    misses.0.push(format!(
                        "{what} with an unknown id: {} instead of 204",
                        unknown.status
                    ));
                }
            } else {
                misses.status(&unknown, 404, &format!("{what} with an unknown id"));
            }
            let malformed = w
                .send(
                    &w.api(e.caller),
                    e.method.clone(),
                    &e.path_with("not-a-uuid"),
                    &e.valid,
                )
                .await;
            misses.status(&malformed, 400, &format!("{what} with a malformed id"));
        }
        // Bodies: oversized for every endpoint that takes one, the rest for JSON.
        if !matches!(e.valid, Body::None) {
            // Just past the limit: 1 MiB for this run's audio, 2 MiB otherwise.
            let (content_type, limit) = match &e.valid {
                Body::Raw(content_type, _) if e.path.ends_with("/audio") => {
                    (*content_type, 1 << 20)
                }
                Body::Raw(content_type, _) => (*content_type, 2 << 20),
                _ => ("application/json", 2 << 20),
            };
            let size = limit + 64 * 1024;
            let answer = w.oversized(e, content_type, size).await;
            misses.status(&answer, 413, &format!("{what} with an oversized body"));
        }
        if e.is_json() {
            let answer = w
                .send_bytes(
                    e,
                    "application/json",
                    b"{\"name\": \"\xff\xfe caf\xe9\"}".to_vec(),
                )
                .await;
            misses.status(&answer, 400, &format!("{what} with invalid UTF-8"));
            let answer = w.send_bytes(e, "text/plain", b"name=x".to_vec()).await;
            misses.status(
                &answer,
                415,
                &format!("{what} with a body that is not JSON"),
            );
            let answer = w
                .send_bytes(e, "application/json", b"{\"unclosed\": ".to_vec())
                .await;
            misses.status(&answer, 400, &format!("{what} with malformed JSON"));
        }
        if let Some((body, field)) = &e.wrong_type {
            let answer = w
                .send(
                    &w.api(e.caller),
                    e.method.clone(),
                    &e.url_path(),
                    &Body::Json(body.clone()),
                )
                .await;
            misses.field(&answer, field, &format!("{what} with a wrong type"));
        }
        if let Some(field) = e.required {
            let answer = w
                .send(
                    &w.api(e.caller),
                    e.method.clone(),
                    &e.url_path(),
                    &Body::Json(json!({})),
                )
                .await;
            misses.field(
                &answer,
                field,
                &format!("{what} without its required field"),
            );
        }
    }
    w.gateway.stop().await;
    w.run.cleanup().await;
    misses.assert_none();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_batches_foreign_ids_and_path_traversal_are_refused() {
    let w = world().await;
    let mut misses = Misses::default();
    let (owner, other, admin) = (&w.owner.api, &w.other.api, &w.admin.api);

    // Huge batches: one past each documented limit.
    let events: Vec<Value> = (0..501).map(|n| event(n, w.owner.id)).collect();
    let answer = owner
        .post("/v1/events/playback", json!({"events": events}))
        .await;
    misses.status(&answer, 400, "501 playback events");
    let rows: Vec<Value> = (0..1_001)
        .map(|n| json!({"kind": "artist", "name": format!("A{n}")}))
        .collect();
    misses.field(
        &admin.post("/v1/admin/import", json!({"rows": rows})).await,
        "rows",
        "1001 import rows",
    );
    let items: Vec<Value> = (0..1_001)
        .map(|n| json!({"artist": "A", "title": format!("T{n}")}))
        .collect();
    misses.field(
        &admin
            .post("/v1/catalog/match", json!({"items": items}))
            .await,
        "items",
        "1001 match items",
    );

    // Foreign ids: another listener's private playlist does not exist for
    // them; a listener may not touch the catalog or the admin endpoints.
    let playlist = format!("/v1/playlists/{}", w.playlist);
    misses.status(
        &other.get(&playlist).await,
        404,
        "someone else's private playlist",
    );
    misses.status(
        &other.patch(&playlist, json!({"name": "Mine now"})).await,
        404,
        "renaming it",
    );
    misses.status(&other.delete(&playlist).await, 404, "deleting it");
    misses.status(
        &other
            .post(&format!("{playlist}/items"), json!({"track_id": w.track}))
            .await,
        404,
        "adding to it",
    );
    misses.status(
        &other.delete(&format!("{playlist}/items/{}", w.item)).await,
        404,
        "removing from it",
    );
    misses.status(
        &other
            .put(
                &format!("{playlist}/items/{}/position", w.item),
                json!({"position": 0}),
            )
            .await,
        404,
        "moving in it",
    );
    // The item of one playlist under another playlist's path.
    let theirs = other
        .post("/v1/playlists", json!({"name": "Theirs"}))
        .await
        .expect(201);
    let theirs = theirs["id"].as_str().expect("id");
    misses.status(
        &other
            .delete(&format!("/v1/playlists/{theirs}/items/{}", w.item))
            .await,
        404,
        "an item of another playlist",
    );
    misses.status(
        &other
            .patch(&format!("/v1/artists/{}", w.artist), json!({"name": "X"}))
            .await,
        403,
        "a listener renaming an artist",
    );
    misses.status(
        &other.delete(&format!("/v1/tracks/{}", w.track)).await,
        403,
        "a listener deleting a track",
    );
    misses.status(
        &other
            .post("/v1/albums", json!({"artist_id": w.artist, "title": "X"}))
            .await,
        403,
        "a listener adding an album",
    );
    misses.status(
        &other
            .put(
                &format!("/v1/admin/users/{}/role", w.other.id),
                json!({"role": "admin"}),
            )
            .await,
        403,
        "a listener making itself admin",
    );
    let foreign_event = other
        .post(
            "/v1/events/playback",
            json!({"events": [event(2, w.owner.id)]}),
        )
        .await;
    misses.field(&foreign_event, "user_id", "an event for another user");
    assert_eq!(foreign_event.body["error"]["fields"][0]["index"], 0);
    misses.status(
        &other
            .put(
                &format!("/v1/me/likes/tracks/{}", Uuid::new_v4()),
                json!({}),
            )
            .await,
        404,
        "liking an unknown track",
    );
    // An unknown id in a body is a field that breaks a rule (in a path: 404).
    misses.field(
        &owner
            .post(
                &format!("{playlist}/items"),
                json!({"track_id": Uuid::new_v4()}),
            )
            .await,
        "track_id",
        "adding an unknown track",
    );
    misses.field(
        &admin
            .post(
                "/v1/tracks",
                json!({"artist_id": Uuid::new_v4(), "title": "Orphan"}),
            )
            .await,
        "artist_id",
        "a track of an unknown artist",
    );

    // Path traversal: ids and kinds in paths are parsed, never used as paths.
    for path in [
        "/v1/tracks/..%2F..%2F..%2Fetc%2Fpasswd/stream".to_string(),
        "/v1/users/..%2F..%2Fetc%2Fpasswd/avatar".to_string(),
        "/v1/admin/sync/..%2F..%2Fetc%2Fpasswd".to_string(),
    ] {
        misses.status(&owner.get(&path).await, 400, &path);
    }
    let like = format!("/v1/me/likes/..%2F..%2Fetc/{}", w.track);
    misses.status(&owner.call(Method::PUT, &like, None).await, 400, &like);
    // An uploaded file's name never becomes its object key.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(wav()).file_name("../../../../tmp/encore-traversal.wav"),
    );
    let answer = admin
        .send(
            admin
                .request(Method::POST, &format!("/v1/tracks/{}/audio", w.track))
                .multipart(form),
        )
        .await;
    assert!(
        answer.status < 300,
        "the upload itself is fine: {}",
        answer.body
    );
    let key: String = sqlx::query_scalar("SELECT audio_key FROM tracks WHERE id = $1::uuid")
        .bind(&w.track)
        .fetch_one(&w.run.postgres().await)
        .await
        .expect("the track's key");
    assert!(
        key.starts_with(&format!("audio/{}/", w.track)) && !key.contains(".."),
        "{key}"
    );
    assert!(!std::path::Path::new("/tmp/encore-traversal.wav").exists());
    w.gateway.stop().await;
    w.run.cleanup().await;
    misses.assert_none();
}
