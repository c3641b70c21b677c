//! A conversation written out as plain text for agents to download: a header saying whose it
//! is, then one entry per message. Plain text only, so nothing in a message can run anywhere.

use crate::domain::{Message, MessageKind};
use crate::store::inbox::InboxRow;

/// Who, where, since when, and how it stands.
pub fn header(row: &InboxRow, site: &str) -> String {
    let c = &row.conversation;
    let visitor = match (&row.visitor_name, &row.visitor_email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(name), None) => name.clone(),
        (None, Some(email)) => email.clone(),
        (None, None) => "Anonymous visitor".to_owned(),
    };
    let mut text = format!(
        "Conversation {}\nSite: {site}\nVisitor: {visitor}\nStarted: {}\nStatus: {}\n",
        c.id,
        stamp(&c.created_at),
        c.status
    );
    if let Some(name) = &row.assignee_name {
        text.push_str(&format!("Assignee: {name}\n"));
    }
    if let Some(rating) = &c.rating {
        text.push_str(&format!("Rating: {}/5\n", rating.0.score));
    }
    text.push('\n');
    text
}

/// One message: `[time] Author: words`, a note marked, a system line between dashes, and
/// its files by name.
pub fn line(message: &Message) -> String {
    let at = stamp(&message.created_at);
    let body = message.body.as_str().replace('\n', "\n    ");
    let mut text = match message.kind {
        MessageKind::Event => format!("[{at}] -- {body} --\n"),
        MessageKind::Note => format!("[{at}] {} (internal note): {body}\n", author(message)),
        MessageKind::Text => format!("[{at}] {}: {body}\n", author(message)),
    };
    for file in &message.attachments.0 {
        text.push_str(&format!(
            "    [file: {} ({} bytes)]\n",
            file.name, file.size
        ));
    }
    text
}

fn author(message: &Message) -> String {
    let kind = message.author.kind.as_str();
    match &message.author.name {
        Some(name) => format!("{name} ({kind})"),
        None => kind.to_owned(),
    }
}

fn stamp(at: &crate::domain::Timestamp) -> String {
    at.as_datetime().format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
