//! A generated catalog file for the import benchmarks: `rows` rows of JSON
//! lines, 5% artists, 15% albums and 80% tracks, parents first, with
//! external ids `a…`, `b…` and `t…` so that a second file of the same size
//! names the same entities.

use std::io::Write;
use std::path::Path;

use serde_json::json;

/// Writes a catalog of `rows` rows, parents before children.
pub fn write(path: &Path, rows: usize, title_suffix: &str) {
    let artists = rows / 20;
    let albums = rows * 3 / 20;
    let tracks = rows - artists - albums;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("a catalog file"));
    let genres = [
        "rock",
        "pop",
        "jazz",
        "hip-hop",
        "electronic",
        "classical",
        "metal",
        "folk",
    ];
    for a in 0..artists {
        let row = json!({"kind": "artist", "external_id": format!("a{a}"), "name": format!("Bench Artist {a}"),
                         "genres": [genres[a % genres.len()]]});
        writeln!(out, "{row}").expect("writing");
    }
    for b in 0..albums {
        let row = json!({"kind": "album", "external_id": format!("b{b}"), "artist_external_id": format!("a{}", b % artists),
                         "title": format!("Bench Album {b}"), "release_year": 1960 + (b % 60) as i32});
        writeln!(out, "{row}").expect("writing");
    }
    for t in 0..tracks {
        let album = t % albums;
        let row = json!({"kind": "track", "external_id": format!("t{t}"), "artist_external_id": format!("a{}", album % artists),
                         "album_external_id": format!("b{album}"), "title": format!("Bench Track {t}{title_suffix}"),
                         "duration_ms": 120_000 + (t % 240) as i64 * 1_000, "genre": genres[t % genres.len()],
                         "track_number": (t / albums) as i32 + 1});
        writeln!(out, "{row}").expect("writing");
    }
    out.flush().expect("flushing");
}
