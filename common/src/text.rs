//! The one rule for text that comes from outside (REST, Subsonic, imports,
//! tags read from files): what PostgreSQL and XML can hold.
//!
//! PostgreSQL refuses NUL in `text`, and XML 1.0 has no way to write most C0
//! control characters or U+FFFE and U+FFFF, even escaped. Text that holds
//! one is refused where it arrives, naming the field, so that nothing stored
//! can later make an answer fail or an XML document ill-formed. The other
//! control characters (DEL, C1) and the remaining Unicode non-characters are
//! refused too: no real name, title or comment carries them, and a careless
//! or hostile client is the only source. Tab, line feed and carriage return
//! are ordinary text (lyrics, descriptions); fields that must be one line
//! check that themselves.
//!
//! Answers go through [`xml_safe`] as a second line of defence, so an echoed
//! parameter or a row stored before this rule still gives well-formed XML.

use std::borrow::Cow;
use std::fmt;

/// The first character of `text` that Encore does not accept, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfit {
    pub character: char,
    /// Position in characters, from 1, as people count.
    pub position: usize,
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.character.is_control() {
            "a control character"
        } else {
            "a Unicode non-character"
        };
        write!(
            f,
            "must not contain control characters or Unicode non-characters \
             ({kind}, U+{:04X}, at character {})",
            u32::from(self.character),
            self.position
        )
    }
}

/// Whether `c` may appear in accepted text.
pub fn is_fit(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' => true,
        c if c.is_control() => false,
        c => !is_noncharacter(c),
    }
}

/// The Unicode non-characters: U+FDD0..U+FDEF and the last two code points
/// of every plane (U+FFFE, U+FFFF, U+1FFFE, ...).
fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// The first unfit character of `text`, if any.
pub fn check(text: &str) -> Result<(), Unfit> {
    match text.chars().enumerate().find(|(_, c)| !is_fit(*c)) {
        None => Ok(()),
        Some((i, character)) => Err(Unfit {
            character,
            position: i + 1,
        }),
    }
}

/// Whether XML 1.0 can hold `c` at all (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A one-line field of `min..=max` characters after trimming, within the
/// rule above: what a name, a title or a playlist's description must be.
/// The message names the problem, for the caller to put beside the field.
pub fn field(value: &str, min: usize, max: usize) -> Result<(), String> {
    let length = value.trim().chars().count();
    if length < min || length > max {
        return Err(format!("must be {min} to {max} characters"));
    }
    check(value).map_err(|unfit| unfit.to_string())?;
    if value.chars().any(char::is_control) {
        return Err("must be one line, without tabs or line breaks".into());
    }
    Ok(())
}

/// `text` with every character XML 1.0 cannot hold replaced by U+FFFD, so
/// whatever is written into an XML answer keeps it well-formed. Borrowed,
/// without copying, in the usual case where nothing needs replacing.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// `text` without the characters [`check`] refuses: for text Encore reads
/// from files rather than from people (audio tags), where refusing the whole
/// upload over a stray NUL separator would help nobody.
pub fn cleaned(text: &str) -> Cow<'_, str> {
    if check(text).is_ok() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| is_fit(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_of_every_script_is_fit() {
        for text in [
            "Motörhead",
            "Кино — Группа крови",
            "坂本龍一",
            "line one\nline two\ttab\r\n",
            "emoji 🎸 and U+FFFD \u{FFFD}",
            "",
        ] {
            assert_eq!(check(text), Ok(()), "{text:?}");
        }
    }

    #[test]
    fn nul_controls_and_noncharacters_are_named_with_their_place() {
        let cases = [
            ("a\0b", '\0', 2),
            ("\u{1}ping", '\u{1}', 1),
            ("ok\u{7f}", '\u{7f}', 3),
            ("c1\u{85}", '\u{85}', 3),
            ("fz\u{FFFE}name", '\u{FFFE}', 3),
            ("c\u{FFFF}", '\u{FFFF}', 2),
            ("\u{FDD0}", '\u{FDD0}', 1),
            ("plane1\u{1FFFF}", '\u{1FFFF}', 7),
        ];
        for (text, character, position) in cases {
            assert_eq!(
                check(text),
                Err(Unfit {
                    character,
                    position
                }),
                "{text:?}"
            );
        }
        let message = check("a\0b").err().map(|u| u.to_string());
        assert_eq!(
            message.as_deref(),
            Some(
                "must not contain control characters or Unicode non-characters \
                 (a control character, U+0000, at character 2)"
            )
        );
    }

    #[test]
    fn xml_safe_replaces_only_what_xml_cannot_hold() {
        assert!(matches!(xml_safe("plain & <ok>"), Cow::Borrowed(_)));
        assert_eq!(xml_safe("\u{1}ping"), "\u{FFFD}ping");
        assert_eq!(
            xml_safe("a\0b\u{FFFE}c\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}"
        );
        // Discouraged but legal in XML 1.0: left alone.
        assert_eq!(
            xml_safe("del\u{7f}\u{85}\u{FDD0}"),
            "del\u{7f}\u{85}\u{FDD0}"
        );
        assert_eq!(xml_safe("tab\tnl\n"), "tab\tnl\n");
    }

    #[test]
    fn cleaned_drops_what_check_refuses() {
        assert!(matches!(cleaned("Title"), Cow::Borrowed(_)));
        assert_eq!(cleaned("Ti\0tle\u{FFFE}"), "Title");
    }
}
