//! OpenSubsonic's `transcoding` extension: a client sends what it can play
//! and gets a decision (play as stored, or which transcode), then streams
//! that transcode, from where it likes.

use encore_tests::api::Api;
use encore_tests::TestRun;
use serde_json::{json, Value};

use super::{catalogue, clients, Clients};
use crate::transcode::probed_seconds;

/// A client that plays FLAC as it is and wants anything else as Opus, at
/// most 96 kbps (HLS in MP4 first, which Encore does not make).
fn flac_player() -> Value {
    json!({
        "name": "test device", "platform": "tests",
        "maxTranscodingAudioBitrate": 96000,
        "directPlayProfiles": [{"containers": ["flac"], "audioCodecs": ["flac"], "protocols": ["http"]}],
        "transcodingProfiles": [
            {"container": "mp4", "audioCodec": "aac", "protocol": "hls"},
            {"container": "ogg", "audioCodec": "opus", "protocol": "http"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gets_a_decision_and_streams_the_transcode_it_names() {
    let run = TestRun::new("subsonic-transcoding");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "tc-admin", "admin").await;
    let cat = catalogue(&run, &admin).await;
    let Clients { by_key, .. } = clients(&api, &gateway.url("")).await;
    let song = cat.tracks[0].as_str();
    let decide = |body: Value| {
        let by_key = by_key.clone();
        let song = song.to_string();
        async move {
            let raw = by_key
                .post_json(
                    "getTranscodeDecision",
                    "json",
                    &[("mediaId", &song), ("mediaType", "song")],
                    &body,
                )
                .await;
            assert_eq!(raw.status, 200);
            let answer: Value = serde_json::from_slice(&raw.bytes).expect("JSON");
            answer["subsonic-response"].clone()
        }
    };

    let extensions = by_key.ok("getOpenSubsonicExtensions", &[]).await;
    assert!(
        extensions["openSubsonicExtensions"]
            .as_array()
            .expect("extensions")
            .iter()
            .any(|e| e["name"] == "transcoding"),
        "{extensions}"
    );

    // An MP3 player plays the stored MP3 as it is.
    let mp3_player = json!({"name": "mp3", "platform": "tests",
        "directPlayProfiles": [{"container": "mp3", "audioCodec": "mp3", "protocol": "*"}]});
    let direct = decide(mp3_player).await;
    let decision = &direct["transcodeDecision"];
    assert_eq!(decision["canDirectPlay"], true, "{direct}");
    assert_eq!(decision["sourceStream"]["container"], "mp3");
    assert_eq!(decision["sourceStream"]["codec"], "mp3");
    assert!(decision.get("transcodeParams").is_none());

    // A FLAC player gets Opus at its 96 kbps, and streams it from a second in.
    let answer = decide(flac_player()).await;
    let decision = &answer["transcodeDecision"];
    assert_eq!(decision["canDirectPlay"], false, "{answer}");
    assert_eq!(decision["canTranscode"], true);
    assert_eq!(
        decision["transcodeReason"],
        json!(["ContainerNotSupported"])
    );
    assert_eq!(decision["transcodeStream"]["container"], "ogg");
    assert_eq!(decision["transcodeStream"]["audioBitrate"], 96000);
    let params = decision["transcodeParams"].as_str().expect("params");
    let streamed = by_key
        .raw(
            "getTranscodeStream",
            "json",
            &[
                ("mediaId", song),
                ("mediaType", "song"),
                ("transcodeParams", params),
                ("offset", "1"),
            ],
        )
        .await;
    assert_eq!(streamed.status, 200);
    assert_eq!(streamed.headers["content-type"], "audio/ogg");
    let dir = std::env::temp_dir().join(format!("encore-transcoding-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let seconds = probed_seconds(&dir, &streamed.bytes);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        (seconds - 2.0).abs() < 0.6,
        "{seconds} s of a 3 s song from 1 s"
    );

    // What cannot be decided or streamed says which parameter is at fault.
    let bare = by_key
        .call(
            "getTranscodeDecision",
            &[("mediaId", song), ("mediaType", "song")],
        )
        .await;
    assert_eq!(bare["error"]["code"], 10, "{bare}");
    assert!(bare["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("body"));
    let silent = cat.tracks[1].as_str();
    let raw = by_key
        .post_json(
            "getTranscodeDecision",
            "json",
            &[("mediaId", silent)],
            &flac_player(),
        )
        .await;
    let answer: Value = serde_json::from_slice(&raw.bytes).expect("JSON");
    assert_eq!(answer["subsonic-response"]["error"]["code"], 70, "{answer}");
    for bad in [
        vec![("mediaId", song), ("transcodeParams", "flac-100")],
        vec![
            ("mediaId", song),
            ("mediaType", "podcast"),
            ("transcodeParams", params),
        ],
        vec![
            ("mediaId", song),
            ("transcodeParams", params),
            ("offset", "-5"),
        ],
    ] {
        assert_eq!(
            by_key.error("getTranscodeStream", &bad).await,
            10,
            "{bad:?}"
        );
    }

    gateway.stop().await;
    run.cleanup().await;
}
