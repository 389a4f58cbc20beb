//! Audio upload and ranged streaming, with real files made by sox and opusenc at test time.

use encore_tests::api::{Account, Api};
use encore_tests::audio::{long_tone, quieter_tone, tone};
use encore_tests::TestRun;

/// A new track without audio yet; its id.
async fn new_track(admin: &Account) -> String {
    let (_, _, track) = admin
        .artist_album_track("Tone Generator", "Tones", "Sine")
        .await;
    track["id"].as_str().expect("id").to_string()
}

async fn upload(api: &Api, track: &str, bytes: Vec<u8>) -> encore_tests::api::Answer {
    api.send(
        api.request(reqwest::Method::POST, &format!("/v1/tracks/{track}/audio"))
            .header("content-type", "application/octet-stream")
            .body(bytes),
    )
    .await
}

async fn stream(
    api: &Api,
    track: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = api.request(reqwest::Method::GET, &format!("/v1/tracks/{track}/stream"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_uploads_and_streams_byte_exact_with_ranges() {
    let run = TestRun::new("audio-formats");
    let gateway = run.start_gateway().await;
    let admin = run
        .account_with_role(&Api::new(&gateway), "adm", "admin")
        .await;
    let dir = std::env::temp_dir().join(format!("encore-audio-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");

    for (format, expected_format, content_type) in [
        ("wav", "wav", "audio/wav"),
        ("flac", "flac", "audio/flac"),
        ("ogg", "vorbis", "audio/ogg"),
        ("mp3", "mp3", "audio/mpeg"),
        ("opus", "opus", "audio/ogg"),
    ] {
        let bytes = tone(&dir, format);
        let track = new_track(&admin).await;
        let uploaded = upload(&admin.api, &track, bytes.clone()).await.expect(200);
        assert_eq!(uploaded["audio"]["format"], expected_format, "{format}");
        let duration = uploaded["audio"]["duration_ms"].as_i64().expect("duration");
        assert!(
            (2_900..=3_100).contains(&duration),
            "{format}: {duration} ms"
        );
        assert_eq!(uploaded["track"]["duration_ms"], duration);
        assert_eq!(uploaded["track"]["version"], 2);

        let (status, headers, body) = stream(&admin.api, &track, &[]).await;
        assert_eq!(status, 200, "{format}");
        assert_eq!(body, bytes, "{format}: the whole file, byte for byte");
        assert_eq!(headers["content-type"], content_type);
        assert_eq!(headers["accept-ranges"], "bytes");
        let etag = headers["etag"].to_str().expect("etag").to_string();

        let (status, headers, body) =
            stream(&admin.api, &track, &[("range", "bytes=100-1099")]).await;
        assert_eq!(status, 206);
        assert_eq!(body, bytes[100..1100]);
        assert_eq!(
            headers["content-range"],
            format!("bytes 100-1099/{}", bytes.len()).as_str()
        );
        let (status, _, body) = stream(&admin.api, &track, &[("range", "bytes=-64")]).await;
        assert_eq!((status, body.as_slice()), (206, &bytes[bytes.len() - 64..]));
        let from = format!("bytes={}-", bytes.len() - 10);
        let (status, _, body) = stream(&admin.api, &track, &[("range", &from)]).await;
        assert_eq!((status, body.as_slice()), (206, &bytes[bytes.len() - 10..]));
        let past = format!("bytes={}-", bytes.len());
        let (status, headers, _) = stream(&admin.api, &track, &[("range", &past)]).await;
        assert_eq!(status, 416);
        assert_eq!(
            headers["content-range"],
            format!("bytes */{}", bytes.len()).as_str()
        );
        let (status, _, _) = stream(&admin.api, &track, &[("if-none-match", &etag)]).await;
        assert_eq!(status, 304);
        let (status, _, body) = stream(
            &admin.api,
            &track,
            &[("range", "bytes=0-9"), ("if-range", "\"old\"")],
        )
        .await;
        assert_eq!(
            (status, body.len()),
            (200, bytes.len()),
            "a stale If-Range gets the whole file"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_uploads_read_tags_and_fakes_are_refused() {
    let run = TestRun::new("audio-checks");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let stranger = run.account_with_role(&api, "str", "artist").await;
    let dir = std::env::temp_dir().join(format!("encore-audio-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let track = new_track(&admin).await;

    let flac = tone(&dir, "flac");
    let form = reqwest::multipart::Form::new()
        .text("note", "ignored")
        .part(
            "file",
            reqwest::multipart::Part::bytes(flac.clone()).file_name("tone.flac"),
        );
    let uploaded = admin
        .api
        .send(
            admin
                .api
                .request(reqwest::Method::POST, &format!("/v1/tracks/{track}/audio"))
                .multipart(form),
        )
        .await
        .expect(200);
    assert_eq!(uploaded["audio"]["format"], "flac");
    assert_eq!(uploaded["audio"]["tags"]["title"], "Sine Song");
    let opus = upload(&admin.api, &track, tone(&dir, "opus"))
        .await
        .expect(200);
    assert_eq!(opus["audio"]["tags"]["artist"], "Opus Artist");

    let text = upload(
        &admin.api,
        &track,
        b"ID3 this is not an mp3 at all".to_vec(),
    )
    .await;
    assert_eq!(text.status, 415);
    let mut cut = flac.clone();
    cut.truncate(200);
    assert_eq!(
        upload(&admin.api, &track, cut).await.status,
        415,
        "a truncated FLAC is not audio we serve"
    );
    assert_eq!(upload(&admin.api, &track, Vec::new()).await.status, 400);
    assert_eq!(
        upload(&stranger.api, &track, flac.clone()).await.status,
        403
    );
    let missing = format!("{}", uuid::Uuid::new_v4());
    assert_eq!(upload(&admin.api, &missing, flac).await.status, 404);
    assert_eq!(stream(&admin.api, &missing, &[]).await.0, 404);
    assert_eq!(stream(&api, &track, &[]).await.0, 401);
    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}

/// The same bytes given to a second track take the first one's measure
/// rather than being decoded again: the stored measure is changed by hand,
/// and the second upload reports that changed value, not a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_file_on_another_track_reuses_its_measured_loudness() {
    let run = TestRun::new("audio-reuse");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let dir = std::env::temp_dir().join(format!("encore-audio-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let (first, second) = (new_track(&admin).await, new_track(&admin).await);
    let bytes = tone(&dir, "opus");
    upload(&admin.api, &first, bytes.clone()).await.expect(200);
    let db = run.postgres().await;
    let measured: Option<f32> =
        sqlx::query_scalar("SELECT loudness_lufs FROM tracks WHERE id = $1::uuid")
            .bind(&first)
            .fetch_one(&db)
            .await
            .expect("the first track");
    assert!(measured.is_some(), "the upload is measured");
    sqlx::query("UPDATE tracks SET loudness_lufs = -30, true_peak_dbtp = -6 WHERE id = $1::uuid")
        .bind(&first)
        .execute(&db)
        .await
        .expect("a marked measure");

    upload(&admin.api, &second, bytes).await.expect(200);
    let url = admin
        .api
        .get(&format!("/v1/tracks/{second}/stream-url"))
        .await
        .expect(200);
    // ReplayGain 2.0: -18 LUFS - (-30 LUFS) = +12 dB; -6 dBTP = 0.501 of full scale.
    assert_eq!(url["loudness"]["gain_db"], 12.0, "{url}");
    let peak = url["loudness"]["peak"].as_f64().expect("a peak");
    assert!((peak - 0.501).abs() < 0.001, "{url}");

    // Other bytes are measured afresh.
    upload(&admin.api, &second, tone(&dir, "flac"))
        .await
        .expect(200);
    let url = admin
        .api
        .get(&format!("/v1/tracks/{second}/stream-url"))
        .await
        .expect(200);
    assert_ne!(url["loudness"]["gain_db"], 12.0, "{url}");
    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}

/// An album's gain is its songs' together, kept on the album: it follows a
/// song that moves to another album or is deleted, natively and on Subsonic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_albums_gain_follows_its_songs_as_they_move_and_go() {
    let run = TestRun::new("audio-album-gain");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "adm", "admin").await;
    let dir = std::env::temp_dir().join(format!("encore-audio-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let (artist, first_album, loud) = admin.artist_album_track("Gain Band", "First", "Loud").await;
    let loud = loud["id"].as_str().expect("an id").to_string();
    let quiet = admin
        .api
        .post("/v1/tracks", serde_json::json!({"artist_id": artist["id"], "album_id": first_album["id"], "title": "Quiet"}))
        .await
        .expect(201)["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let second_album = admin
        .api
        .post(
            "/v1/albums",
            serde_json::json!({"artist_id": artist["id"], "title": "Second"}),
        )
        .await
        .expect(201);
    admin.upload_audio(&loud, long_tone(&dir, 4)).await;
    admin.upload_audio(&quiet, quieter_tone(&dir, 4, 20)).await;
    let gains = |track: String| {
        let api = admin.api.clone();
        async move {
            let url = api
                .get(&format!("/v1/tracks/{track}/stream-url"))
                .await
                .expect(200);
            (
                url["loudness"]["gain_db"].as_f64(),
                url["album_loudness"]["gain_db"].as_f64(),
            )
        }
    };
    let (own, together) = gains(loud.clone()).await;
    let (own, together) = (own.expect("measured"), together.expect("an album gain"));
    // Equal lengths: the album is as loud as the two tracks' mean energy.
    let quiet_own = gains(quiet.clone()).await.0.expect("measured");
    let lufs = |gain: f64| -18.0 - gain;
    let energy = (10f64.powf(lufs(own) / 10.0) + 10f64.powf(lufs(quiet_own) / 10.0)) / 2.0;
    let expected = -18.0 - 10.0 * energy.log10();
    assert!(
        (together - expected).abs() < 0.05 && quiet_own > own + 15.0,
        "album {together}, expected {expected}, from {own} and {quiet_own}"
    );
    assert_eq!(gains(quiet.clone()).await.1, Some(together));

    admin
        .api
        .patch(
            &format!("/v1/tracks/{quiet}"),
            serde_json::json!({"album_id": second_album["id"]}),
        )
        .await
        .expect(200);
    assert_eq!(
        gains(loud.clone()).await,
        (Some(own), Some(own)),
        "the album it left"
    );
    assert_eq!(
        gains(quiet.clone()).await,
        (Some(quiet_own), Some(quiet_own)),
        "the album it joined"
    );

    // Subsonic apps read the same, as replayGain.albumGain.
    let app = crate::subsonic::app_of(&admin, &gateway.url(""), "gain").await;
    let song = app.ok("getSong", &[("id", loud.as_str())]).await;
    let gain = &song["song"]["replayGain"];
    assert_eq!(gain["albumGain"].as_f64(), Some(own), "{song}");

    admin
        .api
        .delete(&format!("/v1/tracks/{quiet}"))
        .await
        .expect(204);
    let stored: Option<f32> =
        sqlx::query_scalar("SELECT loudness_lufs FROM albums WHERE id = $1::uuid")
            .bind(second_album["id"].as_str().expect("an id"))
            .fetch_one(&run.postgres().await)
            .await
            .expect("the album");
    assert_eq!(stored, None, "an album with no measured song has no gain");
    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}
