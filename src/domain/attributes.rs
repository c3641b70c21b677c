//! Custom attributes a business gives a visitor through `identify` (`plan: "gold"`,
//! `seats: 12`, `vip: true`): names and values checked and bounded, so that a page cannot make
//! a visitor's record grow without end or carry text that misleads an agent.

use serde_json::{Map, Value};

/// Most attributes one `identify` sets.
pub const MAX_GIVEN: usize = 50;
/// Most attributes a visitor keeps (form answers included); new names past it are dropped.
pub const MAX_KEPT: usize = 100;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest text value, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// Whether `name` can name an attribute: 1 to 64 ASCII letters, digits, `_` or `-`.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The attributes kept of what was given: strings (controls and invisible formatting removed,
/// cut), finite numbers and booleans under valid names; anything else is dropped, not refused,
/// so that one odd attribute does not lose the identity.
pub fn clean(given: &Map<String, Value>) -> Map<String, Value> {
    given
        .iter()
        .filter(|(name, _)| is_name(name))
        .filter_map(|(name, value)| {
            let value = match value {
                Value::Bool(_) => value.clone(),
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => value.clone(),
                Value::String(text) => {
                    Value::String(super::input::clean_name(text, MAX_TEXT_CHARS)?)
                }
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .take(MAX_GIVEN)
        .collect()
}

/// `given` merged over `kept` as far as `MAX_KEPT` allows: names already kept always update.
pub fn admitted(kept: &Map<String, Value>, given: Map<String, Value>) -> Map<String, Value> {
    let mut room = MAX_KEPT.saturating_sub(kept.len());
    given
        .into_iter()
        .filter(|(name, _)| {
            if kept.contains_key(name) {
                return true;
            }
            if room == 0 {
                return false;
            }
            room -= 1;
            true
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_names_and_values_are_dropped_and_text_is_cleaned() {
        let given = json!({
            "plan": "gold\u{202e}", "seats": 12, "vip": true, "ratio": 0.5,
            "bad name": "x", "nested": {"a": 1}, "list": [1], "none": null, "blank": " \u{200b} ",
            "a-b_c": "ok"
        });
        let kept = clean(given.as_object().unwrap());
        assert_eq!(
            Value::Object(kept),
            json!({"plan": "gold", "seats": 12, "vip": true, "ratio": 0.5, "a-b_c": "ok"})
        );
        assert!(!is_name(&"x".repeat(65)));
        assert!(!is_name("ü"));
    }

    #[test]
    fn a_visitor_keeps_at_most_so_many() {
        let kept: Map<String, Value> = (0..MAX_KEPT - 1)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        let given: Map<String, Value> = [("k0", 7), ("new1", 1), ("new2", 2)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        let admitted = admitted(&kept, given);
        assert_eq!(admitted.len(), 2);
        assert_eq!(admitted["k0"], 7);
    }
}
