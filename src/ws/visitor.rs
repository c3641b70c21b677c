//! The visitor role: an anonymous or identified person on a site, talking through the widget.
//! A visitor sees only its own conversations, and never notes.

use std::collections::HashSet;
use std::sync::Arc;

use actix::{ActorFutureExt, AsyncContext, WrapFuture};
use serde::Serialize;

use super::hub::Registration;
use super::protocol::{
    self, encode, ClientFrame, Close, ErrorCode, Hello, PageInfo, TypingState, MAX_PREVIEW_CHARS,
    MAX_TITLE_CHARS, MAX_URL_CHARS,
};
use super::session::{Ctx, Role, Session, UNAVAILABLE};
use crate::auth::identity::{self, IdentityCheck};
use crate::chat::events::{self, VisitorConversationView};
use crate::domain::{
    Author, AuthorKind, Conversation, ConversationId, ConversationStatus, Email, MessageId,
    MessageKind, NewMessage, ReadMark, ReaderKind, Site, Timestamp, Visitor, VisitorId,
    VisitorPage,
};
use crate::http::AppState;
use crate::store::{Audience, ConversationChange, StoreError};

pub struct VisitorSide {
    site: Arc<Site>,
    user_agent: Option<String>,
    greeted: Option<Greeted>,
}

struct Greeted {
    visitor: Visitor,
    /// The conversation a `send` without `conversation_id` goes to.
    current: Option<ConversationId>,
    /// Conversations checked to be this visitor's.
    own: HashSet<ConversationId>,
    /// The page the visitor is on, as last reported.
    page: Option<PageInfo>,
    _registration: Registration,
}

impl VisitorSide {
    pub fn new(site: Arc<Site>, user_agent: Option<String>) -> Self {
        Self {
            site,
            user_agent: user_agent.map(|ua| clip(&ua, 1000)),
            greeted: None,
        }
    }
}

/// How agents see a visitor: profile, identity, current page.
#[derive(Debug, Serialize)]
pub struct VisitorView<'a> {
    pub id: VisitorId,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub identity: Option<IdentityView<'a>>,
    pub page: Option<&'a PageInfo>,
    pub user_agent: Option<&'a str>,
    pub online: bool,
}

#[derive(Debug, Serialize)]
pub struct IdentityView<'a> {
    pub status: &'static str,
    pub id: Option<&'a str>,
}

impl<'a> VisitorView<'a> {
    pub fn new(visitor: &'a Visitor, page: Option<&'a PageInfo>, online: bool) -> Self {
        let identity = match (&visitor.external_id, &visitor.name, &visitor.email) {
            (Some(id), _, _) => Some(IdentityView {
                status: "verified",
                id: Some(id),
            }),
            (None, None, None) => None,
            (None, _, _) => Some(IdentityView {
                status: "unverified",
                id: None,
            }),
        };
        Self {
            id: visitor.id,
            name: visitor.name.as_deref(),
            email: visitor.email.as_deref(),
            identity,
            page,
            user_agent: visitor.user_agent.as_deref(),
            online,
        }
    }
}

#[derive(Serialize)]
struct VisitorEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    visitor: VisitorView<'a>,
}

#[derive(Serialize)]
struct WelcomeIdentity<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
}

#[derive(Serialize)]
struct Welcome<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    visitor_id: VisitorId,
    token: &'a str,
    conversation: Option<VisitorConversationView>,
    agents_online: usize,
    settings: &'a serde_json::Value,
    identity: Option<WelcomeIdentity<'a>>,
}

#[derive(Serialize)]
struct TypingEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: ConversationId,
    author: &'a Author,
    state: TypingState,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<&'a str>,
}

#[derive(Serialize)]
struct ReadEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    conversation_id: ConversationId,
    reader: &'a Author,
    seq: i64,
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn clip_page(url: &str, title: &str, referrer: Option<&str>) -> PageInfo {
    PageInfo {
        url: clip(url, MAX_URL_CHARS),
        title: clip(title, MAX_TITLE_CHARS),
        referrer: referrer
            .map(|r| clip(r, MAX_URL_CHARS))
            .filter(|r| !r.is_empty()),
    }
}

