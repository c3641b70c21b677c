//! The reply email a visitor gets: the agents' replies, the last lines before them for
//! context, the site's name and colour, a link back to the chat; plain text and HTML, in the
//! site's language.

use crate::domain::{AuthorKind, Message, MessageKind};

/// What an email says, ready for the transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The parts of a reply email.
pub struct Reply<'a> {
    pub site_name: &'a str,
    /// `#rrggbb`, already validated with the site's settings.
    pub color: &'a str,
    pub locale: &'a str,
    /// Lines before the replies, oldest first.
    pub context: &'a [Message],
    /// The replies this email carries, oldest first.
    pub replies: &'a [Message],
    /// Where the visitor continues the chat (the page it was on), if known.
    pub link: Option<&'a str>,
    /// Whether answering the email reaches the conversation.
    pub answerable: bool,
    /// A link that stops these emails.
    pub unsubscribe: Option<&'a str>,
    /// The signature of the agent who wrote the last reply, when it has one.
    pub signature: Option<&'a str>,
}

struct Words {
    subject: &'static str,
    intro: &'static str,
    earlier: &'static str,
    continue_chat: &'static str,
    answer: &'static str,
    you: &'static str,
    team: &'static str,
    unsubscribe: &'static str,
}

fn words(locale: &str) -> Words {
    match locale.split(['-', '_']).next().unwrap_or("en") {
        "fr" => Words {
            subject: "Nouvelle réponse de",
            intro: "Vous avez une nouvelle réponse :",
            earlier: "Plus tôt dans la conversation :",
            continue_chat: "Reprendre la conversation",
            answer: "Répondez simplement à cet e-mail pour continuer.",
            you: "Vous",
            team: "L'équipe",
            unsubscribe: "Ne plus recevoir ces e-mails",
        },
        "es" => Words {
            subject: "Nueva respuesta de",
            intro: "Tienes una nueva respuesta:",
            earlier: "Antes en la conversación:",
            continue_chat: "Continuar la conversación",
            answer: "Responde a este correo para continuar.",
            you: "Tú",
            team: "El equipo",
            unsubscribe: "No recibir más estos correos",
        },
        "de" => Words {
            subject: "Neue Antwort von",
            intro: "Sie haben eine neue Antwort:",
            earlier: "Zuvor im Gespräch:",
            continue_chat: "Gespräch fortsetzen",
            answer: "Antworten Sie einfach auf diese E-Mail, um fortzufahren.",
            you: "Sie",
            team: "Das Team",
            unsubscribe: "Keine weiteren E-Mails erhalten",
        },
        _ => Words {
            subject: "New reply from",
            intro: "You have a new reply:",
            earlier: "Earlier in the conversation:",
            continue_chat: "Continue the conversation",
            answer: "Just reply to this email to continue.",
            you: "You",
            team: "The team",
            unsubscribe: "Stop these emails",
        },
    }
}

fn who<'a>(message: &'a Message, w: &'a Words) -> &'a str {
    match message.author.kind {
        AuthorKind::Visitor => w.you,
        _ => message.author.name.as_deref().unwrap_or(w.team),
    }
}

/// Text as HTML text: the five characters that mean something there, escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message's files as lines of text: name and link (good for a day; the chat gives fresh
/// ones).
fn files_text(message: &Message) -> String {
    message
        .attachments
        .0
        .iter()
        .map(|f| format!("\n[{}] {}", f.name, f.url()))
        .collect()
}

fn files_html(message: &Message) -> String {
    message
        .attachments
        .0
        .iter()
        .map(|f| {
            format!(
                "<br><a href=\"{}\">{}</a>",
                escape(&f.url()),
                escape(&f.name)
            )
        })
        .collect()
}

