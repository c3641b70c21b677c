//! The agent role: a support agent of a workspace, on the dashboard. Sees every conversation
//! of its workspace, notes included, and nothing of any other workspace.

use std::collections::HashMap;
use std::sync::Arc;

use actix::{ActorFutureExt, AsyncContext, WrapFuture};

use super::hub::{Focus, Registration};
use super::protocol::{
    self, AgentConversationView, AgentPresenceView, AgentView, ClientFrame,
    ConversationWithPresence, EmailView, ErrorCode, Hello, ServerFrame, Subscription, TeamRef,
    MAX_WATCHED,
};
use super::session::{Ctx, HelloRefusal, Role, Session};
use crate::chat::{agent_author, Chat, ConversationRef};
use crate::domain::{
    Agent, AgentId, AgentStatus, Assignee, Author, Conversation, ConversationId, VisitorId,
    WorkspaceId,
};
use crate::store::inbox::{AssigneeFilter, InboxQuery, TeamFilter};
use crate::store::uploads::Uploader;
use crate::store::Audience;

/// Conversations in the welcome; the rest through the HTTP API.
const WELCOME_CONVERSATIONS: i64 = 100;
/// Conversation → visitor lookups remembered per connection (for typing and read routing).
const VISITOR_CACHE: usize = 4096;
/// A focused connection's assigned conversations read at its hello; an agent's capacity is
/// far below, and any past it still reach it in `activity` frames.
const ASSIGNED_AT_HELLO: i64 = 1000;

/// The agent's side of a session.
#[derive(Default)]
pub struct AgentSide {
    greeted: Option<Greeted>,
}

pub struct Greeted {
    agent: Agent,
    /// Which visitor each known conversation belongs to.
    visitors: HashMap<ConversationId, VisitorId>,
    /// A `focused` subscription's view; `None` receives everything.
    focus: Option<Arc<Focus>>,
    _registration: Registration,
}

impl Role for AgentSide {
    const NAME: &'static str = "agent";
    const AUDIENCE: Audience = Audience::Agent;
    type Greeted = Greeted;

    fn greet(&mut self, greeted: Greeted, span: &tracing::Span) {
        span.record("agent", tracing::field::display(greeted.agent.id));
        tracing::debug!("agent greeted");
        self.greeted = Some(greeted);
    }

    fn is_greeted(&self) -> bool {
        self.greeted.is_some()
    }

    fn speaker(&self) -> Option<(WorkspaceId, Author)> {
        let greeted = self.greeted.as_ref()?;
        Some((greeted.agent.workspace_id, agent_author(&greeted.agent)))
    }

    fn known_conversation(&self, id: ConversationId) -> Option<ConversationRef> {
        let greeted = self.greeted.as_ref()?;
        greeted.visitors.get(&id).map(|visitor| ConversationRef {
            id,
            workspace_id: greeted.agent.workspace_id,
            visitor_id: *visitor,
        })
    }

    fn admit(&mut self, conversation: &Conversation) -> bool {
        let Some(greeted) = self.greeted.as_mut() else {
            return false;
        };
        if conversation.workspace_id != greeted.agent.workspace_id {
            return false;
        }
        if greeted.visitors.len() >= VISITOR_CACHE {
            greeted.visitors.clear();
        }
        greeted
            .visitors
            .insert(conversation.id, conversation.visitor_id);
        true
    }

