//! An album's loudness as a whole, kept on the album (migration 0021) and
//! rewritten by the track edits that change it: audio set, a track moved
//! to another album, a track deleted.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::catalog::gain;
use crate::DbError;

/// Rewrites the album's stored loudness from its measured tracks
/// ([`gain::of_album`]), inside the transaction that changed one of them.
/// The album row is locked first, so two uploads to one album wait for
/// each other and the second one reads the first one's track: without the
/// lock each would aggregate without the other and the last write would
/// miss a track.
pub async fn remeasure_album(conn: &mut PgConnection, album: Uuid) -> Result<(), DbError> {
    sqlx::query!("SELECT id FROM albums WHERE id = $1 FOR UPDATE", album)
        .fetch_optional(&mut *conn)
        .await?;
    let tracks: Vec<gain::Measured> = sqlx::query!(
        r#"SELECT loudness_lufs AS "lufs!", true_peak_dbtp, duration_ms FROM tracks
           WHERE album_id = $1 AND loudness_lufs IS NOT NULL"#,
        album
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| gain::Measured {
        lufs: r.lufs,
        peak_dbtp: r.true_peak_dbtp,
        duration_ms: r.duration_ms,
    })
    .collect();
    let whole = gain::of_album(&tracks);
    sqlx::query!(
        "UPDATE albums SET loudness_lufs = $2, true_peak_dbtp = $3 WHERE id = $1",
        album,
        whole.map(|w| w.lufs),
        whole.and_then(|w| w.peak_dbtp)
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
