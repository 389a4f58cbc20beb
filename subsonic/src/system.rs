//! System and user endpoints: getLicense, getOpenSubsonicExtensions,
//! tokenInfo, getMusicFolders, getUser, getUsers.

use encore_core::accounts::Profile;

use super::params::Failure;
use super::response::{Element, Value};
use crate::context::{Ctx, Outcome, Reply};

/// Encore's whole catalogue is one music folder.
pub(super) const FOLDER_ID: i64 = 1;

/// There is no license to buy; clients that check get a valid one.
pub(super) fn license() -> Reply {
    Reply::Payload(Element::new("license").attr("valid", true))
}

/// The OpenSubsonic extensions Encore implements, each at version 1.
pub(super) fn extensions() -> Reply {
    let items = [
        "apiKeyAuthentication",
        "formPost",
        "indexBasedQueue",
        "playbackReport",
        "songLyrics",
        "transcodeOffset",
        "transcoding",
    ]
    .into_iter()
    .map(|name| {
        Element::new("openSubsonicExtensions")
            .attr("name", name)
            .values("versions", vec![Value::Int(1)])
    })
    .collect();
    Reply::List(Element::new("openSubsonicExtensions").list("openSubsonicExtensions", items))
}

/// Who the API key (or the login) belongs to.
pub(super) fn token_info(ctx: &Ctx) -> Outcome {
    Ok(Reply::Payload(
        Element::new("tokenInfo").attr("username", &ctx.caller.username),
    ))
}

pub(super) fn music_folders() -> Reply {
    Reply::Payload(Element::new("musicFolders").list(
        "musicFolder",
        vec![Element::new("musicFolder")
            .attr("id", FOLDER_ID)
            .attr("name", "Encore")],
    ))
}

/// A user's roles. Only the user or an admin may ask (50 otherwise).
pub(super) async fn user(ctx: &Ctx) -> Outcome {
    let username = ctx.params.required("username")?;
    if !ctx.caller.is_admin() && !username.eq_ignore_ascii_case(&ctx.caller.username) {
        return Err(Failure::not_authorized(
            "only admins may read another user's settings",
        ));
    }
    let found = encore_core::accounts::profile(&ctx.state.db, username).await?;
    let profile = found.ok_or_else(|| Failure::not_found("user"))?;
    Ok(Reply::Payload(user_element(profile)))
}

/// `getUsers`: every account, for admins only (50 otherwise), as `getUser`
/// shows each.
pub(super) async fn users(ctx: &Ctx) -> Outcome {
    if !ctx.caller.is_admin() {
        return Err(Failure::not_authorized("only admins may list the users"));
    }
    let profiles = encore_core::accounts::profiles(&ctx.state.db).await?;
    let users = profiles.into_iter().map(user_element).collect();
    Ok(Reply::Payload(Element::new("users").list("user", users)))
}

/// A user as Subsonic shows one: its roles are what Encore lets that user
/// do through Subsonic.
fn user_element(profile: Profile) -> Element {
    let admin = profile.role == "admin";
    let mut user = Element::new("user")
        .attr("username", profile.username)
        .attr("email", profile.email)
        .attr("scrobblingEnabled", true)
        .attr("adminRole", admin);
    for (name, allowed) in [
        ("settingsRole", false),
        ("downloadRole", true),
        ("uploadRole", false),
        ("playlistRole", true),
        ("coverArtRole", false),
        ("commentRole", false),
        ("podcastRole", false),
        ("streamRole", true),
        ("jukeboxRole", false),
        ("shareRole", false),
        ("videoConversionRole", false),
    ] {
        user = user.attr(name, allowed);
    }
    user.values("folder", vec![Value::Int(FOLDER_ID)])
}