    fn hello(session: &mut Session<Self>, hello: Hello, ctx: &mut Ctx<Self>) {
        let state = session.state.clone();
        let (conn, outbound) = (session.conn.id, session.conn.outbound.clone());
        let reference = hello.reference.clone();
        let Some(claims) = hello
            .token
            .as_deref()
            .and_then(|t| state.tokens.verify_agent(t).ok())
        else {
            return session.finish_hello(reference.as_deref(), Err(HelloRefusal::Unauthorized));
        };
        outbound.hold();
        let work = async move {
            let store = state.chat.store();
            let unavailable = |err: crate::store::StoreError| {
                tracing::warn!(error = %err, "agent hello failed");
                HelloRefusal::Unavailable
            };
            let agent = match store.agent(claims.workspace_id, claims.sub).await {
                Ok(Some(agent)) if claims.is_current_for(&agent) => agent,
                Ok(_) => return Err(HelloRefusal::Unauthorized),
                Err(err) => return Err(unavailable(err)),
            };
            let mut conversations = store
                .open_conversations(agent.workspace_id, WELCOME_CONVERSATIONS + 1)
                .await
                .map_err(unavailable)?;
            let more = conversations.len() as i64 > WELCOME_CONVERSATIONS;
            conversations.truncate(WELCOME_CONVERSATIONS as usize);
            let teams = store.teams(agent.workspace_id).await.map_err(unavailable)?;
            let people: HashMap<AgentId, Assignee> = store
                .agents(agent.workspace_id)
                .await
                .map_err(unavailable)?
                .iter()
                .map(|a| (a.id, Assignee::from(a)))
                .collect();
            let focus = match hello.subscription {
                Subscription::All => None,
                Subscription::Focused => {
                    let assigned = store
                        .inbox(&InboxQuery {
                            workspace: agent.workspace_id,
                            viewer: agent.id,
                            status: Some(crate::domain::ConversationStatus::Open),
                            assignee: AssigneeFilter::Agent(agent.id),
                            team: TeamFilter::Any,
                            search: None,
                            label: None,
                            priority: None,
                            snoozed: None,
                            after: None,
                            limit: ASSIGNED_AT_HELLO,
                        })
                        .await
                        .map_err(unavailable)?;
                    Some(Arc::new(Focus::new(
                        agent.id,
                        assigned.iter().map(|row| row.conversation.id),
                    )))
                }
            };
            // Registered only once nothing can fail any more.
            let registration = state.hub.register_agent(
                agent.workspace_id,
                conn,
                agent.id,
                agent.status,
                outbound,
                focus.clone(),
            );
            let welcome = welcome_frame(
                &state.chat,
                &state.hub.agent_statuses(agent.workspace_id),
                hello.reference.as_deref(),
                &agent,
                &conversations,
                more,
                &people,
                &teams,
                state.settings.routing.auto_away.as_secs(),
                EmailView {
                    configured: state.settings.email.smtp_url.is_some(),
                    inbound: state.settings.email.inbound_domain.is_some(),
                },
                hello.subscription,
            );
            let visitors = conversations.iter().map(|c| (c.id, c.visitor_id)).collect();
            Ok((
                Greeted {
                    agent,
                    visitors,
                    focus,
                    _registration: registration,
                },
                welcome,
            ))
        };
        session.await_hello(ctx, reference, work);
    }

    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>) {
        match frame {
            ClientFrame::Send(send) => send_message(session, send, ctx),
            ClientFrame::Status(status) => {
                let Some(greeted) = &session.role.greeted else {
                    return;
                };
                if status.status == AgentStatus::Offline {
                    return session.conn.error(
                        status.reference.as_deref(),
                        ErrorCode::BadRequest,
                        "status is online or away; offline is having no connection",
                    );
                }
                let (workspace, agent) = (greeted.agent.workspace_id, greeted.agent.id);
                let chosen = status.status;
                // Stored first: a tab opened, or a node asked, later finds it.
                let store = session.state.chat.store().clone();
                let work = async move {
                    store
                        .set_agent_status(workspace, agent, chosen)
                        .await
                        .map(|_| ())
                        .map_err(crate::chat::ChatError::from)
                };
                session.request(
                    ctx,
                    status.reference,
                    work,
                    move |session, reference, (), _| {
                        session.state.hub.choose_agent_status(
                            workspace,
                            session.conn.id,
                            agent,
                            chosen,
                        );
                        session.conn.ok(reference.as_deref());
                    },
                );
            }
            ClientFrame::Page(page) => session.conn.error(
                page.reference.as_deref(),
                ErrorCode::Forbidden,
                "page is for visitors",
            ),
            ClientFrame::Profile(profile) => session.conn.error(
                profile.reference.as_deref(),
                ErrorCode::Forbidden,
                "profile is for visitors",
            ),
            ClientFrame::End(end) => session.conn.error(
                end.reference.as_deref(),
                ErrorCode::Forbidden,
                "agents resolve conversations with the HTTP API",
            ),
            ClientFrame::Rate(rate) => session.conn.error(
                rate.reference.as_deref(),
                ErrorCode::Forbidden,
                "rate is for visitors",
            ),
            ClientFrame::Prechat(prechat) => session.conn.error(
                prechat.reference.as_deref(),
                ErrorCode::Forbidden,
                "prechat is for visitors",
            ),
            ClientFrame::Transcript(transcript) => session.conn.error(
                transcript.reference.as_deref(),
                ErrorCode::Forbidden,
                "transcript is for visitors",
            ),
            ClientFrame::Viewing(viewing) => {
                // As often as typing: it is as cheap and as chatty.
                if !session.conn.allow_typing() {
                    return session.conn.error(
                        viewing.reference.as_deref(),
                        ErrorCode::RateLimited,
                        "viewing too often",
                    );
                }
                let on = viewing.state == crate::domain::TypingState::On;
                session.with_conversation(
                    ctx,
                    viewing.reference,
                    viewing.conversation_id,
                    move |session, reference, conversation, _| {
                        let Some(greeted) = &session.role.greeted else {
                            return;
                        };
                        let agent = greeted.agent.id;
                        session
                            .state
                            .chat
                            .viewing(conversation, agent, on, Some(session.conn.id));
                        session.conn.ok(reference.as_deref());
                    },
                );
            }
            ClientFrame::Watch(watch) => {
                let Some(greeted) = &session.role.greeted else {
                    return;
                };
                let r = watch.reference.as_deref();
                if watch.conversation_ids.len() > MAX_WATCHED {
                    return session.conn.error(
                        r,
                        ErrorCode::BadRequest,
                        "watch at most 20 conversations",
                    );
                }
                // Ids of other workspaces are harmless: only this workspace's messages are
                // ever offered to the connection.
                if let Some(focus) = &greeted.focus {
                    focus.watch(&watch.conversation_ids);
                }
                session.conn.ok(r);
                // A focused connection heard no typing of these before (an unfocused one did).
                if greeted.focus.is_some() {
                    session.state.hub.tell_who_is_typing(
                        greeted.agent.workspace_id,
                        session.conn.id,
                        &watch.conversation_ids,
                    );
                }
            }
            ClientFrame::Hello(_)
            | ClientFrame::Ping(_)
            | ClientFrame::Sync(_)
            | ClientFrame::History(_)
            | ClientFrame::Typing(_)
            | ClientFrame::Read(_) => {}
        }
    }
}

