//! The catalogue as its editors change it: artists, albums and tracks as
//! stored, created, changed and deleted. Every change is made inside the
//! caller's transaction, bumps the entity's `version` and writes the change
//! to the outbox, so that what is committed is exactly what is published.
//!
//! Who may edit: admins everything, artist accounts the artists they are
//! members of (with those artists' albums and tracks), listeners nothing.
//! [`authorize_artist`] is that rule, written once.

pub mod album_loudness;
pub mod albums;
pub mod artists;
pub mod tracks;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::DbError;

/// Trimmed text, or `None` for blank: how optional text is stored.
pub fn clean(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Genres trimmed, as stored.
pub fn trimmed(genres: &[String]) -> Vec<String> {
    genres.iter().map(|g| g.trim().to_string()).collect()
}

/// Who is making a change.
#[derive(Debug, Clone, Copy)]
pub struct Editor {
    pub user: Uuid,
    pub admin: bool,
    /// An artist account (may edit the artists it is a member of).
    pub artist: bool,
}

/// Locks the artist row and checks `editor` may change it: `NotFound` when
/// it does not exist, `Forbidden` when the editor is neither an admin nor
/// one of its members.
pub async fn authorize_artist(
    conn: &mut PgConnection,
    editor: Editor,
    artist: Uuid,
) -> Result<(), DbError> {
    let exists = sqlx::query_scalar!("SELECT id FROM artists WHERE id = $1 FOR UPDATE", artist)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(DbError::NotFound("artist"));
    }
    if editor.admin {
        return Ok(());
    }
    let member = editor.artist
        && sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM artist_members WHERE artist_id = $1 AND user_id = $2) AS "member!""#,
            artist,
            editor.user
        )
        .fetch_one(&mut *conn)
        .await?;
    if member {
        Ok(())
    } else {
        Err(DbError::Forbidden(
            "only this artist's own accounts or an admin may change it",
        ))
    }
}

/// [`authorize_artist`] for an artist named in a request body (`artist_id`
/// of a new album or track): an unknown one is `Invalid` naming the field,
/// as for any other id in a body; `NotFound` is for the id a call is about.
pub async fn authorize_artist_field(
    conn: &mut PgConnection,
    editor: Editor,
    artist: Uuid,
) -> Result<(), DbError> {
    match authorize_artist(conn, editor, artist).await {
        Err(DbError::NotFound(_)) => Err(DbError::Invalid {
            field: "artist_id",
            message: "no such artist".into(),
        }),
        other => other,
    }
}
