//! The visitor role: an anonymous or identified person on a site, talking through the widget.
//! A visitor sees only its own conversations, and never notes.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Arc;

use actix::{ActorFutureExt, AsyncContext, WrapFuture};

use super::hub::Registration;
use super::protocol::{
    self, ClientFrame, EarlierPage, ErrorCode, Hello, ServerFrame, Typing, VisitorConversationView,
    VisitorProfile, WelcomeIdentity, MAX_PREVIEW_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS,
};
use super::session::{Ctx, HelloRefusal, Role, Session};
use crate::auth::identity::{self, IdentityCheck};
use crate::chat::lines::Line;
use crate::chat::{announce, visitor_author, ChatError, ConversationRef};
use crate::domain::{
    input, Author, Conversation, ConversationId, ConversationStatus, Email, MessageId, MessageKind,
    NewMessage, PageInfo, Site, Timestamp, TypingState, Visitor, VisitorPage, WidgetSettings,
    WorkspaceId,
};
use crate::store::uploads::Uploader;
use crate::store::{Audience, ConversationChange};

/// Longest name a visitor may give itself.
const MAX_NAME_CHARS: usize = 200;

pub struct VisitorSide {
    site: Arc<Site>,
    user_agent: Option<String>,
    /// The client's address, as the server determines it.
    ip: IpAddr,
    greeted: Option<Greeted>,
    blocked: bool,
}

pub struct Greeted {
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
    pub fn new(site: Arc<Site>, user_agent: Option<String>, ip: IpAddr) -> Self {
        Self {
            site,
            user_agent: user_agent.map(|ua| clip(&ua, 1000)),
            ip,
            greeted: None,
            blocked: false,
        }
    }
}

/// Metadata the browser reports, kept without controls and cut to its limit.
fn clip(text: &str, max: usize) -> String {
    input::clean_meta(text, max)
}

/// Most earlier pages taken from one `hello` (the latest of them).
const MAX_EARLIER_PAGES: usize = 20;
/// How far back an earlier page may say it was seen.
const EARLIER_PAGES_SPAN: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The pages a `hello` brought, clipped, with times kept between a day ago and now and in
/// the order given (a page claiming an odd time cannot jump ahead of the current one).
fn earlier_pages(pages: &[EarlierPage]) -> Vec<VisitorPage> {
    let now = Timestamp::now();
    let oldest = now.minus(EARLIER_PAGES_SPAN);
    let skip = pages.len().saturating_sub(MAX_EARLIER_PAGES);
    let mut floor = oldest;
    pages[skip..]
        .iter()
        .filter(|p| !p.page.url.is_empty())
        .map(|p| {
            let page = clip_page(&p.page);
            let seen_at = p.seen_at.unwrap_or(floor).max(floor).min(now);
            floor = seen_at;
            VisitorPage {
                url: page.url,
                title: page.title,
                referrer: page.referrer,
                seen_at,
            }
        })
        .collect()
}

fn clip_page(page: &PageInfo) -> PageInfo {
    PageInfo {
        url: clip(&page.url, MAX_URL_CHARS),
        title: clip(&page.title, MAX_TITLE_CHARS),
        referrer: page
            .referrer
            .as_deref()
            .map(|r| clip(r, MAX_URL_CHARS))
            .filter(|r| !r.is_empty()),
    }
}

impl Role for VisitorSide {
    const NAME: &'static str = "visitor";
    const AUDIENCE: Audience = Audience::Visitor;
    type Greeted = Greeted;

    fn barred(&self) -> bool {
        self.blocked
    }

    fn bar(&mut self) {
        self.blocked = true;
    }

    fn greet(&mut self, greeted: Greeted, span: &tracing::Span) {
        span.record("visitor", tracing::field::display(greeted.visitor.id));
        tracing::debug!("visitor greeted");
        self.greeted = Some(greeted);
    }

