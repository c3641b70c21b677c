//! A site's widget settings: appearance and behaviour, validated field by field.

use serde::{Deserialize, Serialize};

/// What the widget shows and does on a site. Unknown fields are refused, so a typo in an
/// integrator's script is an error rather than a setting silently ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WidgetSettings {
    /// Panel title, e.g. "Chat with us".
    pub title: String,
    /// First line the visitor reads.
    pub greeting: String,
    /// Accent colour, `#rrggbb`.
    pub color: String,
    /// Launcher corner: `left` or `right`.
    pub position: String,
    /// `auto` (from the browser) or a language code such as `en`, `fr`, `es`, `de`.
    pub locale: String,
    /// `auto`, `light` or `dark`.
    pub dark_mode: String,
    /// Shown when no agent is online.
    pub offline_message: String,
    /// Lets agents see what the visitor is typing (the visitor is told).
    pub draft_preview: bool,
    /// What the widget does while nobody can answer live: `message` (take the message, ask
    /// for an email), `form` (an offline form) or `hidden` (no launcher).
    pub offline: OfflinePolicy,
    /// With `message`, an email is needed before a message is taken while nobody can answer.
    pub offline_email_required: bool,
    /// Questions asked before the first message (also the offline form's fields).
    pub prechat: Prechat,
    /// Whether visitors may send files, and which kinds.
    pub attachments: AttachmentPolicy,
    /// Messages that open the widget by themselves (`domain::proactive`).
    pub proactive: Vec<super::proactive::ProactiveRule>,
}

/// What visitors of a site may upload (agents may send any file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentPolicy {
    pub enabled: bool,
    /// Of `image`, `pdf`, `text`, `office`, `archive`, `other`.
    pub accept: Vec<super::attachments::Category>,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            accept: super::attachments::DEFAULT_ACCEPTED.to_vec(),
        }
    }
}

impl AttachmentPolicy {
    pub fn accepts(&self, category: super::attachments::Category) -> bool {
        self.enabled && self.accept.contains(&category)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfflinePolicy {
    #[default]
    Message,
    Form,
    Hidden,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Prechat {
    pub enabled: bool,
    pub fields: Vec<FormField>,
}

/// One question of a site's form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// `[a-z0-9_]{1,32}`; `name` fills the visitor's name, an `email` field its email.
    pub name: String,
    pub kind: FieldKind,
    pub label: String,
    #[serde(default)]
    pub required: bool,
    /// The choices of a `select`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// The label in other languages, by language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Email,
    Phone,
    Select,
    Checkbox,
}

/// Most fields in a form.
pub const MAX_FIELDS: usize = 10;
/// Longest text answer.
pub const MAX_ANSWER_CHARS: usize = 1000;

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            title: "Chat with us".into(),
            greeting: "Hi! How can we help?".into(),
            color: "#4f46e5".into(),
            position: "right".into(),
            locale: "auto".into(),
            dark_mode: "auto".into(),
            offline_message: "We're away right now. Leave your email and we'll reply there.".into(),
            draft_preview: false,
            offline: OfflinePolicy::Message,
            offline_email_required: false,
            prechat: Prechat::default(),
            attachments: AttachmentPolicy::default(),
            proactive: Vec::new(),
        }
    }
}

impl WidgetSettings {
    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), String> {
        let bounded = |name: &str, value: &str, max: usize| {
            if value.chars().count() > max {
                Err(format!("settings.{name} must be at most {max} characters"))
            } else {
                Ok(())
            }
        };
        bounded("title", &self.title, 80)?;
        bounded("greeting", &self.greeting, 500)?;
        bounded("offline_message", &self.offline_message, 500)?;
        let hex = self
            .color
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if hex.is_none() {
            return Err("settings.color must be a #rrggbb colour".into());
        }
        if !matches!(self.position.as_str(), "left" | "right") {
            return Err("settings.position must be left or right".into());
        }
        if !matches!(self.dark_mode.as_str(), "auto" | "light" | "dark") {
            return Err("settings.dark_mode must be auto, light or dark".into());
        }
        let locale_ok = self.locale == "auto"
            || (2..=5).contains(&self.locale.len())
                && self
                    .locale
                    .bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b'-');
        if !locale_ok {
            return Err("settings.locale must be auto or a language code".into());
        }
        super::proactive::validate(&self.proactive)?;
        self.prechat.validate()
    }

    /// The settings stored for a site (older sites lack newer fields: their defaults).
    pub fn of(stored: &serde_json::Value) -> Self {
        serde_json::from_value(stored.clone()).unwrap_or_default()
    }

    /// Whether a visitor must have given an email before its message is taken while nobody
    /// can answer.
    pub fn email_required_offline(&self) -> bool {
        self.offline == OfflinePolicy::Form || self.offline_email_required
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(WidgetSettings::default().validate(), Ok(()));
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = WidgetSettings {
            color: "red".into(),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("color"));
        let bad = WidgetSettings {
            position: "top".into(),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("position"));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<WidgetSettings>(r##"{"colour":"#000000"}"##).is_err());
        let partial: WidgetSettings = serde_json::from_str(r#"{"title":"Help"}"#).unwrap();
        assert_eq!(partial.color, "#4f46e5");
    }
}
