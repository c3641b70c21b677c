//! `Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
//! time is signed with the body, so a receiver can refuse an old delivery replayed to it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's value for `body` sent at `unix_seconds`.
pub fn header(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    format!(
        "t={unix_seconds},v1={}",
        hex::encode(mac(secret, unix_seconds, body))
    )
}

fn mac(secret: &str, unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a header as a receiver would (constant-time), allowing `tolerance_secs` of age.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut time = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => time = t.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(time) = time.filter(|t| (now - t).abs() <= tolerance_secs) else {
        return false;
    };
    signatures.iter().any(|signature| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(time.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(signature).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_body_verifies_and_a_changed_one_does_not() {
        let signed = header("whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(signed.starts_with("t=1700000000,v1="));
        assert!(verify("whsec_x", &signed, b"{\"a\":1}", 1_700_000_100, 300));
        assert!(!verify(
            "whsec_x",
            &signed,
            b"{\"a\":2}",
            1_700_000_100,
            300
        ));
        assert!(!verify(
            "whsec_y",
            &signed,
            b"{\"a\":1}",
            1_700_000_100,
            300
        ));
        assert!(
            !verify("whsec_x", &signed, b"{\"a\":1}", 1_700_001_000, 300),
            "too old"
        );
    }

    #[test]
    fn the_mac_is_over_time_dot_body() {
        // Computed independently (Python: hmac.new(b"k", b"1.{}", "sha256").hexdigest()).
        assert_eq!(
            header("k", 1, b"{}"),
            "t=1,v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
        );
    }
}
