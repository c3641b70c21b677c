//! What the audit log records (docs/privacy.md).

/// What the log records; each names its kind of target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SiteCreated,
    SiteUpdated,
    SiteDeleted,
    SiteSecretRotated,
    AgentCreated,
    AgentUpdated,
    AgentDeleted,
    TeamCreated,
    TeamUpdated,
    TeamDeleted,
    WorkspaceUpdated,
    WorkspaceExported,
    WebhookCreated,
    WebhookUpdated,
    WebhookDeleted,
    WebhookSecretRotated,
    ApiKeyCreated,
    ApiKeyDeleted,
    VisitorBlocked,
    VisitorUnblocked,
    VisitorErased,
    VisitorExported,
    RetentionDeleted,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        use Action::*;
        match self {
            SiteCreated => "site.created",
            SiteUpdated => "site.updated",
            SiteDeleted => "site.deleted",
            SiteSecretRotated => "site.secret_rotated",
            AgentCreated => "agent.created",
            AgentUpdated => "agent.updated",
            AgentDeleted => "agent.deleted",
            TeamCreated => "team.created",
            TeamUpdated => "team.updated",
            TeamDeleted => "team.deleted",
            WorkspaceUpdated => "workspace.updated",
            WorkspaceExported => "workspace.exported",
            WebhookCreated => "webhook.created",
            WebhookUpdated => "webhook.updated",
            WebhookDeleted => "webhook.deleted",
            WebhookSecretRotated => "webhook.secret_rotated",
            ApiKeyCreated => "api_key.created",
            ApiKeyDeleted => "api_key.deleted",
            VisitorBlocked => "visitor.blocked",
            VisitorUnblocked => "visitor.unblocked",
            VisitorErased => "visitor.erased",
            VisitorExported => "visitor.exported",
            RetentionDeleted => "retention.deleted",
        }
    }

    /// The kind of thing acted on: the action's first part.
    pub fn target_kind(self) -> &'static str {
        let action = self.as_str();
        action.split_once('.').map_or(action, |(kind, _)| kind)
    }
}
