//! The agent role: a support agent of a workspace, on the dashboard. Sees every conversation
//! of its workspace, notes included, and nothing of any other workspace.

use std::collections::HashMap;

use actix::{ActorFutureExt, AsyncContext, WrapFuture};
use serde::Serialize;

use super::hub::Registration;
use super::protocol::{
    self, encode, AgentStatus, ClientFrame, Close, ErrorCode, Hello, TypingState,
};
use super::session::{Ctx, Role, Session, UNAVAILABLE};
use crate::chat::events::{AgentConversationView, AssigneeView};
use crate::domain::{
    Agent, AgentId, AgentRole, Author, AuthorKind, Conversation, ConversationId, MessageId,
    MessageKind, NewMessage, ReadMark, ReaderKind, Timestamp, VisitorId,
};
use crate::store::Audience;

/// Conversations in the welcome; the rest through the HTTP API.
const WELCOME_CONVERSATIONS: i64 = 100;
/// Conversation → visitor lookups remembered per connection (for typing and read routing).
const VISITOR_CACHE: usize = 4096;

/// The agent's side of a session.
#[derive(Default)]
pub struct AgentSide {
    greeted: Option<Greeted>,
}

struct Greeted {
    agent: Agent,
    /// Which visitor each known conversation belongs to.
    visitors: HashMap<ConversationId, VisitorId>,
    _registration: Registration,
}

#[derive(Serialize)]
struct AgentView<'a> {
    id: AgentId,
    name: &'a str,
    email: &'a str,
    role: AgentRole,
    status: AgentStatus,
}

#[derive(Serialize)]
struct ConversationWithPresence<'a> {
    #[serde(flatten)]
    view: AgentConversationView<'a>,
    visitor_online: bool,
}

#[derive(Serialize)]
struct AgentPresenceView {
    id: AgentId,
    status: AgentStatus,
}

#[derive(Serialize)]
struct Welcome<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    agent: AgentView<'a>,
    conversations: Vec<ConversationWithPresence<'a>>,
    more: bool,
    agents: Vec<AgentPresenceView>,
}

#[derive(Serialize)]
struct TypingEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: ConversationId,
    author: &'a Author,
    state: TypingState,
}

#[derive(Serialize)]
struct ReadEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: ConversationId,
    reader: &'a Author,
    seq: i64,
}

fn author_of(agent: &Agent) -> Author {
    Author {
        kind: AuthorKind::Agent,
        id: Some(agent.id.0),
        name: Some(agent.name.clone()),
    }
}

impl Role for AgentSide {
    const NAME: &'static str = "agent";

