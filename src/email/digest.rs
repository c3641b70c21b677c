//! Agents' digests: an agent none of whose team was online when conversations came is told of
//! those still waiting for a first answer, in one email. Skipped when the agent is online by
//! then (the inbox shows them) or nothing waits any more.

use std::time::Duration;

use lettre::Message as Mail;

use super::compose::{self, DigestItem};
use super::worker::{deliver, skipped, Mailer};
use crate::store::email::{DueEmail, EmailOutcome};

/// Conversations listed by name in one digest; the others are counted.
const LISTED: i64 = 20;
/// A first digest looks back this far at most.
const LOOK_BACK: Duration = Duration::from_secs(24 * 3600);

impl Mailer {
    pub(super) async fn digest(&self, email: &DueEmail) -> Result<EmailOutcome, String> {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
            return Ok(skipped("email is not configured"));
        };
        let Some(agent_id) = email.agent_id else {
            return Ok(skipped("nobody to tell"));
        };
        let workspace = email.workspace_id;
        let store = self.chat.store();
        let internal = |e: crate::store::StoreError| e.to_string();
        let Some(agent) = store.agent(workspace, agent_id).await.map_err(internal)? else {
            return Ok(skipped("the agent is gone"));
        };
        if !agent.active || !agent.notify_email {
            return Ok(skipped("the agent does not want these emails"));
        }
        if self.chat.agent_online(workspace, agent_id) {
            return Ok(skipped("the agent is online"));
        }
        let floor = email.created_at.minus(LOOK_BACK);
        let since = match store
            .digested_through(workspace, agent_id)
            .await
            .map_err(internal)?
        {
            Some(through) if through > floor => through,
            _ => floor,
        };
        // One more than listed says whether others wait beyond them.
        let mut waiting = store
            .unattended(workspace, agent_id, since, 500)
            .await
            .map_err(internal)?;
        let Some(newest) = waiting.last().map(|c| c.created_at) else {
            return Ok(skipped("nothing waits any more"));
        };
        let more = waiting.len().saturating_sub(LISTED as usize);
        waiting.truncate(LISTED as usize);
        let dashboard = format!("{}/dashboard/", self.public_url.trim_end_matches('/'));
        let items: Vec<DigestItem<'_>> = waiting
            .iter()
            .map(|c| DigestItem {
                site_name: &c.site_name,
                visitor: c.visitor_name.as_deref().or(c.visitor_email.as_deref()),
                first_words: c.first_words.as_deref(),
                at: c
                    .created_at
                    .as_datetime()
                    .format("%Y-%m-%d %H:%M UTC")
                    .to_string(),
                link: format!("{dashboard}#/c/{}", c.id),
            })
            .collect();
        let composed = compose::digest(&items, more, &format!("{dashboard}#/profile"));
        let to = agent.email.as_str().to_owned();
        let mail = Mail::builder()
            .from(from.clone())
            .to(to
                .parse()
                .map_err(|e| format!("the agent's address: {e}"))?)
            .subject(composed.subject);
        deliver(transport, mail, composed.text, composed.html).await?;
        store
            .digested(workspace, agent_id, newest)
            .await
            .map_err(internal)?;
        Ok(EmailOutcome::Sent { upto_seq: None, to })
    }
}
