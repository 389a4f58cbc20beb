//! Playlists: getPlaylists, getPlaylist, createPlaylist, updatePlaylist,
//! deletePlaylist. The native API's playlists, changed through the same
//! functions (`encore_core::library::playlists`) and published the same way.
//! Another user's private playlist is "not found" (70), never its contents.

use encore_core::catalog::songs;
use encore_core::library::playlists::{self, Summary};
use uuid::Uuid;

use super::model::SongElement;
use super::params::{parse_id, Failure};
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};
use encore_common::times::rfc3339;

fn element(playlist: &Summary) -> Element {
    Element::new("playlist")
        .attr("id", playlist.id)
        .attr("name", &playlist.name)
        .opt("comment", playlist.description.as_deref())
        .attr("owner", &playlist.owner)
        .attr("public", playlist.public)
        .attr("songCount", playlist.song_count)
        .attr("duration", playlist.duration_ms / 1000)
        .attr("created", rfc3339(playlist.created_at))
        .attr("changed", rfc3339(playlist.updated_at))
}

/// A name or comment the native API would refuse is refused here too (10).
fn check(name: Option<&str>, comment: Option<&str>) -> Result<(), Failure> {
    match playlists::problems(name, comment).into_iter().next() {
        Some(("description", problem)) => Err(Failure::invalid("comment", &problem)),
        Some((field, problem)) => Err(Failure::invalid(field, &problem)),
        None => Ok(()),
    }
}

/// The caller's playlists and everyone's public ones; an admin may ask for
/// another user's (`username`).
pub(super) async fn list(ctx: &Ctx) -> Outcome {
    let rows = match ctx.params.get("username") {
        Some(name) if !name.eq_ignore_ascii_case(&ctx.caller.username) => {
            if !ctx.caller.is_admin() {
                return Err(Failure::not_authorized(
                    "only admins may list another user's playlists",
                ));
            }
            playlists::of_username(&ctx.state.db, name).await?
        }
        _ => playlists::visible_to(&ctx.state.db, ctx.caller.id).await?,
    };
    Ok(Reply::Payload(
        Element::new("playlists").list("playlist", rows.iter().map(element).collect()),
    ))
}

/// One playlist with its songs, if the caller may see it.
async fn read(ctx: &Ctx, id: Uuid) -> Result<Element, Failure> {
    let db = &ctx.state.db;
    let row = playlists::summary(db, id)
        .await?
        .filter(|r| r.public || r.owner_id == ctx.caller.id)
        .ok_or_else(|| Failure::not_found("playlist"))?;
    let songs = songs::by_ids(db, ctx.caller.id, &songs::of_playlist(db, id).await?).await?;
    Ok(element(&row).list("entry", songs.iter().map(|s| s.element("entry")).collect()))
}

pub(super) async fn get(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    Ok(Reply::Payload(read(ctx, id).await?))
}

/// Creates a playlist (`name`), or replaces the songs of one (`playlistId`),
/// with the `songId`s in order; answers the playlist.
pub(super) async fn create(ctx: &Ctx) -> Outcome {
    let songs = ctx.params.ids("songId")?;
    let mut tx = ctx.state.db.begin().await?;
    let id = match ctx.params.get("playlistId") {
        Some(id) => {
            let id = parse_id(id)?;
            playlists::lock_own(&mut tx, id, ctx.caller.id).await?;
            if let Some(name) = ctx.params.get("name") {
                check(Some(name), None)?;
                playlists::set_fields(&mut tx, id, Some(name), None, None).await?;
            }
            playlists::clear(&mut tx, id).await?;
            id
        }
        None => {
            let name = ctx
                .params
                .get("name")
                .ok_or_else(|| Failure::missing("name or playlistId"))?;
            check(Some(name), None)?;
            playlists::insert(&mut tx, ctx.caller.id, name, None, false).await?
        }
    };
    playlists::append(&mut tx, id, &songs).await?;
    playlists::publish(&mut tx, id).await?;
    tx.commit().await?;
    ctx.state.host.outbox_written();
    Ok(Reply::Payload(read(ctx, id).await?))
}

/// Renames, comments, shares, adds songs at the end and removes songs by
/// their 0-based index (as the playlist stood before this call).
pub(super) async fn update(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("playlistId")?;
    let name = ctx.params.get("name");
    let comment = ctx.params.get("comment");
    check(name, comment)?;
    let public = ctx.params.bool("public")?;
    let add = ctx.params.ids("songIdToAdd")?;
    let remove = ctx
        .params
        .all("songIndexToRemove")
        .into_iter()
        .map(|n| {
            n.trim()
                .parse::<i32>()
                .map_err(|_| Failure::invalid("songIndexToRemove", "must be a whole number"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut tx = ctx.state.db.begin().await?;
    playlists::lock_own(&mut tx, id, ctx.caller.id).await?;
    playlists::set_fields(&mut tx, id, name, comment, public).await?;
    playlists::remove_positions(&mut tx, id, &remove).await?;
    playlists::append(&mut tx, id, &add).await?;
    playlists::publish(&mut tx, id).await?;
    tx.commit().await?;
    ctx.state.host.outbox_written();
    Ok(Reply::Empty)
}

pub(super) async fn delete(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let mut tx = ctx.state.db.begin().await?;
    let row = playlists::lock_own(&mut tx, id, ctx.caller.id).await?;
    playlists::delete(&mut tx, id, row.version).await?;
    tx.commit().await?;
    ctx.state.host.outbox_written();
    Ok(Reply::Empty)
}