    fn is_greeted(&self) -> bool {
        self.greeted.is_some()
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
            session.conn.error(
                reference.as_deref(),
                ErrorCode::Unauthorized,
                "invalid or expired token",
            );
            session.conn.outbound.close(Close::Unauthorized);
            return;
        };
        outbound.hold();
        let work = async move {
            let store = &state.store;
            let agent = match store.agent(claims.workspace_id, claims.sub).await {
                Ok(Some(agent)) if agent.active => agent,
                Ok(_) => return Ok(None),
                Err(err) => return Err(err),
            };
            let registration =
                state
                    .hub
                    .register_agent(agent.workspace_id, conn, agent.id, outbound);
            let mut conversations = store
                .open_conversations(agent.workspace_id, WELCOME_CONVERSATIONS + 1)
                .await?;
            let more = conversations.len() as i64 > WELCOME_CONVERSATIONS;
            conversations.truncate(WELCOME_CONVERSATIONS as usize);
            let names: HashMap<AgentId, String> = store
                .agents(agent.workspace_id)
                .await?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            let welcome = welcome_frame(
                &state,
                hello.reference.as_deref(),
                &agent,
                &conversations,
                more,
                &names,
            );
            let visitors = conversations.iter().map(|c| (c.id, c.visitor_id)).collect();
            Ok(Some((
                Greeted {
                    agent,
                    visitors,
                    _registration: registration,
                },
                welcome,
            )))
        };
        ctx.wait(work.into_actor(session).map(move |result, session, _| match result {
            Ok(Some((greeted, welcome))) => {
                tracing::debug!(conn = ?session.conn.id, agent = %greeted.agent.id, "agent greeted");
                session.role.greeted = Some(greeted);
                session.conn.outbound.release_after(welcome);
            }
            Ok(None) => {
                session.conn.outbound.release();
                session.conn.error(reference.as_deref(), ErrorCode::Unauthorized, "invalid or expired token");
                session.conn.outbound.close(Close::Unauthorized);
            }
            Err(err) => {
                tracing::warn!(error = %err, "agent hello failed");
                session.conn.outbound.release();
                session.conn.error(reference.as_deref(), ErrorCode::Unavailable, UNAVAILABLE);
            }
        }));
    }

    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>) {
        match frame {
            ClientFrame::Send(send) => send_message(session, send),
            ClientFrame::Sync(sync) => {
                let after = sync.after_seq;
                with_conversation(
                    session,
                    ctx,
                    sync.reference,
                    sync.conversation_id,
                    move |session, reference, conversation, ctx| {
                        session.sync(ctx, reference, conversation.id, after, Audience::Agent)
                    },
                );
            }
            ClientFrame::History(history) => {
                let (before, limit) = (history.before_seq, history.limit);
                with_conversation(
                    session,
                    ctx,
                    history.reference,
                    history.conversation_id,
                    move |session, reference, conversation, ctx| {
                        session.history(
                            ctx,
                            reference,
                            conversation.id,
                            before,
                            limit,
                            Audience::Agent,
                        )
                    },
                );
            }
            ClientFrame::Typing(typing) => {
                if !session.conn.allow_typing() {
                    session.conn.error(
                        typing.reference.as_deref(),
                        ErrorCode::RateLimited,
                        "typing too often",
                    );
                    return;
                }
                let state = typing.state;
                with_conversation(
                    session,
                    ctx,
                    typing.reference,
                    typing.conversation_id,
                    move |session, reference, conversation, _| {
                        let Some(greeted) = &session.role.greeted else {
                            return;
                        };
                        let author = author_of(&greeted.agent);
                        let frame = encode(&TypingEvent {
                            kind: "typing",
                            conversation_id: conversation.id,
                            author: &author,
                            state,
                        });
                        let hub = &session.state.hub;
                        hub.to_visitor(
                            conversation.workspace_id,
                            conversation.visitor_id,
                            &frame,
                            None,
                        );
                        hub.to_agents(conversation.workspace_id, &frame, Some(session.conn.id));
                        session.conn.ok(reference.as_deref());
                    },
                );
            }
            ClientFrame::Read(read) => {
                let seq = read.seq.max(0);
                with_conversation(
                    session,
                    ctx,
                    read.reference,
                    read.conversation_id,
                    move |session, reference, conversation, ctx| {
                        let Some(greeted) = &session.role.greeted else {
                            return;
                        };
                        let agent = greeted.agent.clone();
                        let store = session.state.store.clone();
                        let mark = ReadMark {
                            conversation_id: conversation.id,
                            reader_kind: ReaderKind::Agent,
                            reader_id: agent.id.0,
                            seq,
                        };
                        let work = async move { store.mark_read(&mark).await };
                        session.request(
                            ctx,
                            reference,
                            work,
                            move |session, reference, stored, _| {
                                let author = author_of(&agent);
                                let frame = encode(&ReadEvent {
                                    kind: "read",
                                    conversation_id: conversation.id,
                                    reader: &author,
                                    seq: stored,
                                });
                                let hub = &session.state.hub;
                                hub.to_visitor(
                                    conversation.workspace_id,
                                    conversation.visitor_id,
                                    &frame,
                                    None,
                                );
                                // The agent's other tabs clear their unread badge too.
                                hub.to_agents(
                                    conversation.workspace_id,
                                    &frame,
                                    Some(session.conn.id),
                                );
                                session.conn.ok(reference.as_deref());
                            },
                        );
                    },
                );
            }
            ClientFrame::Status(status) => {
                let Some(greeted) = &session.role.greeted else {
                    return;
                };
                let (workspace, agent) = (greeted.agent.workspace_id, greeted.agent.id);
                session.state.hub.set_agent_status(
                    workspace,
                    session.conn.id,
                    agent,
                    status.status,
                );
                session.conn.ok(status.reference.as_deref());
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
            ClientFrame::Hello(_) | ClientFrame::Ping(_) => {}
        }
    }
}