pub fn reply(email: &Reply<'_>) -> Composed {
    let w = words(email.locale);
    let subject = format!("{} {}", w.subject, email.site_name);
    // People's words only: notes never reach a visitor, and system lines are not quotes.
    let shown = |m: &&Message| m.kind == MessageKind::Text;
    let mut text = format!("{}\n\n", w.intro);
    for m in email.replies.iter().filter(shown) {
        text.push_str(&format!(
            "{}:\n{}{}\n\n",
            who(m, &w),
            m.body.as_str(),
            files_text(m)
        ));
    }
    if let Some(signature) = email.signature.filter(|s| !s.is_empty()) {
        text.push_str(&format!("{signature}\n\n"));
    }
    if !email.context.is_empty() {
        text.push_str(&format!("{}\n", w.earlier));
        for m in email.context.iter().filter(shown) {
            let quoted = m.body.as_str().replace('\n', "\n> ");
            text.push_str(&format!("> {}: {}\n", who(m, &w), quoted));
        }
        text.push('\n');
    }
    if let Some(link) = email.link {
        text.push_str(&format!("{}: {}\n", w.continue_chat, link));
    }
    if email.answerable {
        text.push_str(&format!("{}\n", w.answer));
    }
    text.push_str(&format!("\n-- \n{}\n", email.site_name));
    if let Some(link) = email.unsubscribe {
        text.push_str(&format!("{}: {}\n", w.unsubscribe, link));
    }

    let color = escape(email.color);
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2937\">\
         <div style=\"border-top:4px solid {color};padding:16px;max-width:560px\">\
         <p style=\"font-weight:600\">{}</p>",
        escape(w.intro)
    );
    for m in email.replies.iter().filter(shown) {
        html.push_str(&format!(
            "<p><strong>{}</strong><br>{}{}</p>",
            escape(who(m, &w)),
            escape(m.body.as_str()).replace('\n', "<br>"),
            files_html(m)
        ));
    }
    if let Some(signature) = email.signature.filter(|s| !s.is_empty()) {
        html.push_str(&format!(
            "<p style=\"color:#4b5563;white-space:pre-line\">{}</p>",
            escape(signature)
        ));
    }
    if !email.context.is_empty() {
        html.push_str(&format!(
            "<p style=\"color:#6b7280\">{}</p><blockquote style=\"color:#6b7280;border-left:3px solid #e5e7eb;margin:0;padding-left:12px\">",
            escape(w.earlier)
        ));
        for m in email.context.iter().filter(shown) {
            html.push_str(&format!(
                "<p><strong>{}</strong>: {}</p>",
                escape(who(m, &w)),
                escape(m.body.as_str()).replace('\n', "<br>")
            ));
        }
        html.push_str("</blockquote>");
    }
    if let Some(link) = email.link {
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"background:{color};color:#fff;padding:8px 14px;border-radius:6px;text-decoration:none\">{}</a></p>",
            escape(link),
            escape(w.continue_chat)
        ));
    }
    if email.answerable {
        html.push_str(&format!(
            "<p style=\"color:#6b7280\">{}</p>",
            escape(w.answer)
        ));
    }
    html.push_str(&format!(
        "<p style=\"color:#9ca3af\">{}</p>",
        escape(email.site_name)
    ));
    if let Some(link) = email.unsubscribe {
        html.push_str(&format!(
            "<p style=\"color:#9ca3af;font-size:12px\"><a href=\"{}\" style=\"color:#9ca3af\">{}</a></p>",
            escape(link),
            escape(w.unsubscribe)
        ));
    }
    html.push_str("</div></body></html>");
    Composed {
        subject,
        text,
        html,
    }
}

/// A conversation as its visitor saw it (no notes), for the visitor's records.
pub fn transcript(site_name: &str, color: &str, locale: &str, messages: &[Message]) -> Composed {
    let w = words(locale);
    let (subject, intro) = match locale.split(['-', '_']).next().unwrap_or("en") {
        "fr" => ("Votre conversation avec", "Voici votre conversation :"),
        "es" => ("Tu conversación con", "Esta es tu conversación:"),
        "de" => ("Ihr Gespräch mit", "Hier ist Ihr Gespräch:"),
        _ => ("Your conversation with", "Here is your conversation:"),
    };
    let shown: Vec<&Message> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::Text)
        .collect();
    let mut text = format!("{intro}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2937\">\
         <div style=\"border-top:4px solid {};padding:16px;max-width:560px\"><p style=\"font-weight:600\">{}</p>",
        escape(color),
        escape(intro)
    );
    for m in shown {
        let at = m.created_at.as_datetime().format("%Y-%m-%d %H:%M UTC");
        text.push_str(&format!("[{at}] {}:\n{}\n\n", who(m, &w), m.body.as_str()));
        html.push_str(&format!(
            "<p><span style=\"color:#6b7280\">{at}</span> <strong>{}</strong><br>{}</p>",
            escape(who(m, &w)),
            escape(m.body.as_str()).replace('\n', "<br>")
        ));
    }
    text.push_str(&format!("-- \n{site_name}\n"));
    html.push_str(&format!(
        "<p style=\"color:#9ca3af\">{}</p></div></body></html>",
        escape(site_name)
    ));
    Composed {
        subject: format!("{subject} {site_name}"),
        text,
        html,
    }
}

