//! Routing: automatic assignment, the queue, giving back the conversations of agents gone, the
//! visitor's outlook (available, place in the queue, expected reply time) and the system lines
//! that tell both sides who joined, left or transferred.
//!
//! Decisions are the database's (`store::routing`): any node may run a pass at any time, for
//! any workspace, and two passes at once never assign one conversation twice. A pass starts at
//! once after a change on this node that may let a conversation be assigned (a conversation
//! waiting, a slot freed, an agent back online) and every `sweep` anyway, which also catches
//! other nodes' changes and agents gone for `give_back_after`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{oneshot, Notify};

use super::lines::{self, ChangedBy, Line};
use super::writer::{Reply, SendRequest};
use super::{announce, Chat, ChatError, ChatResult, Inner};
use crate::cluster::bus::Watcher;
use crate::config::RoutingSettings;
use crate::domain::{
    AgentId, Assignment, Author, AuthorKind, Body, Conversation, ConversationStatus, Event,
    MessageKind, NewMessage, Site, Team, TeamId, Timestamp, WorkspaceId,
};
use crate::shutdown::Shutdown;
use crate::store::routing::ASSIGN_BATCH;
use crate::store::Appended;

/// How long a computed expected reply time is reused; not knowing one, a shorter while (the
/// first answers of a new workspace soon tell).
const EXPECTED_TTL: Duration = Duration::from_secs(60);
const UNKNOWN_TTL: Duration = Duration::from_secs(5);
/// The conversations an expected reply time is computed from: the newest answered ones of
/// this period, at most `EXPECTED_SAMPLE`.
const EXPECTED_PERIOD: Duration = Duration::from_secs(7 * 24 * 3600);
const EXPECTED_SAMPLE: i64 = 50;
/// Longest time a system line may wait for its commit before it is given up (and logged).
const LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// Expected reply times by workspace and team, with when each was computed.
type ExpectedCache = HashMap<(WorkspaceId, Option<TeamId>), (Instant, Option<u64>)>;

/// Which workspaces want a pass, and the cache of expected reply times.
#[derive(Default)]
pub struct Assigner {
    wanted: Mutex<HashSet<WorkspaceId>>,
    wake: Notify,
    expected: Mutex<ExpectedCache>,
}

impl Assigner {
    /// Asks for a pass over the workspace's queues, soon.
    pub fn wanted(&self, workspace: WorkspaceId) {
        self.wanted.lock().insert(workspace);
        self.wake.notify_one();
    }

    fn take_wanted(&self) -> Vec<WorkspaceId> {
        self.wanted.lock().drain().collect()
    }
}

impl Watcher for Assigner {
    fn on_local_event(&self, event: &Event) {
        match event {
            Event::ConversationChanged { conversation, .. } => {
                let waits = conversation.status == ConversationStatus::Open
                    && conversation.assignee_id.is_none()
                    && conversation.team_id.is_some();
                // Resolved by its agent, or taken from one: that agent may have room now. A
                // conversation just created freed nothing (a storm of new visitors on a site
                // without a team must not cost a pass each).
                let created = conversation.created_at == conversation.updated_at;
                let resolved = conversation.status == ConversationStatus::Resolved;
                let frees = !created && (resolved == conversation.assignee_id.is_some());
                if waits || frees {
                    self.wanted(conversation.workspace_id);
                }
            }
            Event::AgentPresence {
                workspace,
                status: crate::domain::AgentStatus::Online,
                ..
            }
            | Event::AgentStatusChosen {
                workspace,
                status: crate::domain::AgentStatus::Online,
                ..
            } => self.wanted(*workspace),
            _ => {}
        }
    }
}

/// What a visitor is told about being answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outlook {
    /// An agent can answer live now.
    pub available: bool,
    /// Its place among the conversations waiting for an agent (from 1), when it waits.
    pub queue_position: Option<usize>,
    /// The typical first reply time of its team (or workspace), in seconds.
    pub expected_reply_s: Option<u64>,
}

impl Chat {
    pub fn routing(&self) -> &Assigner {
        &self.inner.assigner
    }

    /// Starts this node's assigner: passes on demand and every `sweep`, until shutdown.
    pub fn start_routing(&self, settings: RoutingSettings, shutdown: Shutdown) {
        let watcher: Weak<dyn Watcher> = Arc::downgrade(&self.inner.assigner) as Weak<dyn Watcher>;
        self.inner.bus.watch(watcher);
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(run(inner, settings, shutdown));
    }