    fn is_greeted(&self) -> bool {
        self.greeted.is_some()
    }

    fn speaker(&self) -> Option<(WorkspaceId, Author)> {
        let greeted = self.greeted.as_ref()?;
        Some((
            greeted.visitor.workspace_id,
            visitor_author(&greeted.visitor),
        ))
    }

    fn known_conversation(&self, id: ConversationId) -> Option<ConversationRef> {
        let greeted = self.greeted.as_ref()?;
        greeted.own.contains(&id).then_some(ConversationRef {
            id,
            workspace_id: greeted.visitor.workspace_id,
            visitor_id: greeted.visitor.id,
        })
    }

    fn admit(&mut self, conversation: &Conversation) -> bool {
        let Some(greeted) = self.greeted.as_mut() else {
            return false;
        };
        let own = conversation.visitor_id == greeted.visitor.id;
        if own {
            greeted.own.insert(conversation.id);
        }
        own
    }

    fn typing_preview(&self, typing: &Typing) -> Option<String> {
        let enabled = self
            .site
            .settings
            .0
            .get("draft_preview")
            .and_then(|v| v.as_bool())
            == Some(true);
        typing
            .preview
            .as_deref()
            .filter(|_| enabled && typing.state == TypingState::On)
            .map(|p| clip(p, MAX_PREVIEW_CHARS))
    }