/// Why a visitor's `hello` was not welcomed.
enum HelloError {
    IdentityRequired,
    Unavailable,
}

impl From<StoreError> for HelloError {
    fn from(err: StoreError) -> Self {
        tracing::warn!(error = %err, "visitor hello failed");
        HelloError::Unavailable
    }
}

fn author_of(visitor: &Visitor) -> Author {
    Author {
        kind: AuthorKind::Visitor,
        id: Some(visitor.id.0),
        name: visitor.name.clone(),
    }
}

/// Finds or makes the visitor this `hello` speaks for. A verified identity finds the same
/// person on any device; a token alone continues an anonymous visitor, never an identified one.
/// Also says whether the visitor was created just now.
async fn resolve_visitor(
    state: &AppState,
    site: &Site,
    user_agent: Option<String>,
    hello: &Hello,
    identity: &IdentityCheck,
) -> Result<(Visitor, bool), HelloError> {
    let store = &state.store;
    let claims = hello
        .token
        .as_deref()
        .and_then(|token| state.tokens.verify_visitor(token).ok())
        .filter(|claims| claims.site_id == site.id && claims.external_id.is_none());
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
    });
    if external_id.is_some() {
        visitor.external_id = external_id;
    }
    match identity {
        IdentityCheck::Verified { name, email, .. } | IdentityCheck::Unverified { name, email } => {
            visitor.name = name.clone().or(visitor.name);
            visitor.email = email.clone().or(visitor.email);
        }
        IdentityCheck::None | IdentityCheck::Rejected => {}
    }
    visitor.user_agent = user_agent.or(visitor.user_agent);
    visitor.last_seen_at = now;
    if is_new {
        state.creations.insert_visitor(&visitor).await?;
    } else {
        store.update_visitor(&visitor).await?;
    }
    Ok((visitor, is_new))
}

async fn record_page(
    state: &AppState,
    visitor: &Visitor,
    page: &PageInfo,
) -> Result<(), StoreError> {
    let stored = VisitorPage {
        url: page.url.clone(),
        title: page.title.clone(),
        referrer: page.referrer.clone(),
        seen_at: Timestamp::now(),
    };
    state.store.record_page(visitor.id, &stored).await?;
    let frame = encode(&VisitorEvent {
        kind: "visitor",
        visitor: VisitorView::new(visitor, Some(page), true),
    });
    state.hub.to_agents(visitor.workspace_id, &frame, None);
    Ok(())
}

impl Role for VisitorSide {
    const NAME: &'static str = "visitor";

    fn is_greeted(&self) -> bool {
        self.greeted.is_some()
    }

