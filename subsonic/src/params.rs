//! A Subsonic request's parameters and the protocol's errors.
//!
//! Parameters come from the query string and, for a form POST, the body;
//! names repeat (`id=1&id=2`). Every failure is one of the protocol's codes,
//! answered with HTTP 200.

use uuid::Uuid;

use encore_core::DbError;

use crate::host::HostError;

/// A failed request: the protocol's code and a message for people.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) code: u16,
    pub(super) message: String,
    /// Seconds for `Retry-After` (a throttled login).
    pub(super) retry_after: Option<u64>,
}

impl Failure {
    pub(super) fn new(code: u16, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 0: a generic error.
    pub(super) fn generic(message: impl Into<String>) -> Self {
        Failure::new(0, message)
    }

    /// 10: a required parameter is missing.
    pub(super) fn missing(name: &str) -> Self {
        Failure::new(10, format!("required parameter is missing: {name}"))
    }

    /// 40: wrong username or password.
    pub(super) fn wrong_credentials() -> Self {
        Failure::new(40, "wrong username or password")
    }

    /// 50: the user may not do this.
    pub(super) fn not_authorized(message: impl Into<String>) -> Self {
        Failure::new(50, message)
    }

    /// 70: the requested data was not found.
    pub(super) fn not_found(what: &str) -> Self {
        Failure::new(70, format!("{what} not found"))
    }

    /// 10 for a parameter that is present but not of its type (the protocol
    /// has no code of its own for this).
    pub(super) fn invalid(name: &str, why: &str) -> Self {
        Failure::new(10, format!("parameter {name} {why}"))
    }
}

impl From<DbError> for Failure {
    fn from(error: DbError) -> Self {
        match error {
            DbError::NotFound(what) => Failure::not_found(what),
            DbError::Forbidden(why) => Failure::not_authorized(why),
            DbError::Conflict { field, message } => Failure::generic(format!("{field}: {message}")),
            DbError::Invalid { field, message } => Failure::invalid(field, &message),
            DbError::Unavailable(_) => {
                Failure::generic("the database is unavailable right now; retry shortly")
            }
            other => {
                tracing::error!(error = %other, "subsonic request failed");
                Failure::generic("something went wrong on our side")
            }
        }
    }
}

/// The host's failures (files, search, the playback producer).
impl From<HostError> for Failure {
    fn from(error: HostError) -> Self {
        match error {
            HostError::NotFound(what) => Failure::new(70, what),
            HostError::Invalid { field, message } => Failure::invalid(&field, &message),
            HostError::Forbidden(why) => Failure::not_authorized(why),
            HostError::Unavailable {
                message,
                retry_after,
            } => Failure {
                retry_after,
                ..Failure::generic(message)
            },
            HostError::Failed(message) => Failure::generic(message),
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::from(DbError::from(error))
    }
}

/// The parameters of one request, in the order sent.
#[derive(Debug, Default, Clone)]
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    /// From the query string and an `application/x-www-form-urlencoded` body.
    pub(super) fn parse(query: Option<&str>, form: Option<&[u8]>) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(query) = query {
            pairs.extend(form_urlencoded::parse(query.as_bytes()).into_owned());
        }
        if let Some(form) = form {
            pairs.extend(form_urlencoded::parse(form).into_owned());
        }
        Params(pairs)
    }

    /// The first value of `name`, if sent and not empty.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub(super) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every name and value against the text rule of [`encore_common::text`]:
    /// 10, naming the parameter, for the first that breaks it.
    pub(super) fn check_text(&self) -> Result<(), Failure> {
        for (name, value) in &self.0 {
            if let Err(unfit) = encore_common::text::check(name) {
                return Err(Failure::new(10, format!("parameter names {unfit}")));
            }
            if let Err(unfit) = encore_common::text::check(value) {
                return Err(Failure::invalid(name, &unfit.to_string()));
            }
        }
        Ok(())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, Failure> {
        self.get(name).ok_or_else(|| Failure::missing(name))
    }

    /// `true`/`false` in any case (clients send `True`, `TRUE`, `1`).
    pub(super) fn bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        self.get(name).map(|v| parse_bool(name, v)).transpose()
    }

    pub(super) fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| Failure::invalid(name, "must be a whole number"))
            })
            .transpose()
    }

    /// A count or offset: `default` when absent, clamped to `0..=max`.
    pub(super) fn count(&self, name: &str, default: i64, max: i64) -> Result<i64, Failure> {
        Ok(self.int(name)?.unwrap_or(default).clamp(0, max))
    }

    /// Every value of `name` as ids (`id=..&id=..`); one that is not a UUID
    /// names nothing: 70.
    pub(super) fn ids(&self, name: &str) -> Result<Vec<Uuid>, Failure> {
        self.all(name).into_iter().map(parse_id).collect()
    }

    /// An id Encore gave out. One that is not a UUID names nothing: 70.
    pub(super) fn id(&self, name: &str) -> Result<Uuid, Failure> {
        parse_id(self.required(name)?)
    }
}

pub(super) fn parse_bool(name: &str, value: &str) -> Result<bool, Failure> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(Failure::invalid(name, "must be true or false")),
    }
}

/// An entity id; anything that is not one of ours is not found (70).
pub(super) fn parse_id(text: &str) -> Result<Uuid, Failure> {
    text.trim()
        .parse::<Uuid>()
        .map_err(|_| Failure::not_found("item"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_both_count_and_names_repeat() {
        let p = Params::parse(Some("u=ada&id=1&f=json"), Some(b"id=2&submission=TRUE&x="));
        assert_eq!(p.get("u"), Some("ada"));
        assert_eq!(p.all("id"), ["1", "2"]);
        assert_eq!(p.bool("submission").ok().flatten(), Some(true));
        assert_eq!(p.get("x"), None, "empty counts as absent");
        assert_eq!(p.required("c").map_err(|f| f.code).err(), Some(10));
    }

    #[test]
    fn unfit_text_in_any_parameter_is_error_10_naming_it() {
        let p = Params::parse(Some("u=ada&genre=a%00b"), None);
        let failure = p.check_text().err();
        assert_eq!(failure.as_ref().map(|f| f.code), Some(10));
        assert!(failure.is_some_and(|f| f.message.starts_with("parameter genre must not contain")),);
        let p = Params::parse(None, Some("name=fz%EF%BF%BEname".as_bytes()));
        assert_eq!(p.check_text().err().map(|f| f.code), Some(10));
        assert!(Params::parse(Some("query=%D0%9A%D0%B8%D0%BD%D0%BE"), None)
            .check_text()
            .is_ok());
    }

    #[test]
    fn booleans_in_any_case_and_bad_values_named() {
        for (text, value) in [("True", true), ("FALSE", false), ("1", true), ("no", false)] {
            assert_eq!(parse_bool("b", text).ok(), Some(value), "{text}");
        }
        let bad = parse_bool("starred", "maybe").err().map(|f| f.message);
        assert_eq!(
            bad.as_deref(),
            Some("parameter starred must be true or false")
        );
    }

    #[test]
    fn ids_we_never_gave_out_are_not_found_and_counts_clamp() {
        assert_eq!(parse_id("al-12").err().map(|f| f.code), Some(70));
        let p = Params::parse(Some("size=900&offset=-4&n=x"), None);
        assert_eq!(p.count("size", 10, 500).ok(), Some(500));
        assert_eq!(p.count("offset", 0, 10_000).ok(), Some(0));
        assert_eq!(p.count("absent", 10, 500).ok(), Some(10));
        assert_eq!(p.int("n").err().map(|f| f.code), Some(10));
    }
}
