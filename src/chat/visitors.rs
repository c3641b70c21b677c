//! Visitors: who a `hello` speaks for, the pages they visit and the profile they leave.

use super::{Chat, ChatError, ChatResult};
use crate::auth::identity::IdentityCheck;
use crate::auth::tokens::VisitorClaims;
use crate::domain::{
    AgentId, Event, PageInfo, Site, Timestamp, Visitor, VisitorBlock, VisitorId, VisitorPage,
    WidgetSettings, WorkspaceId,
};

impl Chat {
    /// Finds or makes the visitor a `hello` speaks for, and says whether it is new. A verified
    /// identity finds the same person on any device; a token alone continues an anonymous
    /// visitor, never an identified one.
    pub async fn resolve_visitor(
        &self,
        site: &Site,
        token: Option<&VisitorClaims>,
        identity: &IdentityCheck,
        user_agent: Option<String>,
        ip: String,
    ) -> ChatResult<(Visitor, bool)> {
        let store = self.store();
        let claims = token.filter(|c| c.site_id == site.id && c.external_id.is_none());
        let from_token = match claims {
            Some(claims) => store
                .visitor(site.workspace_id, claims.sub)
                .await?
                .filter(|v| v.site_id == site.id && v.external_id.is_none()),
            None => None,
        };
        let now = Timestamp::now();
        let (found, external_id) = match identity {
            IdentityCheck::Verified { external_id, .. } => {
                match store.visitor_by_external_id(site.id, external_id).await? {
                    Some(person) => (Some(person), None),
                    // The anonymous visitor becomes this person, keeping its conversation.
                    None => (from_token, Some(external_id.clone())),
                }
            }
            _ => (from_token, None),
        };
        let is_new = found.is_none();
        let mut visitor = found.unwrap_or_else(|| Visitor {
            id: VisitorId::new(),
            workspace_id: site.workspace_id,
            site_id: site.id,
            external_id: None,
            name: None,
            email: None,
            user_agent: None,
            created_at: now,
            last_seen_at: now,
            name_signed: false,
            email_signed: false,
            last_ip: None,
            attributes: Default::default(),
        });
        // An anonymous visitor becoming this person: its other sessions, unverified, must not
        // go on seeing the person's conversations. They are closed and start anew.
        let identified_now = !is_new && external_id.is_some();
        if external_id.is_some() {
            visitor.external_id = external_id;
        }
        // A given name or email replaces the stored one, and says whether it is signed now.
        let (name, email, signed) = match identity {
            IdentityCheck::Verified {
                name,
                email,
                attributes_signed,
                ..
            } => (name, email, *attributes_signed),
            IdentityCheck::Unverified { name, email, .. } => (name, email, false),
            IdentityCheck::None | IdentityCheck::Rejected => (&None, &None, false),
        };
        if let Some(name) = name {
            visitor.name = Some(name.clone());
            visitor.name_signed = signed;
        }
        if let Some(email) = email {
            visitor.email = Some(email.clone());
            visitor.email_signed = signed;
        }
        visitor.user_agent = user_agent.or(visitor.user_agent);
        visitor.last_ip = Some(ip);
        visitor.last_seen_at = now;
        if is_new {
            self.creations().insert_visitor(&visitor).await?;
        } else {
            store.update_visitor(&visitor).await?;
        }
        // Custom attributes from identify: written only when they change something.
        let given = match identity {
            IdentityCheck::Verified { attributes, .. }
            | IdentityCheck::Unverified { attributes, .. } => attributes.clone(),
            IdentityCheck::None | IdentityCheck::Rejected => Default::default(),
        };
        let changed: serde_json::Map<String, serde_json::Value> =
            crate::domain::attributes::admitted(&visitor.attributes.0, given)
                .into_iter()
                .filter(|(name, value)| visitor.attributes.0.get(name) != Some(value))
                .collect();
        if !changed.is_empty() {
            store
                .merge_visitor_attributes(visitor.workspace_id, visitor.id, &changed)
                .await?;
            visitor.attributes.0.extend(changed);
        }
        if identified_now {
            self.bus().publish(Event::VisitorIdentified {
                workspace: visitor.workspace_id,
                visitor: visitor.id,
            });
        }
        Ok((visitor, is_new))
    }

    /// The visitor is on `page` now: stored, and agents are told.
    pub async fn record_page(&self, visitor: &Visitor, page: PageInfo) -> ChatResult<()> {
        let stored = VisitorPage {
            url: page.url.clone(),
            title: page.title.clone(),
            referrer: page.referrer.clone(),
            seen_at: Timestamp::now(),
        };
        self.store()
            .record_pages(visitor.workspace_id, visitor.id, &[stored])
            .await?;
        self.visitor_changed(visitor.clone(), Some(page));
        Ok(())
    }

    /// Pages the visitor saw before its first connection (the loader kept them), oldest
    /// first; stored without telling agents (the current page that follows does).
    pub async fn record_earlier_pages(
        &self,
        visitor: &Visitor,
        pages: Vec<VisitorPage>,
    ) -> ChatResult<()> {
        if pages.is_empty() {
            return Ok(());
        }
        self.store()
            .record_pages(visitor.workspace_id, visitor.id, &pages)
            .await?;
        Ok(())
    }