    fn hello(session: &mut Session<Self>, hello: Hello, ctx: &mut Ctx<Self>) {
        let state = session.state.clone();
        let site = session.role.site.clone();
        let user_agent = session.role.user_agent.clone();
        let (conn, outbound) = (session.conn.id, session.conn.outbound.clone());
        let reference = hello.reference.clone();
        // Events for this visitor queue up behind the welcome while it is prepared.
        outbound.hold();
        let work = async move {
            let identity = identity::check(hello.identity.as_ref(), &site);
            if site.require_identity && !matches!(identity, IdentityCheck::Verified { .. }) {
                return Err(HelloError::IdentityRequired);
            }
            let (visitor, created) =
                resolve_visitor(&state, &site, user_agent, &hello, &identity).await?;
            let registration =
                state
                    .hub
                    .register_visitor(site.workspace_id, visitor.id, conn, outbound);
            let page = hello
                .page
                .as_ref()
                .map(|p| clip_page(&p.url, &p.title, p.referrer.as_deref()));
            if let Some(page) = &page {
                record_page(&state, &visitor, page).await?;
            }
            // A visitor created just now has no conversation yet: no query for it.
            let conversation = if created {
                None
            } else {
                state.store.latest_conversation(site.id, visitor.id).await?
            };
            let assignee = match &conversation {
                Some(c) => events::assignee(&state.store, c).await,
                None => None,
            };
            let token = state
                .tokens
                .issue_visitor(
                    visitor.id,
                    site.workspace_id,
                    site.id,
                    visitor.external_id.clone(),
                )
                .map_err(|_| HelloError::Unavailable)?;
            let welcome = encode(&Welcome {
                kind: "welcome",
                reference: hello.reference.as_deref(),
                visitor_id: visitor.id,
                token: &token,
                conversation: conversation
                    .as_ref()
                    .map(|c| VisitorConversationView::new(c, assignee.as_ref())),
                agents_online: state.hub.agents_online(site.workspace_id),
                settings: &site.settings.0,
                identity: identity.status().map(|status| WelcomeIdentity {
                    status,
                    id: match &identity {
                        IdentityCheck::Verified { external_id, .. } => Some(external_id.as_str()),
                        _ => None,
                    },
                }),
            });
            let own: HashSet<ConversationId> = conversation.iter().map(|c| c.id).collect();
            let greeted = Greeted {
                visitor,
                current: conversation.map(|c| c.id),
                own,
                page,
                _registration: registration,
            };
            Ok((greeted, welcome))
        };
        ctx.wait(work.into_actor(session).map(move |result, session, _| match result {
            Ok((greeted, welcome)) => {
                tracing::debug!(conn = ?session.conn.id, visitor = %greeted.visitor.id, "visitor greeted");
                session.role.greeted = Some(greeted);
                session.conn.outbound.release_after(welcome);
            }
            Err(HelloError::IdentityRequired) => {
                session.conn.outbound.release();
                session.conn.error(reference.as_deref(), ErrorCode::Forbidden, "this site requires a verified identity");
                session.conn.outbound.close(Close::Forbidden);
            }
            Err(HelloError::Unavailable) => {
                session.conn.outbound.release();
                session.conn.error(reference.as_deref(), ErrorCode::Unavailable, UNAVAILABLE);
            }
        }));
    }

    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>) {
        match frame {
            ClientFrame::Send(send) => send_message(session, send, ctx),
            ClientFrame::Sync(sync) => {
                let after = sync.after_seq;
                with_own_conversation(
                    session,
                    ctx,
                    sync.reference,
                    sync.conversation_id,
                    move |session, reference, id, ctx| {
                        session.sync(ctx, reference, id, after, Audience::Visitor)
                    },
                );
            }
            ClientFrame::History(history) => {
                let (before, limit) = (history.before_seq, history.limit);
                with_own_conversation(
                    session,
                    ctx,
                    history.reference,
                    history.conversation_id,
                    move |session, reference, id, ctx| {
                        session.history(ctx, reference, id, before, limit, Audience::Visitor)
                    },
                );
            }
            ClientFrame::Typing(typing) => {
                let reference = typing.reference.as_deref();
                if !session.conn.allow_typing() {
                    session
                        .conn
                        .error(reference, ErrorCode::RateLimited, "typing too often");
                    return;
                }
                let Some(greeted) = &session.role.greeted else {
                    return;
                };
                if !greeted.own.contains(&typing.conversation_id) {
                    session
                        .conn
                        .error(reference, ErrorCode::NotFound, "conversation not found");
                    return;
                }
                let draft_preview = session
                    .role
                    .site
                    .settings
                    .0
                    .get("draft_preview")
                    .and_then(|v| v.as_bool())
                    == Some(true);
                let preview = typing
                    .preview
                    .as_deref()
                    .filter(|_| draft_preview && typing.state == TypingState::On)
                    .map(|p| clip(p, MAX_PREVIEW_CHARS));
                let author = author_of(&greeted.visitor);
                let frame = encode(&TypingEvent {
                    kind: "typing",
                    conversation_id: typing.conversation_id,
                    author: &author,
                    state: typing.state,
                    preview: preview.as_deref(),
                });
                session
                    .state
                    .hub
                    .to_agents(greeted.visitor.workspace_id, &frame, None);
                session.conn.ok(reference);
            }
            ClientFrame::Read(read) => {
                let seq = read.seq.max(0);
                with_own_conversation(
                    session,
                    ctx,
                    read.reference,
                    read.conversation_id,
                    move |session, reference, id, ctx| {
                        let Some(greeted) = &session.role.greeted else {
                            return;
                        };
                        let visitor = greeted.visitor.clone();
                        let store = session.state.store.clone();
                        let mark = ReadMark {
                            conversation_id: id,
                            reader_kind: ReaderKind::Visitor,
                            reader_id: visitor.id.0,
                            seq,
                        };
                        let work = async move { store.mark_read(&mark).await };
                        session.request(
                            ctx,
                            reference,
                            work,
                            move |session, reference, stored, _| {
                                let author = author_of(&visitor);
                                let frame = encode(&ReadEvent {
                                    kind: "read",
                                    conversation_id: id,
                                    reader: &author,
                                    seq: stored,
                                });
                                session
                                    .state
                                    .hub
                                    .to_agents(visitor.workspace_id, &frame, None);
                                session.conn.ok(reference.as_deref());
                            },
                        );
                    },
                );
            }
            ClientFrame::Page(page) => {
                let Some(greeted) = session.role.greeted.as_mut() else {
                    return;
                };
                let info = clip_page(&page.url, &page.title, page.referrer.as_deref());
                greeted.page = Some(info.clone());
                let visitor = greeted.visitor.clone();
                let state = session.state.clone();
                let reference = page.reference;
                let work = async move { record_page(&state, &visitor, &info).await };
                session.request(ctx, reference, work, move |session, reference, (), _| {
                    session.conn.ok(reference.as_deref())
                });
            }
            ClientFrame::Status(status) => session.conn.error(
                status.reference.as_deref(),
                ErrorCode::Forbidden,
                "status is for agents",
            ),
            ClientFrame::Profile(profile) => update_profile(session, profile, ctx),
            ClientFrame::End(end) => {
                with_own_conversation(
                    session,
                    ctx,
                    end.reference,
                    end.conversation_id,
                    move |session, reference, id, ctx| {
                        let Some(greeted) = &session.role.greeted else {
                            return;
                        };
                        let (state, workspace) =
                            (session.state.clone(), greeted.visitor.workspace_id);
                        let resolve = ConversationChange {
                            status: Some(ConversationStatus::Resolved),
                            ..Default::default()
                        };
                        let work = async move {
                            let changed = state
                                .store
                                .update_conversation(workspace, id, &resolve)
                                .await?;
                            if let Some(conversation) = &changed {
                                events::conversation_changed(
                                    &state.store,
                                    &state.hub,
                                    conversation,
                                )
                                .await;
                            }
                            Ok(())
                        };
                        session.request(ctx, reference, work, |session, reference, (), _| {
                            session.conn.ok(reference.as_deref())
                        });
                    },
                );
            }
            ClientFrame::Hello(_) | ClientFrame::Ping(_) => {}
        }
    }
}