/// An agent's invitation (set a first password, 7 days) or password reset (1 hour).
pub fn agent_link(invite: bool, link: &str) -> Composed {
    let (subject, intro, action, expiry) = if invite {
        (
            "Your invitation to Parley",
            "You have been invited to answer your team's chats on Parley.",
            "Choose your password",
            "The link works once, for 7 days.",
        )
    } else {
        (
            "Reset your Parley password",
            "Someone (we hope you) asked to reset the password of this account.",
            "Choose a new password",
            "The link works once, for an hour. If you did not ask, ignore this email: nothing changes.",
        )
    };
    let text = format!("{intro}\n\n{action}: {link}\n\n{expiry}\n");
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2937\">\
         <p>{}</p><p><a href=\"{}\">{}</a></p><p style=\"color:#6b7280\">{}</p></body></html>",
        escape(intro),
        escape(link),
        escape(action),
        escape(expiry)
    );
    Composed {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// One conversation of an agent's digest.
pub struct DigestItem<'a> {
    pub site_name: &'a str,
    /// The visitor's name or address, if it gave one.
    pub visitor: Option<&'a str>,
    pub first_words: Option<&'a str>,
    /// When it came, already written for the agent (UTC).
    pub at: String,
    /// Opens it in the dashboard.
    pub link: String,
}

/// Longest quote of a visitor's first words in a digest.
const FIRST_WORDS_CHARS: usize = 160;

/// Text a stranger wrote, without the direction overrides that could disguise what follows it
/// (in a subject line, a reversed address reads as another).
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

