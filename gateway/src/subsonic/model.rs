//! Artists, albums and songs as Subsonic elements, and the SQL that reads
//! them. Every read takes the caller's id as `$1`, for `starred`.

use time::OffsetDateTime;
use uuid::Uuid;

use super::response::Element;
use crate::times::rfc3339;

/// A song with its album and artist names, and the caller's star.
pub const SONGS: &str =
    "SELECT t.id, t.title, t.duration_ms, t.genre, t.release_year, t.track_number, \
       t.audio_content_type, t.audio_size, t.created_at, t.album_id, al.title AS album, \
       t.artist_id, ar.name AS artist, tl.created_at AS starred, tr.rating, \
       al.cover_key IS NOT NULL AS has_cover \
     FROM tracks t JOIN artists ar ON ar.id = t.artist_id \
     LEFT JOIN albums al ON al.id = t.album_id \
     LEFT JOIN track_likes tl ON tl.track_id = t.id AND tl.user_id = $1 \
     LEFT JOIN track_ratings tr ON tr.track_id = t.id AND tr.user_id = $1";

#[derive(Debug, sqlx::FromRow)]
pub struct SongRow {
    pub id: Uuid,
    pub title: String,
    pub duration_ms: i64,
    pub genre: Option<String>,
    pub release_year: Option<i32>,
    pub track_number: Option<i32>,
    pub audio_content_type: Option<String>,
    pub audio_size: Option<i64>,
    pub created_at: OffsetDateTime,
    pub album_id: Option<Uuid>,
    pub album: Option<String>,
    pub artist_id: Uuid,
    pub artist: String,
    pub starred: Option<OffsetDateTime>,
    pub rating: Option<i16>,
    /// Whether its album has a cover (`coverArt` is then the album's id).
    pub has_cover: bool,
}

/// The file suffix clients show and pick players by.
pub fn suffix(content_type: &str) -> &'static str {
    match content_type {
        "audio/mpeg" => "mp3",
        "audio/ogg" | "audio/opus" => "ogg",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/mp4" | "audio/aac" | "audio/x-m4a" => "m4a",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        _ => "bin",
    }
}

impl SongRow {
    /// A `child` (or `song`, `entry`): the element name differs by response.
    pub fn element(&self, name: &'static str) -> Element {
        let seconds = self.duration_ms / 1000;
        let bit_rate = match (self.audio_size, seconds) {
            (Some(size), s) if s > 0 => Some(size * 8 / s / 1000),
            _ => None,
        };
        let suffix = self.audio_content_type.as_deref().map(suffix);
        Element::new(name)
            .attr("id", self.id)
            .opt("parent", self.album_id)
            .attr("isDir", false)
            .attr("title", &self.title)
            .opt("coverArt", self.album_id.filter(|_| self.has_cover))
            .opt("album", self.album.as_deref())
            .attr("artist", &self.artist)
            .opt("track", self.track_number)
            .opt("year", self.release_year)
            .opt("genre", self.genre.as_deref())
            .opt("size", self.audio_size)
            .opt("contentType", self.audio_content_type.as_deref())
            .opt("suffix", suffix)
            .attr("duration", seconds)
            .opt("bitRate", bit_rate)
            .attr(
                "path",
                format!(
                    "{}/{}/{}{}",
                    self.artist,
                    self.album.as_deref().unwrap_or("Singles"),
                    self.title,
                    suffix.map(|s| format!(".{s}")).unwrap_or_default()
                ),
            )
            .attr("created", rfc3339(self.created_at))
            .opt("albumId", self.album_id)
            .attr("artistId", self.artist_id)
            .attr("type", "music")
            .attr("mediaType", "song")
            .attr("isVideo", false)
            .opt("starred", self.starred.map(rfc3339))
            .opt("userRating", self.rating.map(i64::from))
    }
}

/// An album with its artist's name, its songs' count and length, and the
/// caller's star.
pub const ALBUMS: &str = "SELECT al.id, al.title, al.release_year, al.genres, al.created_at, \
       al.artist_id, ar.name AS artist, c.song_count, c.duration_ms, alk.created_at AS starred, \
       alr.rating, al.cover_key IS NOT NULL AS has_cover \
     FROM albums al JOIN artists ar ON ar.id = al.artist_id \
     LEFT JOIN LATERAL (SELECT count(*) AS song_count, coalesce(sum(t.duration_ms), 0)::bigint AS duration_ms \
                        FROM tracks t WHERE t.album_id = al.id) c ON true \
     LEFT JOIN album_likes alk ON alk.album_id = al.id AND alk.user_id = $1 \
     LEFT JOIN album_ratings alr ON alr.album_id = al.id AND alr.user_id = $1";

/// The albums [`ALBUMS`] reads, ids only, with the same names (`al`, `ar`,
/// `alk`) to filter and order by: a list pages with this, then reads the
/// page's rows.
pub const ALBUM_IDS: &str = "SELECT al.id FROM albums al JOIN artists ar ON ar.id = al.artist_id \
     LEFT JOIN album_likes alk ON alk.album_id = al.id AND alk.user_id = $1";

