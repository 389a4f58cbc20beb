//! ReplayGain from the loudness measured at upload (EBU R128 integrated
//! loudness and true peak): what players normalise volume by. Written once
//! for the native stream URL and Subsonic's `replayGain`.

/// ReplayGain 2.0's reference loudness.
pub const REFERENCE_LUFS: f64 = -18.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gain {
    /// dB that bring the track to [`REFERENCE_LUFS`]: negative for loud
    /// tracks. Two decimals.
    pub gain_db: f64,
    /// The true peak as a fraction of full scale (1.0 = 0 dBTP), so that a
    /// player raising a quiet track stops short of clipping it. Three
    /// decimals.
    pub peak: Option<f64>,
}

/// The gain for a track measured at `lufs` with a true peak of
/// `peak_dbtp`; `None` when it was never measured.
pub fn of(lufs: Option<f32>, peak_dbtp: Option<f32>) -> Option<Gain> {
    let lufs = f64::from(lufs?);
    Some(Gain {
        gain_db: ((REFERENCE_LUFS - lufs) * 100.0).round() / 100.0,
        peak: peak_dbtp.map(|db| (10f64.powf(f64::from(db) / 20.0) * 1000.0).round() / 1000.0),
    })
}

/// One measured track of an album: loudness (LUFS), true peak (dBTP) and
/// length, which weighs its loudness.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub lufs: f32,
    pub peak_dbtp: Option<f32>,
    pub duration_ms: i64,
}

/// An album's loudness as a whole (LUFS) and its highest true peak (dBTP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlbumLoudness {
    pub lufs: f32,
    pub peak_dbtp: Option<f32>,
}

/// The album's loudness: its tracks' loudness averaged as energy, weighted
/// by length (what measuring the album played through gives, but for the
/// gating of quiet passages), and the highest true peak. Played with album
/// gain, an album keeps its own dynamics: the quiet interlude stays quieter
/// than the single. `None` when no track was measured. Stored on the album
/// whenever its tracks change (`edit::album_loudness`), so reads never
/// aggregate; migration 0021 repeats this formula once, in SQL, to fill in
/// the albums that existed before.
pub fn of_album(tracks: &[Measured]) -> Option<AlbumLoudness> {
    let weighed: Vec<&Measured> = tracks.iter().filter(|t| t.duration_ms > 0).collect();
    let total: f64 = weighed.iter().map(|t| t.duration_ms as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let energy: f64 = weighed
        .iter()
        .map(|t| t.duration_ms as f64 * 10f64.powf(f64::from(t.lufs) / 10.0))
        .sum::<f64>()
        / total;
    let lufs = 10.0 * energy.log10();
    // LUFS are tens, nowhere near the edge of f32's range.
    #[allow(clippy::cast_possible_truncation)]
    let lufs = lufs as f32;
    Some(AlbumLoudness {
        lufs,
        peak_dbtp: weighed.iter().filter_map(|t| t.peak_dbtp).reduce(f32::max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_album_is_as_loud_as_its_energy_and_peaks_at_its_highest() {
        let track = |lufs, peak, duration_ms| Measured {
            lufs,
            peak_dbtp: peak,
            duration_ms,
        };
        // Alike tracks: the album is as loud as each of them.
        let gain =
            |tracks: &[Measured]| of_album(tracks).and_then(|a| of(Some(a.lufs), a.peak_dbtp));
        let same = gain(&[
            track(-12.0, Some(-1.0), 1000),
            track(-12.0, Some(-3.0), 3000),
        ]);
        assert_eq!(same.map(|g| (g.gain_db, g.peak)), Some((-6.0, Some(0.891))));
        // A loud single and a quiet interlude as long: energy, not the mean
        // of the two numbers (-15), so the loud one dominates.
        let mixed = gain(&[track(-10.0, None, 1000), track(-20.0, None, 1000)]).expect("a gain");
        assert_eq!(mixed.gain_db, -5.4);
        // Length weighs: a long quiet track pulls the album down.
        let long = gain(&[track(-10.0, None, 1000), track(-20.0, None, 9000)]).expect("a gain");
        assert!(long.gain_db > mixed.gain_db);
        assert_eq!(gain(&[]), None);
        assert_eq!(gain(&[track(-10.0, None, 0)]), None);
    }

    #[test]
    fn loud_tracks_come_down_and_peaks_are_linear() {
        let loud = of(Some(-9.5), Some(-0.5)).expect("a gain");
        assert_eq!(loud.gain_db, -8.5);
        assert_eq!(loud.peak, Some(0.944));
        let quiet = of(Some(-24.25), None).expect("a gain");
        assert_eq!(quiet.gain_db, 6.25);
        assert_eq!(quiet.peak, None);
        assert_eq!(of(None, Some(-1.0)), None);
    }
}
