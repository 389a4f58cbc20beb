//! Normalised names for matching: "Motörhead" and "motorhead!" are one
//! artist to an importer. Lowercase, accents removed (Unicode decomposition,
//! combining marks dropped), apostrophes and dots dropped ("Can't" is
//! "cant", "T.N.T." is "tnt", as listeners type them), anything else but
//! letters and digits turned into single spaces, and a leading "the " ignored.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

pub fn key(text: &str) -> String {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let spaced: String = folded
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '.'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let words = match words.first() {
        Some(&"the") if words.len() > 1 => &words[1..],
        _ => &words[..],
    };
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn folds_case_accents_punctuation_and_the() {
        assert_eq!(key("Motörhead"), "motorhead");
        assert_eq!(key("  MOTÖRHEAD!! "), "motorhead");
        assert_eq!(key("The Beatles"), "beatles");
        assert_eq!(key("AC/DC"), "ac dc");
        assert_eq!(key("Can\u{2019}t We Be Friends?"), "cant we be friends");
        assert_eq!(key("T.N.T."), "tnt");
        assert_eq!(key("Mr. Brightside"), "mr brightside");
        assert_eq!(key("Группа крови"), "группа крови");
        assert_eq!(key("The"), "the");
    }
}