#[allow(clippy::too_many_arguments)] // the welcome's parts, each read once
fn welcome_frame(
    chat: &Chat,
    statuses: &[(AgentId, AgentStatus)],
    reference: Option<&str>,
    agent: &Agent,
    conversations: &[Conversation],
    more: bool,
    people: &HashMap<AgentId, Assignee>,
    teams: &[crate::domain::Team],
    auto_away_s: u64,
    email: EmailView,
    subscription: Subscription,
) -> bytestring::ByteString {
    let assignees: Vec<Option<Assignee>> = conversations
        .iter()
        .map(|c| people.get(&c.assignee_id?).cloned())
        .collect();
    ServerFrame::AgentWelcome {
        reference,
        agent: AgentView {
            id: agent.id,
            name: &agent.name,
            email: agent.email.as_str(),
            role: agent.role,
            status: agent.status,
            capacity: agent.capacity,
            avatar_url: agent.avatar_key.as_deref().map(crate::domain::avatar_url),
        },
        conversations: conversations
            .iter()
            .zip(&assignees)
            .map(|(c, assignee)| ConversationWithPresence {
                view: AgentConversationView {
                    conversation: c,
                    assignee: assignee.as_ref(),
                },
                visitor_online: chat.visitor_online(c.workspace_id, c.visitor_id),
            })
            .collect(),
        more,
        agents: statuses
            .iter()
            .map(|(id, status)| AgentPresenceView {
                id: *id,
                name: people.get(id).map(|a| a.name.as_str()),
                status: *status,
            })
            .collect(),
        auto_away_s,
        email,
        subscription,
        teams: teams
            .iter()
            .map(|t| TeamRef {
                id: t.id,
                name: &t.name,
            })
            .collect(),
    }
    .encode()
}

fn send_message(session: &mut Session<AgentSide>, send: protocol::Send, ctx: &mut Ctx<AgentSide>) {
    let reference = send.reference;
    let r = reference.as_deref();
    let Some(client_msg_id) = session.send_preamble(r, send.client_msg_id) else {
        return;
    };
    let Some(conversation_id) = send.conversation_id else {
        return session
            .conn
            .error(r, ErrorCode::BadRequest, "conversation_id is required");
    };
    let Some(greeted) = &session.role.greeted else {
        return;
    };
    if send.attachments.is_empty() {
        let message = session.state.chat.agent_message(
            &greeted.agent,
            conversation_id,
            client_msg_id,
            send.kind,
            send.body,
            Default::default(),
        );
        return match message {
            Ok(message) => session.submit(message, reference),
            Err(err) => session.refuse(r, &err),
        };
    }
    // Files are checked first, holding the connection's other frames so that its later sends
    // keep their order.
    let chat = session.state.chat.clone();
    let agent = greeted.agent.clone();
    let (kind, body, ids) = (send.kind, send.body, send.attachments);
    let work = async move {
        let files = chat
            .attachments(agent.workspace_id, Uploader::Agent(agent.id), &ids)
            .await?;
        chat.agent_message(&agent, conversation_id, client_msg_id, kind, body, files)
    };
    ctx.wait(
        work.into_actor(session)
            .map(move |result, session, _| match result {
                Ok(message) => session.submit(message, reference),
                Err(err) => session.refuse(reference.as_deref(), &err),
            }),
    );
}
