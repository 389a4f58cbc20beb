//! The `Range` header (RFC 9110 §14), single byte ranges only.

/// What to send for a `Range` header against an object of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeAnswer {
    /// No usable range: send everything (200). Also for syntax we do not
    /// serve, such as several ranges, which RFC 9110 lets a server ignore.
    Full,
    /// Send bytes `start..end` (206).
    Partial { start: u64, end: u64 },
    /// The range starts past the end (416).
    Unsatisfiable,
}

pub fn answer(header: Option<&str>, size: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match last.parse::<u64>() {
            Ok(0) => RangeAnswer::Unsatisfiable,
            Ok(_) if size == 0 => RangeAnswer::Unsatisfiable,
            Ok(n) => RangeAnswer::Partial {
                start: size.saturating_sub(n),
                end: size,
            },
            Err(_) => RangeAnswer::Full,
        },
        // bytes=A- or bytes=A-B.
        (false, _) => {
            let Ok(start) = first.parse::<u64>() else {
                return RangeAnswer::Full;
            };
            let end = if last.is_empty() {
                size
            } else {
                match last.parse::<u64>() {
                    Ok(last) if last >= start => (last + 1).min(size),
                    _ => return RangeAnswer::Full,
                }
            };
            if start >= size {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial { start, end }
            }
        }
        (true, true) => RangeAnswer::Full,
    }
}

#[cfg(test)]
mod tests {
    use super::RangeAnswer::*;
    use super::*;

    #[test]
    fn single_ranges() {
        assert_eq!(
            answer(Some("bytes=0-99"), 1000),
            Partial { start: 0, end: 100 }
        );
        assert_eq!(
            answer(Some("bytes=900-"), 1000),
            Partial {
                start: 900,
                end: 1000
            }
        );
        assert_eq!(
            answer(Some("bytes=-100"), 1000),
            Partial {
                start: 900,
                end: 1000
            }
        );
        assert_eq!(
            answer(Some("bytes=-5000"), 1000),
            Partial {
                start: 0,
                end: 1000
            }
        );
        assert_eq!(
            answer(Some("bytes=990-5000"), 1000),
            Partial {
                start: 990,
                end: 1000
            }
        );
        assert_eq!(
            answer(Some("bytes=999-999"), 1000),
            Partial {
                start: 999,
                end: 1000
            }
        );
    }

    #[test]
    fn unsatisfiable_and_ignored() {
        assert_eq!(answer(Some("bytes=1000-"), 1000), Unsatisfiable);
        assert_eq!(answer(Some("bytes=-0"), 1000), Unsatisfiable);
        assert_eq!(answer(Some("bytes=0-"), 0), Unsatisfiable);
        for ignored in [
            None,
            Some("items=0-1"),
            Some("bytes=5-1"),
            Some("bytes=a-b"),
            Some("bytes=0-1,5-9"),
            Some("bytes=-"),
        ] {
            assert_eq!(answer(ignored, 1000), Full, "{ignored:?}");
        }
    }
}
