//! A site's form (pre-chat, and the offline form's questions): its definition checked when an
//! admin saves it, and a visitor's answers checked against it. A `name` field fills the
//! visitor's name, an `email` field its email; every other answer becomes an attribute.

use serde_json::{Map, Value};

use super::input;
use super::settings::{FieldKind, FormField, Prechat, MAX_ANSWER_CHARS, MAX_FIELDS};
use super::Email;

/// Answers, checked and split by where they go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answers {
    pub name: Option<String>,
    pub email: Option<String>,
    pub attributes: Map<String, Value>,
}

/// What a visitor already gave, so that the form does not ask it again.
pub trait Known {
    fn knows(&self, field: &FormField) -> bool;
}

impl FormField {
    /// Whether this field's answer is the visitor's name or email rather than an attribute.
    fn is_name(&self) -> bool {
        self.name == "name" && self.kind == FieldKind::Text
    }

    fn is_email(&self) -> bool {
        self.kind == FieldKind::Email
    }

    /// One answer, checked and cleaned; the error names the field.
    fn check(&self, value: &Value) -> Result<Value, String> {
        let name = &self.name;
        if self.kind == FieldKind::Checkbox {
            return value
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| format!("answers.{name} must be true or false"));
        }
        let text = value
            .as_str()
            .ok_or_else(|| format!("answers.{name} must be text"))?;
        // Shown to agents as it is: no controls, no invisible formatting (bidi overrides).
        let text = input::clean_name(text, MAX_ANSWER_CHARS + 1).unwrap_or_default();
        if text.chars().count() > MAX_ANSWER_CHARS {
            return Err(format!(
                "answers.{name} must be at most {MAX_ANSWER_CHARS} characters"
            ));
        }
        match self.kind {
            FieldKind::Email if !text.is_empty() => {
                let email = Email::parse(&text).map_err(|e| format!("answers.{name}: {e}"))?;
                Ok(Value::String(email.as_str().to_owned()))
            }
            FieldKind::Phone if !text.is_empty() => {
                let digits = text.chars().filter(char::is_ascii_digit).count();
                let shaped = text
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c));
                if !shaped || !(4..=20).contains(&digits) {
                    return Err(format!("answers.{name} must be a phone number"));
                }
                Ok(Value::String(text))
            }
            FieldKind::Select if !text.is_empty() => {
                let allowed = self.options.as_deref().unwrap_or_default();
                if !allowed.contains(&text) {
                    return Err(format!("answers.{name} must be one of its options"));
                }
                Ok(Value::String(text))
            }
            _ => Ok(Value::String(text)),
        }
    }
}

fn answered(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        _ => false,
    }
}

impl Prechat {
    /// Checks the form an admin saves; the error names the first bad part.
    pub fn validate(&self) -> Result<(), String> {
        if self.fields.len() > MAX_FIELDS {
            return Err(format!(
                "settings.prechat.fields: at most {MAX_FIELDS} fields"
            ));
        }
        let mut names = std::collections::HashSet::new();
        for (i, field) in self.fields.iter().enumerate() {
            let at = format!("settings.prechat.fields[{i}]");
            let name_ok = (1..=32).contains(&field.name.len())
                && field
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !name_ok {
                return Err(format!("{at}.name must be 1 to 32 of a-z, 0-9 and _"));
            }
            if !names.insert(field.name.as_str()) {
                return Err(format!("{at}.name repeats another field's"));
            }
            let label_ok = |label: &str| {
                let n = label.trim().chars().count();
                (1..=200).contains(&n)
                    && input::has_visible(label)
                    && !label
                        .chars()
                        .any(|c| input::is_forbidden_control(c) || input::is_invisible_format(c))
            };
            if !label_ok(&field.label) {
                return Err(format!(
                    "{at}.label must be 1 to 200 characters, no controls"
                ));
            }
            for (lang, label) in field.labels.iter().flatten() {
                let lang_ok = (2..=5).contains(&lang.len())
                    && lang.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
                if !lang_ok || !label_ok(label) {
                    return Err(format!(
                        "{at}.labels.{lang} is not a language code and a label"
                    ));
                }
            }
            match (field.kind, &field.options) {
                (FieldKind::Select, Some(options))
                    if !options.is_empty()
                        && options.len() <= 50
                        && options.iter().all(|o| label_ok(o)) => {}
                (FieldKind::Select, _) => {
                    return Err(format!(
                        "{at}.options: a select needs 1 to 50 options of 1 to 200 characters"
                    ))
                }
                (_, Some(_)) => return Err(format!("{at}.options are for a select only")),
                (_, None) => {}
            }
        }
        Ok(())
    }

