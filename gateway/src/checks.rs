//! Field checks that collect every problem of a request body, so one 400
//! names all bad fields at once.

use crate::error::{ApiError, FieldError};

#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Checks::default()
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            index: None,
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Text of `min..=max` characters after trimming, on one line, and
    /// within the text rule of [`encore_common::text`].
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        if let Err(problem) = encore_common::text::field(value, min, max) {
            self.fail(field, problem);
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(field, value, 0, max);
        }
    }

    pub fn range(&mut self, field: &str, value: Option<i64>, min: i64, max: i64) {
        if let Some(v) = value {
            if v < min || v > max {
                self.fail(field, format!("must be between {min} and {max}"));
            }
        }
    }

    /// Up to `max` genres, each 1 to 50 characters.
    pub fn genres(&mut self, field: &str, genres: &[String], max: usize) {
        if genres.len() > max {
            self.fail(field, format!("at most {max} genres"));
        }
        for (i, genre) in genres.iter().enumerate() {
            self.text(&format!("{field}[{i}]"), genre, 1, 50);
        }
    }

    /// A 400 listing every failed check, or `Ok` when none failed.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.errors.iter().map(|e| e.field.as_str()).collect();
        let message = format!("invalid fields: {}", names.join(", "));
        Err(ApiError::bad_request(
            "invalid_fields",
            message,
            self.errors,
        ))
    }
}

pub use encore_core::catalog::edit::clean;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut checks = Checks::new();
        checks.text("name", "  ", 1, 10);
        checks.text("title", "ok", 1, 10);
        checks.text("bio", "tab\u{7}", 0, 10);
        checks.text("label", "fz\u{FFFE}", 0, 10);
        checks.text("line", "a\nb", 0, 10);
        checks.range("year", Some(3000), 1900, 2100);
        checks.genres("genres", &["rock".into(), "".into()], 5);
        let err = checks.finish().unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "bio", "label", "line", "year", "genres[1]"]
        );
    }
}