/// Longest name a visitor may give itself.
const MAX_NAME_CHARS: usize = 200;

/// The visitor's own name or email (unverified). A verified identity's are the site's to set.
fn update_profile(
    session: &mut Session<VisitorSide>,
    profile: protocol::Profile,
    ctx: &mut Ctx<VisitorSide>,
) {
    let reference = profile.reference;
    let email = match profile
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(text) => match Email::parse(text) {
            Ok(email) => Some(email.as_str().to_owned()),
            Err(err) => {
                return session
                    .conn
                    .error(reference.as_deref(), ErrorCode::BadRequest, &err)
            }
        },
        None => None,
    };
    let name = profile
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| clip(n, MAX_NAME_CHARS));
    let Some(greeted) = session.role.greeted.as_mut() else {
        return;
    };
    if greeted.visitor.external_id.is_none() {
        greeted.visitor.name = name.or(greeted.visitor.name.take());
        greeted.visitor.email = email.or(greeted.visitor.email.take());
    }
    let (state, visitor, page) = (
        session.state.clone(),
        greeted.visitor.clone(),
        greeted.page.clone(),
    );
    let work = async move {
        state.store.update_visitor(&visitor).await?;
        let frame = encode(&VisitorEvent {
            kind: "visitor",
            visitor: VisitorView::new(&visitor, page.as_ref(), true),
        });
        state.hub.to_agents(visitor.workspace_id, &frame, None);
        Ok(())
    };
    session.request(ctx, reference, work, |session, reference, (), _| {
        session.conn.ok(reference.as_deref())
    });
}

