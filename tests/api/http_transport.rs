//! The HTTP transport (docs/protocol.md): an event stream for the server's frames, numbered
//! batches of POSTed frames for the client's, the same session behind them as a WebSocket's.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app, Backend, TestApp};

crate::on_both_backends!(
    a_visitor_chats_with_an_agent_over_the_http_transport,
    batches_apply_in_order_and_once_and_strangers_are_refused,
    a_graceful_shutdown_ends_each_event_stream_with_1012_then_its_last_chunk,
);

/// One client of the HTTP transport: its event stream, read as it comes, and its batches.
pub struct HttpClient {
    /// Where batches are posted (any node will do).
    pub base: String,
    token: String,
    events: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>,
    >,
    buffer: String,
    next: u64,
    next_ref: u64,
}

impl HttpClient {
    /// Opens a stream at `base` + `path` (`/http/visitor?site_key=…` or `/http/agent`).
    pub async fn open(base: &str, path: &str) -> Self {
        let response = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let mut client = Self {
            base: base.to_owned(),
            token: String::new(),
            events: Box::pin(response.bytes_stream()),
            buffer: String::new(),
            next: 1,
            next_ref: 0,
        };
        let (kind, data) = client.event().await.expect("a session event");
        assert_eq!(kind, "session");
        client.token = data["token"].as_str().unwrap().to_owned();
        client
    }

    /// The next event: its type (`message` for frames) and data; comments (pings) skipped.
    /// `None` when the stream ended.
    async fn event(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut kind = "message".to_owned();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event: ") {
                        kind = value.to_owned();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data.push_str(value);
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some((kind, serde_json::from_str(&data).unwrap()));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.events.next())
                .await
                .expect("an event within 10 s")?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }

    /// The next frame of type `kind` (others skipped).
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let (event, data) = self.event().await.expect("the stream is open");
            if event == "message" && data["type"] == kind {
                return data;
            }
        }
    }

    /// POSTs one batch as number `n`; returns the status.
    pub async fn post_numbered(&mut self, n: u64, frames: Vec<Value>) -> u16 {
        reqwest::Client::new()
            .post(format!("{}/http/frames", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"n": n, "frames": frames}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// POSTs the next batch.
    pub async fn post(&mut self, frames: Vec<Value>) -> u16 {
        let n = self.next;
        self.next += 1;
        self.post_numbered(n, frames).await
    }

    /// Sends `frame` with a fresh ref and waits for its answer on the stream.
    pub async fn call(&mut self, mut frame: Value) -> Value {
        self.next_ref += 1;
        let reference = format!("h{}", self.next_ref);
        frame["ref"] = json!(reference);
        assert_eq!(self.post(vec![frame]).await, 202);
        loop {
            let (event, data) = self.event().await.expect("the stream is open");
            if event == "message" && data["ref"] == reference.as_str() {
                return data;
            }
        }
    }
}

async fn visitor(app: &TestApp, base: &str) -> HttpClient {
    let site = app.first_workspace().await.site;
    HttpClient::open(base, &format!("/http/visitor?site_key={}", site.site_key)).await
}

async fn a_visitor_chats_with_an_agent_over_the_http_transport(backend: Backend) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let base = app.url("");
    let mut agent = HttpClient::open(&base, "/http/agent").await;
    let welcome = agent
        .call(json!({"type": "hello", "token": ws.token}))
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let (mut socket_agent, _) = app.agent(&ws.token).await;

    let mut visitor = visitor(&app, &base).await;
    let welcome = visitor.call(json!({"type": "hello", "token": null})).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let sent = visitor
        .call(json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": "over plain HTTP 𝄞"}))
        .await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Agents on either transport get it.
    assert_eq!(
        agent.recv_type("message").await["message"]["body"],
        "over plain HTTP 𝄞"
    );
    assert_eq!(
        socket_agent.recv_type("message").await["message"]["body"],
        "over plain HTTP 𝄞"
    );
    // Typing and an answer, back over the stream.
    agent
        .post(vec![
            json!({"type": "typing", "conversation_id": conversation, "state": "on"}),
        ])
        .await;
    assert_eq!(visitor.recv_type("typing").await["state"], "on");
    let reply = agent
        .call(json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": "hello back"}))
        .await;
    assert_eq!(reply["type"], "sent", "{reply}");
    assert_eq!(
        visitor.recv_type("message").await["message"]["body"],
        "hello back"
    );
    // Catch-up and ping, as over a WebSocket.
    let synced = visitor
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 0}))
        .await;
    assert_eq!(synced["messages"].as_array().unwrap().len(), 2);
    assert_eq!(visitor.call(json!({"type": "ping"})).await["type"], "pong");

    // A new stream after a break: hello with the token, sync, nothing lost.
    let token = welcome["token"].as_str().unwrap().to_owned();
    drop(visitor);
    let mut again = self::visitor(&app, &base).await;
    let back = again.call(json!({"type": "hello", "token": token})).await;
    assert_eq!(back["visitor_id"], welcome["visitor_id"]);
    let synced = again
        .call(json!({"type": "sync", "conversation_id": conversation, "after_seq": 1}))
        .await;
    assert_eq!(synced["messages"][0]["body"], "hello back");
}