/// Up to `FIRST_WORDS_CHARS` of a text, on one line.
fn excerpt(text: &str) -> String {
    let line = plain(text).split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(FIRST_WORDS_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// The email telling an agent of conversations that came while nobody of its team was online.
/// `more`: how many others wait beyond the listed ones.
pub fn digest(items: &[DigestItem<'_>], more: usize, profile_link: &str) -> Composed {
    let total = items.len() + more;
    let subject = match items {
        [one] if more == 0 => format!(
            "New conversation from {} on {}",
            plain(one.visitor.unwrap_or("a visitor")),
            one.site_name
        ),
        _ => format!("{total} new conversations are waiting for an answer"),
    };
    let intro = "These conversations came while nobody of your team was online, and nobody has answered them yet:";
    let footer =
        "You get this email because nobody of your team was online. Change it in your profile:";
    let mut text = format!("{intro}\n\n");
    let mut rows = String::new();
    for item in items {
        let visitor = plain(item.visitor.unwrap_or("A visitor"));
        let words = item.first_words.map(excerpt);
        text.push_str(&format!("{visitor} on {}, {}\n", item.site_name, item.at));
        if let Some(words) = &words {
            text.push_str(&format!("  \"{words}\"\n"));
        }
        text.push_str(&format!("  {}\n\n", item.link));
        rows.push_str(&format!(
            "<tr><td style=\"padding:8px 0;border-bottom:1px solid #e5e7eb\"><a href=\"{}\"><strong>{}</strong></a> \
             <span style=\"color:#6b7280\">on {}, {}</span>{}</td></tr>",
            escape(&item.link),
            escape(&visitor),
            escape(item.site_name),
            escape(&item.at),
            words
                .map(|w| format!("<br>{}", escape(&w)))
                .unwrap_or_default()
        ));
    }
    if more > 0 {
        text.push_str(&format!("… and {more} more in the dashboard.\n\n"));
        rows.push_str(&format!(
            "<tr><td style=\"padding:8px 0;color:#6b7280\">… and {more} more in the dashboard.</td></tr>"
        ));
    }
    text.push_str(&format!("{footer} {profile_link}\n"));
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#1f2937\">\
         <p>{}</p><table style=\"border-collapse:collapse;width:100%\">{rows}</table>\
         <p style=\"color:#6b7280;font-size:13px\">{} <a href=\"{}\">{}</a></p></body></html>",
        escape(intro),
        escape(footer),
        escape(profile_link),
        escape(profile_link)
    );
    Composed {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Author, Body, ConversationId, MessageId, Timestamp};

    fn message(kind: AuthorKind, name: &str, body: &str, note: bool) -> Message {
        Message {
            id: MessageId::new(),
            conversation_id: ConversationId::new(),
            seq: 1,
            client_msg_id: None,
            author: Author {
                kind,
                id: None,
                name: Some(name.into()),
            },
            kind: if note {
                MessageKind::Note
            } else {
                MessageKind::Text
            },
            body: Body::parse(body.into(), 4000).unwrap(),
            created_at: Timestamp::now(),
            attachments: Default::default(),
        }
    }

    #[test]
    fn a_reply_email_carries_the_replies_context_and_link_escaped() {
        let context = [message(
            AuthorKind::Visitor,
            "Ada",
            "Where is <my> order?",
            false,
        )];
        let replies = [
            message(
                AuthorKind::Agent,
                "Alice",
                "It left today & arrives Monday.",
                false,
            ),
            message(
                AuthorKind::Agent,
                "Alice",
                "internal: check the carrier",
                true,
            ),
            message(AuthorKind::Agent, "Alice", "Tracking: 42", false),
        ];
        let composed = reply(&Reply {
            site_name: "Shop",
            color: "#112233",
            locale: "fr",
            context: &context,
            replies: &replies,
            link: Some("https://shop.example/cart?parley=open"),
            answerable: true,
            unsubscribe: Some("https://chat.example/email/unsubscribe?t=1&a=2"),
            signature: Some("Alice <b>\nShop support"),
        });
        assert_eq!(composed.subject, "Nouvelle réponse de Shop");
        assert!(composed.text.contains("Alice <b>\nShop support\n"));
        assert!(composed.html.contains("Alice &lt;b&gt;\nShop support"));
        assert!(composed
            .text
            .contains("Alice:\nIt left today & arrives Monday."));
        assert!(composed.text.contains("Tracking: 42"));
        assert!(
            !composed.text.contains("internal"),
            "notes never reach a visitor"
        );
        assert!(composed.text.contains("> Vous: Where is <my> order?"));
        assert!(
            !composed.text.contains("Left an email"),
            "system lines are not quoted"
        );
        assert!(composed.html.contains("Where is &lt;my&gt; order?"));
        assert!(composed
            .html
            .contains("It left today &amp; arrives Monday."));
        assert!(composed.html.contains("#112233"));
        assert!(!composed.html.contains("internal"));
        assert!(composed
            .html
            .contains("https://shop.example/cart?parley=open"));
    }

    #[test]
    fn a_digest_lists_each_conversation_escaped_and_cut_short() {
        let long = "word ".repeat(100);
        let items = [
            DigestItem {
                site_name: "Shop",
                visitor: Some("Ada <ada@example.com>"),
                first_words: Some("Where\nis my\u{202e} order?"),
                at: "2026-12-06 17:00 UTC".into(),
                link: "https://chat.example/dashboard/#/c/1".into(),
            },
            DigestItem {
                site_name: "Shop",
                visitor: None,
                first_words: Some(&long),
                at: "2026-12-06 17:01 UTC".into(),
                link: "https://chat.example/dashboard/#/c/2".into(),
            },
        ];
        let composed = digest(&items, 3, "https://chat.example/dashboard/#/profile");
        assert_eq!(
            composed.subject,
            "5 new conversations are waiting for an answer"
        );
        assert!(composed.text.contains("\"Where is my order?\""));
        assert!(composed
            .text
            .contains("https://chat.example/dashboard/#/c/2"));
        assert!(composed.text.contains("and 3 more"));
        assert!(composed.html.contains("Ada &lt;ada@example.com&gt;"));
        assert!(!composed.html.contains("<ada@"));
        let quoted = composed.text.lines().find(|l| l.contains("word")).unwrap();
        assert!(quoted.chars().count() < 170, "first words are cut short");
        let one = digest(&items[..1], 0, "https://chat.example/dashboard/#/profile");
        assert_eq!(
            one.subject,
            "New conversation from Ada <ada@example.com> on Shop"
        );
    }

    #[test]
    fn a_reply_email_names_the_files_of_a_reply() {
        let mut with_file = message(AuthorKind::Agent, "Alice", "The label:", false);
        with_file.attachments = crate::domain::Attachments(vec![crate::domain::Attachment {
            id: crate::domain::UploadId::new(),
            name: "label <1>.pdf".into(),
            size: 10,
            content_type: "application/pdf".into(),
            thumbnail: false,
        }]);
        let composed = reply(&Reply {
            site_name: "Shop",
            color: "#112233",
            locale: "en",
            context: &[],
            replies: &[with_file],
            link: None,
            answerable: false,
            unsubscribe: None,
            signature: None,
        });
        assert!(
            composed.text.contains("[label <1>.pdf]"),
            "{}",
            composed.text
        );
        assert!(
            composed.html.contains(">label &lt;1&gt;.pdf</a>"),
            "{}",
            composed.html
        );
    }
}
