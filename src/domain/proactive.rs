//! Proactive messages: a site's rules that open the widget with a message from a named agent
//! (on pages matching a pattern, after some time on the page, for returning visitors), each
//! shown at most once per browser and only while someone can answer. The widget decides when
//! a rule fires; the server keeps the rules and stores the greeting when the visitor answers.

use serde::{Deserialize, Serialize};

use super::AgentId;

/// Most rules a site has.
pub const MAX_RULES: usize = 10;
/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// Longest URL pattern.
pub const MAX_PATTERN_CHARS: usize = 300;
/// Longest wait before a rule fires.
pub const MAX_DELAY_S: u32 = 600;

/// One rule, as an admin sets it in the site's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProactiveRule {
    /// Names the rule (1 to 40 of `a-z`, `0-9`, `-`, `_`): a browser remembers the ids it
    /// was shown.
    pub id: String,
    /// What the visitor reads, from the agent.
    pub message: String,
    /// Who the message is from: an active agent of the workspace.
    #[schema(value_type = uuid::Uuid)]
    pub agent_id: AgentId,
    /// The pages it applies to: the path (and query) with `*` for any characters, `*` for
    /// every page.
    #[serde(default = "every_page")]
    pub url: String,
    /// Seconds on the page before it shows.
    #[serde(default)]
    pub delay_s: u32,
    /// Only for a browser that came to the site before.
    #[serde(default)]
    pub returning: bool,
}

fn every_page() -> String {
    "*".to_owned()
}

/// Checks a site's rules; the error names the first bad one.
pub fn validate(rules: &[ProactiveRule]) -> Result<(), String> {
    if rules.len() > MAX_RULES {
        return Err(format!("settings.proactive: at most {MAX_RULES} rules"));
    }
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("settings.proactive[{i}]");
        let id_ok = (1..=40).contains(&rule.id.len())
            && rule
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(format!("{at}.id must be 1 to 40 of a-z, 0-9, - and _"));
        }
        if rules[..i].iter().any(|r| r.id == rule.id) {
            return Err(format!("{at}.id repeats another rule's"));
        }
        super::input::check_text("message", &rule.message).map_err(|e| format!("{at}.{e}"))?;
        if !super::input::has_visible(&rule.message)
            || rule.message.chars().count() > MAX_MESSAGE_CHARS
        {
            return Err(format!(
                "{at}.message must show 1 to {MAX_MESSAGE_CHARS} characters"
            ));
        }
        let pattern_ok = !rule.url.is_empty()
            && rule.url.chars().count() <= MAX_PATTERN_CHARS
            && !rule.url.chars().any(char::is_control);
        if !pattern_ok {
            return Err(format!(
                "{at}.url must be a pattern of 1 to {MAX_PATTERN_CHARS} characters"
            ));
        }
        if rule.delay_s > MAX_DELAY_S {
            return Err(format!("{at}.delay_s must be at most {MAX_DELAY_S}"));
        }
    }
    Ok(())
}

/// The rule of `id`, if the site has it.
pub fn find<'a>(rules: &'a [ProactiveRule], id: &str) -> Option<&'a ProactiveRule> {
    rules.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, message: &str) -> ProactiveRule {
        ProactiveRule {
            id: id.into(),
            message: message.into(),
            agent_id: AgentId::new(),
            url: "/pricing*".into(),
            delay_s: 5,
            returning: false,
        }
    }

    #[test]
    fn rules_are_checked() {
        assert!(validate(&[rule("plans", "Questions about plans?")]).is_ok());
        assert!(validate(&[rule("Plans!", "x")]).is_err());
        assert!(validate(&[rule("a", "x"), rule("a", "y")]).is_err());
        assert!(validate(&[rule("a", " \u{200b} ")]).is_err());
        assert!(validate(&[rule("a", "bad\0")]).is_err());
        let mut slow = rule("a", "x");
        slow.delay_s = 601;
        assert!(validate(&[slow]).is_err());
        let many: Vec<_> = (0..11).map(|i| rule(&format!("r{i}"), "x")).collect();
        assert!(validate(&many).is_err());
    }
}