    /// Whether the site can be answered live, its visitor's place in the queue of
    /// `conversation` and the expected reply time.
    pub async fn outlook(
        &self,
        site: &Site,
        conversation: Option<&Conversation>,
    ) -> ChatResult<Outlook> {
        let team = match site.team_id {
            Some(team) => self.inner.store.team(site.workspace_id, team).await?,
            None => None,
        };
        let available = self.available_with(site, team.as_ref());
        let queue_position = match conversation {
            Some(c)
                if c.status == ConversationStatus::Open
                    && c.assignee_id.is_none()
                    && c.team_id.is_some() =>
            {
                self.queue_position(c, team.as_ref()).await?
            }
            _ => None,
        };
        let expected_reply_s = self.expected_reply(site.workspace_id, site.team_id).await;
        Ok(Outlook {
            available,
            queue_position,
            expected_reply_s,
        })
    }

    /// Whether a visitor of `site` can be answered live now: its team within its hours with
    /// a member online (not away), or, for a site without a team, any agent online.
    pub async fn available(&self, site: &Site) -> ChatResult<bool> {
        let team = match site.team_id {
            Some(team) => self.inner.store.team(site.workspace_id, team).await?,
            None => None,
        };
        Ok(self.available_with(site, team.as_ref()))
    }

    fn available_with(&self, site: &Site, team: Option<&Team>) -> bool {
        let Some(presence) = self.presence() else {
            return false;
        };
        let Some(team) = team else {
            return presence.agents_online(site.workspace_id) > 0;
        };
        let open = match &team.hours {
            None => true,
            Some(hours) => hours
                .schedule()
                .map(|s| s.is_open(chrono::Utc::now()))
                .unwrap_or(true),
        };
        open && presence.any_online(site.workspace_id, &team.agent_ids)
    }

    async fn queue_position(
        &self,
        conversation: &Conversation,
        site_team: Option<&Team>,
    ) -> ChatResult<Option<usize>> {
        let Some(team_id) = conversation.team_id else {
            return Ok(None);
        };
        let automatic = match site_team.filter(|t| t.id == team_id) {
            Some(team) => team.assignment != Assignment::Manual,
            None => self
                .inner
                .store
                .team(conversation.workspace_id, team_id)
                .await?
                .is_some_and(|t| t.assignment != Assignment::Manual),
        };
        if !automatic {
            return Ok(None);
        }
        let queue = self
            .inner
            .store
            .queue(conversation.workspace_id, team_id, ASSIGN_BATCH)
            .await?;
        Ok(queue
            .iter()
            .position(|(id, _)| *id == conversation.id)
            .map(|i| i + 1))
    }

    /// The median first reply time of the newest answered conversations, cached a minute;
    /// `None` when there is none to tell from (or the database cannot say now).
    pub async fn expected_reply(
        &self,
        workspace: WorkspaceId,
        team: Option<TeamId>,
    ) -> Option<u64> {
        let key = (workspace, team);
        if let Some((at, value)) = self.inner.assigner.expected.lock().get(&key) {
            let ttl = if value.is_some() {
                EXPECTED_TTL
            } else {
                UNKNOWN_TTL
            };
            if at.elapsed() < ttl {
                return *value;
            }
        }
        let since = Timestamp::from_micros(
            Timestamp::now().as_micros() - EXPECTED_PERIOD.as_micros() as i64,
        )?;
        let mut times = self
            .inner
            .store
            .first_reply_times(workspace, team, since, EXPECTED_SAMPLE)
            .await
            .ok()?;
        times.sort_by(f64::total_cmp);
        let value = times.get(times.len() / 2).map(|m| m.round() as u64);
        let mut cache = self.inner.assigner.expected.lock();
        // Bounded: a busy server forgets what is stale before it grows.
        if cache.len() > 10_000 {
            cache.retain(|_, (at, _)| at.elapsed() < EXPECTED_TTL);
        }
        cache.insert(key, (Instant::now(), value));
        value
    }

    /// Stores a system line in the conversation (in its site's language) and delivers it like
    /// any message. A line that cannot be written is logged, never an error of the change it
    /// tells of.
    pub async fn post_line(&self, conversation: &Conversation, line: Line<'_>) {
        let locale = match self
            .inner
            .store
            .site(conversation.workspace_id, conversation.site_id)
            .await
        {
            Ok(Some(site)) => site
                .settings
                .0
                .get("locale")
                .and_then(|l| l.as_str())
                .unwrap_or("en")
                .to_owned(),
            _ => "en".to_owned(),
        };
        let Ok(body) = Body::parse(lines::text(line, &locale), usize::MAX) else {
            return;
        };
        let author = Author {
            kind: AuthorKind::System,
            id: None,
            name: None,
        };
        let message = NewMessage::by_server(conversation, author, MessageKind::Event, body);
        if let Err(err) = self.post(message).await {
            tracing::warn!(error = %err, conversation = %conversation.id, "system line not stored");
        }
    }