/// Runs `then` once `id` is known to be one of this visitor's conversations; anything else is
/// `not_found`, exactly like a conversation that does not exist.
fn with_own_conversation(
    session: &mut Session<VisitorSide>,
    ctx: &mut Ctx<VisitorSide>,
    reference: Option<String>,
    id: ConversationId,
    then: impl FnOnce(&mut Session<VisitorSide>, Option<String>, ConversationId, &mut Ctx<VisitorSide>)
        + 'static,
) {
    let Some(greeted) = &session.role.greeted else {
        return;
    };
    if greeted.own.contains(&id) {
        then(session, reference, id, ctx);
        return;
    }
    let (store, visitor) = (session.state.store.clone(), greeted.visitor.clone());
    let work = async move { store.conversation(visitor.workspace_id, id).await };
    session.request(
        ctx,
        reference,
        work,
        move |session, reference, found, ctx| {
            let Some(greeted) = session.role.greeted.as_mut() else {
                return;
            };
            match found {
                Some(conversation) if conversation.visitor_id == greeted.visitor.id => {
                    greeted.own.insert(id);
                    then(session, reference, id, ctx);
                }
                _ => session.conn.error(
                    reference.as_deref(),
                    ErrorCode::NotFound,
                    "conversation not found",
                ),
            }
        },
    );
}

fn send_message(
    session: &mut Session<VisitorSide>,
    send: protocol::Send,
    ctx: &mut Ctx<VisitorSide>,
) {
    let reference = send.reference;
    let r = reference.as_deref();
    if !session.conn.allow_send() {
        return session
            .conn
            .error(r, ErrorCode::RateLimited, "sending too fast");
    }
    if send.kind != MessageKind::Text {
        return session
            .conn
            .error(r, ErrorCode::Forbidden, "visitors can only send text");
    }
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
        workspace_id: greeted.visitor.workspace_id,
        conversation_id: send.conversation_id.or(greeted.current).unwrap_or_default(),
        client_msg_id: Some(client_msg_id),
        author: author_of(&greeted.visitor),
        kind: MessageKind::Text,
        body,
        created_at: Timestamp::now(),
    };
    if send.conversation_id.is_some() || greeted.current.is_some() {
        return session.submit(message, reference);
    }
    // The first message: open the conversation first, holding the connection's other frames
    // so that its later sends keep their order.
    let now = message.created_at;
    let draft = Conversation {
        id: message.conversation_id,
        workspace_id: greeted.visitor.workspace_id,
        site_id: session.role.site.id,
        visitor_id: greeted.visitor.id,
        status: ConversationStatus::Open,
        assignee_id: None,
        last_seq: 0,
        created_at: now,
        updated_at: now,
        last_activity_at: now,
    };
    let creations = session.state.creations.clone();
    let work = async move { creations.open_or_create_conversation(&draft).await };
    ctx.wait(work.into_actor(session).map(move |result, session, _| {
        match result {
            Ok((conversation, created)) => {
                if let Some(greeted) = session.role.greeted.as_mut() {
                    greeted.current = Some(conversation.id);
                    greeted.own.insert(conversation.id);
                }
                if created {
                    events::conversation_created(&session.state.hub, &conversation);
                }
                let message = NewMessage {
                    conversation_id: conversation.id,
                    ..message
                };
                session.submit(message, reference);
            }
            Err(_) => session
                .conn
                .error(reference.as_deref(), ErrorCode::Unavailable, UNAVAILABLE),
        }
    }));
}