#[derive(Debug, sqlx::FromRow)]
pub struct AlbumRow {
    pub id: Uuid,
    pub title: String,
    pub release_year: Option<i32>,
    pub genres: Vec<String>,
    pub created_at: OffsetDateTime,
    pub artist_id: Uuid,
    pub artist: String,
    pub song_count: i64,
    pub duration_ms: i64,
    pub starred: Option<OffsetDateTime>,
    pub rating: Option<i16>,
    pub has_cover: bool,
}

impl AlbumRow {
    /// An `AlbumID3` (`album`, in the ID3 responses).
    pub fn id3(&self, name: &'static str) -> Element {
        Element::new(name)
            .attr("id", self.id)
            .attr("name", &self.title)
            .attr("artist", &self.artist)
            .attr("artistId", self.artist_id)
            .opt("coverArt", self.has_cover.then_some(self.id))
            .attr("songCount", self.song_count)
            .attr("duration", self.duration_ms / 1000)
            .attr("created", rfc3339(self.created_at))
            .opt("year", self.release_year)
            .opt("genre", self.genres.first())
            .opt("starred", self.starred.map(rfc3339))
            .opt("userRating", self.rating.map(i64::from))
    }

    /// A directory `child` (the folder-based responses).
    pub fn child(&self, name: &'static str) -> Element {
        Element::new(name)
            .attr("id", self.id)
            .attr("parent", self.artist_id)
            .attr("isDir", true)
            .attr("title", &self.title)
            .attr("album", &self.title)
            .opt("coverArt", self.has_cover.then_some(self.id))
            .attr("artist", &self.artist)
            .opt("year", self.release_year)
            .opt("genre", self.genres.first())
            .attr("created", rfc3339(self.created_at))
            .opt("starred", self.starred.map(rfc3339))
            .opt("userRating", self.rating.map(i64::from))
    }
}

/// An artist with its albums' count and the caller's star.
pub const ARTISTS: &str = "SELECT ar.id, ar.name, \
       (SELECT count(*) FROM albums al WHERE al.artist_id = ar.id) AS album_count, \
       arl.created_at AS starred, arr.rating \
     FROM artists ar LEFT JOIN artist_likes arl ON arl.artist_id = ar.id AND arl.user_id = $1 \
     LEFT JOIN artist_ratings arr ON arr.artist_id = ar.id AND arr.user_id = $1";

#[derive(Debug, sqlx::FromRow)]
pub struct ArtistRow {
    pub id: Uuid,
    pub name: String,
    pub album_count: i64,
    pub starred: Option<OffsetDateTime>,
    pub rating: Option<i16>,
}

impl ArtistRow {
    /// An `ArtistID3` (`artist`).
    pub fn id3(&self) -> Element {
        Element::new("artist")
            .attr("id", self.id)
            .attr("name", &self.name)
            .attr("albumCount", self.album_count)
            .opt("starred", self.starred.map(rfc3339))
            .opt("userRating", self.rating.map(i64::from))
    }
}

/// Artists grouped under the upper-case first letter of their name (`#` for
/// anything but a letter), as `getArtists` and `getIndexes` list them.
pub fn indexed(artists: &[ArtistRow], entry: impl Fn(&ArtistRow) -> Element) -> Vec<Element> {
    let mut groups: Vec<(String, Vec<Element>)> = Vec::new();
    for artist in artists {
        let letter = artist
            .name
            .chars()
            .next()
            .filter(|c| c.is_alphabetic())
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_else(|| "#".to_string());
        match groups.iter_mut().find(|(l, _)| *l == letter) {
            Some((_, items)) => items.push(entry(artist)),
            None => groups.push((letter, vec![entry(artist)])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
        .into_iter()
        .map(|(letter, items)| {
            Element::new("index")
                .attr("name", letter)
                .list("artist", items)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artist(name: &str) -> ArtistRow {
        ArtistRow {
            id: Uuid::nil(),
            name: name.into(),
            album_count: 1,
            starred: None,
            rating: None,
        }
    }

    #[test]
    fn artists_group_by_first_letter_with_a_catch_all() {
        let rows = [
            artist("abba"),
            artist("ACDC"),
            artist("2pac"),
            artist("Кино"),
        ];
        let names: Vec<String> = indexed(&rows, ArtistRow::id3)
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        assert_eq!(names.len(), 3);
        assert!(names[0].contains("\"#\""), "{}", names[0]);
        assert!(names[1].contains("\"A\""), "{}", names[1]);
        assert!(names[2].contains("\"К\""), "{}", names[2]);
    }

    #[test]
    fn suffixes_follow_the_media_type() {
        assert_eq!(suffix("audio/mpeg"), "mp3");
        assert_eq!(suffix("audio/ogg"), "ogg");
        assert_eq!(suffix("application/x-unknown"), "bin");
    }
}