    /// Writes a message through the group-commit writer and waits for its commit.
    pub async fn post(&self, message: NewMessage) -> ChatResult<Appended> {
        let (tx, rx) = oneshot::channel();
        self.submit(SendRequest {
            message,
            reply: Reply::Caller(tx),
        });
        match tokio::time::timeout(LINE_TIMEOUT, rx).await {
            Ok(Ok(result)) => result,
            _ => Err(ChatError::Unavailable),
        }
    }

    /// The lines that tell a change of status, assignee or team: who resolved or reopened
    /// it, who left, who joined, where it went.
    pub async fn tell_change(
        &self,
        before: &Conversation,
        after: &Conversation,
        by: ChangedBy<'_>,
    ) {
        match (before.status, after.status, by) {
            (ConversationStatus::Open, ConversationStatus::Resolved, ChangedBy::Visitor) => {
                self.post_line(after, Line::Ended).await;
            }
            (ConversationStatus::Open, ConversationStatus::Resolved, ChangedBy::Agent(name)) => {
                self.post_line(after, Line::Resolved(name)).await;
            }
            (ConversationStatus::Resolved, ConversationStatus::Open, ChangedBy::Agent(name)) => {
                self.post_line(after, Line::Reopened(name)).await;
            }
            _ => {}
        }
        if before.team_id != after.team_id {
            let name = match after.team_id {
                Some(team) => match self.inner.store.team(after.workspace_id, team).await {
                    Ok(Some(team)) => team.name,
                    _ => return,
                },
                None => "all agents".to_owned(),
            };
            self.post_line(after, Line::Transferred(&name)).await;
        }
        if before.assignee_id == after.assignee_id {
            return;
        }
        if let Some(agent) = before.assignee_id {
            if let Some(name) = self.agent_name(after.workspace_id, agent).await {
                self.post_line(after, Line::Left(&name)).await;
            }
        }
        if let Some(agent) = after.assignee_id {
            if let Some(name) = self.agent_name(after.workspace_id, agent).await {
                self.post_line(after, Line::Joined(&name)).await;
            }
        }
    }

    async fn agent_name(&self, workspace: WorkspaceId, agent: AgentId) -> Option<String> {
        self.inner
            .store
            .agent(workspace, agent)
            .await
            .ok()
            .flatten()
            .map(|a| a.name)
    }

    /// One pass over the workspace's waiting conversations; `announce` tells every waiting
    /// visitor its place even when nothing was assigned (the queue changed otherwise).
    async fn drain(&self, workspace: WorkspaceId, announce: bool) -> ChatResult<()> {
        let teams = self.inner.store.waiting_teams(workspace).await?;
        if teams.is_empty() {
            return Ok(());
        }
        let online = self
            .presence()
            .map(|p| p.online_agents(workspace))
            .unwrap_or_default();
        for team in teams {
            let assigned = if online.is_empty() {
                Vec::new()
            } else {
                self.inner
                    .store
                    .assign_waiting(workspace, team, &online)
                    .await?
            };
            for conversation in &assigned {
                metrics::counter!("parley_assignments_total").increment(1);
                announce::conversation_changed(
                    &self.inner.store,
                    &self.inner.bus,
                    conversation.clone(),
                )
                .await;
            }
            // The queue first, then who joined: the visitor reads them in that order.
            if announce || !assigned.is_empty() {
                self.tell_queue(workspace, team, &assigned).await?;
            }
            for conversation in &assigned {
                if let Some(agent) = conversation.assignee_id {
                    if let Some(name) = self.agent_name(workspace, agent).await {
                        self.post_line(conversation, Line::Joined(&name)).await;
                    }
                }
            }
        }
        Ok(())
    }

    /// Tells the team's waiting visitors their places, and those just taken that they wait
    /// no more.
    async fn tell_queue(
        &self,
        workspace: WorkspaceId,
        team: TeamId,
        taken: &[Conversation],
    ) -> ChatResult<()> {
        let waiting = self
            .inner
            .store
            .queue(workspace, team, ASSIGN_BATCH)
            .await?;
        let expected_reply_s = self.expected_reply(workspace, Some(team)).await;
        self.inner.bus.publish(Event::QueueMoved {
            workspace,
            waiting,
            taken: taken.iter().map(|c| (c.id, c.visitor_id)).collect(),
            expected_reply_s,
        });
        Ok(())
    }

