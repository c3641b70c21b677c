//! The email loop of one node: it claims due emails (Postgres hands each to one node), and for
//! a reply email decides whether it is time (the visitor gone for the delay, the replies not
//! read), composes it from what is stored now and sends it through SMTP, trying again later
//! with growing delays when the server refuses.

use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor};

use super::address::ReplyAddresses;
use super::compose::{self, Reply};
use crate::chat::Chat;
use crate::config::EmailSettings;
use crate::domain::{AgentId, AuthorKind, MessageKind, Timestamp, WidgetSettings};
use crate::shutdown::Shutdown;
use crate::store::email::{DueEmail, EmailOutcome};
use crate::store::Audience;

/// How long a claimed email is this node's: past it (the node died) another node takes it.
const LEASE: Duration = Duration::from_secs(60);
/// How often the outbox is looked at.
const POLL: Duration = Duration::from_millis(500);
/// Emails claimed at once.
const BATCH: i64 = 20;
/// Lines of the conversation before the replies, for context.
const CONTEXT_LINES: i64 = 5;
/// Replies carried by one email at most (the rest follow in the next).
const MOST_REPLIES: i64 = 50;
/// A failing email is tried again after `first_retry`, then twice as late each time up to an
/// hour, for a day.
const LONGEST_RETRY: Duration = Duration::from_secs(3600);
const RETRY_FOR: Duration = Duration::from_secs(24 * 3600);
/// Emails one address gets per hour at most, when the visitor gave it (not the business):
/// a stranger cannot turn the widget into a way to flood someone's inbox.
const PER_ADDRESS_HOURLY: i64 = 5;
const HOUR: Duration = Duration::from_secs(3600);

/// Sends the outbox's emails.
pub struct Mailer {
    pub(super) chat: Chat,
    pub(super) transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    pub(super) from: Option<Mailbox>,
    settings: EmailSettings,
    addresses: ReplyAddresses,
    /// Where unsubscribe and dashboard links point.
    pub(super) public_url: String,
}

impl Mailer {
    /// Starts the loop on the current runtime; it stops when `shutdown` starts. Without SMTP
    /// configured, reply emails are marked skipped ("email is not configured").
    pub fn start(
        chat: Chat,
        settings: EmailSettings,
        addresses: ReplyAddresses,
        public_url: String,
        shutdown: Shutdown,
    ) -> Result<(), String> {
        let transport = match &settings.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| format!("PARLEY_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        let from = match &settings.mail_from {
            Some(from) => Some(
                from.parse::<Mailbox>()
                    .map_err(|e| format!("PARLEY_MAIL_FROM: {e}"))?,
            ),
            None => None,
        };
        let mailer = Arc::new(Self {
            chat,
            transport,
            from,
            settings,
            addresses,
            public_url,
        });
        actix_web::rt::spawn(async move { mailer.run(shutdown).await });
        Ok(())
    }

