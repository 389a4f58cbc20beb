//! On-the-fly transcoding with the real ffmpeg, through the native stream
//! and `/rest/stream`: formats, the original when it is good enough, the
//! cache with ranges, the bound on running transcodes, a client that
//! leaves, and a file ffmpeg cannot read.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use encore_tests::api::Api;
use encore_tests::audio::{long_tone, tone};
use encore_tests::{eventually_within, TestRun};

/// ffprobe's duration of `bytes`, in seconds.
pub(crate) fn probed_seconds(dir: &Path, bytes: &[u8]) -> f64 {
    let path = dir.join(format!("probe-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).expect("a probe file");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .expect("ffprobe (scripts/stack installs ffmpeg)");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("ffprobe: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The number of ffmpeg processes this test process started (the gateway
/// runs in-process, so they are its children).
fn ffmpeg_children() -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // pid (comm) state ppid ...
            let Some((comm, rest)) = stat.split_once(") ") else {
                return false;
            };
            comm.ends_with("(ffmpeg") && rest.split(' ').nth(1) == Some(me.as_str())
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_transcode_cache_serve_ranges_and_stay_bounded() {
    let run = TestRun::new("transcode");
    let mut config = run.gateway_config().await;
    config.transcode.max = 1;
    config.transcode.wait = Duration::from_millis(300);
    let gateway = run.start_gateway_with(config).await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "transcoder", "admin").await;
    let dir = std::env::temp_dir().join(format!("encore-transcode-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let wav = tone(&dir, "wav");
    let mp3 = tone(&dir, "mp3");
    let lossless = admin
        .track_with_audio("Transcoders", "Lossless", wav.clone())
        .await;
    let lossy = admin
        .track_with_audio("Transcoders", "Lossy", mp3.clone())
        .await;
    let long = admin
        .track_with_audio("Transcoders", "Twenty minutes", long_tone(&dir, 1_200))
        .await;
    let stream = |track: &str, query: &str| {
        let url = format!("/v1/tracks/{track}/stream{query}");
        admin.api.request(reqwest::Method::GET, &url)
    };

    // Each format, from the first byte in well under a second, as long as the source.
    for (format, content_type) in [
        ("mp3", "audio/mpeg"),
        ("opus", "audio/ogg"),
        ("aac", "audio/aac"),
    ] {
        let started = Instant::now();
        let response = stream(&lossless, &format!("?format={format}&bitrate=96"))
            .send()
            .await
            .expect("an answer");
        let first_byte = started.elapsed();
        assert_eq!(response.status(), 200, "{format}");
        assert_eq!(response.headers()["content-type"], content_type);
        let body = response.bytes().await.expect("a body");
        let seconds = probed_seconds(&dir, &body);
        assert!((seconds - 3.0).abs() < 1.0, "{format}: {seconds} s");
        assert!(body.len() < wav.len() / 4, "{format}: {} bytes", body.len());
        eprintln!(
            "{format}: headers after {first_byte:?}, {} bytes",
            body.len()
        );
    }

    // The second time it comes from the cache, with ranges.
    let whole = stream(&lossless, "?format=mp3&bitrate=96")
        .send()
        .await
        .expect("an answer");
    assert_eq!(whole.headers()["accept-ranges"], "bytes", "from the cache");
    let whole = whole.bytes().await.expect("a body");
    let part = stream(&lossless, "?format=mp3&bitrate=96")
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect("an answer");
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.expect("a body"), whole[100..200]);

    // The original: asked raw, or at or above its own bitrate (~128 kbps).
    for query in ["?format=raw", "?bitrate=320", ""] {
        let body = stream(&lossy, query).send().await.expect("an answer");
        assert_eq!(body.bytes().await.expect("a body"), mp3, "{query}");
    }
    let refused = admin.api.send(stream(&lossy, "?format=flac")).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.error_fields(), ["format"]);

    // One transcode at a time here: a second waits, then gets a 503. A
    // client that leaves stops its ffmpeg (twenty minutes of audio take it
    // seconds) and frees the slot.
    let holding = stream(&long, "?format=mp3&bitrate=48")
        .send()
        .await
        .expect("an answer");
    assert_eq!(holding.status(), 200);
    let busy = admin
        .api
        .send(stream(&lossless, "?format=mp3&bitrate=48"))
        .await;
    assert_eq!(busy.status, 503, "{}", busy.body);
    assert!(busy.headers.get("retry-after").is_some());
    drop(holding);
    eventually_within(
        Duration::from_secs(2),
        "the abandoned ffmpeg gone",
        || async {
            match ffmpeg_children() {
                0 => Ok(()),
                n => Err(format!("{n} running")),
            }
        },
    )
    .await;
    let freed = stream(&lossless, "?format=mp3&bitrate=48")
        .send()
        .await
        .expect("an answer");
    assert_eq!(freed.status(), 200);
    assert!(!freed.bytes().await.expect("a body").is_empty());

    // A stored file ffmpeg cannot read: a clear error, no ffmpeg left over.
    let db = run.postgres().await;
    let key: String = sqlx::query_scalar("SELECT audio_key FROM tracks WHERE id = $1::uuid")
        .bind(&lossless)
        .fetch_one(&db)
        .await
        .expect("the audio key");
    db.close().await;
    let root = run.gateway_config().await.storage_url;
    let path = Path::new(root.trim_start_matches("file://")).join(&key);
    std::fs::write(&path, vec![0x5a_u8; 50_000]).expect("corrupting the stored file");
    let corrupt = admin
        .api
        .send(stream(&lossless, "?format=aac&bitrate=64"))
        .await;
    assert_eq!(corrupt.status, 422, "{}", corrupt.body);
    assert_eq!(corrupt.body["error"]["code"], "transcode_failed");
    assert_eq!(ffmpeg_children(), 0);

    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}

/// A seek (`offset` natively, `timeOffset` on Subsonic, OpenSubsonic's
/// `transcodeOffset`) starts the transcode part-way: the rest of the song,
/// never cached. A seek into the original transcodes it too, since clients
/// send `timeOffset` without knowing whether they get a transcode.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seek_starts_the_stream_part_way() {
    let run = TestRun::new("transcode-offset");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "seeker", "admin").await;
    let dir = std::env::temp_dir().join(format!("encore-transcode-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let track = admin
        .track_with_audio("Seekers", "Twenty seconds", long_tone(&dir, 20))
        .await;
    let native = |query: &str| {
        let url = format!("/v1/tracks/{track}/stream{query}");
        admin.api.request(reqwest::Method::GET, &url)
    };

    for query in ["?format=mp3&bitrate=96&offset=15", "?offset=15"] {
        let response = native(query).send().await.expect("an answer");
        assert_eq!(response.status(), 200, "{query}");
        // Part-way is never cached: a cached file would answer ranges.
        assert_eq!(response.headers()["accept-ranges"], "none", "{query}");
        let seconds = probed_seconds(&dir, &response.bytes().await.expect("a body"));
        assert!((seconds - 5.0).abs() < 1.0, "{query}: {seconds} s");
    }
    let past = admin.api.send(native("?offset=20")).await;
    assert_eq!(past.status, 400, "{}", past.body);
    assert_eq!(past.error_fields(), ["offset"]);

    let app = crate::subsonic::app_of(&admin, &gateway.url(""), "seeking app").await;
    let extensions = app.ok("getOpenSubsonicExtensions", &[]).await;
    let names: Vec<&str> = extensions["openSubsonicExtensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"transcodeOffset"), "{names:?}");
    let seek = app
        .raw(
            "stream",
            "json",
            &[("id", &track), ("format", "opus"), ("timeOffset", "12")],
        )
        .await;
    assert_eq!(seek.status, 200);
    assert_eq!(seek.headers["content-type"], "audio/ogg");
    let seconds = probed_seconds(&dir, &seek.bytes);
    assert!((seconds - 8.0).abs() < 1.0, "{seconds} s");
    assert_eq!(
        app.error("stream", &[("id", &track), ("timeOffset", "-1")])
            .await,
        10
    );
    let past = app
        .call("stream", &[("id", &track), ("timeOffset", "99")])
        .await;
    assert_eq!(past["error"]["code"], 10, "{past}");
    let message = past["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("timeOffset"), "{message}");

    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}
