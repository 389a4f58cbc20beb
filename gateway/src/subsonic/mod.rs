//! The Subsonic API (1.16.1) with OpenSubsonic extensions, under `/rest`,
//! so the apps people already use (DSub, Symfonium, Feishin, ...) work with
//! Encore. It is another face of the same data: the playlists, stars and
//! plays are the native API's, and a scrobble is a playback event.
//!
//! - `params`: parameters (query or form POST) and the protocol's errors;
//! - [`response`]: the `subsonic-response` envelope in XML or JSON;
//! - `auth`: API keys and app passwords, never the account password;
//! - [`model`]: artists, albums and songs as elements;
//! - the endpoints, by the protocol's own grouping: `system`, `browse`,
//!   `lists`, `discover`, `search`, `playlists`, `media`, `annotate`,
//!   `playback`.
//!
//! Every endpoint answers with or without `.view`, to GET and to form POST.
//! A method Encore does not implement answers a protocol error, never a 404.

mod annotate;
mod auth;
mod browse;
mod discover;
mod lists;
mod media;
pub mod model;
mod params;
mod playback;
mod playlists;
pub mod response;
mod search;
mod system;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use self::auth::Caller;
use self::params::{Failure, Params};
use self::response::{Element, Format, Inner};
use crate::auth::throttle::ClientAddr;
use crate::AppState;

/// `/rest/{method}`, with CORS for the configured origins (browser-based
/// clients on other origins; no cookies are involved, so no credentials).
pub fn router(cors_origins: &[String]) -> Router<AppState> {
    let origins: Vec<HeaderValue> = cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let allow = if cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    let cors = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::RANGE])
        .expose_headers([
            header::CONTENT_RANGE,
            header::CONTENT_LENGTH,
            header::RETRY_AFTER,
        ]);
    // OPTIONS is routed so that the CORS layer (which answers preflights
    // itself) sees it; the app's 405 fallback would answer it otherwise.
    let preflight = || async { axum::http::StatusCode::NO_CONTENT };
    Router::new()
        .route(
            "/rest/{method}",
            get(handle).post(handle).options(preflight),
        )
        .layer(cors)
}

/// One request, authenticated.
struct Ctx {
    state: AppState,
    params: Params,
    caller: Caller,
    headers: HeaderMap,
}

/// What an endpoint answers.
enum Reply {
    /// `status="ok"` and nothing else.
    Empty,
    /// `status="ok"` with this payload.
    Payload(Element),
    /// `status="ok"` with this element's children straight in the envelope.
    List(Element),
    /// Not an envelope: audio, images.
    Raw(Response),
}

type Outcome = Result<Reply, Failure>;

#[tracing::instrument(name = "subsonic", skip_all, fields(method = %method))]
async fn handle(
    State(state): State<AppState>,
    Path(method): Path<String>,
    from: ClientAddr,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let method = method.strip_suffix(".view").unwrap_or(&method).to_string();
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let params = Params::parse(query.as_deref(), is_form.then_some(&body[..]));
    let format = Format::of(params.get("f"));
    let outcome = match checked(&params) {
        Err(failure) => Err(failure),
        // OpenSubsonic: clients ask what the server supports before logging in.
        Ok(()) if method == "getOpenSubsonicExtensions" => Ok(system::extensions()),
        Ok(()) => match auth::authenticate(&state, &params, from).await {
            Err(failure) => Err(failure),
            Ok(caller) => {
                let ctx = Ctx {
                    state,
                    params,
                    caller,
                    headers,
                };
                dispatch(&method, &ctx).await
            }
        },
    };
    match outcome {
        Ok(Reply::Empty) => response::ok(format, Inner::Nothing),
        Ok(Reply::Payload(element)) => response::ok(format, Inner::Element(&element)),
        Ok(Reply::List(element)) => response::ok(format, Inner::Spliced(&element)),
        Ok(Reply::Raw(response)) => response,
        Err(failure) => {
            tracing::debug!(code = failure.code, message = %failure.message, "subsonic error");
            let mut response = response::failed(format, failure.code, &failure.message);
            if let Some(secs) = failure.retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

/// The parameters every request carries: the client's name and the
/// protocol version it speaks (errors 20 and 30 when it is not ours).
fn checked(params: &Params) -> Result<(), Failure> {
    params.required("c")?;
    let version = params.required("v")?;
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse::<u32>().ok())
        .ok_or_else(|| Failure::invalid("v", "must be a version such as 1.16.1"))?;
    match major {
        0 => Err(Failure::new(
            20,
            "incompatible Subsonic REST protocol version: the client must upgrade",
        )),
        1 => Ok(()),
        _ => Err(Failure::new(
            30,
            format!(
                "incompatible Subsonic REST protocol version: this server speaks {}",
                response::VERSION
            ),
        )),
    }
}

async fn dispatch(method: &str, ctx: &Ctx) -> Outcome {
    match method {
        "ping" => Ok(Reply::Empty),
        "getLicense" => Ok(system::license()),
        "tokenInfo" => system::token_info(ctx),
        "getUser" => system::user(ctx).await,
        "getMusicFolders" => Ok(system::music_folders()),
        "getIndexes" => browse::indexes(ctx).await,
        "getArtists" => browse::artists(ctx).await,
        "getArtist" => browse::artist(ctx).await,
        "getAlbum" => browse::album(ctx).await,
        "getSong" => browse::song(ctx).await,
        "getMusicDirectory" => browse::directory(ctx).await,
        "getGenres" => browse::genres(ctx).await,
        "getAlbumList" => lists::album_list(ctx, false).await,
        "getAlbumList2" => lists::album_list(ctx, true).await,
        "getRandomSongs" => lists::random_songs(ctx).await,
        "getSongsByGenre" => lists::songs_by_genre(ctx).await,
        "getStarred" => lists::starred(ctx, false).await,
        "getStarred2" => lists::starred(ctx, true).await,
        "search2" => search::search(ctx, false).await,
        "search3" => search::search(ctx, true).await,
        "getPlaylists" => playlists::list(ctx).await,
        "getPlaylist" => playlists::get(ctx).await,
        "createPlaylist" => playlists::create(ctx).await,
        "updatePlaylist" => playlists::update(ctx).await,
        "deletePlaylist" => playlists::delete(ctx).await,
        "stream" => media::stream(ctx, false).await,
        "download" => media::stream(ctx, true).await,
        "getCoverArt" => media::cover_art(ctx).await,
        "star" => annotate::star(ctx, true).await,
        "unstar" => annotate::star(ctx, false).await,
        "scrobble" => annotate::scrobble(ctx).await,
        "setRating" => annotate::rate(ctx).await,
        "reportPlayback" => playback::report(ctx).await,
        "getNowPlaying" => playback::now_playing(ctx).await,
        "savePlayQueue" => playback::save_queue(ctx).await,
        "getPlayQueue" => playback::queue(ctx).await,
        "getTopSongs" => discover::top_songs(ctx).await,
        "getSimilarSongs" => discover::similar_songs(ctx, false).await,
        "getSimilarSongs2" => discover::similar_songs(ctx, true).await,
        "getLyricsBySongId" => discover::lyrics_by_song(ctx).await,
        "getLyrics" => discover::lyrics(ctx),
        "getArtistInfo2" => discover::artist_info(ctx).await,
        "getAlbumInfo2" => discover::album_info(ctx).await,
        other => Err(Failure::generic(format!(
            "{other} is not implemented by Encore"
        ))),
    }
}