    async fn run(self: Arc<Self>, shutdown: Shutdown) {
        while !shutdown.is_triggered() {
            let now = Timestamp::now();
            let claimed = self
                .chat
                .store()
                .claim_emails(now, now.plus(LEASE), BATCH)
                .await;
            let full = match claimed {
                Ok(emails) => {
                    let full = emails.len() as i64 == BATCH;
                    for email in emails {
                        let outcome = self.attempt(&email).await;
                        if let Err(err) = self.chat.store().email_done(&email, &outcome).await {
                            tracing::warn!(error = %err, "email outcome not recorded; retried after its lease");
                        }
                    }
                    full
                }
                Err(err) => {
                    tracing::warn!(error = %err, "email outbox not readable now");
                    false
                }
            };
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = shutdown.wait() => {}
            }
        }
    }

    async fn attempt(&self, email: &DueEmail) -> EmailOutcome {
        match email.kind.as_str() {
            "reply" => match self.reply(email).await {
                Ok(outcome) => outcome,
                Err(error) => self.retry(email, error),
            },
            "transcript" => match self.transcript(email).await {
                Ok(outcome) => outcome,
                Err(error) => self.retry(email, error),
            },
            "invite" | "reset" => match self.agent_link(email).await {
                Ok(outcome) => outcome,
                Err(error) => self.retry(email, error),
            },
            "digest" => match self.digest(email).await {
                Ok(outcome) => outcome,
                Err(error) => self.retry(email, error),
            },
            other => EmailOutcome::Skipped {
                reason: format!("unknown kind {other}"),
            },
        }
    }

    /// After a failure: later, or given up once the retry window is over.
    fn retry(&self, email: &DueEmail, error: String) -> EmailOutcome {
        let now = Timestamp::now();
        if now >= email.created_at.plus(RETRY_FOR) {
            metrics::counter!("parley_emails_total", "result" => "failed").increment(1);
            return EmailOutcome::Failed { error };
        }
        let doublings = u32::try_from(email.attempts.clamp(0, 16)).unwrap_or(16);
        let delay = self
            .settings
            .first_retry
            .max(Duration::from_secs(1))
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(LONGEST_RETRY);
        metrics::counter!("parley_emails_total", "result" => "retried").increment(1);
        EmailOutcome::Later {
            at: now.plus(delay),
            error: Some(error),
        }
    }

    /// A reply email: sent when the visitor has been gone for the delay and has not read the
    /// replies; otherwise looked at again when that may have changed.
    async fn reply(&self, email: &DueEmail) -> Result<EmailOutcome, String> {
        let internal = |e: crate::store::StoreError| e.to_string();
        let (Some(conversation_id), Some(from_seq)) = (email.conversation_id, email.from_seq)
        else {
            return Ok(skipped("not a reply"));
        };
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
            return Ok(skipped("email is not configured"));
        };
        let store = self.chat.store();
        let workspace = email.workspace_id;
        let Some(conversation) = store
            .conversation(workspace, conversation_id)
            .await
            .map_err(internal)?
        else {
            return Ok(skipped("the conversation is gone"));
        };
        let Some(visitor) = store
            .visitor(workspace, conversation.visitor_id)
            .await
            .map_err(internal)?
        else {
            return Ok(skipped("the visitor is gone"));
        };
        let Some(address) = visitor.email.clone() else {
            return Ok(skipped("the visitor has no email"));
        };
        // An address the business signed is theirs to email as often as agents answer.
        if let Some(held) = self
            .held(Some(workspace), &address, !visitor.email_signed)
            .await?
        {
            return Ok(held);
        }
        let now = Timestamp::now();
        let delay = self.settings.delay;
        if self.chat.visitor_online(workspace, visitor.id) {
            return Ok(EmailOutcome::Later {
                at: now.plus(delay),
                error: None,
            });
        }
        let left = store
            .visitor_left_at(visitor.id)
            .await
            .map_err(internal)?
            .unwrap_or(visitor.last_seen_at);
        let due = if left > email.created_at {
            left
        } else {
            email.created_at
        }
        .plus(delay);
        if now < due {
            return Ok(EmailOutcome::Later {
                at: due,
                error: None,
            });
        }
        let page = self
            .chat
            .messages_after(
                workspace,
                conversation_id,
                from_seq - 1,
                MOST_REPLIES,
                Audience::Visitor,
                usize::MAX,
            )
            .await
            .map_err(|e| e.to_string())?;
        let replies: Vec<_> = page
            .messages
            .into_iter()
            .filter(|m| m.author.kind == AuthorKind::Agent && m.kind == MessageKind::Text)
            .collect();
        let Some(last) = replies.last().map(|m| m.seq) else {
            return Ok(skipped("no reply to send"));
        };
        if store
            .visitor_read_seq(conversation_id)
            .await
            .map_err(internal)?
            >= last
        {
            return Ok(skipped("the visitor read the replies"));
        }
        let context = self
            .chat
            .messages_before(
                workspace,
                conversation_id,
                Some(from_seq),
                CONTEXT_LINES,
                Audience::Visitor,
                usize::MAX,
            )
            .await
            .map_err(|e| e.to_string())?
            .messages;
        let brand = self.brand(&conversation).await?;
        let pages = store
            .pages(workspace, visitor.id, 1)
            .await
            .map_err(internal)?;
        let link = pages.first().and_then(|p| reopen_link(&p.url));
        let reply_to = self.addresses.address(conversation_id);
        let unsubscribe = format!(
            "{}/email/unsubscribe?w={}&a={}&t={}",
            self.public_url.trim_end_matches('/'),
            workspace,
            url::form_urlencoded::byte_serialize(address.as_bytes()).collect::<String>(),
            self.addresses.unsubscribe_token(workspace, &address)
        );
        // The last replying agent's signature closes the replies.
        let signer = replies
            .iter()
            .rev()
            .find(|m| m.author.kind == AuthorKind::Agent)
            .and_then(|m| m.author.id);
        let signature = match signer {
            Some(id) => store
                .agent(workspace, AgentId(id))
                .await
                .map_err(internal)?
                .map(|a| a.signature),
            None => None,
        };
        let composed = compose::reply(&Reply {
            unsubscribe: Some(&unsubscribe),
            site_name: &brand.name,
            color: &brand.color,
            locale: &brand.locale,
            context: &context,
            replies: &replies,
            link: link.as_deref(),
            answerable: reply_to.is_some(),
            signature: signature.as_deref(),
        });
        let to: Mailbox = address
            .parse()
            .map_err(|e| format!("the visitor's address: {e}"))?;
        let sender = Mailbox::new(Some(brand.name.clone()), from.email.clone());
        let mut builder = Mail::builder()
            .from(sender)
            .to(to.clone())
            .subject(composed.subject);
        if let Some(reply_to) = &reply_to {
            builder = builder.reply_to(
                reply_to
                    .parse()
                    .map_err(|e| format!("the reply address: {e}"))?,
            );
        }
        // Bounces come back to the inbound endpoint, which stops emailing a dead address.
        if let Some(bounce) = self.addresses.bounce_address(workspace) {
            let envelope = Envelope::new(
                Some(
                    bounce
                        .parse()
                        .map_err(|e| format!("the bounce address: {e}"))?,
                ),
                vec![to.email.clone()],
            )
            .map_err(|e| format!("the envelope: {e}"))?;
            builder = builder.envelope(envelope);
        }
        let mail = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{unsubscribe}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
        deliver(transport, mail, composed.text, composed.html).await?;
        Ok(EmailOutcome::Sent {
            upto_seq: Some(last),
            to: address,
        })
    }
}

