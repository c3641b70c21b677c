//! Agent and visitor tokens: JWTs signed HS256 with the server secret, `iss` = the public URL,
//! `aud` = `parley-agent` or `parley-visitor`. Validation names the algorithm, audience and
//! issuer, so `none`, another algorithm or another audience is refused.

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Secret;
use crate::domain::{AgentId, AgentRole, SiteId, VisitorId, WorkspaceId};

pub const AGENT_AUDIENCE: &str = "parley-agent";
pub const VISITOR_AUDIENCE: &str = "parley-visitor";
/// Agent tokens last a working day.
pub const AGENT_TOKEN_TTL_SECS: i64 = 12 * 3600;
/// Visitor tokens last a year: the widget keeps one per browser.
pub const VISITOR_TOKEN_TTL_SECS: i64 = 365 * 24 * 3600;
/// Tolerated clock skew between nodes.
const LEEWAY_SECS: u64 = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentClaims {
    pub sub: AgentId,
    pub workspace_id: WorkspaceId,
    pub role: AgentRole,
    /// The agent's token version when issued: a later password change or deactivation makes
    /// the token worthless.
    #[serde(default)]
    pub ver: i32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl AgentClaims {
    /// Whether the token still speaks for `agent` as it is now.
    pub fn is_current_for(&self, agent: &crate::domain::Agent) -> bool {
        agent.active && agent.id == self.sub && agent.token_version == self.ver
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitorClaims {
    pub sub: VisitorId,
    pub workspace_id: WorkspaceId,
    pub site_id: SiteId,
    /// Set when the visitor is an identified person: such a token is honoured only together
    /// with a valid identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid token")]
pub struct InvalidToken;

/// Signs and checks the server's tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
}

impl TokenKeys {
    pub fn new(secret: &Secret, issuer: &str) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose().as_bytes()),
            issuer: issuer.to_owned(),
        }
    }

    fn validation(&self, audience: &str) -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        validation
    }

    pub fn issue_agent(&self, agent: &crate::domain::Agent) -> Result<String, InvalidToken> {
        let now = Utc::now().timestamp();
        let claims = AgentClaims {
            sub: agent.id,
            workspace_id: agent.workspace_id,
            role: agent.role,
            ver: agent.token_version,
            iss: self.issuer.clone(),
            aud: AGENT_AUDIENCE.into(),
            iat: now,
            exp: now + AGENT_TOKEN_TTL_SECS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|_| InvalidToken)
    }

    pub fn verify_agent(&self, token: &str) -> Result<AgentClaims, InvalidToken> {
        decode::<AgentClaims>(token, &self.decoding, &self.validation(AGENT_AUDIENCE))
            .map(|data| data.claims)
            .map_err(|_| InvalidToken)
    }

    pub fn issue_visitor(
        &self,
        visitor: VisitorId,
        workspace: WorkspaceId,
        site: SiteId,
        external_id: Option<String>,
    ) -> Result<String, InvalidToken> {
        let now = Utc::now().timestamp();
        let claims = VisitorClaims {
            sub: visitor,
            workspace_id: workspace,
            site_id: site,
            external_id,
            iss: self.issuer.clone(),
            aud: VISITOR_AUDIENCE.into(),
            iat: now,
            exp: now + VISITOR_TOKEN_TTL_SECS,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|_| InvalidToken)
    }

    pub fn verify_visitor(&self, token: &str) -> Result<VisitorClaims, InvalidToken> {
        decode::<VisitorClaims>(token, &self.decoding, &self.validation(VISITOR_AUDIENCE))
            .map(|data| data.claims)
            .map_err(|_| InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_agent(role: AgentRole) -> crate::domain::Agent {
        crate::domain::Agent {
            id: AgentId::new(),
            workspace_id: WorkspaceId::new(),
            email: crate::domain::Email::parse("a@b.test").unwrap(),
            name: "A".into(),
            password_hash: String::new(),
            role,
            active: true,
            created_at: crate::domain::Timestamp::now(),
            updated_at: crate::domain::Timestamp::now(),
            token_version: 3,
            status: crate::domain::AgentStatus::Online,
            capacity: 5,
            notify_email: true,
            avatar_key: None,
            signature: String::new(),
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("k".repeat(40)), "http://127.0.0.1:8080")
    }

    #[test]
    fn agent_tokens_round_trip() {
        let keys = keys();
        let agent = test_agent(AgentRole::Admin);
        let token = keys.issue_agent(&agent).unwrap();
        let claims = keys.verify_agent(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.workspace_id, claims.role),
            (agent.id, agent.workspace_id, AgentRole::Admin)
        );
        assert!(claims.is_current_for(&agent));
        let changed = crate::domain::Agent {
            token_version: agent.token_version + 1,
            ..agent.clone()
        };
        assert!(
            !claims.is_current_for(&changed),
            "a newer version refuses it"
        );
        let inactive = crate::domain::Agent {
            active: false,
            ..agent
        };
        assert!(!claims.is_current_for(&inactive));
    }

    #[test]
    fn a_visitor_token_is_not_an_agent_token() {
        let keys = keys();
        let token = keys
            .issue_visitor(VisitorId::new(), WorkspaceId::new(), SiteId::new(), None)
            .unwrap();
        assert!(keys.verify_agent(&token).is_err());
        assert!(keys.verify_visitor(&token).is_ok());
    }

    #[test]
    fn another_secret_or_issuer_is_refused() {
        let token = keys().issue_agent(&test_agent(AgentRole::Agent)).unwrap();
        let other_secret = TokenKeys::new(&Secret::new("j".repeat(40)), "http://127.0.0.1:8080");
        let other_issuer = TokenKeys::new(&Secret::new("k".repeat(40)), "https://elsewhere");
        assert!(other_secret.verify_agent(&token).is_err());
        assert!(other_issuer.verify_agent(&token).is_err());
    }
}
