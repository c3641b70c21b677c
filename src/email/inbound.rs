//! A reply received by email: the raw message (as a mail server's pipe or a provider's relay
//! posts it) parsed with mail-parser, its reply addresses found, and its new text kept without
//! the quoted history and the signature under it.

use mail_parser::{MessageParser, MimeHeaders};

/// Longest reply body kept, in characters (the rest is cut, as a chat message would be).
pub const MAX_TEXT_CHARS: usize = 4000;

/// What the server needs of an incoming email.
#[derive(Debug, PartialEq, Eq)]
pub struct Inbound {
    /// Its `Message-ID`, or a digest of the raw message when it has none.
    pub message_id: String,
    /// Every address it was sent to: `To`, `Cc`, and the envelope's (`Delivered-To`,
    /// `X-Original-To`), which a mail server adds.
    pub recipients: Vec<String>,
    /// The new text: quoted history and signature removed.
    pub text: String,
    /// A delivery report's permanently failed recipients (`Status: 5.x.x`).
    pub bounced: Vec<String>,
    /// Its attached files (name, bytes), at most `MAX_FILES`.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Files kept from one email, as from one message.
pub const MAX_FILES: usize = crate::domain::attachments::MAX_PER_MESSAGE;

pub fn parse(raw: &[u8]) -> Option<Inbound> {
    let message = MessageParser::default().parse(raw)?;
    let message_id = match message.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().chars().take(900).collect(),
        _ => {
            use sha2::Digest;
            format!("sha256:{}", hex::encode(sha2::Sha256::digest(raw)))
        }
    };
    let mut recipients = Vec::new();
    for list in [message.to(), message.cc()].into_iter().flatten() {
        recipients.extend(list.iter().filter_map(|a| a.address()).map(str::to_owned));
    }
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        for value in message.header_values(name) {
            if let Some(text) = value.as_text() {
                recipients.push(text.trim().trim_matches(['<', '>']).to_owned());
            }
        }
    }
    let body = message
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default();
    let files = message
        .attachments()
        .filter(|part| !part.contents().is_empty())
        .take(MAX_FILES)
        .map(|part| {
            let name = part.attachment_name().unwrap_or("attachment").to_owned();
            (name, part.contents().to_vec())
        })
        .collect();
    Some(Inbound {
        message_id,
        recipients,
        text: strip_quoted(&body),
        bounced: hard_bounces(&String::from_utf8_lossy(raw)),
        files,
    })
}

/// The recipients a delivery status notification (RFC 3464) reports as failed for good: each
/// `Final-Recipient: rfc822; <address>` whose `Status` is 5.x.x.
pub fn hard_bounces(raw: &str) -> Vec<String> {
    let mut bounced = Vec::new();
    let mut recipient: Option<String> = None;
    for line in raw.lines() {
        let lower = line.trim().to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("final-recipient:") {
            recipient = value
                .split(';')
                .nth(1)
                .map(|a| a.trim().trim_matches(['<', '>']).to_owned())
                .filter(|a| a.contains('@'));
        } else if let Some(status) = lower.strip_prefix("status:") {
            if status.trim().starts_with('5') {
                if let Some(address) = recipient.take() {
                    bounced.push(address);
                }
            }
        }
    }
    bounced.sort();
    bounced.dedup();
    bounced
}

/// The lines a person wrote: everything before the first line that starts quoted history
/// ("On … wrote:", its translations, a forwarded header block, `>` lines) or a signature
/// (`-- `), trimmed.
pub fn strip_quoted(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut kept: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if starts_history(trimmed) || line == "-- " || trimmed == "--" {
            break;
        }
        kept.push(line);
    }
    let mut out = kept.join("\n").trim().to_owned();
    if out.chars().count() > MAX_TEXT_CHARS {
        out = out.chars().take(MAX_TEXT_CHARS).collect();
    }
    out
}

fn starts_history(line: &str) -> bool {
    if line.starts_with('>') {
        return true;
    }
    let lower = line.to_lowercase();
    let attribution = (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || (lower.starts_with("le ")
            && (lower.ends_with("a écrit :") || lower.ends_with("a écrit:")))
        || (lower.starts_with("el ") && lower.ends_with("escribió:"))
        || (lower.starts_with("am ") && lower.ends_with("schrieb:"));
    attribution
        || lower.starts_with("-----original message-----")
        || lower.starts_with("________________________________")
        || (lower.starts_with("from:") && lower.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        let reply = "Thanks, that works!\r\nSee you.\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Shop <reply+ab@in.example> wrote:\r\n> You have a new reply:\r\n> Alice: it left today\r\n";
        assert_eq!(strip_quoted(reply), "Thanks, that works!\nSee you.");
        assert_eq!(
            strip_quoted("Merci !\n\nLe lun. 7 déc. 2026, Shop a écrit :\n> x"),
            "Merci !"
        );
        assert_eq!(strip_quoted("Ok\n-- \nAda Lovelace\nCEO"), "Ok");
        assert_eq!(
            strip_quoted("Fine\n-----Original Message-----\nFrom: a@b.c"),
            "Fine"
        );
        assert_eq!(strip_quoted("> only quoted"), "");
    }

    #[test]
    fn a_raw_message_gives_its_id_recipients_and_new_text() {
        let raw = b"Delivered-To: reply+abc@in.example\r\nFrom: Ada <ada@example.com>\r\nTo: Shop <reply+abc@in.example>\r\nSubject: Re: New reply from Shop\r\nMessage-ID: <m1@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIt arrived, thank you \xf0\x9f\x98\x80\r\n\r\nOn Mon, Shop wrote:\r\n> Tracking: 42\r\n";
        let inbound = parse(raw).unwrap();
        assert_eq!(inbound.message_id, "m1@mail.example");
        assert!(inbound
            .recipients
            .iter()
            .any(|r| r == "reply+abc@in.example"));
        assert_eq!(inbound.text, "It arrived, thank you 😀");
        assert!(inbound.bounced.is_empty());
    }

    #[test]
    fn a_delivery_report_names_its_hard_bounces_only() {
        let report =
            "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n\
            Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
            Final-Recipient: rfc822; <later@example.com>\r\nAction: delayed\r\nStatus: 4.4.1\r\n";
        assert_eq!(hard_bounces(report), ["gone@example.com"]);
    }
}
