//! The WebSocket wire protocol: client frames, server frames, error codes and close codes.
//!
//! One JSON object per text frame, tagged by `type`. Parsing happens once per frame; every
//! server frame is serialised once and the bytes are shared by all its recipients.

use bytestring::ByteString;
use serde::{Deserialize, Serialize};

use crate::domain::{ClientMsgId, ConversationId, Message, MessageKind};

/// Longest accepted `ref`.
pub const MAX_REF_CHARS: usize = 64;
/// Most messages one `synced` reply carries; `more` says whether others follow.
pub const SYNC_PAGE: i64 = 500;
/// Most messages one `history` reply carries, whatever `limit` asks.
pub const HISTORY_MAX: i64 = 100;
/// `history` page when no `limit` is given.
pub const HISTORY_DEFAULT: i64 = 50;
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

/// The contract's error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    TooLarge,
    RateLimited,
    Unavailable,
    Conflict,
}

/// A frame's `ref`, checked: a string of at most 64 characters.
pub type Ref = String;

// ---------------------------------------------------------------------------------------------
// Client frames

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello(Hello),
    Ping(Bare),
    Send(Send),
    Sync(Sync),
    History(History),
    Typing(Typing),
    Read(Read),
    Status(Status),
    Page(PageFrame),
    /// Parley addition: a visitor leaves its own name or email (e.g. the offline form).
    Profile(Profile),
    /// Parley addition: a visitor ends (resolves) its conversation.
    End(End),
}

impl ClientFrame {
    pub fn reference(&self) -> Option<&str> {
        match self {
            ClientFrame::Hello(f) => f.reference.as_deref(),
            ClientFrame::Ping(f) => f.reference.as_deref(),
            ClientFrame::Send(f) => f.reference.as_deref(),
            ClientFrame::Sync(f) => f.reference.as_deref(),
            ClientFrame::History(f) => f.reference.as_deref(),
            ClientFrame::Typing(f) => f.reference.as_deref(),
            ClientFrame::Read(f) => f.reference.as_deref(),
            ClientFrame::Status(f) => f.reference.as_deref(),
            ClientFrame::Page(f) => f.reference.as_deref(),
            ClientFrame::Profile(f) => f.reference.as_deref(),
            ClientFrame::End(f) => f.reference.as_deref(),
        }
    }
}

/// A frame with nothing but its `ref`.
#[derive(Debug, Deserialize)]
pub struct Bare {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
}

#[derive(Debug, Deserialize)]
pub struct Hello {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    /// Visitor token from an earlier `welcome`, or the agent's JWT.
    pub token: Option<String>,
    #[serde(default)]
    pub page: Option<PageInfo>,
    #[serde(default)]
    pub identity: Option<IdentityClaim>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PageInfo {
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: Option<String>,
}

/// The two forms of identity a business's server may sign.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum IdentityClaim {
    Jwt {
        jwt: String,
    },
    Hmac {
        id: Option<String>,
        name: Option<String>,
        email: Option<String>,
        hash: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
pub struct Send {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: Option<ConversationId>,
    pub client_msg_id: Option<ClientMsgId>,
    #[serde(default = "text_kind")]
    pub kind: MessageKind,
    pub body: String,
}

fn text_kind() -> MessageKind {
    MessageKind::Text
}

#[derive(Debug, Deserialize)]
pub struct Sync {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub after_seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct History {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypingState {
    On,
    Off,
}

#[derive(Debug, Deserialize)]
pub struct Typing {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub state: TypingState,
    #[serde(default)]
    pub preview: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Read {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
    pub seq: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Online,
    Away,
    Offline,
}

#[derive(Debug, Deserialize)]
pub struct Status {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub status: AgentStatus,
}

#[derive(Debug, Deserialize)]
pub struct PageFrame {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub referrer: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Profile {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct End {
    #[serde(rename = "ref")]
    pub reference: Option<Ref>,
    pub conversation_id: ConversationId,
}

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

// ---------------------------------------------------------------------------------------------
// Server frames

/// Serialises a frame once, for any number of recipients.
pub fn encode<T: Serialize>(frame: &T) -> ByteString {
    // Serialising our own types to a String cannot fail (no maps with non-string keys).
    ByteString::from(serde_json::to_string(frame).unwrap_or_default())
}

#[derive(Serialize)]
pub struct ErrorFrame<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<&'a str>,
    pub code: ErrorCode,
    pub message: &'a str,
}

pub fn error_frame(reference: Option<&str>, code: ErrorCode, message: &str) -> ByteString {
    encode(&ErrorFrame {
        kind: "error",
        reference,
        code,
        message,
    })
}

/// `{"type":"ok","ref":…}` or `{"type":"pong",…}`: replies that carry nothing else.
#[derive(Serialize)]
struct Ack<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
}

pub fn ok_frame(reference: &str) -> ByteString {
    encode(&Ack {
        kind: "ok",
        reference: Some(reference),
    })
}

pub fn pong_frame(reference: Option<&str>) -> ByteString {
    encode(&Ack {
        kind: "pong",
        reference,
    })
}

#[derive(Serialize)]
struct Sent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    message: &'a Message,
}

pub fn sent_frame(reference: Option<&str>, message: &Message) -> ByteString {
    encode(&Sent {
        kind: "sent",
        reference,
        message,
    })
}

#[derive(Serialize)]
struct MessageEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    message: &'a Message,
}

pub fn message_frame(message: &Message) -> ByteString {
    encode(&MessageEvent {
        kind: "message",
        message,
    })
}

#[derive(Serialize)]
struct MessageList<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    reference: Option<&'a str>,
    messages: &'a [Message],
    more: bool,
}

pub fn synced_frame(reference: Option<&str>, messages: &[Message], more: bool) -> ByteString {
    encode(&MessageList {
        kind: "synced",
        reference,
        messages,
        more,
    })
}

pub fn history_frame(reference: Option<&str>, messages: &[Message], more: bool) -> ByteString {
    encode(&MessageList {
        kind: "history",
        reference,
        messages,
        more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn error_frames_have_the_contract_shape() {
        let frame = error_frame(Some("7"), ErrorCode::RateLimited, "slow down");
        let value: serde_json::Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"type":"error","ref":"7","code":"rate_limited","message":"slow down"})
        );
    }
}
