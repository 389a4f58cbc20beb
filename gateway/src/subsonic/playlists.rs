//! Playlists: getPlaylists, getPlaylist, createPlaylist, updatePlaylist,
//! deletePlaylist. The native API's playlists, changed through the same
//! functions (`encore_core::library::playlists`) and published the same way.
//! Another user's private playlist is "not found" (70), never its contents.

use encore_core::library::playlists as edits;
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{SongRow, SONGS};
use super::params::{parse_id, Failure};
use super::response::Element;
use super::{Ctx, Outcome, Reply};
use crate::error::ApiError;
use crate::library::playlists::{self, publish};
use crate::outbox;
use crate::times::rfc3339;

const PLAYLISTS: &str = "SELECT p.id, p.name, p.description, p.public, p.created_at, p.updated_at, \
       p.owner_id, u.username AS owner, c.song_count, c.duration_ms \
     FROM playlists p JOIN users u ON u.id = p.owner_id \
     LEFT JOIN LATERAL (SELECT count(*) AS song_count, coalesce(sum(t.duration_ms), 0)::bigint AS duration_ms \
                        FROM playlist_items i JOIN tracks t ON t.id = i.track_id \
                        WHERE i.playlist_id = p.id) c ON true";

#[derive(Debug, sqlx::FromRow)]
struct PlaylistRow {
    id: Uuid,
    name: String,
    description: Option<String>,
    public: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    owner_id: Uuid,
    owner: String,
    song_count: i64,
    duration_ms: i64,
}

impl PlaylistRow {
    fn element(&self) -> Element {
        Element::new("playlist")
            .attr("id", self.id)
            .attr("name", &self.name)
            .opt("comment", self.description.as_deref())
            .attr("owner", &self.owner)
            .attr("public", self.public)
            .attr("songCount", self.song_count)
            .attr("duration", self.duration_ms / 1000)
            .attr("created", rfc3339(self.created_at))
            .attr("changed", rfc3339(self.updated_at))
    }
}

/// A native-API error as the protocol's: not found 70, forbidden 50.
impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        match error.status.as_u16() {
            404 => Failure::new(70, error.message),
            403 => Failure::not_authorized(error.message),
            400 => Failure::new(10, error.message),
            _ => Failure::generic(error.message),
        }
    }
}

/// The caller's playlists and everyone's public ones; an admin may ask for
/// another user's (`username`).
pub(super) async fn list(ctx: &Ctx) -> Outcome {
    let rows: Vec<PlaylistRow> = match ctx.params.get("username") {
        Some(name) if !name.eq_ignore_ascii_case(&ctx.caller.username) => {
            if !ctx.caller.is_admin() {
                return Err(Failure::not_authorized(
                    "only admins may list another user's playlists",
                ));
            }
            sqlx::query_as(&format!(
                "{PLAYLISTS} WHERE lower(u.username) = lower($1) ORDER BY lower(p.name), p.id"
            ))
            .bind(name)
            .fetch_all(&ctx.state.db)
            .await?
        }
        _ => {
            sqlx::query_as(&format!(
                "{PLAYLISTS} WHERE p.owner_id = $1 OR p.public ORDER BY p.owner_id <> $1, lower(p.name), p.id"
            ))
            .bind(ctx.caller.id)
            .fetch_all(&ctx.state.db)
            .await?
        }
    };
    Ok(Reply::Payload(Element::new("playlists").list(
        "playlist",
        rows.iter().map(PlaylistRow::element).collect(),
    )))
}

/// One playlist with its songs, if the caller may see it.
async fn read(ctx: &Ctx, id: Uuid) -> Result<Element, Failure> {
    let row: Option<PlaylistRow> = sqlx::query_as(&format!("{PLAYLISTS} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&ctx.state.db)
        .await?;
    let row = row
        .filter(|r| r.public || r.owner_id == ctx.caller.id)
        .ok_or_else(|| Failure::not_found("playlist"))?;
    let songs: Vec<SongRow> = sqlx::query_as(&format!(
        "{SONGS} JOIN playlist_items i ON i.track_id = t.id WHERE i.playlist_id = $2 ORDER BY i.position"
    ))
    .bind(ctx.caller.id)
    .bind(id)
    .fetch_all(&ctx.state.db)
    .await?;
    Ok(row
        .element()
        .list("entry", songs.iter().map(|s| s.element("entry")).collect()))
}

pub(super) async fn get(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    Ok(Reply::Payload(read(ctx, id).await?))
}

/// Creates a playlist (`name`), or replaces the songs of one (`playlistId`),
/// with the `songId`s in order; answers the playlist.
pub(super) async fn create(ctx: &Ctx) -> Outcome {
    let songs = ctx.params.ids("songId")?;
    let user = ctx.caller.user();
    let mut tx = ctx.state.db.begin().await?;
    let id = match ctx.params.get("playlistId") {
        Some(id) => {
            let id = parse_id(id)?;
            playlists::lock_own(&mut tx, id, &user).await?;
            if let Some(name) = ctx.params.get("name") {
                playlists::check(Some(name), None)?;
                edits::set_fields(&mut tx, id, Some(name), None, None).await?;
            }
            edits::clear(&mut tx, id).await?;
            id
        }
        None => {
            let name = ctx
                .params
                .get("name")
                .ok_or_else(|| Failure::missing("name or playlistId"))?;
            playlists::check(Some(name), None)?;
            edits::insert(&mut tx, ctx.caller.id, name, None, false).await?
        }
    };
    edits::append(&mut tx, id, &songs).await?;
    publish(&mut tx, id).await?;
    outbox::commit(&ctx.state.outbox, tx).await?;
    Ok(Reply::Payload(read(ctx, id).await?))
}

/// Renames, comments, shares, adds songs at the end and removes songs by
/// their 0-based index (as the playlist stood before this call).
pub(super) async fn update(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("playlistId")?;
    let name = ctx.params.get("name");
    let comment = ctx.params.get("comment");
    playlists::check(name, comment)?;
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
    playlists::lock_own(&mut tx, id, &ctx.caller.user()).await?;
    edits::set_fields(&mut tx, id, name, comment, public).await?;
    edits::remove_positions(&mut tx, id, &remove).await?;
    edits::append(&mut tx, id, &add).await?;
    publish(&mut tx, id).await?;
    outbox::commit(&ctx.state.outbox, tx).await?;
    Ok(Reply::Empty)
}

pub(super) async fn delete(ctx: &Ctx) -> Outcome {
    let id = ctx.params.id("id")?;
    let mut tx = ctx.state.db.begin().await?;
    let row = playlists::lock_own(&mut tx, id, &ctx.caller.user()).await?;
    edits::delete(&mut tx, id, row.version).await?;
    outbox::commit(&ctx.state.outbox, tx).await?;
    Ok(Reply::Empty)
}