    /// Saves the visitor's own name and email (only while anonymous) and tells agents.
    pub async fn save_profile(&self, visitor: &Visitor, page: Option<PageInfo>) -> ChatResult<()> {
        let saved = self
            .store()
            .update_visitor_profile(
                visitor.workspace_id,
                visitor.id,
                visitor.name.as_deref(),
                visitor.email.as_deref(),
            )
            .await?;
        if saved {
            self.visitor_changed(visitor.clone(), page);
        }
        Ok(())
    }

    /// A visitor's form answers: its name and email as `save_profile`, the other answers
    /// added to its attributes; agents are told.
    pub async fn save_answers(
        &self,
        visitor: &Visitor,
        attributes: &serde_json::Map<String, serde_json::Value>,
        page: Option<PageInfo>,
    ) -> ChatResult<()> {
        let store = self.store();
        store
            .update_visitor_profile(
                visitor.workspace_id,
                visitor.id,
                visitor.name.as_deref(),
                visitor.email.as_deref(),
            )
            .await?;
        if !attributes.is_empty() {
            store
                .merge_visitor_attributes(visitor.workspace_id, visitor.id, attributes)
                .await?;
        }
        self.visitor_changed(visitor.clone(), page);
        Ok(())
    }

    /// Whether a visitor's first message may open a conversation: the site's pre-chat form
    /// answered, and an email given when the site asks for one while nobody can answer.
    pub async fn admit_first_message(&self, site: &Site, visitor: &Visitor) -> ChatResult<()> {
        // The site as it is now (cached briefly), not as the connection first read it: an
        // admin's change applies to visitors already on the page.
        let current = self.sites().by_key(self.store(), &site.site_key).await?;
        let site = current.as_deref().unwrap_or(site);
        let settings = WidgetSettings::of(&site.settings.0);
        if let Some(field) = settings.prechat.missing(visitor) {
            return Err(ChatError::Conflict(format!(
                "the pre-chat form comes first: {} is required",
                field.name
            )));
        }
        if settings.email_required_offline()
            && visitor.email.is_none()
            && !self.available(site).await?
        {
            return Err(ChatError::Conflict(
                "an email address comes first while nobody is available".into(),
            ));
        }
        Ok(())
    }
}

impl Chat {
    /// Whether a `hello` comes from a blocked visitor: the one its token or verified identity
    /// names, or anyone from a blocked address. Read only: nothing is stored for it.
    pub async fn is_blocked(
        &self,
        site: &Site,
        token: Option<&VisitorClaims>,
        identity: &IdentityCheck,
        ip: &str,
    ) -> ChatResult<bool> {
        let store = self.store();
        let workspace = site.workspace_id;
        if self.block_flags().blocks_nobody(workspace) {
            return Ok(false);
        }
        if !store.has_blocks(workspace).await? {
            self.block_flags().saw_none(workspace);
            return Ok(false);
        }
        let named = match identity {
            IdentityCheck::Verified { external_id, .. } => store
                .visitor_by_external_id(site.id, external_id)
                .await?
                .map(|v| v.id),
            _ => None,
        };
        let from_token = token.filter(|c| c.site_id == site.id).map(|c| c.sub);
        for visitor in [named, from_token].into_iter().flatten() {
            if store
                .is_blocked(site.workspace_id, Some(visitor), Some(ip))
                .await?
            {
                return Ok(true);
            }
        }
        Ok(named.is_none()
            && from_token.is_none()
            && store.is_blocked(site.workspace_id, None, Some(ip)).await?)
    }

    /// Blocks a visitor of the workspace (and its last address, if asked); its open
    /// connections close at once.
    pub async fn block_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
        reason: &str,
        with_ip: bool,
        by: AgentId,
    ) -> ChatResult<VisitorBlock> {
        let block = self
            .store()
            .block_visitor(workspace, visitor, reason, with_ip, by)
            .await?
            .ok_or(super::ChatError::NotFound)?;
        self.block_flags().forget(workspace);
        self.bus()
            .publish(Event::VisitorBlocked { workspace, visitor });
        Ok(block)
    }

    /// Erases a visitor and everything of theirs; its open connections close.
    pub async fn erase_visitor(
        &self,
        workspace: WorkspaceId,
        visitor: VisitorId,
    ) -> ChatResult<bool> {
        let erased = self.store().delete_visitor(workspace, visitor).await?;
        if erased {
            self.bus()
                .publish(Event::VisitorBlocked { workspace, visitor });
        }
        Ok(erased)
    }

    /// The visitor's last connection on this node closed: remembered, so that agents' replies
    /// are emailed once it has been gone long enough. Not awaited by the caller.
    pub fn visitor_left(&self, workspace: WorkspaceId, visitor: VisitorId) {
        let store = self.store().clone();
        actix_web::rt::spawn(async move {
            if let Err(err) = store
                .set_visitor_left(workspace, visitor, Timestamp::now())
                .await
            {
                tracing::debug!(error = %err, "visitor's leaving not recorded");
            }
        });
    }
}
