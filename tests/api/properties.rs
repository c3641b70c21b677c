//! Property tests of what a stranger's bytes meet first: the frame decoder and the text
//! validators. Thousands of generated inputs per property: invalid JSON, NUL and other
//! controls, bidi overrides, 4-byte characters, huge numbers, deep nesting, duplicate keys, and
//! every frame type with every field of a wrong type. None may panic; each must be refused or
//! come out clean. (Invalid UTF-8 never reaches the decoder: the socket closes with 1007, see
//! `realtime`.)

use parley::domain::input::{
    check_text, clean_meta, clean_name, has_visible, is_forbidden_control, is_invisible_format,
};
use parley::domain::{Body, BodyError, Email};
use parley::ws::protocol::parse;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

fn config() -> Config {
    Config {
        cases: 1000,
        // Shrunk failures are printed; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters strangers send to break things, mixed with ordinary ones.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            '\0', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\t', '\n', '\r', ' ',
            '\u{a0}', '\u{202e}', '\u{202a}', '\u{2066}', '\u{2069}', '\u{200b}', '\u{200d}',
            '\u{2060}', '\u{feff}', '\u{61c}', '😀', '𝕏', 'é', 'a', 'Z', '@', '"', '\\',
        ]),
    ]
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..max).prop_map(|cs| cs.into_iter().collect())
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(40).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((hostile_text(12), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const ID: &str = "0b7e7a49-4c0e-4d3f-9a57-0a4d2b3c1e5f";

/// One valid frame of every type, every field present.
fn valid_frames() -> Vec<Value> {
    vec![
        json!({"type": "hello", "ref": "1", "token": "t",
               "page": {"url": "https://shop.test/", "title": "Shop", "referrer": ""},
               "identity": {"id": "u-1", "name": "Ada", "email": "ada@x.test", "hash": "00"}}),
        json!({"type": "ping", "ref": "1"}),
        json!({"type": "send", "ref": "1", "conversation_id": ID, "client_msg_id": ID,
               "kind": "text", "body": "hi"}),
        json!({"type": "sync", "ref": "1", "conversation_id": ID, "after_seq": 0}),
        json!({"type": "history", "ref": "1", "conversation_id": ID, "before_seq": 9, "limit": 5}),
        json!({"type": "typing", "ref": "1", "conversation_id": ID, "state": "on",
               "preview": "h"}),
        json!({"type": "read", "ref": "1", "conversation_id": ID, "seq": 1}),
        json!({"type": "status", "ref": "1", "status": "away"}),
        json!({"type": "page", "ref": "1", "url": "https://shop.test/", "title": "Shop",
               "referrer": ""}),
        json!({"type": "profile", "ref": "1", "name": "Ada", "email": "ada@x.test"}),
        json!({"type": "end", "ref": "1", "conversation_id": ID}),
        json!({"type": "rate", "ref": "1", "conversation_id": ID, "score": 4, "comment": "ok"}),
    ]
}

/// A value of another JSON kind than `original` (never null: optional fields take null).
/// Objects are given scalars only: serde also reads a struct from an array of its fields in
/// order, which is harmless (the same checks follow) and not a wrong type to it.
fn wrong_kind(original: &Value) -> BoxedStrategy<Value> {
    let string = hostile_text(20).prop_map(Value::String).boxed();
    let number = any::<i64>().prop_map(Value::from).boxed();
    let boolean = any::<bool>().prop_map(Value::Bool).boxed();
    let array = prop::collection::vec(any::<i64>().prop_map(Value::from), 0..3)
        .prop_map(Value::Array)
        .boxed();
    let object = Just(json!({"x": 1})).boxed();
    match original {
        Value::String(_) => prop_oneof![number, boolean, array, object].boxed(),
        Value::Number(_) => prop_oneof![string, boolean, array, object].boxed(),
        Value::Object(_) => prop_oneof![string, number, boolean].boxed(),
        _ => unreachable!("templates hold strings, numbers and objects"),
    }
}

/// A valid frame with one field (not `type`) given a value of the wrong kind.
fn frame_with_a_wrong_field() -> impl Strategy<Value = (Value, String)> {
    prop::sample::select(valid_frames())
        .prop_flat_map(|frame| {
            let fields: Vec<String> = frame
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "type")
                .cloned()
                .collect();
            (Just(frame), prop::sample::select(fields))
        })
        .prop_flat_map(|(frame, field)| {
            let wrong = wrong_kind(&frame[&field]);
            (Just(frame), Just(field), wrong)
        })
        .prop_map(|(mut frame, field, wrong)| {
            frame[&field] = wrong;
            (frame, field)
        })
}

#[test]
fn every_template_frame_is_valid() {
    for frame in valid_frames() {
        assert!(parse(&frame.to_string()).is_ok(), "{frame}");
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_parsed_or_refused_without_panic(text in hostile_text(300)) {
        let _ = parse(&text);
    }

    #[test]
    fn any_json_is_parsed_or_refused_with_a_short_plain_answer(value in any_json()) {
        if let Err(failure) = parse(&value.to_string()) {
            prop_assert!(failure.message.len() < 300, "{}", failure.message);
            prop_assert!(!failure.message.contains(" at line "), "{}", failure.message);
            if let Some(reference) = failure.reference {
                prop_assert!(reference.chars().count() <= 64);
            }
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_is_refused_in_every_frame((frame, field) in frame_with_a_wrong_field()) {
        let parsed = parse(&frame.to_string());
        prop_assert!(parsed.is_err(), "{field} accepted in {frame}");
        // The ref is still answered when it was a valid one.
        if field != "ref" {
            let reference = parsed.unwrap_err().reference;
            prop_assert_eq!(reference.as_deref(), Some("1"));
        }
    }

    #[test]
    fn a_seq_or_limit_beyond_64_bits_is_refused(digits in "[1-9][0-9]{19,60}", fraction in any::<bool>()) {
        let number = if fraction { format!("{digits}.5e400") } else { digits };
        for frame in [
            format!(r#"{{"type":"sync","conversation_id":"{ID}","after_seq":{number}}}"#),
            format!(r#"{{"type":"history","conversation_id":"{ID}","limit":{number}}}"#),
            format!(r#"{{"type":"read","conversation_id":"{ID}","seq":{number}}}"#),
        ] {
            prop_assert!(parse(&frame).is_err(), "{}", frame);
        }
    }

    #[test]
    fn a_duplicate_key_is_refused(index in 0usize..12, value in "[a-z]{1,8}") {
        let frame = valid_frames().swap_remove(index);
        let text = frame.to_string();
        // The same key twice: `ref` repeated at the end of the object.
        let doubled = format!(r#"{},"ref":"{value}"}}"#, &text[..text.len() - 1]);
        prop_assert!(parse(&doubled).is_err(), "{}", doubled);
    }

    #[test]
    fn a_control_character_is_refused_and_nothing_else(text in hostile_text(200)) {
        let has_control = text.chars().any(is_forbidden_control);
        prop_assert_eq!(check_text("name", &text).is_err(), has_control);
        // Tab, newline and return are text.
        prop_assert!(!is_forbidden_control('\t') && !is_forbidden_control('\n'));
    }

    #[test]
    fn a_body_is_accepted_only_visible_clean_and_within_its_limit(text in hostile_text(120), max in 0usize..100) {
        match Body::parse(text.clone(), max) {
            Ok(body) => {
                prop_assert_eq!(body.as_str(), text.as_str(), "kept exactly as sent");
                prop_assert!(has_visible(&text));
                prop_assert!(!text.chars().any(is_forbidden_control));
                prop_assert!(max == 0 || text.chars().count() <= max);
            }
            Err(BodyError::Empty) => prop_assert!(!has_visible(&text)),
            Err(BodyError::Control) => prop_assert!(text.chars().any(is_forbidden_control)),
            Err(BodyError::TooLong { .. }) => prop_assert!(text.chars().count() > max),
        }
    }

    #[test]
    fn a_clean_name_hides_nothing_and_cleaning_it_again_changes_nothing(text in hostile_text(300), max in 1usize..250) {
        if let Some(name) = clean_name(&text, max) {
            prop_assert!(!name.chars().any(|c| c.is_control() || is_invisible_format(c)), "{:?}", name);
            prop_assert!(name.chars().count() <= max);
            prop_assert_eq!(name.trim(), name.as_str());
            prop_assert!(has_visible(&name));
            prop_assert_eq!(clean_name(&name, max), Some(name.clone()));
        } else {
            let visible = text.chars().any(|c| !c.is_whitespace() && !c.is_control() && !is_invisible_format(c));
            prop_assert!(!visible, "a visible name was dropped: {:?}", text);
        }
    }

    #[test]
    fn metadata_keeps_its_text_without_controls(text in hostile_text(300), max in 0usize..250) {
        let clean = clean_meta(&text, max);
        prop_assert!(!clean.chars().any(is_forbidden_control));
        prop_assert!(clean.chars().count() <= max);
        let kept: String = text.chars().filter(|c| !is_forbidden_control(*c)).take(max).collect();
        prop_assert_eq!(clean, kept);
    }

    #[test]
    fn an_email_is_one_at_sign_no_space_no_control_lower_cased(text in hostile_text(80)) {
        if let Ok(email) = Email::parse(&text) {
            let e = email.as_str();
            prop_assert_eq!(e.matches('@').count(), 1);
            prop_assert!(!e.starts_with('@') && !e.ends_with('@'));
            prop_assert!(!e.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert_eq!(e.to_lowercase(), e);
        }
    }
}

#[test]
fn nesting_ten_thousand_deep_is_refused_without_overflowing_the_stack() {
    for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
        let deep = format!(
            r#"{{"type":"send","body":"x","kind":{}1{}}}"#,
            open.repeat(10_000),
            close.repeat(10_000)
        );
        assert!(parse(&deep).is_err());
    }
}
