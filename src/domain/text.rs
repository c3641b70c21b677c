//! Validated text values: a message `Body`, an `Email`, a public `SiteKey`.

use std::fmt;

use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

/// A message body: not blank, at most the configured number of Unicode code points, kept
/// exactly as sent (no trimming, no HTML handling: clients render it as text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema)]
#[serde(transparent)]
#[sqlx(transparent)]
#[schema(value_type = String)]
pub struct Body(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("body must not be empty")]
    Empty,
    #[error("body is longer than {max} characters")]
    TooLong { max: usize },
    #[error("body contains a control character")]
    Control,
}

impl Body {
    /// `max_chars` of 0 means no limit. A body must show something (white space and invisible
    /// characters alone render blank) and hold no control character but tab and newlines.
    pub fn parse(text: String, max_chars: usize) -> Result<Self, BodyError> {
        if !super::input::has_visible(&text) {
            return Err(BodyError::Empty);
        }
        if text.chars().any(super::input::is_forbidden_control) {
            return Err(BodyError::Control);
        }
        // Counting chars is O(n); the byte length bounds it cheaply first.
        if max_chars > 0 && text.len() > max_chars && text.chars().count() > max_chars {
            return Err(BodyError::TooLong { max: max_chars });
        }
        Ok(Self(text))
    }

    /// No text: allowed only for a message that carries files.
    pub fn empty() -> Self {
        Self(String::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A body written by the server itself (system events), trusted as valid.
    pub fn system(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, lower-cased. Deliberately permissive: one `@`, something on each side,
/// no white space, at most 254 bytes. `admin@localhost` is valid.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email)]
#[sqlx(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let valid = text.len() <= 254
            && !text.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(text.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if valid {
            Ok(Self(text.to_lowercase()))
        } else {
            Err(format!("{text:?} is not an email address"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The public key of a site, `pk_` followed by 24 random alphanumerics. Safe to paste in HTML.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[serde(transparent)]
#[sqlx(transparent)]
#[schema(value_type = String, example = "pk_3kT9aQ2LmN8xYz1Bc4Dd5Ee6")]
pub struct SiteKey(String);

impl SiteKey {
    const PREFIX: &'static str = "pk_";
    const RANDOM_LEN: usize = 24;

    pub fn generate() -> Self {
        let random = Alphanumeric.sample_string(&mut rand::rng(), Self::RANDOM_LEN);
        Self(format!("{}{random}", Self::PREFIX))
    }

    /// Accepts anything shaped like a key; whether it exists is the store's question.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(Self::PREFIX)?;
        let shaped =
            !rest.is_empty() && rest.len() <= 64 && rest.bytes().all(|b| b.is_ascii_alphanumeric());
        shaped.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_body_is_refused() {
        assert_eq!(Body::parse(" \n\t".into(), 10), Err(BodyError::Empty));
        assert_eq!(
            Body::parse("\u{200B}\u{2066} \u{FEFF}".into(), 10),
            Err(BodyError::Empty),
            "invisible only"
        );
    }

    #[test]
    fn a_body_with_a_control_character_is_refused() {
        assert_eq!(Body::parse("hi\u{0}".into(), 10), Err(BodyError::Control));
        assert!(Body::parse("hi\r\n\tthere".into(), 100).is_ok());
    }

    #[test]
    fn body_length_counts_code_points_not_bytes() {
        assert!(Body::parse("é".repeat(4), 4).is_ok());
        assert_eq!(
            Body::parse("é".repeat(5), 4),
            Err(BodyError::TooLong { max: 4 })
        );
        assert!(Body::parse("x".repeat(10_000), 0).is_ok());
    }

    #[test]
    fn body_is_kept_exactly() {
        let body = Body::parse("  <b>hi</b>\n".into(), 100).unwrap();
        assert_eq!(body.as_str(), "  <b>hi</b>\n");
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse("Admin@LocalHost").unwrap().as_str(),
            "admin@localhost"
        );
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn site_keys_have_their_shape() {
        let key = SiteKey::generate();
        assert_eq!(SiteKey::parse(key.as_str()), Some(key));
        assert_eq!(SiteKey::parse("pk_"), None);
        assert_eq!(SiteKey::parse("sk_abc"), None);
        assert_eq!(SiteKey::parse("pk_a'b"), None);
    }
}
