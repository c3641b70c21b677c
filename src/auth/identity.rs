//! Identity verification for visitors: the business's own server vouches for a user, either
//! with a JWT signed HS256 with the site's identity secret, or with the HMAC form used by other
//! products' snippets (`hash` = hex HMAC-SHA256(secret, id)). Both secrets of a rotation are
//! accepted. Comparisons are constant-time.

use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::Sha256;

use crate::domain::Site;

/// The two forms of identity a business's server may sign.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum IdentityClaim {
    Jwt {
        jwt: String,
    },
    Hmac {
        id: Option<String>,
        name: Option<String>,
        email: Option<String>,
        hash: Option<String>,
        /// Custom attributes (not signed in this form).
        #[serde(default)]
        attributes: Option<Attributes>,
    },
}

type Attributes = serde_json::Map<String, serde_json::Value>;

/// Longest accepted external user id.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
const MAX_NAME_CHARS: usize = 200;
const MAX_EMAIL_CHARS: usize = 254;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityCheck {
    /// No identity was offered.
    None,
    /// Name and email without a signature: the visitor's own words.
    Unverified {
        name: Option<String>,
        email: Option<String>,
        attributes: Attributes,
    },
    /// Signed by the business: the same person on every device.
    Verified {
        external_id: String,
        name: Option<String>,
        email: Option<String>,
        /// Whether name and email were signed too (a JWT), or given beside a signed id (HMAC).
        attributes_signed: bool,
        /// Custom attributes, checked (`domain::attributes`).
        attributes: Attributes,
    },
    /// A signature was offered and is wrong, expired or malformed.
    Rejected,
}

impl IdentityCheck {
    pub fn status(&self) -> Option<&'static str> {
        match self {
            IdentityCheck::None => None,
            IdentityCheck::Unverified { .. } => Some("unverified"),
            IdentityCheck::Verified { .. } => Some("verified"),
            IdentityCheck::Rejected => Some("rejected"),
        }
    }
}

#[derive(Deserialize)]
struct IdentityClaims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    attributes: Option<Attributes>,
}

fn secrets(site: &Site) -> impl Iterator<Item = &str> {
    std::iter::once(site.identity_secret.as_str()).chain(site.previous_identity_secret.as_deref())
}

/// A name as others will see it (no controls, no invisible formatting), or nothing.
fn name_of(text: Option<String>) -> Option<String> {
    text.and_then(|t| crate::domain::input::clean_name(&t, MAX_NAME_CHARS))
}

/// An email only when it is one; anything else is dropped, not stored.
fn email_of(text: Option<String>) -> Option<String> {
    let text = text?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_EMAIL_CHARS {
        return None;
    }
    crate::domain::Email::parse(text)
        .ok()
        .map(|e| e.as_str().to_owned())
}

pub fn check(claim: Option<&IdentityClaim>, site: &Site) -> IdentityCheck {
    match claim {
        None => IdentityCheck::None,
        Some(IdentityClaim::Jwt { jwt }) => check_jwt(jwt, site),
        Some(IdentityClaim::Hmac {
            id,
            name,
            email,
            hash,
            attributes,
        }) => {
            let attributes = attributes_of(attributes.as_ref());
            match (id, hash) {
                (Some(id), Some(hash)) => {
                    check_hmac(id, hash, site, name.clone(), email.clone(), attributes)
                }
                (_, Some(_)) => IdentityCheck::Rejected,
                (_, None) if name.is_none() && email.is_none() && attributes.is_empty() => {
                    IdentityCheck::None
                }
                (_, None) => IdentityCheck::Unverified {
                    name: name_of(name.clone()),
                    email: email_of(email.clone()),
                    attributes,
                },
            }
        }
    }
}

fn check_jwt(token: &str, site: &Site) -> IdentityCheck {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.validate_aud = false;
    validation.leeway = 5;
    for secret in secrets(site) {
        if let Ok(data) = decode::<IdentityClaims>(
            token,
            &DecodingKey::from_secret(secret.as_bytes()),
            &validation,
        ) {
            let claims = data.claims;
            let attributes = attributes_of(claims.attributes.as_ref());
            return verified(claims.sub, claims.name, claims.email, true, attributes);
        }
    }
    IdentityCheck::Rejected
}

fn check_hmac(
    id: &str,
    hash: &str,
    site: &Site,
    name: Option<String>,
    email: Option<String>,
    attributes: Attributes,
) -> IdentityCheck {
    let Ok(expected) = hex::decode(hash.trim()) else {
        return IdentityCheck::Rejected;
    };
    for secret in secrets(site) {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(id.as_bytes());
        // verify_slice compares in constant time.
        if mac.verify_slice(&expected).is_ok() {
            return verified(id.to_owned(), name, email, false, attributes);
        }
    }
    IdentityCheck::Rejected
}

fn verified(
    external_id: String,
    name: Option<String>,
    email: Option<String>,
    attributes_signed: bool,
    attributes: Attributes,
) -> IdentityCheck {
    if external_id.is_empty() || external_id.chars().count() > MAX_EXTERNAL_ID_CHARS {
        return IdentityCheck::Rejected;
    }
    IdentityCheck::Verified {
        external_id,
        name: name_of(name),
        email: email_of(email),
        attributes_signed,
        attributes,
    }
}

fn attributes_of(given: Option<&Attributes>) -> Attributes {
    given
        .map(crate::domain::attributes::clean)
        .unwrap_or_default()
}

/// hex(HMAC-SHA256(secret, id)): what a business's server computes for the HMAC form.
pub fn hmac_hex(secret: &str, id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}