    fn hello(session: &mut Session<Self>, hello: Hello, ctx: &mut Ctx<Self>) {
        let state = session.state.clone();
        let site = session.role.site.clone();
        let user_agent = session.role.user_agent.clone();
        let ip = session.role.ip.to_string();
        let (conn, outbound) = (session.conn.id, session.conn.outbound.clone());
        let reference = hello.reference.clone();
        // Events for this visitor queue up behind the welcome while it is prepared.
        outbound.hold();
        let work = async move {
            let identity = identity::check(hello.identity.as_ref(), &site);
            if site.require_identity && !matches!(identity, IdentityCheck::Verified { .. }) {
                return Err(HelloRefusal::Forbidden(
                    "this site requires a verified identity",
                ));
            }
            let token = hello
                .token
                .as_deref()
                .and_then(|token| state.tokens.verify_visitor(token).ok());
            let chat = &state.chat;
            let unavailable = |_: ChatError| HelloRefusal::Unavailable;
            // Before anything is stored: a blocked visitor (or address) leaves no trace.
            if chat
                .is_blocked(&site, token.as_ref(), &identity, &ip)
                .await
                .map_err(unavailable)?
            {
                return Err(HelloRefusal::Blocked);
            }
            let (visitor, created) = chat
                .resolve_visitor(&site, token.as_ref(), &identity, user_agent, ip.clone())
                .await
                .map_err(unavailable)?;
            // Registered only once nothing can fail any more: agents never see a visitor come
            // online for a hello that is then refused.
            chat.record_earlier_pages(&visitor, earlier_pages(&hello.pages))
                .await
                .map_err(unavailable)?;
            let page = hello.page.as_ref().map(clip_page);
            if let Some(page) = &page {
                chat.record_page(&visitor, page.clone())
                    .await
                    .map_err(unavailable)?;
            }
            // A visitor created just now has no conversation yet: no query for it.
            let conversation = if created {
                None
            } else {
                chat.store()
                    .latest_conversation(site.id, visitor.id)
                    .await
                    .map_err(|e| unavailable(e.into()))?
            };
            let assignee = match &conversation {
                Some(c) => announce::assignee(chat.store(), c).await,
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
                .map_err(|_| HelloRefusal::Unavailable)?;
            let registration =
                state
                    .hub
                    .register_visitor(site.workspace_id, visitor.id, conn, outbound);
            let outlook = chat
                .outlook(&site, conversation.as_ref())
                .await
                .map_err(unavailable)?;
            let welcome = ServerFrame::VisitorWelcome {
                reference: hello.reference.as_deref(),
                visitor_id: visitor.id,
                token: &token,
                conversation: conversation
                    .as_ref()
                    .map(|c| VisitorConversationView::new(c, assignee.as_ref())),
                agents_online: chat.agents_online(site.workspace_id),
                available: outlook.available,
                queue_position: outlook.queue_position,
                expected_reply_s: outlook.expected_reply_s,
                profile: VisitorProfile {
                    name: visitor.name.as_deref(),
                    email: visitor.email.as_deref(),
                    attributes: &visitor.attributes.0,
                },
                email_enabled: state.settings.email.smtp_url.is_some(),
                settings: &site.settings.0,
                identity: identity.status().map(|status| WelcomeIdentity {
                    status,
                    id: match &identity {
                        IdentityCheck::Verified { external_id, .. } => Some(external_id.as_str()),
                        _ => None,
                    },
                }),
            }
            .encode();
            let greeted = Greeted {
                current: conversation.as_ref().map(|c| c.id),
                own: conversation.iter().map(|c| c.id).collect(),
                visitor,
                page,
                _registration: registration,
            };
            Ok((greeted, welcome))
        };
        session.await_hello(ctx, reference, work);
    }

    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>) {
        match frame {
            ClientFrame::Send(send) => send_message(session, send, ctx),
            ClientFrame::Page(page) => {
                let Some(greeted) = session.role.greeted.as_mut() else {
                    return;
                };
                let info = clip_page(&PageInfo {
                    url: page.url,
                    title: page.title,
                    referrer: page.referrer,
                });
                greeted.page = Some(info.clone());
                let (chat, visitor) = (session.state.chat.clone(), greeted.visitor.clone());
                let work = async move { chat.record_page(&visitor, info).await };
                session.request(ctx, page.reference, work, |session, reference, (), _| {
                    session.conn.ok(reference.as_deref())
                });
            }
            ClientFrame::Profile(profile) => update_profile(session, profile, ctx),
            ClientFrame::End(end) => {
                session.with_conversation(
                    ctx,
                    end.reference,
                    end.conversation_id,
                    move |session, reference, conversation, ctx| {
                        let chat = session.state.chat.clone();
                        let resolve = ConversationChange {
                            status: Some(ConversationStatus::Resolved),
                            ..Default::default()
                        };
                        let work = async move {
                            chat.change_conversation(
                                conversation.workspace_id,
                                conversation.id,
                                &resolve,
                                crate::chat::ChangedBy::Visitor,
                            )
                            .await
                            .map(|_| ())
                        };
                        session.request(ctx, reference, work, |session, reference, (), _| {
                            session.conn.ok(reference.as_deref())
                        });
                    },
                );
            }
            ClientFrame::Rate(rate) => {
                let (score, comment) = match crate::chat::ratings::checked(rate.score, rate.comment)
                {
                    Ok(checked) => checked,
                    Err(why) => {
                        return session.refuse(rate.reference.as_deref(), &why);
                    }
                };
                session.with_conversation(
                    ctx,
                    rate.reference,
                    rate.conversation_id,
                    move |session, reference, conversation, ctx| {
                        let chat = session.state.chat.clone();
                        let work = async move {
                            chat.rate(conversation, score, comment).await.map(|_| ())
                        };
                        session.request(ctx, reference, work, |session, reference, (), _| {
                            session.conn.ok(reference.as_deref())
                        });
                    },
                );
            }
            ClientFrame::Status(status) => session.conn.error(
                status.reference.as_deref(),
                ErrorCode::Forbidden,
                "status is for agents",
            ),
            ClientFrame::Viewing(viewing) => session.conn.error(
                viewing.reference.as_deref(),
                ErrorCode::Forbidden,
                "viewing is for agents",
            ),
            ClientFrame::Watch(watch) => session.conn.error(
                watch.reference.as_deref(),
                ErrorCode::Forbidden,
                "watch is for agents",
            ),
            ClientFrame::Prechat(prechat) => answer_form(session, prechat, ctx),
            ClientFrame::Transcript(transcript) => {
                let Some(email) = session
                    .role
                    .greeted
                    .as_ref()
                    .and_then(|g| g.visitor.email.clone())
                else {
                    return session.conn.error(
                        transcript.reference.as_deref(),
                        ErrorCode::Conflict,
                        "leave an email address first",
                    );
                };
                session.with_conversation(
                    ctx,
                    transcript.reference,
                    transcript.conversation_id,
                    move |session, reference, conversation, ctx| {
                        let store = session.state.chat.store().clone();
                        let work = async move {
                            store
                                .queue_transcript(
                                    conversation.workspace_id,
                                    conversation.id,
                                    &email,
                                )
                                .await
                                .map_err(ChatError::from)
                        };
                        session.request(ctx, reference, work, |session, reference, _, _| {
                            session.conn.ok(reference.as_deref())
                        });
                    },
                );
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
        .and_then(|n| input::clean_name(n, MAX_NAME_CHARS));
    let Some(greeted) = session.role.greeted.as_mut() else {
        return;
    };
    if greeted.visitor.external_id.is_none() {
        greeted.visitor.name = name.or(greeted.visitor.name.take());
        greeted.visitor.email = email.clone().or(greeted.visitor.email.take());
    }
    let (chat, visitor, page) = (
        session.state.chat.clone(),
        greeted.visitor.clone(),
        greeted.page.clone(),
    );
    // An address left before any conversation, while nobody can answer, is a lead: agents get
    // it as a conversation of its own.
    let lead = match (&email, greeted.current) {
        (Some(email), None) => Some((
            email.clone(),
            draft_conversation(&session.role.site, &visitor),
        )),
        _ => None,
    };
    let site = session.role.site.clone();
    let work = async move {
        chat.save_profile(&visitor, page).await?;
        let Some((email, draft)) = lead else {
            return Ok(None);
        };
        if chat.available(&site).await? {
            return Ok(None);
        }
        let conversation = chat.open_conversation(&draft).await?;
        chat.post_line(&conversation, Line::LeftEmail(&email)).await;
        Ok(Some(conversation.id))
    };
    session.request(ctx, reference, work, |session, reference, lead, _| {
        if let (Some(id), Some(greeted)) = (lead, session.role.greeted.as_mut()) {
            greeted.current.get_or_insert(id);
            greeted.own.insert(id);
        }
        session.conn.ok(reference.as_deref())
    });
}

/// The visitor's answers to its site's form: name and email into its profile (unless a
/// verified identity gave them), the rest into its attributes; agents are told.
fn answer_form(
    session: &mut Session<VisitorSide>,
    prechat: protocol::Prechat,
    ctx: &mut Ctx<VisitorSide>,
) {
    let reference = prechat.reference;
    let settings = WidgetSettings::of(&session.role.site.settings.0);
    let Some(greeted) = session.role.greeted.as_mut() else {
        return;
    };
    let answers = match settings
        .prechat
        .check_answers(&prechat.answers, &greeted.visitor)
    {
        Ok(answers) => answers,
        Err(why) => {
            return session
                .conn
                .error(reference.as_deref(), ErrorCode::BadRequest, &why)
        }
    };
    let visitor = &mut greeted.visitor;
    if visitor.external_id.is_none() || !visitor.name_signed {
        visitor.name = answers.name.or(visitor.name.take());
    }
    if visitor.external_id.is_none() || !visitor.email_signed {
        visitor.email = answers.email.or(visitor.email.take());
    }
    visitor.attributes.0.extend(
        answers
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let (chat, visitor, page) = (
        session.state.chat.clone(),
        greeted.visitor.clone(),
        greeted.page.clone(),
    );
    let work = async move { chat.save_answers(&visitor, &answers.attributes, page).await };
    session.request(ctx, reference, work, |session, reference, (), _| {
        session.conn.ok(reference.as_deref())
    });
}

/// A new open conversation of the visitor on its site, not yet stored.
fn draft_conversation(site: &Site, visitor: &Visitor) -> Conversation {
    let now = Timestamp::now();
    Conversation {
        id: ConversationId::new(),
        workspace_id: visitor.workspace_id,
        site_id: site.id,
        visitor_id: visitor.id,
        status: ConversationStatus::Open,
        assignee_id: None,
        last_seq: 0,
        created_at: now,
        updated_at: now,
        last_activity_at: now,
        team_id: site.team_id,
        rating: None,
        labels: Default::default(),
        priority: Default::default(),
        snoozed_until: None,
    }
}

fn send_message(
    session: &mut Session<VisitorSide>,
    send: protocol::Send,
    ctx: &mut Ctx<VisitorSide>,
) {
    let reference = send.reference;
    let r = reference.as_deref();
    let Some(client_msg_id) = session.send_preamble(r, send.client_msg_id) else {
        return;
    };
    if send.kind != MessageKind::Text {
        return session
            .conn
            .error(r, ErrorCode::Forbidden, "visitors can only send text");
    }
    let files = send.attachments;
    let body = match session
        .state
        .chat
        .message_body(send.body, !files.is_empty())
    {
        Ok(body) => body,
        Err(err) => return session.refuse(r, &err),
    };
    let Some(greeted) = &session.role.greeted else {
        return;
    };
    let message = NewMessage {
        id: MessageId::new(),
        workspace_id: greeted.visitor.workspace_id,
        conversation_id: send.conversation_id.or(greeted.current).unwrap_or_default(),
        client_msg_id: Some(client_msg_id),
        author: visitor_author(&greeted.visitor),
        kind: MessageKind::Text,
        body,
        created_at: Timestamp::now(),
        attachments: crate::domain::Attachments::default(),
    };
    let first = send.conversation_id.is_none() && greeted.current.is_none();
    if !first && files.is_empty() {
        return session.submit(message, reference);
    }
    // Files to check, or the first message (its conversation opens first; the site's form and
    // offline policy may ask for answers or an email before): the connection's other frames
    // wait, so that its later sends keep their order.
    let draft = first.then(|| Conversation {
        id: message.conversation_id,
        ..draft_conversation(&session.role.site, &greeted.visitor)
    });
    let chat = session.state.chat.clone();
    let (site, visitor) = (session.role.site.clone(), greeted.visitor.clone());
    let proactive = send.proactive;
    let work = async move {
        let attachments = chat
            .attachments(visitor.workspace_id, Uploader::Visitor(visitor.id), &files)
            .await?;
        let conversation = match draft {
            Some(draft) => {
                chat.admit_first_message(&site, &visitor).await?;
                let conversation = chat.open_conversation(&draft).await?;
                // The message the visitor answers comes first, in the agent's name.
                if let Some(rule) = proactive.as_deref().filter(|_| conversation.last_seq == 0) {
                    chat.post_proactive(&site, &conversation, rule).await;
                }
                Some(conversation)
            }
            None => None,
        };
        Ok::<_, ChatError>((attachments, conversation))
    };
    ctx.wait(
        work.into_actor(session)
            .map(move |result, session, _| match result {
                Ok((attachments, conversation)) => {
                    let mut message = NewMessage {
                        attachments,
                        ..message
                    };
                    if let Some(conversation) = conversation {
                        if let Some(greeted) = session.role.greeted.as_mut() {
                            greeted.current = Some(conversation.id);
                            greeted.own.insert(conversation.id);
                        }
                        message.conversation_id = conversation.id;
                    }
                    session.submit(message, reference);
                }
                Err(err) => session.refuse(reference.as_deref(), &err),
            }),
    );
}
