//! A WebSocket test client speaking the contract's JSON frames.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use uuid::Uuid;

/// How long a test waits for an expected frame.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_ref: u64,
}

/// What the server answered to an upgrade that it refused.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub retry_after: Option<String>,
}

impl WsClient {
    pub async fn connect(url: &str, origin: Option<&str>) -> Result<Self, Refused> {
        match origin {
            Some(origin) => Self::connect_with_headers(url, &[("Origin", origin)]).await,
            None => Self::connect_with_headers(url, &[]).await,
        }
    }

    /// Opens the socket with extra request headers (Origin, X-Forwarded-For, ...).
    pub async fn connect_with_headers(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, Refused> {
        let mut request = url.into_client_request().unwrap();
        for (name, value) in headers {
            request.headers_mut().append(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .unwrap(),
                value.parse().unwrap(),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _)) => Ok(Self {
                socket,
                next_ref: 0,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(Refused {
                status: response.status().as_u16(),
                retry_after: response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned()),
            }),
            Err(other) => panic!("connect failed: {other}"),
        }
    }

    pub fn fresh_ref(&mut self) -> String {
        self.next_ref += 1;
        format!("r{}", self.next_ref)
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
    }

    /// Sends unless the connection is gone; false when it is.
    pub async fn try_send(&mut self, frame: Value) -> bool {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .is_ok()
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.socket.send(message).await.unwrap();
    }

    /// The next JSON frame (pings and pongs are skipped).
    pub async fn recv(&mut self) -> Value {
        match self.try_recv(WAIT).await {
            Some(Ok(value)) => value,
            Some(Err(close)) => panic!("connection closed: {close:?}"),
            None => panic!("no frame within {WAIT:?}"),
        }
    }

    /// The next JSON frame within `wait`: `Some(Err(code))` when the server closed instead.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Result<Value, Option<u16>>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    return Some(Ok(serde_json::from_str(&text).unwrap()))
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Err(frame.map(|f| u16::from(f.code))))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Err(None)),
            }
        }
    }

    /// Waits for a protocol-level ping from the server (text frames are skipped).
    pub async fn recv_ping(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout_at(deadline, self.socket.next()).await
        {
            if matches!(message, Message::Ping(_)) {
                return true;
            }
        }
        false
    }

    /// Skips frames until one of type `kind` arrives.
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        self.recv_type_within(kind, WAIT).await
    }

    /// Skips frames until one of type `kind` arrives, waiting at most `wait`.
    pub async fn recv_type_within(&mut self, kind: &str, wait: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(frame)) if frame["type"] == kind => return frame,
                Some(Ok(_)) => continue,
                Some(Err(close)) => panic!("closed ({close:?}) while waiting for {kind}"),
                None => panic!("no {kind} frame within {wait:?}"),
            }
        }
    }

    /// Frames of type `kind` arriving within `wait` (others are skipped). The connection must
    /// stay open all along: a close fails the test, so that "nothing arrived" can never mean
    /// "the socket died".
    pub async fn collect_type(&mut self, kind: &str, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut frames = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(frame)) if frame["type"] == kind => frames.push(frame),
                Some(Ok(_)) => continue,
                Some(Err(close)) => panic!("closed ({close:?}) while collecting {kind} frames"),
                None => return frames,
            }
        }
    }

    /// Every frame that arrives before the first one `until` accepts (that one excluded).
    /// Frames of one socket arrive in the order the server queued them, so a later event that
    /// must arrive proves that an earlier one that must not was never sent.
    pub async fn frames_before(&mut self, until: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut frames = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(frame)) if until(&frame) => return frames,
                Some(Ok(frame)) => frames.push(frame),
                Some(Err(close)) => panic!("closed ({close:?}) before the awaited frame"),
                None => panic!("the awaited frame did not come within {WAIT:?}: {frames:?}"),
            }
        }
    }

    /// Asserts that no frame of type `kind` (any frame for `"*"`) arrives within `wait`, then
    /// that the connection is still alive and answering: a `ping` gets its `pong`, and no
    /// `kind` frame came before that either.
    pub async fn assert_silent(&mut self, kind: &str, wait: Duration) {
        let matches = |frame: &Value| kind == "*" || frame["type"] == kind;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(frame)) if matches(&frame) => panic!("unexpected {kind} frame: {frame}"),
                Some(Ok(_)) => continue,
                Some(Err(close)) => panic!("closed ({close:?}) while expecting silence"),
                None => break,
            }
        }
        let reference = self.fresh_ref();
        self.send(json!({"type": "ping", "ref": reference})).await;
        let before = self
            .frames_before(|f| f["type"] == "pong" && f["ref"] == reference.as_str())
            .await;
        assert!(
            !before.iter().any(matches),
            "unexpected {kind} frame: {before:?}"
        );
    }

    /// Sends `frame` with a fresh ref and waits for the reply carrying it (other frames are
    /// skipped).
    pub async fn call(&mut self, mut frame: Value) -> Value {
        let reference = self.fresh_ref();
        frame["ref"] = json!(reference);
        self.send(frame).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(reply)) if reply["ref"] == reference.as_str() => return reply,
                Some(Ok(_)) => continue,
                Some(Err(close)) => panic!("closed ({close:?}) while waiting for ref {reference}"),
                None => panic!("no reply to {reference} within {WAIT:?}"),
            }
        }
    }

    /// Waits for the server's close frame and returns its code.
    pub async fn closed_with(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Some(Ok(_)) => continue,
                Some(Err(code)) => return code,
                None => panic!("not closed within {WAIT:?}"),
            }
        }
    }

    pub async fn send_text(&mut self, conversation_id: Option<&str>, body: &str) -> Value {
        let mut frame =
            json!({"type": "send", "client_msg_id": Uuid::new_v4().to_string(), "body": body});
        if let Some(id) = conversation_id {
            frame["conversation_id"] = json!(id);
        }
        self.call(frame).await
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }
}
