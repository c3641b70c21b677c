//! System lines: what the timeline says when someone joins, leaves or transfers a
//! conversation, or a visitor leaves only an email. Stored as `event` messages (author
//! `system`) in the site's language when the site fixes one, English otherwise: the visitor
//! reads them too.

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
}

/// The line's text in `locale` (`en`, `fr`, `es`, `de`; anything else reads English).
pub fn text(line: Line<'_>, locale: &str) -> String {
    let language = locale.split(['-', '_']).next().unwrap_or("en");
    match (language, line) {
        ("fr", Line::Joined(n)) => format!("{n} a rejoint la conversation"),
        ("fr", Line::Left(n)) => format!("{n} a quitté la conversation"),
        ("fr", Line::Transferred(n)) => format!("Conversation transférée à {n}"),
        ("fr", Line::LeftEmail(e)) => format!("Adresse e-mail laissée : {e}"),
        ("es", Line::Joined(n)) => format!("{n} se unió a la conversación"),
        ("es", Line::Left(n)) => format!("{n} salió de la conversación"),
        ("es", Line::Transferred(n)) => format!("Conversación transferida a {n}"),
        ("es", Line::LeftEmail(e)) => format!("Dejó su correo electrónico: {e}"),
        ("de", Line::Joined(n)) => format!("{n} ist dem Gespräch beigetreten"),
        ("de", Line::Left(n)) => format!("{n} hat das Gespräch verlassen"),
        ("de", Line::Transferred(n)) => format!("An {n} weitergeleitet"),
        ("de", Line::LeftEmail(e)) => format!("E-Mail-Adresse hinterlassen: {e}"),
        (_, Line::Joined(n)) => format!("{n} joined the conversation"),
        (_, Line::Left(n)) => format!("{n} left the conversation"),
        (_, Line::Transferred(n)) => format!("Transferred to {n}"),
        (_, Line::LeftEmail(e)) => format!("Left an email address: {e}"),
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
    }
}
