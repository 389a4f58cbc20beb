//! Album covers and artist pictures: uploaded by the artist's accounts or
//! an admin, scaled on request, and served to Subsonic apps by `getCoverArt`.

use std::path::Path;
use std::process::Command;

use encore_tests::api::{register, Api};
use encore_tests::TestRun;
use serde_json::json;

use crate::subsonic::app_of;

/// A `width`×`height` PNG made by ffmpeg, and ffprobe's reading of an image.
fn png(dir: &Path, width: u32, height: u32) -> Vec<u8> {
    let out = dir.join(format!("cover-{width}x{height}.png"));
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("color=c=orange:s={width}x{height}"))
        .args(["-frames:v", "1"])
        .arg(&out)
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "ffmpeg (scripts/stack installs it)"
    );
    std::fs::read(&out).expect("the PNG")
}

fn dimensions(dir: &Path, bytes: &[u8]) -> (String, String) {
    let path = dir.join(format!("probe-{}", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).expect("a probe file");
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .expect("ffprobe");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (codec, size) = text.split_once(',').unwrap_or((&text, ""));
    (codec.to_string(), size.replace(',', "x"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn covers_upload_scale_and_reach_subsonic_apps() {
    let run = TestRun::new("covers");
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "cover-admin", "admin").await;
    let (artist, album, track) = admin
        .artist_album_track("Painters", "Orange", "Tangerine")
        .await;
    let album_id = album["id"].as_str().expect("id").to_string();
    let bare = admin
        .api
        .post(
            "/v1/albums",
            json!({"artist_id": artist["id"], "title": "Unpainted"}),
        )
        .await
        .expect(201);
    let bare_album = bare["id"].as_str().expect("id").to_string();
    let dir = std::env::temp_dir().join(format!("encore-covers-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let image = png(&dir, 640, 480);
    let put = |who: &Api, body: Vec<u8>| {
        let request = who
            .request(
                reqwest::Method::PUT,
                &format!("/v1/albums/{album_id}/cover"),
            )
            .header("content-type", "image/png")
            .body(body);
        let who = who.clone();
        async move { who.send(request).await }
    };

    let listener = register(&api, "viewer").await;
    assert_eq!(put(&listener.api, image.clone()).await.status, 403);
    assert_eq!(put(&admin.api, b"<svg/>".to_vec()).await.status, 415);
    let updated = put(&admin.api, image.clone()).await.expect(200);
    assert_eq!(updated["cover_url"], format!("/v1/albums/{album_id}/cover"));
    assert_eq!(updated["version"], 2, "a published change");

    let original = reqwest::get(gateway.url(&format!("/v1/albums/{album_id}/cover")))
        .await
        .expect("an answer");
    assert_eq!(original.headers()["content-type"], "image/png");
    assert_eq!(original.bytes().await.expect("bytes"), image);
    for _ in 0..2 {
        // Made once, then read back from storage.
        let scaled = reqwest::get(gateway.url(&format!("/v1/albums/{album_id}/cover?size=100")))
            .await
            .expect("an answer");
        assert_eq!(scaled.headers()["content-type"], "image/jpeg");
        let bytes = scaled.bytes().await.expect("bytes");
        assert_eq!(dimensions(&dir, &bytes), ("mjpeg".into(), "100x75".into()));
    }
    let tiny = api
        .get(&format!("/v1/albums/{album_id}/cover?size=5"))
        .await;
    assert_eq!(tiny.error_fields(), ["size"]);

    // The address stays while the image changes: a copy is checked with its
    // ETag, unchanged is a 304 without the image, and a new upload is seen at once.
    let cover = gateway.url(&format!("/v1/albums/{album_id}/cover?size=100"));
    let client = reqwest::Client::new();
    let first = client.get(&cover).send().await.expect("an answer");
    assert_eq!(first.headers()["cache-control"], "public, no-cache");
    let tag = first.headers()["etag"]
        .to_str()
        .expect("an ETag")
        .to_string();
    let check = || client.get(&cover).header("if-none-match", &tag).send();
    let same = check().await.expect("an answer");
    assert_eq!(same.status(), 304);
    assert!(same.bytes().await.expect("bytes").is_empty());
    put(&admin.api, png(&dir, 320, 320)).await.expect(200);
    let changed = check().await.expect("an answer");
    assert_eq!(changed.status(), 200, "a new cover is a new tag");
    assert_ne!(changed.headers()["etag"].to_str().expect("an ETag"), tag);
    assert_eq!(
        dimensions(&dir, &changed.bytes().await.expect("bytes")).1,
        "100x100"
    );
    put(&admin.api, image.clone()).await.expect(200);

    // Subsonic: albums and their songs name the cover; any of them finds it.
    let app = app_of(&listener, &gateway.url(""), "art").await;
    let got = app.ok("getAlbum", &[("id", &album_id)]).await;
    assert_eq!(got["album"]["coverArt"], album_id.as_str());
    assert_eq!(got["album"]["song"][0]["coverArt"], album_id.as_str());
    let ids = [
        album_id.clone(),
        track["id"].as_str().expect("id").to_string(),
        artist["id"].as_str().expect("id").to_string(),
    ];
    for id in &ids {
        let art = app
            .raw("getCoverArt", "json", &[("id", id), ("size", "64")])
            .await;
        assert_eq!(art.headers["content-type"], "image/jpeg", "{id}");
        assert_eq!(dimensions(&dir, &art.bytes).1, "64x48");
    }
    let info = app.ok("getAlbumInfo2", &[("id", &album_id)]).await;
    let large = info["albumInfo"]["largeImageUrl"]
        .as_str()
        .expect("a cover URL");
    assert!(
        large.ends_with(&format!("/v1/albums/{album_id}/cover?size=1200")),
        "{large}"
    );
    let fetched = reqwest::get(large).await.expect("an answer");
    assert_eq!(fetched.status(), 200, "{large}");
    // Without a cover, or for an id that names nothing, apps get a picture
    // to show (the placeholder), never an error they would draw as a
    // broken tile; an id that is no id of Encore's at all is still 70.
    let nothing = uuid::Uuid::new_v4().to_string();
    for id in [nothing.as_str(), bare_album.as_str()] {
        let art = app.raw("getCoverArt", "json", &[("id", id)]).await;
        assert_eq!(art.headers["content-type"], "image/png", "{id}");
        assert_eq!(dimensions(&dir, &art.bytes).1, "300x300", "{id}");
    }
    assert_eq!(app.error("getCoverArt", &[("id", "not-an-id")]).await, 70);
    let _ = std::fs::remove_dir_all(&dir);
    gateway.stop().await;
    run.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artist_pictures_upload_scale_and_reach_subsonic_apps() {
    let run = TestRun::new("artist-images");
    // getArtistInfo2 reads similar artists from the warehouse the etl makes.
    let etl = run.start_etl(run.etl_config()).await;
    let gateway = run.start_gateway().await;
    let api = Api::new(&gateway);
    let admin = run.account_with_role(&api, "image-admin", "admin").await;
    let (artist, album, _) = admin
        .artist_album_track("Sculptors", "Marble", "Chisel")
        .await;
    let artist_id = artist["id"].as_str().expect("id").to_string();
    let album_id = album["id"].as_str().expect("id").to_string();
    let dir = std::env::temp_dir().join(format!("encore-artist-images-{}", run.id));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let put = |who: &Api, path: String, body: Vec<u8>| {
        let request = who
            .request(reqwest::Method::PUT, &path)
            .header("content-type", "image/png")
            .body(body);
        let who = who.clone();
        async move { who.send(request).await }
    };
    let image_path = format!("/v1/artists/{artist_id}/image");

    assert_eq!(
        api.get(&image_path).await.status,
        404,
        "no picture before one is uploaded"
    );
    let listener = register(&api, "onlooker").await;
    let picture = png(&dir, 400, 400);
    assert_eq!(
        put(&listener.api, image_path.clone(), picture.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        put(&admin.api, image_path.clone(), b"GIF87".to_vec())
            .await
            .status,
        415
    );
    let updated = put(&admin.api, image_path.clone(), picture.clone())
        .await
        .expect(200);
    assert_eq!(updated["image_url"], image_path.as_str());
    assert_eq!(updated["version"], 2, "a published change");
    let original = reqwest::get(gateway.url(&image_path))
        .await
        .expect("an answer");
    assert_eq!(original.headers()["content-type"], "image/png");
    assert_eq!(original.bytes().await.expect("bytes"), picture);
    let scaled = reqwest::get(gateway.url(&format!("{image_path}?size=50")))
        .await
        .expect("an answer");
    let bytes = scaled.bytes().await.expect("bytes");
    assert_eq!(dimensions(&dir, &bytes), ("mjpeg".into(), "50x50".into()));

    // The album's own cover stays the album's; the artist's id is its picture.
    put(
        &admin.api,
        format!("/v1/albums/{album_id}/cover"),
        png(&dir, 200, 100),
    )
    .await
    .expect(200);
    let app = app_of(&listener, &gateway.url(""), "art").await;
    let got = app.ok("getArtist", &[("id", &artist_id)]).await;
    assert_eq!(got["artist"]["coverArt"], artist_id.as_str());
    let art = app.raw("getCoverArt", "json", &[("id", &artist_id)]).await;
    assert_eq!(
        art.bytes, picture,
        "the artist's picture, not its album's cover"
    );
    let art = app
        .raw("getCoverArt", "json", &[("id", &album_id), ("size", "64")])
        .await;
    assert_eq!(dimensions(&dir, &art.bytes).1, "64x32", "the album's cover");
    let info = app.ok("getArtistInfo2", &[("id", &artist_id)]).await;
    let large = info["artistInfo2"]["largeImageUrl"]
        .as_str()
        .expect("a picture URL");
    assert!(
        large.ends_with(&format!("{image_path}?size=1200")),
        "{large}"
    );
    assert_eq!(reqwest::get(large).await.expect("an answer").status(), 200);

    // Naming the picture's own address keeps it; another URL forgets the
    // upload, for artists and albums alike.
    for (path, field, own, gone) in [
        (
            format!("/v1/artists/{artist_id}"),
            "image_url",
            image_path.clone(),
            "artist image",
        ),
        (
            format!("/v1/albums/{album_id}"),
            "cover_url",
            format!("/v1/albums/{album_id}/cover"),
            "cover",
        ),
    ] {
        admin
            .api
            .patch(&path, json!({ field: own }))
            .await
            .expect(200);
        assert_eq!(api.get(&own).await.status, 200, "{own} kept");
        admin
            .api
            .patch(&path, json!({ field: "https://img.example/s.jpg" }))
            .await
            .expect(200);
        let answer = api.get(&own).await;
        assert_eq!(answer.status, 404, "{own} forgotten");
        assert!(answer.body.to_string().contains(gone), "{}", answer.body);
    }
    let _ = std::fs::remove_dir_all(&dir);
    etl.stop().await;
    gateway.stop().await;
    run.cleanup().await;
}
