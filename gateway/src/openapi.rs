//! The OpenAPI description of every endpoint, served at `/openapi.json`, with
//! a browsable reference (Scalar, served from the web build) at `/docs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    admin, audio, auth, catalog, charts, dashboard, discovery, library, me, playback, radio,
    recommend, search, shares,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Encore", description = "The Encore music-streaming API. Errors share one shape: \
        `{\"error\": {\"code\", \"message\", \"fields\": [{\"index\"?, \"field\", \"message\"}]}}`."),
    paths(
        auth::routes::register, auth::routes::login, auth::routes::refresh, auth::routes::logout,
        auth::apps::create_app_password, auth::apps::list_app_passwords, auth::apps::revoke_app_password,
        auth::apps::create_api_key, auth::apps::list_api_keys, auth::apps::revoke_api_key,
        me::get_me, me::update_me, me::delete_me, me::put_avatar, me::get_avatar,
        catalog::artists::list, catalog::artists::get, catalog::artists::create,
        catalog::artists::update, catalog::artists::delete,
        catalog::albums::list, catalog::albums::get, catalog::albums::create,
        catalog::albums::update, catalog::albums::delete,
        catalog::covers::put_cover, catalog::covers::get_cover, catalog::covers::put_image, catalog::covers::get_image,
        catalog::lyrics::get_lyrics, catalog::lyrics::put_lyrics, catalog::lyrics::delete_lyrics,
        catalog::browse::browse,
        catalog::tracks::list, catalog::tracks::get, catalog::tracks::create,
        catalog::tracks::update, catalog::tracks::delete,
        audio::upload, audio::stream, audio::stream_url,
        library::playlists::create, library::playlists::get, library::playlists::list_mine,
        library::playlists::update, library::playlists::delete, library::playlists::items::add_item,
        library::playlists::items::remove_item, library::playlists::items::move_item,
        library::likes::like, library::likes::unlike, library::likes::list,
        library::bookmarks::list, library::bookmarks::save, library::bookmarks::remove,
        library::history::list,
        library::queue::load, library::queue::save, library::queue::clear,
        shares::list, shares::create, shares::update, shares::remove, shares::open, shares::stream,
        playback::post_batch,
        search::search, search::suggest, search::events::click,
        charts::top_tracks, charts::top_artists, charts::trending, charts::my_stats,
        recommend::similar, recommend::mine, discovery::radio,
        radio::list, radio::create, radio::update, radio::remove,
        admin::set_role, admin::add_member, admin::remove_member,
        admin::request_sync, admin::get_sync, admin::claim_sync, admin::finish_sync,
        dashboard::analytics, dashboard::live,
        catalog::import::import, catalog::matching::match_tracks,
    ),
    components(schemas(library::likes::LikeKind)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, sessions and the caller's profile"),
        (name = "catalog", description = "Artists, albums and tracks"),
        (name = "audio", description = "Uploading and streaming audio"),
        (name = "library", description = "Playlists, likes, bookmarks, share links and listening history"),
        (name = "playback", description = "Playback events"),
        (name = "search", description = "Search and autocomplete"),
        (name = "charts", description = "Charts and a listener's statistics"),
        (name = "recommendations", description = "Similar tracks and personal recommendations"),
        (name = "admin", description = "Roles, artist membership, syncs and the analyst dashboard"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the paths refer to.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The description as `gateway openapi` prints it and `web/openapi.json`
/// holds it: pretty, with a stable key order, so a diff shows what changed.
pub fn pretty_json() -> serde_json::Result<String> {
    serde_json::to_string_pretty(&ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web app's types are generated from `web/openapi.json`
    /// (`npm run gen:api`), and `stack check` fails when they are older than
    /// it; this keeps the file itself as new as the gateway.
    #[test]
    fn the_web_apps_copy_of_the_description_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/openapi.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed.trim_end() == pretty_json().unwrap(),
            "web/openapi.json is stale: run `cargo run -p encore-gateway -- openapi > web/openapi.json` \
             and then `npm run gen:api` in web/"
        );
    }

    #[test]
    fn every_route_is_described() {
        let doc = ApiDoc::openapi();
        let paths: Vec<&String> = doc.paths.paths.keys().collect();
        for expected in [
            "/v1/auth/register",
            "/v1/tracks/{id}/stream",
            "/v1/playlists/{id}/items",
            "/v1/events/playback",
        ] {
            assert!(
                paths.iter().any(|p| *p == expected),
                "{expected} missing from {paths:?}"
            );
        }
        let json = doc.to_json().unwrap();
        assert!(json.contains("\"bearer\""));
    }

    /// Components are keyed by type name, and a second type of the same
    /// name silently replaces the first: autocomplete was once documented
    /// as the recommendations' `Suggestions`.
    #[test]
    fn suggest_answers_are_documented_as_search_hits() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let answer = &doc["paths"]["/v1/search/suggest"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"]["$ref"];
        assert_eq!(answer, "#/components/schemas/SuggestPage");
        let items = &doc["components"]["schemas"]["SuggestPage"]["properties"]["items"]["items"];
        assert_eq!(items["$ref"], "#/components/schemas/Hit");
        let recommended =
            &doc["components"]["schemas"]["Suggestions"]["properties"]["items"]["items"]["$ref"];
        assert_eq!(recommended, "#/components/schemas/Suggested");
    }
}