    /// Checks a visitor's answers: every key a field, every value of its kind, every required
    /// field answered unless the visitor already gave it.
    pub fn check_answers(
        &self,
        answers: &Map<String, Value>,
        known: &dyn Known,
    ) -> Result<Answers, String> {
        if let Some(unknown) = answers
            .keys()
            .find(|k| !self.fields.iter().any(|f| &f.name == *k))
        {
            let unknown: String = unknown.chars().take(32).collect();
            return Err(format!("answers.{unknown}: no such field"));
        }
        let mut out = Answers::default();
        for field in &self.fields {
            let value = match answers.get(&field.name) {
                Some(value) => field.check(value)?,
                None => Value::Null,
            };
            if field.required && !answered(&value) && !known.knows(field) {
                return Err(format!("answers.{} is required", field.name));
            }
            if !answered(&value) && !matches!(value, Value::Bool(false)) {
                continue;
            }
            match value {
                Value::String(text) if field.is_name() => out.name = Some(text),
                Value::String(text) if field.is_email() => out.email = Some(text),
                other => {
                    out.attributes.insert(field.name.clone(), other);
                }
            }
        }
        Ok(out)
    }

    /// The first required field the visitor has not answered, when the form is on.
    pub fn missing(&self, known: &dyn Known) -> Option<&FormField> {
        if !self.enabled {
            return None;
        }
        self.fields.iter().find(|f| f.required && !known.knows(f))
    }
}

impl Known for super::Visitor {
    fn knows(&self, field: &FormField) -> bool {
        if field.is_name() {
            return self.name.is_some();
        }
        if field.is_email() {
            return self.email.is_some();
        }
        self.attributes.get(&field.name).is_some_and(answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;
    impl Known for Nothing {
        fn knows(&self, _: &FormField) -> bool {
            false
        }
    }

    fn field(name: &str, kind: FieldKind, required: bool) -> FormField {
        FormField {
            name: name.into(),
            kind,
            label: name.into(),
            required,
            options: (kind == FieldKind::Select).then(|| vec!["Sales".into(), "Support".into()]),
            labels: None,
        }
    }

    fn form() -> Prechat {
        Prechat {
            enabled: true,
            fields: vec![
                field("name", FieldKind::Text, true),
                field("email", FieldKind::Email, true),
                field("phone", FieldKind::Phone, false),
                field("topic", FieldKind::Select, true),
                field("terms", FieldKind::Checkbox, false),
            ],
        }
    }

    fn answers(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn answers_are_split_into_profile_and_attributes() {
        let got = form()
            .check_answers(
                &answers(serde_json::json!({"name":" Ada ","email":"ADA@example.com",
                    "phone":"+33 1 23 45 67 89","topic":"Sales","terms":true})),
                &Nothing,
            )
            .unwrap();
        assert_eq!(got.name.as_deref(), Some("Ada"));
        assert_eq!(got.email.as_deref(), Some("ada@example.com"));
        assert_eq!(got.attributes.get("topic"), Some(&Value::from("Sales")));
        assert_eq!(got.attributes.get("terms"), Some(&Value::Bool(true)));
    }

    #[test]
    fn bad_answers_name_their_field() {
        let form = form();
        let check = |v| form.check_answers(&answers(v), &Nothing).unwrap_err();
        assert!(
            check(serde_json::json!({"name":"A","email":"x","topic":"Sales"}))
                .contains("answers.email")
        );
        assert!(
            check(serde_json::json!({"name":"A","email":"a@b.co","topic":"Other"}))
                .contains("answers.topic")
        );
        assert!(
            check(serde_json::json!({"name":"A","email":"a@b.co"})).contains("topic is required")
        );
        assert!(
            check(serde_json::json!({"name":"A","email":"a@b.co","topic":"Sales","x":1}))
                .contains("no such field")
        );
        assert!(check(
            serde_json::json!({"name":"A","email":"a@b.co","topic":"Sales","phone":"call me"})
        )
        .contains("answers.phone"));
        assert!(check(
            serde_json::json!({"name":"A","email":"a@b.co","topic":"Sales","terms":"yes"})
        )
        .contains("answers.terms"));
    }

    #[test]
    fn known_fields_are_not_asked_again() {
        struct KnowsProfile;
        impl Known for KnowsProfile {
            fn knows(&self, f: &FormField) -> bool {
                f.name == "name" || f.kind == FieldKind::Email
            }
        }
        let got = form()
            .check_answers(
                &answers(serde_json::json!({"topic":"Support"})),
                &KnowsProfile,
            )
            .unwrap();
        assert_eq!(got.name, None);
        assert_eq!(
            form().missing(&KnowsProfile).map(|f| f.name.as_str()),
            Some("topic")
        );
        assert_eq!(
            form().missing(&Nothing).map(|f| f.name.as_str()),
            Some("name")
        );
    }

    #[test]
    fn a_bad_form_is_refused_with_its_place() {
        let mut bad = form();
        bad.fields[1].name = "name".into();
        assert!(bad.validate().unwrap_err().contains("fields[1].name"));
        let mut bad = form();
        bad.fields[3].options = None;
        assert!(bad.validate().unwrap_err().contains("fields[3].options"));
        let mut bad = form();
        bad.fields[0].label = "a\u{202e}b".into();
        assert!(bad.validate().unwrap_err().contains("fields[0].label"));
        assert_eq!(form().validate(), Ok(()));
    }
}
