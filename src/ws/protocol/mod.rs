//! The WebSocket wire protocol: client frames (`client.rs`), server frames (`server.rs`), the
//! parsing of a text frame, and close codes.
//!
//! One JSON object per text frame, tagged by `type`. Parsing happens once per frame; every
//! server frame is serialised once and the bytes are shared by all its recipients.

mod client;
mod server;

use serde::Deserialize;

pub use crate::domain::ErrorCode;
pub use client::*;
pub use server::*;

/// Longest accepted `ref`.
pub const MAX_REF_CHARS: usize = 64;
/// Longest accepted URL, title or referrer in `page` frames; longer ones are cut.
pub const MAX_URL_CHARS: usize = 2048;
pub const MAX_TITLE_CHARS: usize = 1000;
/// Longest typing preview forwarded to agents.
pub const MAX_PREVIEW_CHARS: usize = 4000;

/// WebSocket close codes used by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Close {
    /// Answer to the client's own close.
    Normal,
    GoingAway,
    Binary,
    Policy,
    TooLarge,
    Restart,
    SlowConsumer,
    Unauthorized,
    Forbidden,
    InvalidUtf8,
    ProtocolError,
}

impl Close {
    pub fn code(self) -> u16 {
        match self {
            Close::Normal => 1000,
            Close::GoingAway => 1001,
            Close::ProtocolError => 1002,
            Close::Binary => 1003,
            Close::InvalidUtf8 => 1007,
            Close::Policy => 1008,
            Close::TooLarge => 1009,
            Close::Restart => 1012,
            Close::SlowConsumer => 1013,
            Close::Unauthorized => 4001,
            Close::Forbidden => 4003,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Close::Normal => "bye",
            Close::GoingAway => "going away",
            Close::ProtocolError => "protocol error",
            Close::Binary => "binary frames are not supported",
            Close::InvalidUtf8 => "invalid UTF-8",
            Close::Policy => "too many errors",
            Close::TooLarge => "frame too large",
            Close::Restart => "server restart",
            Close::SlowConsumer => "slow consumer",
            Close::Unauthorized => "unauthorized",
            Close::Forbidden => "forbidden",
        }
    }
}

/// A frame's `ref`, checked: a string of at most 64 characters.
pub type Ref = String;

/// Why a text frame could not be understood; the `ref` is recovered when possible so that the
/// error can answer it.
#[derive(Debug)]
pub struct ParseFailure {
    pub reference: Option<Ref>,
    pub message: String,
}

/// Parses one text frame. A `ref` that is not a string of at most 64 characters is refused.
pub fn parse(text: &str) -> Result<ClientFrame, ParseFailure> {
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(frame) => match frame.reference() {
            Some(r) if r.chars().count() > MAX_REF_CHARS => Err(ParseFailure {
                reference: None,
                message: format!("ref must be at most {MAX_REF_CHARS} characters"),
            }),
            _ => Ok(frame),
        },
        Err(err) => Err(ParseFailure {
            reference: recover_ref(text),
            message: describe(&err, text),
        }),
    }
}

fn recover_ref(text: &str) -> Option<Ref> {
    #[derive(Deserialize)]
    struct OnlyRef {
        #[serde(rename = "ref")]
        reference: Option<serde_json::Value>,
    }
    match serde_json::from_str::<OnlyRef>(text).ok()?.reference? {
        serde_json::Value::String(r) if r.chars().count() <= MAX_REF_CHARS => Some(r),
        _ => None,
    }
}

fn describe(err: &serde_json::Error, text: &str) -> String {
    if err.is_syntax() || err.is_eof() {
        return "frame is not valid JSON".into();
    }
    // Only on the error path: look at the frame as a generic object to say what is wrong.
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
        Err(_) => "frame must be a JSON object".into(),
        Ok(object) => match object.get("type") {
            None => "frame has no type".into(),
            Some(serde_json::Value::String(_)) => {
                // serde names the field or the unknown variant; drop its position suffix.
                let message = err.to_string();
                message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_owned()
            }
            Some(_) => "type must be a string".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MessageKind;

    #[test]
    fn a_send_frame_parses() {
        let frame = parse(
            r#"{"type":"send","ref":"7","conversation_id":"0192e4a4-0000-7000-8000-000000000001",
                "client_msg_id":"0192e4a4-0000-7000-8000-000000000002","kind":"note","body":"Hi"}"#,
        )
        .unwrap();
        let ClientFrame::Send(send) = frame else {
            panic!("not a send")
        };
        assert_eq!(send.reference.as_deref(), Some("7"));
        assert_eq!(send.kind, MessageKind::Note);
        assert_eq!(send.body, "Hi");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        assert!(parse(r#"{"type":"ping","ref":"1","extra":[1,2]}"#).is_ok());
    }

    #[test]
    fn failures_keep_the_ref_and_say_what_is_wrong() {
        let failure = parse(r#"{"type":"warp","ref":"9"}"#).unwrap_err();
        assert_eq!(failure.reference.as_deref(), Some("9"));
        assert!(failure.message.contains("warp"), "{}", failure.message);

        let failure = parse(r#"{"type":"sync","ref":"3"}"#).unwrap_err();
        assert!(
            failure.message.contains("conversation_id"),
            "{}",
            failure.message
        );

        assert_eq!(
            parse("not json").unwrap_err().message,
            "frame is not valid JSON"
        );
        assert_eq!(
            parse("[1]").unwrap_err().message,
            "frame must be a JSON object"
        );
        assert_eq!(
            parse(r#"{"ref":"1"}"#).unwrap_err().message,
            "frame has no type"
        );
    }

    #[test]
    fn an_overlong_ref_is_refused() {
        let long = "x".repeat(65);
        let failure = parse(&format!(r#"{{"type":"ping","ref":"{long}"}}"#)).unwrap_err();
        assert_eq!(failure.reference, None);
    }
}
