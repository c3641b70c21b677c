//! System lines: what the timeline says when someone joins, leaves or transfers a
//! conversation, or a visitor leaves only an email. Stored as `event` messages (author
//! `system`) in the site's language when the site fixes one, English otherwise: the visitor
//! reads them too.

/// Who changed a conversation, as its lines name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangedBy<'a> {
    /// An agent, by name.
    Agent(&'a str),
    /// Its visitor.
    Visitor,
    /// The server itself (a rule, a timer).
    System,
}

/// What happened, with the name it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// An agent was given the conversation.
    Joined(&'a str),
    /// Its agent let it go (unassigned, given back, handed to someone else).
    Left(&'a str),
    /// Moved to a team (or to the whole workspace, named by the caller).
    Transferred(&'a str),
    /// A visitor left an address and no message.
    LeftEmail(&'a str),
    /// An agent resolved the conversation.
    Resolved(&'a str),
    /// An agent reopened it.
    Reopened(&'a str),
    /// The visitor ended the chat.
    Ended,
    /// The visitor rated it (1 to 5).
    Rated(u8),
}

/// The line's text in `locale` (`en`, `fr`, `es`, `de`; anything else reads English).
pub fn text(line: Line<'_>, locale: &str) -> String {
    let language = locale.split(['-', '_']).next().unwrap_or("en");
    match (language, line) {
        ("fr", Line::Joined(n)) => format!("{n} a rejoint la conversation"),
        ("fr", Line::Left(n)) => format!("{n} a quitté la conversation"),
        ("fr", Line::Transferred(n)) => format!("Conversation transférée à {n}"),
        ("fr", Line::LeftEmail(e)) => format!("Adresse e-mail laissée : {e}"),
        ("fr", Line::Resolved(n)) => format!("{n} a clos la conversation"),
        ("fr", Line::Reopened(n)) => format!("{n} a rouvert la conversation"),
        ("fr", Line::Ended) => "Le visiteur a terminé la conversation".to_owned(),
        ("fr", Line::Rated(score)) => format!("Conversation notée {score}/5"),
        ("es", Line::Joined(n)) => format!("{n} se unió a la conversación"),
        ("es", Line::Left(n)) => format!("{n} salió de la conversación"),
        ("es", Line::Transferred(n)) => format!("Conversación transferida a {n}"),
        ("es", Line::LeftEmail(e)) => format!("Dejó su correo electrónico: {e}"),
        ("es", Line::Resolved(n)) => format!("{n} cerró la conversación"),
        ("es", Line::Reopened(n)) => format!("{n} reabrió la conversación"),
        ("es", Line::Ended) => "El visitante terminó la conversación".to_owned(),
        ("es", Line::Rated(score)) => format!("Conversación valorada con {score}/5"),
        ("de", Line::Joined(n)) => format!("{n} ist dem Gespräch beigetreten"),
        ("de", Line::Left(n)) => format!("{n} hat das Gespräch verlassen"),
        ("de", Line::Transferred(n)) => format!("An {n} weitergeleitet"),
        ("de", Line::LeftEmail(e)) => format!("E-Mail-Adresse hinterlassen: {e}"),
        ("de", Line::Resolved(n)) => format!("{n} hat das Gespräch abgeschlossen"),
        ("de", Line::Reopened(n)) => format!("{n} hat das Gespräch wieder geöffnet"),
        ("de", Line::Ended) => "Der Besucher hat den Chat beendet".to_owned(),
        ("de", Line::Rated(score)) => format!("Gespräch mit {score}/5 bewertet"),
        (_, Line::Joined(n)) => format!("{n} joined the conversation"),
        (_, Line::Left(n)) => format!("{n} left the conversation"),
        (_, Line::Transferred(n)) => format!("Transferred to {n}"),
        (_, Line::LeftEmail(e)) => format!("Left an email address: {e}"),
        (_, Line::Resolved(n)) => format!("{n} resolved the conversation"),
        (_, Line::Reopened(n)) => format!("{n} reopened the conversation"),
        (_, Line::Ended) => "The visitor ended the chat".to_owned(),
        (_, Line::Rated(score)) => format!("The visitor rated the conversation {score}/5"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_in_the_sites_language_and_english_otherwise() {
        assert_eq!(
            text(Line::Joined("Alice"), "auto"),
            "Alice joined the conversation"
        );
        assert_eq!(
            text(Line::Transferred("Billing"), "fr"),
            "Conversation transférée à Billing"
        );
        assert_eq!(
            text(Line::Left("Bob"), "de-AT"),
            "Bob hat das Gespräch verlassen"
        );
        assert_eq!(
            text(Line::LeftEmail("a@b.co"), "pt"),
            "Left an email address: a@b.co"
        );
        assert_eq!(
            text(Line::Ended, "es"),
            "El visitante terminó la conversación"
        );
        assert_eq!(
            text(Line::Rated(4), "en"),
            "The visitor rated the conversation 4/5"
        );
    }
}
