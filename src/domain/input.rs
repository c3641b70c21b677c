//! One policy for text a stranger sends, applied to every such field: no control characters
//! (NUL and the other C0 and C1 controls, but tab, newline and carriage return), and, in names,
//! nothing that reorders or hides text (bidi overrides and isolates, zero-width characters).
//! A body must also show something: text made only of spaces and invisible characters renders
//! blank to the agent.

/// Why a field's text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("{field} contains a control character")]
    Control { field: &'static str },
}

/// A control character that has no place in text: everything `char::is_control` says but the
/// three that shape text (tab, newline, carriage return).
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Characters that change how the text around them is shown, or take no room: bidi embeddings,
/// overrides and isolates, zero-width spaces and joiners, the word joiner family, the BOM.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Refuses text with a control character, naming the field.
pub fn check_text(field: &'static str, text: &str) -> Result<(), InputError> {
    if text.chars().any(is_forbidden_control) {
        return Err(InputError::Control { field });
    }
    Ok(())
}

/// Whether the text shows anything: a character that is neither white space nor invisible.
pub fn has_visible(text: &str) -> bool {
    text.chars()
        .any(|c| !c.is_whitespace() && !is_invisible_format(c) && !c.is_control())
}

/// A name as shown to others: controls and invisible formatting removed, white space trimmed
/// and cut to `max` characters; `None` when nothing visible is left.
pub fn clean_name(text: &str, max: usize) -> Option<String> {
    let kept: String = text
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .collect();
    let trimmed: String = kept.trim().chars().take(max).collect();
    let trimmed = trimmed.trim_end().to_owned();
    has_visible(&trimmed).then_some(trimmed)
}

/// Metadata a browser reports (a page's URL, title, referrer): controls removed, cut to `max`.
pub fn clean_meta(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !is_forbidden_control(*c))
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_refused_but_tab_newline_and_return_are_text() {
        for bad in [
            "a\u{0}b",
            "\u{7}",
            "x\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9b}",
        ] {
            assert_eq!(
                check_text("body", bad),
                Err(InputError::Control { field: "body" }),
                "{bad:?}"
            );
        }
        assert!(check_text("body", "line\r\n\tnext 𝄞 é").is_ok());
        assert_eq!(
            InputError::Control { field: "name" }.to_string(),
            "name contains a control character"
        );
    }

    #[test]
    fn text_of_only_spaces_and_invisible_characters_shows_nothing() {
        assert!(!has_visible(" \u{200B}\u{200D}\u{FEFF}\n\u{2066}"));
        assert!(has_visible("\u{200B}a"));
        assert!(has_visible("👍"));
    }

    #[test]
    fn names_lose_overrides_zero_widths_and_controls() {
        assert_eq!(
            clean_name("  Ada\u{202E}txt.exe\u{0} ", 100).as_deref(),
            Some("Adatxt.exe")
        );
        assert_eq!(clean_name("\u{200B}\u{2066} ", 100), None);
        assert_eq!(clean_name("Grace Hopper", 5).as_deref(), Some("Grace"));
        assert_eq!(clean_name("ab cd", 3).as_deref(), Some("ab"));
    }

    #[test]
    fn metadata_keeps_everything_but_controls() {
        assert_eq!(
            clean_meta("Cart\u{0} – Shop\u{202E}", 100),
            "Cart – Shop\u{202E}"
        );
        assert_eq!(clean_meta("ééé", 2), "éé");
    }
}
