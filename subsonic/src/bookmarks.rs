//! getBookmarks, createBookmark and deleteBookmark: the native bookmarks
//! ([`encore_core::library::bookmarks`]), where a listener stopped in a song,
//! to resume there on any device.

use std::collections::HashMap;

use encore_common::times::rfc3339;
use encore_core::catalog::songs;
use encore_core::library::bookmarks;
use encore_core::playback;

use super::model::SongElement;
use super::params::Failure;
use super::response::Element;
use crate::context::{Ctx, Outcome, Reply};

/// The caller's bookmarks, the last changed first, each with its song.
pub(super) async fn list(ctx: &Ctx) -> Outcome {
    let db = &ctx.state.db;
    let marks = bookmarks::list(db, ctx.caller.id).await?;
    let ids: Vec<_> = marks.iter().map(|m| m.track_id).collect();
    let songs: HashMap<_, _> = songs::by_ids(db, ctx.caller.id, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // A song deleted since takes its bookmark with it (the table cascades);
    // one deleted between the two reads is left out.
    let items = marks
        .iter()
        .filter_map(|mark| {
            let song = songs.get(&mark.track_id)?;
            Some(
                Element::new("bookmark")
                    .attr("position", mark.position_ms)
                    .attr("username", &ctx.caller.username)
                    .attr("comment", mark.comment.as_str())
                    .attr("created", rfc3339(mark.created_at))
                    .attr("changed", rfc3339(mark.changed_at))
                    .child(song.element("entry")),
            )
        })
        .collect();
    Ok(Reply::Payload(
        Element::new("bookmarks").list("bookmark", items),
    ))
}

/// `createBookmark`: `id` (a song), `position` (ms, within the song),
/// `comment`. Saving again moves the bookmark.
pub(super) async fn create(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let position = ctx
        .params
        .int("position")?
        .ok_or_else(|| Failure::missing("position"))?;
    if position < 0 {
        return Err(Failure::invalid("position", "must not be negative"));
    }
    let comment = ctx.params.get("comment").unwrap_or("");
    encore_common::text::field(comment, 0, bookmarks::COMMENT_MAX)
        .map_err(|why| Failure::invalid("comment", &why))?;
    let durations = songs::durations(&ctx.state.db, &[id]).await?;
    let duration = durations
        .get(&id)
        .ok_or_else(|| Failure::not_found("song"))?;
    playback::check_position(position, *duration)
        .map_err(|why| Failure::invalid("position", &why))?;
    bookmarks::save(&ctx.state.db, ctx.caller.id, id, position, comment).await?;
    Ok(Reply::Empty)
}

/// `deleteBookmark`: `id`. Deleting an absent bookmark changes nothing, as
/// natively, so an app that retries is not told it failed.
pub(super) async fn delete(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    bookmarks::delete(&ctx.state.db, ctx.caller.id, id).await?;
    Ok(Reply::Empty)
}
