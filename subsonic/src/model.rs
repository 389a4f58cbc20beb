//! Artists, albums and songs as Subsonic elements. The rows themselves are
//! the core's (`encore_core::catalog`), read the same way for both APIs;
//! what is here is only how the protocol shows them.

use encore_core::catalog::{Album, Artist, Song};

use super::response::Element;
use encore_common::times::rfc3339;

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

/// A song as the protocol shows it.
pub trait SongElement {
    /// A `child` (or `song`, `entry`): the element name differs by response.
    fn element(&self, name: &'static str) -> Element;
}

impl SongElement for Song {
    fn element(&self, name: &'static str) -> Element {
        let seconds = self.duration_ms / 1000;
        let bit_rate = match (self.audio_size, seconds) {
            (Some(size), s) if s > 0 => Some(size * 8 / s / 1000),
            _ => None,
        };
        let suffix = self.audio_content_type.as_deref().map(suffix);
        let element = Element::new(name)
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
            // OpenSubsonic: what the file is, and every artist and genre as
            // a list (Encore has one of each per track).
            .opt("bitDepth", self.audio_bit_depth.map(i64::from))
            .opt("samplingRate", self.audio_sample_rate.map(i64::from))
            .opt("channelCount", self.audio_channels.map(i64::from))
            .attr("displayArtist", &self.artist)
            .list(
                "artists",
                vec![artist_ref("artists", self.artist_id, &self.artist)],
            )
            .opt("displayAlbumArtist", self.album_artist.as_deref())
            .list(
                "albumArtists",
                self.album_artist_id
                    .zip(self.album_artist.as_deref())
                    .map(|(id, name)| artist_ref("albumArtists", id, name))
                    .into_iter()
                    .collect(),
            )
            .list("genres", genre_list(self.genre.as_deref()));
        match replay_gain(self) {
            Some(gain) => element.child(gain),
            None => element,
        }
    }
}

/// OpenSubsonic `replayGain` from the loudness measured at upload: the gain
/// that brings the song to ReplayGain 2.0's reference of -18 LUFS, and its
/// true peak as a linear fraction of full scale, so that a player that
/// raises a quiet song can stop short of clipping it; the same for its
/// album as a whole, which players use when playing the album through.
fn replay_gain(song: &Song) -> Option<Element> {
    use encore_core::catalog::gain;
    let track = gain::of(song.loudness_lufs, song.true_peak_dbtp)?;
    let album = gain::of(song.album_loudness_lufs, song.album_true_peak_dbtp);
    Some(
        Element::new("replayGain")
            .attr("trackGain", track.gain_db)
            .opt("trackPeak", track.peak)
            .opt("albumGain", album.map(|a| a.gain_db))
            .opt("albumPeak", album.and_then(|a| a.peak)),
    )
}

/// An OpenSubsonic artist reference, an id and a name, as an item of the
/// list `list` (`artists` or `albumArtists`: XML names each item so).
fn artist_ref(list: &'static str, id: uuid::Uuid, name: &str) -> Element {
    Element::new(list).attr("id", id).attr("name", name)
}

/// An OpenSubsonic `genres` list: one item per genre, by name.
fn genre_list<'a>(genres: impl IntoIterator<Item = &'a str>) -> Vec<Element> {
    genres
        .into_iter()
        .map(|name| Element::new("genres").attr("name", name))
        .collect()
}

/// An album as the protocol shows it.
pub trait AlbumElement {
    /// An `AlbumID3` (`album`, in the ID3 responses).
    fn id3(&self, name: &'static str) -> Element;
    /// A directory `child` (the folder-based responses).
    fn child(&self, name: &'static str) -> Element;
}

impl AlbumElement for Album {
    fn id3(&self, name: &'static str) -> Element {
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
            // OpenSubsonic: the artist and every genre as lists.
            .attr("displayArtist", &self.artist)
            .list(
                "artists",
                vec![artist_ref("artists", self.artist_id, &self.artist)],
            )
            .list("genres", genre_list(self.genres.iter().map(String::as_str)))
    }

    fn child(&self, name: &'static str) -> Element {
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

/// An artist as the protocol shows it.
pub trait ArtistElement {
    /// An `ArtistID3` (`artist`).
    fn id3(&self) -> Element;
}

impl ArtistElement for Artist {
    fn id3(&self) -> Element {
        Element::new("artist")
            .attr("id", self.id)
            .attr("name", &self.name)
            .attr("albumCount", self.album_count)
            .opt("coverArt", self.has_image.then_some(self.id))
            .opt("starred", self.starred.map(rfc3339))
            .opt("userRating", self.rating.map(i64::from))
    }
}

/// Artists grouped under the upper-case first letter of their name (`#` for
/// anything but a letter), as `getArtists` and `getIndexes` list them.
pub fn indexed(artists: &[Artist], entry: impl Fn(&Artist) -> Element) -> Vec<Element> {
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
    use uuid::Uuid;

    use super::*;

    fn artist(name: &str) -> Artist {
        Artist {
            id: Uuid::nil(),
            name: name.into(),
            album_count: 1,
            has_image: false,
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
        let names: Vec<String> = indexed(&rows, ArtistElement::id3)
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
