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

#[cfg(test)]
mod tests {
    use super::*;

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
