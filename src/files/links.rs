//! Signed, expiring links to files: `<public url>/files/<id>/<name>?e=<expiry>&s=<signature>`
//! (`&v=thumb` for an image's preview). The signature (an HMAC of id, variant and expiry with
//! a key derived from the server's secret) is the whole authority of a download: no header is
//! needed, so that `<img src>` and a plain link work, and nobody can make one for a file they
//! were not shown. Expiries fall on 12-hour steps, so that a file's link stays the same for a
//! while and the browser's cache works.

use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::auth::hmac_sha256 as tag;

use crate::domain::attachments::{Attachment, Variant};
use crate::domain::{Timestamp, UploadId};

/// Links are good for 12 to 24 hours from when they are made.
const STEP_S: i64 = 12 * 3600;
/// Bytes of the HMAC kept: 128 bits.
const TAG_BYTES: usize = 16;

#[derive(Clone)]
pub struct FileLinks {
    key: Arc<[u8]>,
    base: Arc<str>,
}

impl FileLinks {
    pub fn new(secret: &str, public_url: &str) -> Self {
        Self {
            key: tag(secret.as_bytes(), b"parley file links v1").into(),
            base: public_url.trim_end_matches('/').into(),
        }
    }

    /// Makes every attachment written out from now on carry links of this server.
    pub fn install(&self) {
        let links = self.clone();
        crate::domain::attachments::install_links(Box::new(move |attachment, variant| {
            links.link(attachment, variant, Timestamp::now())
        }));
    }

    pub fn link(&self, attachment: &Attachment, variant: Variant, now: Timestamp) -> String {
        let expiry = (now.unix_seconds() / STEP_S + 2) * STEP_S;
        let name: String =
            url::form_urlencoded::byte_serialize(attachment.name.as_bytes()).collect();
        let signature = self.signature(attachment.id, variant, expiry);
        let thumb = if variant == Variant::Thumbnail {
            "&v=thumb"
        } else {
            ""
        };
        format!(
            "{}/files/{}/{name}?e={expiry}&s={signature}{thumb}",
            self.base, attachment.id
        )
    }

    /// Whether a link's parts are ours and not expired at `now`.
    pub fn check(
        &self,
        id: UploadId,
        variant: Variant,
        expiry: i64,
        signature: &str,
        now: Timestamp,
    ) -> Check {
        let expected = self.signature(id, variant, expiry);
        if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
            return Check::Forged;
        }
        if now.unix_seconds() >= expiry {
            return Check::Expired;
        }
        Check::Good
    }

    fn signature(&self, id: UploadId, variant: Variant, expiry: i64) -> String {
        let variant: &[u8] = match variant {
            Variant::File => b"file",
            Variant::Thumbnail => b"thumb",
        };
        let message = [id.0.as_bytes().as_slice(), variant, &expiry.to_be_bytes()].concat();
        hex::encode(&tag(&self.key, &message)[..TAG_BYTES])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Good,
    Expired,
    Forged,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_checks_until_it_expires_and_not_for_another_file_or_variant() {
        let links = FileLinks::new("secret", "https://chat.example/");
        let file = Attachment {
            id: UploadId::new(),
            name: "a b/c.png".into(),
            size: 1,
            content_type: "image/png".into(),
            thumbnail: true,
        };
        let now = Timestamp::now();
        let url = url::Url::parse(&links.link(&file, Variant::File, now)).unwrap();
        assert!(url.path().ends_with("/a+b%2Fc.png"), "{url}");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        let expiry: i64 = query["e"].parse().unwrap();
        let signature = &query["s"];
        assert!(expiry - now.unix_seconds() >= STEP_S);
        assert_eq!(
            links.check(file.id, Variant::File, expiry, signature, now),
            Check::Good
        );
        assert_eq!(
            links.check(file.id, Variant::Thumbnail, expiry, signature, now),
            Check::Forged
        );
        assert_eq!(
            links.check(UploadId::new(), Variant::File, expiry, signature, now),
            Check::Forged
        );
        assert_eq!(
            links.check(file.id, Variant::File, expiry + STEP_S, signature, now),
            Check::Forged
        );
        let later = Timestamp::from_micros(expiry * 1_000_000).unwrap();
        assert_eq!(
            links.check(file.id, Variant::File, expiry, signature, later),
            Check::Expired
        );
        let other = FileLinks::new("another secret", "https://chat.example");
        assert_eq!(
            other.check(file.id, Variant::File, expiry, signature, now),
            Check::Forged
        );
    }
}