    /// Gives back the conversations of agents offline or away for `after`; `gone` remembers
    /// since when each holder has been seen unavailable by this node.
    async fn give_back_gone(
        &self,
        after: Duration,
        gone: &mut HashMap<(WorkspaceId, AgentId), Instant>,
    ) -> ChatResult<()> {
        let holders = self.inner.store.holders().await?;
        let mut online: HashMap<WorkspaceId, Vec<AgentId>> = HashMap::new();
        let now = Instant::now();
        let mut seen = HashSet::new();
        for (workspace, agent) in holders {
            seen.insert((workspace, agent));
            let here = online.entry(workspace).or_insert_with(|| {
                self.presence()
                    .map(|p| p.online_agents(workspace))
                    .unwrap_or_default()
            });
            if here.contains(&agent) {
                gone.remove(&(workspace, agent));
                continue;
            }
            let since = *gone.entry((workspace, agent)).or_insert(now);
            if now.duration_since(since) < after {
                continue;
            }
            gone.remove(&(workspace, agent));
            let released = self.inner.store.give_back(workspace, agent).await?;
            let name = self.agent_name(workspace, agent).await;
            for conversation in &released {
                announce::conversation_changed(
                    &self.inner.store,
                    &self.inner.bus,
                    conversation.clone(),
                )
                .await;
                if let Some(name) = &name {
                    self.post_line(conversation, Line::Left(name)).await;
                }
            }
            if !released.is_empty() {
                tracing::info!(%agent, conversations = released.len(), "conversations given back to the queue");
                self.routing().wanted(workspace);
            }
        }
        gone.retain(|key, _| seen.contains(key));
        Ok(())
    }

    /// A sweep: every queue with waiting conversations, then the agents gone.
    async fn sweep(
        &self,
        settings: &RoutingSettings,
        gone: &mut HashMap<(WorkspaceId, AgentId), Instant>,
    ) -> ChatResult<()> {
        let workspaces: HashSet<WorkspaceId> = self
            .inner
            .store
            .teams_with_waiting()
            .await?
            .into_iter()
            .map(|(w, _)| w)
            .collect();
        for workspace in workspaces {
            self.drain(workspace, false).await?;
        }
        if !settings.give_back_after.is_zero() {
            self.give_back_gone(settings.give_back_after, gone).await?;
        }
        Ok(())
    }
}

/// The assigner's loop; it ends with the server (shutdown, or the core dropped).
async fn run(inner: Weak<Inner>, settings: RoutingSettings, shutdown: Shutdown) {
    let mut tick = tokio::time::interval(settings.sweep.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut gone = HashMap::new();
    loop {
        let Some(assigner) = inner.upgrade().map(|i| i.assigner.clone()) else {
            return;
        };
        let swept = tokio::select! {
            _ = assigner.wake.notified() => false,
            _ = tick.tick() => true,
            _ = shutdown.wait() => return,
        };
        drop(assigner);
        let Some(chat) = inner.upgrade().map(|inner| Chat { inner }) else {
            return;
        };
        for workspace in chat.routing().take_wanted() {
            if let Err(err) = chat.drain(workspace, true).await {
                tracing::warn!(error = %err, %workspace, "assignment pass failed; the next sweep retries");
            }
        }
        if swept {
            if let Err(err) = chat.sweep(&settings, &mut gone).await {
                tracing::warn!(error = %err, "assignment sweep failed; retried at the next");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ConversationId, SiteId, VisitorId};

    fn conversation(
        status: ConversationStatus,
        assignee: Option<AgentId>,
        team: Option<TeamId>,
        changed: bool,
    ) -> Conversation {
        let created = Timestamp::now();
        Conversation {
            id: ConversationId::new(),
            workspace_id: WorkspaceId(uuid::Uuid::nil()),
            site_id: SiteId::new(),
            visitor_id: VisitorId::new(),
            status,
            assignee_id: assignee,
            last_seq: 1,
            created_at: created,
            updated_at: if changed {
                created.plus(Duration::from_millis(5))
            } else {
                created
            },
            last_activity_at: created,
            team_id: team,
            rating: None,
            labels: Default::default(),
            priority: Default::default(),
            snoozed_until: None,
        }
    }

    fn wants(conversation: Conversation) -> bool {
        let assigner = Assigner::default();
        assigner.on_local_event(&Event::ConversationChanged {
            conversation,
            assignee: None,
        });
        !assigner.take_wanted().is_empty()
    }

    #[test]
    fn a_pass_is_wanted_when_a_conversation_waits_or_a_slot_frees_and_not_otherwise() {
        use ConversationStatus::{Open, Resolved};
        let (agent, team) = (Some(AgentId::new()), Some(TeamId::new()));
        assert!(
            wants(conversation(Open, None, team, false)),
            "new in a team: it waits"
        );
        assert!(
            !wants(conversation(Open, None, None, false)),
            "new without a team"
        );
        assert!(
            wants(conversation(Resolved, agent, None, true)),
            "resolved: a slot frees"
        );
        assert!(
            wants(conversation(Open, None, None, true)),
            "unassigned: a slot frees"
        );
        assert!(
            !wants(conversation(Open, agent, None, true)),
            "assigned: nothing frees"
        );
        assert!(
            !wants(conversation(Resolved, None, None, true)),
            "nobody's: nothing frees"
        );
    }
}
