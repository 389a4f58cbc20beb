//! Bad input, found by fuzzing and kept found: the cases a hostile-request
//! sweep turned up ([`cases`]), and a seeded fuzzer over every Subsonic
//! method (the router's own list) and every `/v1` operation (the gateway's
//! own `/openapi.json`) that would have found them.
//!
//! A failing run prints its seed; `ENCORE_FUZZ_SEED=<seed>` reruns it, and
//! `ENCORE_FUZZ_ROUNDS` sends more requests per method and operation.

mod cases;
mod native;
mod params;
mod subsonic;
mod values;

pub(crate) use self::subsonic::check_envelope;

use encore_tests::api::{Account, Api};
use encore_tests::{Service, TestRun};

use crate::subsonic::{catalogue, clients, Catalogue, Clients};

/// A request and what was wrong with its answer.
pub(crate) struct Finding {
    pub(crate) request: String,
    pub(crate) problem: String,
}

/// An answer the fuzzer judges: status, content type and body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
}

/// Sends `request`; the answer, or what went wrong on the way: no answer or
/// no whole body within 5 s, or a server error.
pub(crate) async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, String> {
    let limit = std::time::Duration::from_secs(5);
    let started = std::time::Instant::now();
    let answer = match tokio::time::timeout(limit, request.send()).await {
        Err(_) => return Err("no answer within 5 s".into()),
        Ok(Err(e)) => return Err(format!("the request failed: {e}")),
        Ok(Ok(answer)) => answer,
    };
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = match tokio::time::timeout(limit, answer.bytes()).await {
        Ok(Ok(body)) => body.to_vec(),
        Ok(Err(e)) => return Err(format!("reading the body failed: {e}")),
        Err(_) => return Err("the body did not arrive within 5 s".into()),
    };
    if started.elapsed() > limit {
        return Err(format!("answered in {:?}", started.elapsed()));
    }
    if status >= 500 {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
    }
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

/// A gateway with the whole pipeline behind it (so search and the warehouse
/// answer), a catalogue, a listener with Subsonic credentials, and two of
/// the listener's playlists.
pub(crate) struct World {
    run: TestRun,
    services: Vec<Service>,
    pub(crate) base: String,
    pub(crate) admin: Account,
    pub(crate) cat: Catalogue,
    pub(crate) clients: Clients,
    pub(crate) playlists: [String; 2],
}

impl World {
    pub(crate) async fn new(name: &str) -> World {
        let run = TestRun::new(name);
        run.create_playback_topics().await;
        let etl = run.start_etl(run.etl_config()).await;
        let indexer = run.start_indexer(run.indexer_config()).await;
        let gateway = run.start_gateway().await;
        let base = gateway.url("");
        let api = Api::new(&gateway);
        let admin = run.account_with_role(&api, "fuzz-admin", "admin").await;
        let cat = catalogue(&run, &admin).await;
        let clients = clients(&api, &base).await;
        let mut playlists = Vec::new();
        for name in ["Fuzzed", "To delete"] {
            let created = clients
                .by_key
                .ok(
                    "createPlaylist",
                    &[
                        ("name", name),
                        ("songId", &cat.tracks[0]),
                        ("songId", &cat.tracks[1]),
                    ],
                )
                .await;
            let id = created["playlist"]["id"].as_str().expect("an id");
            playlists.push(id.to_string());
        }
        World {
            run,
            services: vec![gateway, indexer, etl],
            base,
            admin,
            cat,
            clients,
            playlists: [playlists[0].clone(), playlists[1].clone()],
        }
    }

    pub(crate) async fn stop(self) {
        for service in self.services {
            service.stop().await;
        }
        self.run.cleanup().await;
    }
}

fn rounds() -> usize {
    std::env::var("ENCORE_FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzzing_every_subsonic_method_and_api_operation_finds_nothing() {
    let world = World::new("fuzz").await;
    let seed = values::seed();
    let listener_id = world.clients.listener.id.to_string();
    let ids = vec![
        world.cat.artist.clone(),
        world.cat.albums[0].clone(),
        world.cat.tracks[0].clone(),
        world.cat.tracks[3].clone(),
        world.playlists[0].clone(),
        listener_id.clone(),
    ];
    let mut draw = values::Draw::new(seed, ids.clone());
    let rounds = rounds();

    let names = subsonic::Names {
        values: vec![
            ("username", world.clients.username.clone()),
            ("artist", world.cat.artist.clone()),
            ("album", world.cat.albums[0].clone()),
            ("song", world.cat.tracks[0].clone()),
            ("playlist", world.playlists[0].clone()),
            ("other_playlist", world.playlists[1].clone()),
        ],
    };
    let key = match &world.clients.by_key.auth {
        crate::subsonic::client::Auth::ApiKey(key) => key.clone(),
        other => panic!("the Subsonic client holds an API key, not {other:?}"),
    };
    let caller = subsonic::Caller {
        auth: vec![("apiKey".to_string(), key)],
    };
    let methods: Vec<&str> = encore_subsonic::methods().collect();
    assert!(
        methods.len() > 40,
        "the router lists its methods: {methods:?}"
    );
    let (rest_sent, mut findings) =
        subsonic::fuzz(&world.base, &caller, &names, &methods, &mut draw, rounds).await;

    let spec: serde_json::Value = reqwest::get(format!("{}/openapi.json", world.base))
        .await
        .expect("the description")
        .json()
        .await
        .expect("JSON");
    let (v1_sent, v1_findings) = native::fuzz(
        &world.base,
        &world.admin.access_token,
        &spec,
        &ids,
        &mut draw,
        rounds,
    )
    .await;
    findings.extend(v1_findings);
    println!(
        "fuzz (seed {seed}): {rest_sent} requests over {} Subsonic methods, {v1_sent} over the API's operations, {} findings",
        methods.len(),
        findings.len()
    );
    let shown: Vec<String> = findings
        .iter()
        .take(40)
        .map(|f| {
            format!(
                "- {}\n    {}",
                f.request,
                f.problem.chars().take(400).collect::<String>()
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "{} of the fuzzer's requests got a bad answer (rerun with ENCORE_FUZZ_SEED={seed}):\n{}",
        findings.len(),
        shown.join("\n")
    );
    world.stop().await;
}
