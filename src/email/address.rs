//! Signed addresses and links of emails: reply addresses `reply+<token>@<PARLEY_INBOUND_DOMAIN>`
//! (the token names the conversation and carries a truncated HMAC of it, so that an address
//! cannot be made up for another conversation), bounce addresses `bounce+<token>@…` (the
//! envelope sender: a hard bounce names the workspace it came from), and unsubscribe tokens.
//! Hex, because mail servers may change the case of a local part.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::domain::{ConversationId, WorkspaceId};

/// Bytes of the HMAC kept in a token: 80 bits, out of reach of guessing.
const TAG_BYTES: usize = 10;
const PREFIX: &str = "reply+";
const BOUNCE_PREFIX: &str = "bounce+";

#[derive(Clone)]
pub struct ReplyAddresses {
    key: Arc<[u8]>,
    domain: Option<Arc<str>>,
}

impl ReplyAddresses {
    /// Addresses under `domain` (none: emails carry no reply address), signed with a key
    /// derived from the server's secret.
    pub fn new(secret: &str, domain: Option<&str>) -> Self {
        let key = mac(secret.as_bytes(), b"parley reply addresses v1");
        Self {
            key: key.into(),
            domain: domain.map(|d| d.trim().to_ascii_lowercase().into()),
        }
    }

    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The reply address of a conversation, when an inbound domain is configured.
    pub fn address(&self, conversation: ConversationId) -> Option<String> {
        let domain = self.domain.as_deref()?;
        Some(format!(
            "{PREFIX}{}@{domain}",
            self.token(b"reply", &conversation.0)
        ))
    }

    fn token(&self, purpose: &[u8], id: &Uuid) -> String {
        let tag = mac(&self.key, &[purpose, id.as_bytes()].concat());
        format!(
            "{}{}",
            hex::encode(id.as_bytes()),
            hex::encode(&tag[..TAG_BYTES])
        )
    }

    /// The id an address of ours with `prefix` carries, when its tag is right (checked in
    /// constant time). Any case; an address of another domain is not ours.
    fn signed_id(&self, address: &str, prefix: &str, purpose: &[u8]) -> Option<Uuid> {
        let address = address.trim().to_ascii_lowercase();
        let (local, domain) = address.rsplit_once('@')?;
        if Some(domain) != self.domain.as_deref() {
            return None;
        }
        let token = local.strip_prefix(prefix)?;
        let bytes = hex::decode(token).ok()?;
        if bytes.len() != 16 + TAG_BYTES {
            return None;
        }
        let (id, tag) = bytes.split_at(16);
        let mut check = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        check.update(&[purpose, id].concat());
        check.verify_truncated_left(tag).ok()?;
        Uuid::from_slice(id).ok()
    }

    /// The conversation a reply address names, when it is one of ours.
    pub fn conversation(&self, address: &str) -> Option<ConversationId> {
        self.signed_id(address, PREFIX, b"reply")
            .map(ConversationId)
    }

    /// The envelope sender of a workspace's emails: bounces come back to the inbound endpoint.
    pub fn bounce_address(&self, workspace: WorkspaceId) -> Option<String> {
        let domain = self.domain.as_deref()?;
        Some(format!(
            "{BOUNCE_PREFIX}{}@{domain}",
            self.token(b"bounce", &workspace.0)
        ))
    }

    /// The workspace a bounce address names, when it is one of ours.
    pub fn bounced_workspace(&self, address: &str) -> Option<WorkspaceId> {
        self.signed_id(address, BOUNCE_PREFIX, b"bounce")
            .map(WorkspaceId)
    }

    /// The token of an unsubscribe link: the workspace stops emailing the address.
    pub fn unsubscribe_token(&self, workspace: WorkspaceId, address: &str) -> String {
        let data = [
            b"unsubscribe".as_slice(),
            workspace.0.as_bytes(),
            address.as_bytes(),
        ]
        .concat();
        hex::encode(&mac(&self.key, &data)[..16])
    }

    /// Whether `token` is the unsubscribe token of the workspace and address (constant time).
    pub fn unsubscribe_ok(&self, workspace: WorkspaceId, address: &str, token: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.unsubscribe_token(workspace, address);
        expected.as_bytes().ct_eq(token.as_bytes()).into()
    }
}

use crate::auth::hmac_sha256 as mac;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_its_conversation_and_nothing_else() {
        let addresses = ReplyAddresses::new("server secret", Some("Inbound.Example"));
        let id = ConversationId::new();
        let address = addresses.address(id).unwrap();
        assert!(address.starts_with("reply+") && address.ends_with("@inbound.example"));
        assert!(
            address.len() - "@inbound.example".len() <= 64,
            "a valid local part"
        );
        assert_eq!(addresses.conversation(&address), Some(id));
        assert_eq!(addresses.conversation(&address.to_uppercase()), Some(id));
        // Another conversation's id with this tag, a changed tag, another domain, another key.
        let other = ConversationId::new();
        let forged = address.replace(
            &hex::encode(id.0.as_bytes()),
            &hex::encode(other.0.as_bytes()),
        );
        assert_eq!(addresses.conversation(&forged), None);
        let mut flipped = address.clone();
        let at = flipped.find('@').unwrap() - 1;
        let last = if &flipped[at..=at] == "0" { "1" } else { "0" };
        flipped.replace_range(at..=at, last);
        assert_eq!(addresses.conversation(&flipped), None);
        assert_eq!(
            addresses.conversation(&address.replace("inbound.example", "evil.example")),
            None
        );
        let elsewhere = ReplyAddresses::new("another secret", Some("inbound.example"));
        assert_eq!(elsewhere.conversation(&address), None);
        assert_eq!(addresses.conversation("reply+zz@inbound.example"), None);
        assert_eq!(ReplyAddresses::new("s", None).address(id), None);
        // A reply token is not a bounce token, nor the other way round.
        let workspace = WorkspaceId(id.0);
        let bounce = addresses.bounce_address(workspace).unwrap();
        assert_eq!(addresses.bounced_workspace(&bounce), Some(workspace));
        assert_eq!(
            addresses.conversation(&bounce.replace("bounce+", "reply+")),
            None
        );
        assert_eq!(
            addresses.bounced_workspace(&address.replace("reply+", "bounce+")),
            None
        );
    }

    #[test]
    fn unsubscribe_tokens_are_per_workspace_and_address() {
        let addresses = ReplyAddresses::new("server secret", Some("in.example"));
        let (w1, w2) = (WorkspaceId(Uuid::new_v4()), WorkspaceId(Uuid::new_v4()));
        let token = addresses.unsubscribe_token(w1, "ada@example.com");
        assert!(addresses.unsubscribe_ok(w1, "ada@example.com", &token));
        assert!(!addresses.unsubscribe_ok(w2, "ada@example.com", &token));
        assert!(!addresses.unsubscribe_ok(w1, "bob@example.com", &token));
        assert!(!addresses.unsubscribe_ok(w1, "ada@example.com", "00"));
    }
}