fn welcome_frame(
    state: &crate::http::AppState,
    reference: Option<&str>,
    agent: &Agent,
    conversations: &[Conversation],
    more: bool,
    names: &HashMap<AgentId, String>,
) -> bytestring::ByteString {
    let hub = &state.hub;
    encode(&Welcome {
        kind: "welcome",
        reference,
        agent: AgentView {
            id: agent.id,
            name: &agent.name,
            email: agent.email.as_str(),
            role: agent.role,
            status: AgentStatus::Online,
        },
        conversations: conversations
            .iter()
            .map(|c| ConversationWithPresence {
                view: AgentConversationView {
                    conversation: c,
                    assignee: c.assignee_id.and_then(|id| {
                        names.get(&id).map(|name| AssigneeView {
                            id,
                            name: name.clone(),
                        })
                    }),
                },
                visitor_online: hub.visitor_online(c.workspace_id, c.visitor_id),
            })
            .collect(),
        more,
        agents: hub
            .agent_statuses(agent.workspace_id)
            .into_iter()
            .map(|(id, status)| AgentPresenceView { id, status })
            .collect(),
    })
}

/// Runs `then` with the conversation when it is one of the agent's workspace; anything else is
/// `not_found`, exactly like a conversation that does not exist.
fn with_conversation(
    session: &mut Session<AgentSide>,
    ctx: &mut Ctx<AgentSide>,
    reference: Option<String>,
    id: ConversationId,
    then: impl FnOnce(&mut Session<AgentSide>, Option<String>, ConversationRef, &mut Ctx<AgentSide>)
        + 'static,
) {
    let Some(greeted) = &session.role.greeted else {
        return;
    };
    let workspace = greeted.agent.workspace_id;
    if let Some(visitor) = greeted.visitors.get(&id) {
        let known = ConversationRef {
            id,
            workspace_id: workspace,
            visitor_id: *visitor,
        };
        then(session, reference, known, ctx);
        return;
    }
    let store = session.state.store.clone();
    let work = async move { store.conversation(workspace, id).await };
    session.request(
        ctx,
        reference,
        work,
        move |session, reference, found, ctx| match found {
            Some(conversation) => {
                if let Some(greeted) = session.role.greeted.as_mut() {
                    if greeted.visitors.len() >= VISITOR_CACHE {
                        greeted.visitors.clear();
                    }
                    greeted.visitors.insert(id, conversation.visitor_id);
                }
                let known = ConversationRef {
                    id,
                    workspace_id: workspace,
                    visitor_id: conversation.visitor_id,
                };
                then(session, reference, known, ctx);
            }
            None => session.conn.error(
                reference.as_deref(),
                ErrorCode::NotFound,
                "conversation not found",
            ),
        },
    );
}

/// What a session needs to know of a conversation to route its events.
#[derive(Clone, Copy)]
pub struct ConversationRef {
    pub id: ConversationId,
    pub workspace_id: crate::domain::WorkspaceId,
    pub visitor_id: VisitorId,
}

fn send_message(session: &mut Session<AgentSide>, send: protocol::Send) {
    let reference = send.reference;
    let r = reference.as_deref();
    if !session.conn.allow_send() {
        return session
            .conn
            .error(r, ErrorCode::RateLimited, "sending too fast");
    }
    if send.kind == MessageKind::Event {
        return session
            .conn
            .error(r, ErrorCode::BadRequest, "kind must be text or note");
    }
    let Some(conversation_id) = send.conversation_id else {
        return session
            .conn
            .error(r, ErrorCode::BadRequest, "conversation_id is required");
    };
    let Some(client_msg_id) = send.client_msg_id else {
        return session
            .conn
            .error(r, ErrorCode::BadRequest, "client_msg_id is required");
    };
    let Some(body) = session.parse_body(send.body, r) else {
        return;
    };
    let Some(greeted) = &session.role.greeted else {
        return;
    };
    let message = NewMessage {
        id: MessageId::new(),
        workspace_id: greeted.agent.workspace_id,
        conversation_id,
        client_msg_id: Some(client_msg_id),
        author: author_of(&greeted.agent),
        kind: send.kind,
        body,
        created_at: Timestamp::now(),
    };
    session.submit(message, reference);
}