async fn batches_apply_in_order_and_once_and_strangers_are_refused(backend: Backend) {
    let app =
        crate::helpers::spawn_app_with(backend, &[("PARLEY_HTTP_RELAY_PER_MIN", "100")]).await;
    let ws = app.first_workspace().await;
    let base = app.url("");
    let mut visitor = visitor(&app, &base).await;
    visitor.call(json!({"type": "hello", "token": null})).await;
    let send = |body: &str| json!({"type": "send", "client_msg_id": Uuid::new_v4(), "body": body});
    let first = visitor.call(send("one")).await;
    let conversation = first["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Batch 4 arrives before 3 (two nodes, two paths): both apply, 3 first; 3 again is ignored.
    let three = vec![
        json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": "two"}),
    ];
    let four = vec![
        json!({"type": "send", "conversation_id": conversation, "client_msg_id": Uuid::new_v4(), "body": "three"}),
    ];
    assert_eq!(visitor.post_numbered(4, four).await, 202);
    assert_eq!(visitor.post_numbered(3, three.clone()).await, 202);
    assert_eq!(visitor.post_numbered(3, three).await, 202);
    visitor.next = 5;
    let bodies = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let (_, page) = app
                .api(
                    "GET",
                    &format!("/conversations/{conversation}/messages"),
                    Some(&ws.token),
                    None,
                )
                .await;
            let bodies: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["body"].as_str().unwrap().to_owned())
                .collect();
            if bodies.len() >= 3 {
                return bodies;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bodies, ["one", "two", "three"]);

    // Strangers: no token, a made-up one, a malformed body, too many frames.
    let client = reqwest::Client::new();
    let url = format!("{base}/http/frames");
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(
            client
                .post(&url)
                .json(&json!({"n": 1, "frames": []}))
                .send()
                .await
                .unwrap()
        ),
        401
    );
    let made_up = "a".repeat(40);
    let accepted = client
        .post(&url)
        .bearer_auth(&made_up)
        .json(&json!({"n": 1, "frames": [{"type": "ping"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(accepted),
        202,
        "unknown streams are not told apart from far ones"
    );
    // ... but one address relaying batches for streams this node does not hold is bounded
    // (PARLEY_HTTP_RELAY_PER_MIN, 100 in this test), while the stream it holds goes on.
    let mut refused = None;
    for i in 0..200 {
        let answer = client
            .post(&url)
            .bearer_auth(&made_up)
            .json(&json!({"n": i + 2, "frames": [{"type": "ping"}]}))
            .send()
            .await
            .unwrap();
        if answer.status() == 429 {
            refused = Some(i);
            break;
        }
    }
    assert!(refused.is_some_and(|i| i >= 90), "{refused:?}");
    assert_eq!(visitor.call(json!({"type": "ping"})).await["type"], "pong");
    assert_eq!(
        status(
            client
                .post(&url)
                .bearer_auth(&visitor.token)
                .body("not json")
                .send()
                .await
                .unwrap()
        ),
        400
    );
    let many: Vec<Value> = (0..51).map(|_| json!({"type": "ping"})).collect();
    assert_eq!(
        status(
            client
                .post(&url)
                .bearer_auth(&visitor.token)
                .json(&json!({"n": 9, "frames": many}))
                .send()
                .await
                .unwrap()
        ),
        400
    );
    // The session lives on: a refused input does not end it.
    assert_eq!(visitor.call(json!({"type": "ping"})).await["type"], "pong");
    // A frame before hello on a fresh stream: unauthorized, and the stream is closed.
    let mut early = self::visitor(&app, &base).await;
    early.post(vec![send("too early")]).await;
    let refused = early.recv_type("error").await;
    assert_eq!(refused["code"], "unauthorized");
}

/// A graceful stop tells each stream's session to close (1012) and then ends the response
/// cleanly: a stream cut without its last chunk is an error in the client (and, through a
/// proxy, in the browser's console).
async fn a_graceful_shutdown_ends_each_event_stream_with_1012_then_its_last_chunk(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ws = app.first_workspace().await;
    let base = app.url("");
    let mut agent = HttpClient::open(&base, "/http/agent").await;
    let welcome = agent
        .call(json!({"type": "hello", "token": ws.token}))
        .await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let mut visitor = visitor(&app, &base).await;
    let welcome = visitor.call(json!({"type": "hello", "token": null})).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    app.state.shutdown.trigger();
    for client in [&mut agent, &mut visitor] {
        let close = loop {
            let (kind, data) = client.event().await.expect("a close event before the end");
            if kind == "close" {
                break data;
            }
        };
        assert_eq!(close["code"], 1012, "{close}");
        // `event` fails the test on a body that breaks off; `None` is a clean end.
        assert!(
            client.event().await.is_none(),
            "the stream ends after its close"
        );
    }
}
