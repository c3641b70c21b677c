//! Authentication: password hashing, signed tokens, and the server's signing secret.
//!
//! Must not log a password, a token or a secret; comparisons of secrets are constant-time.

pub mod identity;
pub mod password;
pub mod tokens;

use rand::distr::{Alphanumeric, SampleString};

use crate::config::{Secret, Settings};
use crate::store::{Store, StoreResult};

/// HMAC-SHA256 of `data` under `key` (HMAC takes keys of any length).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::Mac;
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The settings key under which a generated signing secret is kept.
const SECRET_SETTING: &str = "token_secret";
const GENERATED_SECRET_LEN: usize = 64;

/// `PARLEY_SECRET` when set; otherwise the secret generated on the first start and kept in
/// the database, so that tokens survive restarts and every node of a cluster agrees.
pub async fn server_secret(settings: &Settings, store: &dyn Store) -> StoreResult<Secret> {
    if let Some(secret) = &settings.secret {
        return Ok(secret.clone());
    }
    let candidate = random_token(GENERATED_SECRET_LEN);
    store
        .setting_or_insert(SECRET_SETTING, &candidate)
        .await
        .map(Secret::new)
}

/// A random alphanumeric string, for generated passwords and secrets.
pub fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}
