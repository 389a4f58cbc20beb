//! getShares, createShare, updateShare and deleteShare: the native share
//! links ([`encore_core::shares`]), one mechanism. A share's `url` opens the
//! web app's page of it, where anyone holding the link plays its songs
//! without an account, until it expires or is deleted.

use std::collections::HashMap;

use encore_common::links;
use encore_common::times::rfc3339;
use encore_core::catalog::{albums, songs};
use encore_core::shares::{self, Share, Source};
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::SongElement;
use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

/// The `share` elements of `rows`, each with its songs as `entry`.
async fn elements(ctx: &Ctx, rows: &[Share]) -> Result<Vec<Element>, Failure> {
    let db = &ctx.state.db;
    let ids: Vec<Uuid> = rows
        .iter()
        .flat_map(|s| s.track_ids.iter().copied())
        .collect();
    let songs: HashMap<_, _> = songs::by_ids(db, ctx.caller.id, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let base = links::public_base(ctx.state.public_url.as_deref(), &ctx.headers);
    Ok(rows
        .iter()
        .map(|share| {
            let mut element = Element::new("share")
                .attr("id", share.id)
                .attr(
                    "url",
                    share
                        .token
                        .as_deref()
                        .map(|t| links::share_url(&base, t))
                        .unwrap_or_default(),
                )
                .attr("description", share.description.as_str())
                .attr("username", &ctx.caller.username)
                .attr("created", rfc3339(share.created_at))
                .attr("expires", rfc3339(share.expires_at))
                .attr("visitCount", share.visit_count);
            if let Some(at) = share.last_visited_at {
                element = element.attr("lastVisited", rfc3339(at));
            }
            // A song deleted since the share was made is left out.
            let entries = share
                .track_ids
                .iter()
                .filter_map(|id| songs.get(id))
                .map(|s| s.element("entry"))
                .collect();
            element.list("entry", entries)
        })
        .collect())
}

/// The caller's shares, the newest first.
pub(super) async fn list(ctx: &Ctx) -> Outcome {
    let rows = shares::list(&ctx.state.db, &ctx.state.sealer, ctx.caller.id).await?;
    let items = elements(ctx, &rows).await?;
    Ok(Reply::Payload(Element::new("shares").list("share", items)))
}

/// `expires` (milliseconds since 1970), checked; `None` when absent. Some
/// clients send 0 for "none given" (py-opensonic does), which is taken so.
fn expiry(ctx: &Ctx) -> Result<Option<OffsetDateTime>, Failure> {
    let Some(ms) = ctx.params.int("expires")?.filter(|ms| *ms != 0) else {
        return Ok(None);
    };
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| Failure::invalid("expires", "must be a time in milliseconds since 1970"))?;
    shares::check_expiry(at, OffsetDateTime::now_utc())
        .map_err(|why| Failure::invalid("expires", &why))?;
    Ok(Some(at))
}

fn description(ctx: &Ctx) -> Result<Option<&str>, Failure> {
    let text = ctx.params.get("description");
    if let Some(text) = text {
        encore_common::text::field(text, 0, shares::DESCRIPTION_MAX)
            .map_err(|why| Failure::invalid("description", &why))?;
    }
    Ok(text)
}

/// What the ids name: songs (one or several), or one album or playlist.
async fn source(ctx: &Ctx, ids: Vec<Uuid>) -> Result<Source, Failure> {
    let db = &ctx.state.db;
    match ids.as_slice() {
        [] => Err(Failure::missing("id")),
        [id] if songs::exists(db, *id).await? => Ok(Source::Tracks(ids)),
        [id] if albums::exists(db, *id).await? => Ok(Source::Album(*id)),
        // Anything else is a playlist, or not found (70) when the caller
        // cannot see one of that id.
        [id] => Ok(Source::Playlist(*id)),
        _ => Ok(Source::Tracks(ids)),
    }
}

/// `createShare`: `id` (songs, or one album or playlist), `description`,
/// `expires` (ms since 1970; within a year, 30 days when absent).
pub(super) async fn create(ctx: &Ctx) -> Outcome {
    let ids = ctx.params.ids("id")?;
    let expires_at =
        expiry(ctx)?.unwrap_or_else(|| OffsetDateTime::now_utc() + shares::DEFAULT_LIFETIME);
    let description = description(ctx)?.unwrap_or("");
    let source = source(ctx, ids).await?;
    let db = &ctx.state.db;
    let share = shares::create(
        db,
        &ctx.state.sealer,
        ctx.caller.id,
        &source,
        description,
        expires_at,
    )
    .await
    .map_err(|e| match e {
        // Several ids of which one is no song: the native API's field is
        // `ids`, Subsonic's `id`.
        encore_core::DbError::Invalid { message, .. } => Failure::invalid("id", &message),
        other => other.into(),
    })?;
    let items = elements(ctx, &[share]).await?;
    Ok(Reply::Payload(Element::new("shares").list("share", items)))
}

/// `updateShare`: `id`, and a new `description` or `expires` (a share that
/// expired lives again with a new one).
pub(super) async fn update(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let expires_at = expiry(ctx)?;
    let description = description(ctx)?;
    if !shares::update(&ctx.state.db, ctx.caller.id, id, description, expires_at).await? {
        return Err(Failure::not_found("share"));
    }
    Ok(Reply::Empty)
}

/// `deleteShare`: `id`. Its link opens nothing from now on; deleting an
/// absent share changes nothing, as natively.
pub(super) async fn delete(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    shares::delete(&ctx.state.db, ctx.caller.id, id).await?;
    Ok(Reply::Empty)
}
