//! `/rest/{method}`: the envelope, authentication, and the table of methods.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use encore_common::client::ClientAddr;
use futures_util::future::BoxFuture;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::context::{Ctx, Outcome, Reply, Subsonic};
use crate::early::HeadStart;
use crate::params::{Failure, Params};
use crate::response::{self, Format, Inner};
use crate::{
    annotate, auth, bookmarks, browse, discover, lists, media, playback, playlists, radio, scan,
    search, shares, system, transcoding,
};

/// `/rest/{method}`, with CORS for the configured origins (any by default:
/// browser-based clients on other origins; no cookies are involved, so no
/// credentials).
/// Ready to merge into the server's router, whatever its state.
pub fn router<S: Clone + Send + Sync + 'static>(
    state: Subsonic,
    cors_origins: &[String],
) -> Router<S> {
    let origins: Vec<HeaderValue> = cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let allow = if cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins)
    };
    // The methods and headers Subsonic web clients send (form posts, ranged
    // streams), and the streaming headers a player reads back.
    let cors = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::RANGE])
        .expose_headers([
            header::ACCEPT_RANGES,
            header::CONTENT_DISPOSITION,
            header::CONTENT_LENGTH,
            header::CONTENT_RANGE,
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
        .with_state(state)
}

#[tracing::instrument(name = "subsonic", skip_all, fields(method = tracing::field::Empty))]
async fn handle(
    State(state): State<Subsonic>,
    method: Result<Path<String>, PathRejection>,
    from: ClientAddr,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // A method name that is not UTF-8 (`/rest/%FFping`) still gets an
    // answer in the protocol's envelope, not axum's plain-text 400.
    let method = match method {
        Ok(Path(method)) => method.strip_suffix(".view").unwrap_or(&method).to_string(),
        Err(_) => String::new(),
    };
    tracing::Span::current().record("method", method.as_str());
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let params = Params::parse(query.as_deref(), is_form.then_some(&body[..]));
    let (format, bad_format) = match Format::of(params.get("f"), params.get("callback")) {
        Ok(format) => (format, None),
        Err(why) => (Format::Json, Some(Failure::invalid("callback", why))),
    };
    let outcome = match bad_format.map_or_else(|| checked(&params), Err) {
        Err(failure) => Err(failure),
        // OpenSubsonic: clients ask what the server supports before logging in.
        Ok(()) if method == "getOpenSubsonicExtensions" => Ok(system::extensions()),
        Ok(()) => {
            let fingerprint = auth::fingerprint(&params);
            let lately = fingerprint.and_then(|f| state.recent.whose(f));
            let check = auth::authenticate(&state, &params, fingerprint, from);
            let checked = match HeadStart::start(lately, &state.host, &method, &params) {
                Some(search) => (search.alongside(check).await).map(|(c, f)| (c, Some(f))),
                None => check.await.map(|caller| (caller, None)),
            };
            match checked {
                Err(failure) => Err(failure),
                Ok((caller, head_start)) => {
                    let ctx = Ctx {
                        state,
                        params,
                        caller,
                        headers,
                        body: if is_form { Bytes::new() } else { body },
                        head_start,
                    };
                    dispatch(&method, &ctx).await
                }
            }
        }
    };
    match outcome {
        Ok(Reply::Empty) => response::ok(&format, Inner::Nothing),
        Ok(Reply::Payload(element)) => response::ok(&format, Inner::Element(element)),
        Ok(Reply::List(element)) => response::ok(&format, Inner::Spliced(element)),
        Ok(Reply::Raw(response)) => response,
        Err(failure) => {
            tracing::debug!(code = failure.code, message = %failure.message, "subsonic error");
            let mut response = response::failed(&format, failure.code, &failure.message);
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
/// protocol version it speaks (errors 20 and 30 when it is not ours); and
/// the text rule, for every parameter of every method, in this one place.
fn checked(params: &Params) -> Result<(), Failure> {
    params.check_text()?;
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

/// An endpoint: the request in, its outcome out.
type Handler = for<'a> fn(&'a Ctx) -> BoxFuture<'a, Outcome>;

/// Every method Encore answers after authentication, by name: the router's
/// one list, which [`methods`] gives out to the fuzzer.
const ENDPOINTS: &[(&str, Handler)] = &[
    ("ping", |_| Box::pin(async { Ok(Reply::Empty) })),
    ("getLicense", |_| Box::pin(async { Ok(system::license()) })),
    ("tokenInfo", |ctx| {
        Box::pin(async move { system::token_info(ctx) })
    }),
    ("getUser", |ctx| Box::pin(system::user(ctx))),
    ("getUsers", |ctx| Box::pin(system::users(ctx))),
    ("getAvatar", |ctx| Box::pin(media::avatar(ctx))),
    ("getMusicFolders", |_| {
        Box::pin(async { Ok(system::music_folders()) })
    }),
    ("getIndexes", |ctx| Box::pin(browse::indexes(ctx))),
    ("getArtists", |ctx| Box::pin(browse::artists(ctx))),
    ("getArtist", |ctx| Box::pin(browse::artist(ctx))),
    ("getAlbum", |ctx| Box::pin(browse::album(ctx))),
    ("getSong", |ctx| Box::pin(browse::song(ctx))),
    ("getMusicDirectory", |ctx| Box::pin(browse::directory(ctx))),
    ("getGenres", |ctx| Box::pin(browse::genres(ctx))),
    ("getAlbumList", |ctx| {
        Box::pin(lists::album_list(ctx, false))
    }),
    ("getAlbumList2", |ctx| {
        Box::pin(lists::album_list(ctx, true))
    }),
    ("getRandomSongs", |ctx| Box::pin(lists::random_songs(ctx))),
    ("getSongsByGenre", |ctx| {
        Box::pin(lists::songs_by_genre(ctx))
    }),
    ("getStarred", |ctx| Box::pin(lists::starred(ctx, false))),
    ("getStarred2", |ctx| Box::pin(lists::starred(ctx, true))),
    ("search2", |ctx| Box::pin(search::search(ctx, false))),
    ("search3", |ctx| Box::pin(search::search(ctx, true))),
    ("getPlaylists", |ctx| Box::pin(playlists::list(ctx))),
    ("getPlaylist", |ctx| Box::pin(playlists::get(ctx))),
    ("createPlaylist", |ctx| Box::pin(playlists::create(ctx))),
    ("updatePlaylist", |ctx| Box::pin(playlists::update(ctx))),
    ("deletePlaylist", |ctx| Box::pin(playlists::delete(ctx))),
    ("stream", |ctx| Box::pin(media::stream(ctx, false))),
    ("download", |ctx| Box::pin(media::stream(ctx, true))),
    ("getCoverArt", |ctx| Box::pin(media::cover_art(ctx))),
    ("star", |ctx| Box::pin(annotate::star(ctx, true))),
    ("unstar", |ctx| Box::pin(annotate::star(ctx, false))),
    ("scrobble", |ctx| Box::pin(annotate::scrobble(ctx))),
    ("setRating", |ctx| Box::pin(annotate::rate(ctx))),
    ("reportPlayback", |ctx| Box::pin(playback::report(ctx))),
    ("getNowPlaying", |ctx| Box::pin(playback::now_playing(ctx))),
    ("savePlayQueue", |ctx| Box::pin(playback::save_queue(ctx))),
    ("getPlayQueue", |ctx| Box::pin(playback::queue(ctx))),
    ("savePlayQueueByIndex", |ctx| {
        Box::pin(playback::save_queue_by_index(ctx))
    }),
    ("getPlayQueueByIndex", |ctx| {
        Box::pin(playback::queue_by_index(ctx))
    }),
    ("getBookmarks", |ctx| Box::pin(bookmarks::list(ctx))),
    ("createBookmark", |ctx| Box::pin(bookmarks::create(ctx))),
    ("deleteBookmark", |ctx| Box::pin(bookmarks::delete(ctx))),
    ("getShares", |ctx| Box::pin(shares::list(ctx))),
    ("createShare", |ctx| Box::pin(shares::create(ctx))),
    ("updateShare", |ctx| Box::pin(shares::update(ctx))),
    ("deleteShare", |ctx| Box::pin(shares::delete(ctx))),
    ("getInternetRadioStations", |ctx| Box::pin(radio::list(ctx))),
    ("createInternetRadioStation", |ctx| {
        Box::pin(radio::create(ctx))
    }),
    ("updateInternetRadioStation", |ctx| {
        Box::pin(radio::update(ctx))
    }),
    ("deleteInternetRadioStation", |ctx| {
        Box::pin(radio::delete(ctx))
    }),
    ("getTopSongs", |ctx| Box::pin(discover::top_songs(ctx))),
    ("getSimilarSongs", |ctx| {
        Box::pin(discover::similar_songs(ctx, false))
    }),
    ("getSimilarSongs2", |ctx| {
        Box::pin(discover::similar_songs(ctx, true))
    }),
    ("getLyricsBySongId", |ctx| {
        Box::pin(discover::lyrics_by_song(ctx))
    }),
    ("getLyrics", |ctx| Box::pin(discover::lyrics(ctx))),
    ("getArtistInfo", |ctx| {
        Box::pin(discover::artist_info(ctx, false))
    }),
    ("getArtistInfo2", |ctx| {
        Box::pin(discover::artist_info(ctx, true))
    }),
    ("getAlbumInfo", |ctx| Box::pin(discover::album_info(ctx))),
    ("getAlbumInfo2", |ctx| Box::pin(discover::album_info(ctx))),
    ("getTranscodeDecision", |ctx| {
        Box::pin(transcoding::decision(ctx))
    }),
    ("getTranscodeStream", |ctx| {
        Box::pin(transcoding::stream(ctx))
    }),
    ("getScanStatus", |ctx| Box::pin(scan::scan_status(ctx))),
    ("startScan", |ctx| Box::pin(scan::start_scan(ctx))),
];

/// The methods `/rest` answers: the one that needs no login, then every
/// method of the router's table. What the tests' fuzzer walks.
pub fn methods() -> impl Iterator<Item = &'static str> {
    std::iter::once("getOpenSubsonicExtensions").chain(ENDPOINTS.iter().map(|(name, _)| *name))
}

async fn dispatch(method: &str, ctx: &Ctx) -> Outcome {
    match ENDPOINTS.iter().find(|(name, _)| *name == method) {
        Some((_, handler)) => handler(ctx).await,
        None if method.is_empty() => Err(Failure::generic("the method name is not valid UTF-8")),
        None => Err(Failure::generic(format!(
            "{method} is not implemented by Encore"
        ))),
    }
}