/// Most messages in a transcript (the newest are kept).
const TRANSCRIPT_MESSAGES: i64 = 500;

impl Mailer {
    /// A visitor's transcript: the conversation as the visitor sees it, to the address it gave.
    async fn transcript(&self, email: &DueEmail) -> Result<EmailOutcome, String> {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
            return Ok(skipped("email is not configured"));
        };
        let (Some(address), Some(conversation_id)) =
            (email.to_address.as_deref(), email.conversation_id)
        else {
            return Ok(skipped("nothing to send"));
        };
        let store = self.chat.store();
        let workspace = email.workspace_id;
        let internal = |e: crate::store::StoreError| e.to_string();
        if let Some(held) = self.held(Some(workspace), address, true).await? {
            return Ok(held);
        }
        let Some(conversation) = store
            .conversation(workspace, conversation_id)
            .await
            .map_err(internal)?
        else {
            return Ok(skipped("the conversation is gone"));
        };
        let messages = self
            .chat
            .messages_before(
                workspace,
                conversation_id,
                None,
                TRANSCRIPT_MESSAGES,
                Audience::Visitor,
                usize::MAX,
            )
            .await
            .map_err(|e| e.to_string())?
            .messages;
        let brand = self.brand(&conversation).await?;
        let composed = compose::transcript(&brand.name, &brand.color, &brand.locale, &messages);
        let mail = Mail::builder()
            .from(Mailbox::new(Some(brand.name.clone()), from.email.clone()))
            .to(address
                .parse()
                .map_err(|e| format!("the visitor's address: {e}"))?)
            .subject(composed.subject);
        deliver(transport, mail, composed.text, composed.html).await?;
        Ok(EmailOutcome::Sent {
            upto_seq: None,
            to: address.to_owned(),
        })
    }

    /// How the conversation's site signs its emails.
    async fn brand(&self, conversation: &crate::domain::Conversation) -> Result<Brand, String> {
        let site = self
            .chat
            .store()
            .site(conversation.workspace_id, conversation.site_id)
            .await
            .map_err(|e| e.to_string())?;
        let settings = site
            .as_ref()
            .map(|s| WidgetSettings::of(&s.settings.0))
            .unwrap_or_default();
        Ok(Brand {
            name: site.map_or_else(|| "Parley".to_owned(), |s| s.name),
            color: settings.color,
            // `auto` follows a browser; an email has none to follow.
            locale: if settings.locale == "auto" {
                "en".to_owned()
            } else {
                settings.locale
            },
        })
    }

    /// Why `address` is not emailed now: the workspace no longer emails it (skipped), or it
    /// had its hourly share when `capped` (later).
    async fn held(
        &self,
        workspace: Option<crate::domain::WorkspaceId>,
        address: &str,
        capped: bool,
    ) -> Result<Option<EmailOutcome>, String> {
        let store = self.chat.store();
        if let Some(workspace) = workspace {
            if let Some(reason) = store
                .suppression(workspace, address)
                .await
                .map_err(|e| e.to_string())?
            {
                return Ok(Some(skipped(&format!("the address is {reason}"))));
            }
        }
        if !capped {
            return Ok(None);
        }
        let now = Timestamp::now();
        let (sent, oldest) = store
            .sent_to_since(address, now.minus(HOUR))
            .await
            .map_err(|e| e.to_string())?;
        Ok((sent >= PER_ADDRESS_HOURLY).then(|| EmailOutcome::Later {
            at: oldest.unwrap_or(now).plus(HOUR),
            error: None,
        }))
    }

    /// An agent's invitation or password reset: its link, to its address.
    async fn agent_link(&self, email: &DueEmail) -> Result<EmailOutcome, String> {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
            return Ok(skipped("email is not configured"));
        };
        let link = email
            .payload
            .as_ref()
            .and_then(|p| p.0.get("link"))
            .and_then(|l| l.as_str());
        let (Some(address), Some(link)) = (email.to_address.as_deref(), link) else {
            return Ok(skipped("nothing to send"));
        };
        // Anyone may ask for a reset of any address: at most a few an hour reach it.
        if let Some(held) = self.held(None, address, true).await? {
            return Ok(held);
        }
        let composed = compose::agent_link(email.kind == "invite", link);
        let mail = Mail::builder()
            .from(from.clone())
            .to(address
                .parse()
                .map_err(|e| format!("the agent's address: {e}"))?)
            .subject(composed.subject);
        deliver(transport, mail, composed.text, composed.html).await?;
        Ok(EmailOutcome::Sent {
            upto_seq: None,
            to: address.to_owned(),
        })
    }
}

/// A site's name, colour and language, as its emails show them.
struct Brand {
    name: String,
    color: String,
    locale: String,
}

/// Sends the email `builder` made so far, with its plain-text and HTML parts.
pub(super) async fn deliver(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    builder: lettre::message::MessageBuilder,
    text: String,
    html: String,
) -> Result<(), String> {
    let mail = builder
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("the email could not be built: {e}"))?;
    transport
        .send(mail)
        .await
        .map_err(|e| format!("SMTP: {e}"))?;
    metrics::counter!("parley_emails_total", "result" => "sent").increment(1);
    Ok(())
}

pub(super) fn skipped(reason: &str) -> EmailOutcome {
    metrics::counter!("parley_emails_total", "result" => "skipped").increment(1);
    EmailOutcome::Skipped {
        reason: reason.to_owned(),
    }
}

/// The page the visitor was last on, asking the widget there to open the conversation.
fn reopen_link(page: &str) -> Option<String> {
    let mut url = url::Url::parse(page).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.query_pairs_mut().append_pair("parley", "open");
    url.set_fragment(None);
    Some(url.to_string())
}
