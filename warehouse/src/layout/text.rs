//! Reading the parts of a DDL statement the rewrite needs: the object's
//! name, its engine clause, whole words. Plain text scanning, enough for the
//! migrations' own statements.

/// Skips `IF NOT EXISTS` / `IF EXISTS`: the name after the `skip` leading
/// words, and the byte offset where it ends.
pub(super) fn name_at(statement: &str, skip: usize) -> (String, usize) {
    let mut rest = statement;
    let mut offset = 0;
    let mut skipped = 0;
    loop {
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        let word_end = trimmed
            .find(|c: char| c.is_whitespace() || c == '(')
            .unwrap_or(trimmed.len());
        let word = &trimmed[..word_end];
        let upper = word.to_ascii_uppercase();
        if skipped < skip || matches!(upper.as_str(), "IF" | "NOT" | "EXISTS") {
            skipped += 1;
            rest = &trimmed[word_end..];
            offset += word_end;
            continue;
        }
        return (word.to_string(), offset + word_end);
    }
}

/// `statement` with `insert` placed right after the object's name.
pub(super) fn after_name(statement: &str, skip: usize, insert: &str) -> String {
    let (_, end) = name_at(statement, skip);
    format!("{}{insert}{}", &statement[..end], &statement[end..])
}

/// `ENGINE = Name(args)`: where it starts and ends, the name and the args.
pub(super) fn engine(statement: &str) -> Option<(usize, usize, String, String)> {
    let upper = statement.to_ascii_uppercase();
    let at = upper.find("ENGINE")?;
    let after = &statement[at + "ENGINE".len()..];
    let eq = after.find('=')?;
    let rest = &after[eq + 1..];
    let name_start = rest.len() - rest.trim_start().len();
    let open = rest.find('(')?;
    let name = rest[name_start..open].trim().to_string();
    let mut depth = 0;
    for (i, c) in rest[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let args = rest[open + 1..open + i].trim().to_string();
                    let end = at + "ENGINE".len() + eq + 1 + open + i + 1;
                    return Some((at, end, name, args));
                }
            }
            _ => {}
        }
    }
    None
}

/// The byte offset of `word` (any case) as a whole word in `text`.
pub(super) fn find_word(text: &str, word: &str) -> Option<usize> {
    let upper = text.to_ascii_uppercase();
    let mut from = 0;
    while let Some(found) = upper[from..].find(word) {
        let at = from + found;
        let before = upper[..at].chars().next_back();
        let after = upper[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}
