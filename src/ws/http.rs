//! The HTTP transport, for clients whose WebSocket cannot open (a proxy refusing upgrades):
//! the same frames and the same session actor, over two kinds of plain requests.
//!
//! - `GET /http/visitor?site_key=…` or `GET /http/agent` opens an event stream
//!   (`text/event-stream`). Its first event, `session`, carries the stream's secret token;
//!   then every server frame comes as a `data:` line, pings as comments. The session lives
//!   as long as the stream, on the node that holds it.
//! - `POST /http/frames` with `Authorization: Bearer <stream token>` and
//!   `{"n": <batch number>, "frames": [ … ]}` hands client frames to the session, on whichever
//!   node the request lands: a node that does not hold the stream relays them through the bus.
//!   Batches are numbered from 1, so they apply in order and a batch sent twice (a retry after
//!   a lost answer) applies once. Answers come on the stream, as over a WebSocket.
//!
//! No request needs the node of another: there is nothing sticky for a load balancer to keep.
//! After a break the client opens a new stream (any node), says `hello` again with its token
//! and `sync`s, exactly as after a WebSocket reconnect.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix::Recipient;
use actix_web::web::Bytes;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use bytestring::ByteString;
use parking_lot::Mutex;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::outbound::Sink;
use super::protocol::Close;
use super::session::{Frames, Link, Session};
use super::upgrade::{admit_agent, admit_visitor, open_slot, VisitorQuery};
use super::WsState;
use crate::access::client_ip::client_ip;
use crate::domain::Event;
use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(visitor_stream)
        .service(agent_stream)
        .service(post_frames);
}

/// Most frames in one batch, and most bytes of one request.
const MAX_FRAMES: usize = 50;
const MAX_BODY_BYTES: usize = 256 * 1024;
/// Batches a session keeps while an earlier one is still on its way; more close it.
const MAX_WAITING: usize = 32;

/// The event streams this node holds, by the hash of their token.
#[derive(Default)]
pub struct Streams {
    by_key: Mutex<HashMap<String, Recipient<Frames>>>,
}

impl Streams {
    /// Event streams whose response has not ended yet.
    pub fn open(&self) -> usize {
        self.by_key.lock().len()
    }

    /// Hands a batch to the stream's session when this node holds it; gives the frames back
    /// when it does not.
    pub fn deliver(
        &self,
        key: &str,
        n: u64,
        frames: Vec<ByteString>,
    ) -> Result<(), Vec<ByteString>> {
        let recipient = self.by_key.lock().get(key).cloned();
        match recipient {
            Some(recipient) => {
                recipient.do_send(Frames { n, frames });
                Ok(())
            }
            None => Err(frames),
        }
    }
}

/// The key a stream is known by on the bus: a hash, so that its token never leaves the node.
fn key_of(token: &str) -> String {
    hex::encode(crate::auth::hmac_sha256(
        b"parley-http-stream",
        token.as_bytes(),
    ))
}

/// The outgoing side of a stream: server-sent events into the response body.
pub struct EventSink {
    tx: mpsc::Sender<Bytes>,
}

impl Sink for EventSink {
    async fn text(&mut self, text: ByteString) -> Result<(), ()> {
        let mut event = String::with_capacity(text.len() + 8);
        event.push_str("data: ");
        event.push_str(&text);
        event.push_str("\n\n");
        self.tx.send(Bytes::from(event)).await.map_err(|_| ())
    }

    async fn ping(&mut self) -> Result<(), ()> {
        self.tx
            .send(Bytes::from_static(b": ping\n\n"))
            .await
            .map_err(|_| ())
    }

    /// A client cannot ping over HTTP (it sends `ping` frames, answered by `pong` frames).
    async fn pong(&mut self, _: &[u8]) -> Result<(), ()> {
        Ok(())
    }

    async fn close(self, reason: Close) {
        let event = format!(
            "event: close\ndata: {{\"code\":{},\"reason\":\"{}\"}}\n\n",
            reason.code(),
            reason.reason()
        );
        let _ = self.tx.send(Bytes::from(event)).await;
    }
}

/// The response body: the session's events; when the client goes, the stream is forgotten
/// and the session, whose sink fails, ends.
struct Body {
    rx: mpsc::Receiver<Bytes>,
    streams: Arc<Streams>,
    key: String,
}

impl futures_util::Stream for Body {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|item| item.map(Ok))
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.streams.by_key.lock().remove(&self.key);
    }
}

/// Opens the stream and its session.
fn open<R: super::session::Role>(
    req: &HttpRequest,
    state: &WsState,
    role: R,
) -> Result<HttpResponse, ApiError> {
    let slot = open_slot(req, state)?;
    let token = crate::auth::random_token(40);
    let key = key_of(&token);
    // Small: the session's own queue (bounded in bytes) holds what the client has not taken.
    let (tx, rx) = mpsc::channel(4);
    let first = format!("event: session\ndata: {{\"token\":\"{token}\"}}\n\n");
    tx.try_send(Bytes::from(first))
        .map_err(|_| ApiError::Unavailable)?;
    let session = Session::start(state.clone(), role, Link::Stream(EventSink { tx }), slot);
    state
        .hub
        .streams()
        .by_key
        .lock()
        .insert(key.clone(), session.recipient());
    let body = Body {
        rx,
        streams: state.hub.streams().clone(),
        key,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/event-stream"))
        .insert_header(("Cache-Control", "no-store"))
        // nginx: send each event as it comes.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

#[get("/http/visitor")]
async fn visitor_stream(
    req: HttpRequest,
    query: web::Query<VisitorQuery>,
    state: web::Data<WsState>,
) -> Result<HttpResponse, ApiError> {
    let role = admit_visitor(&req, query.site_key.as_deref(), &state).await?;
    open(&req, &state, role)
}

#[get("/http/agent")]
async fn agent_stream(
    req: HttpRequest,
    state: web::Data<WsState>,
) -> Result<HttpResponse, ApiError> {
    let role = admit_agent(&req, &state).await?;
    open(&req, &state, role)
}

#[derive(Deserialize)]
struct Batch {
    n: u64,
    frames: Vec<Box<serde_json::value::RawValue>>,
}

/// Client frames for a stream's session, wherever it is: 202 once handed over.
#[post("/http/frames")]
async fn post_frames(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<WsState>,
) -> Result<HttpResponse, ApiError> {
    let token = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| t.len() == 40 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| ApiError::Unauthenticated("the stream's token is required".into()))?;
    let raw =
        crate::http::api::read_limited(body, MAX_BODY_BYTES, "a batch of at most 256 KiB").await?;
    let batch: Batch = serde_json::from_slice(&raw)
        .map_err(|_| ApiError::BadRequest("expected {\"n\": …, \"frames\": […]}".into()))?;
    if batch.n == 0 || batch.frames.len() > MAX_FRAMES {
        return Err(ApiError::BadRequest(format!(
            "n counts from 1; at most {MAX_FRAMES} frames a batch"
        )));
    }
    let frames: Vec<ByteString> = batch
        .frames
        .iter()
        .map(|f| ByteString::from(f.get().to_owned()))
        .collect();
    let key = key_of(token);
    if let Err(frames) = state.hub.streams().deliver(&key, batch.n, frames) {
        let ip = client_ip(&req, &state.settings.trusted_proxies);
        state
            .relay_limit
            .check(&ip)
            .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
        state.chat.bus().publish(Event::StreamFrames {
            stream: key,
            n: batch.n,
            frames: frames.iter().map(|f| f.to_string()).collect(),
        });
    }
    Ok(HttpResponse::Accepted().finish())
}

/// Puts a stream's batches in order: applies each once, in its number's order, holding those
/// that came early.
#[derive(Default)]
pub struct Batches {
    next: u64,
    waiting: BTreeMap<u64, Vec<ByteString>>,
}

impl Batches {
    /// The batches ready to apply now, in order; `None` when too many wait (the client is
    /// lost or lying: the session closes).
    pub fn take(&mut self, n: u64, frames: Vec<ByteString>) -> Option<Vec<Vec<ByteString>>> {
        let next = self.next.max(1);
        if n < next {
            return Some(Vec::new());
        }
        self.waiting.insert(n, frames);
        if self.waiting.len() > MAX_WAITING {
            return None;
        }
        let mut ready = Vec::new();
        let mut at = next;
        while let Some(frames) = self.waiting.remove(&at) {
            ready.push(frames);
            at += 1;
        }
        self.next = at;
        Some(ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str) -> Vec<ByteString> {
        vec![ByteString::from(text.to_owned())]
    }

    #[test]
    fn batches_apply_once_and_in_order() {
        let mut batches = Batches::default();
        assert_eq!(batches.take(2, frames("b")).unwrap().len(), 0, "held for 1");
        let ready = batches.take(1, frames("a")).unwrap();
        assert_eq!(ready, vec![frames("a"), frames("b")]);
        assert!(
            batches.take(1, frames("a")).unwrap().is_empty(),
            "a repeat is dropped"
        );
        assert_eq!(batches.take(3, frames("c")).unwrap(), vec![frames("c")]);
        for n in 5..5 + MAX_WAITING as u64 {
            assert!(batches.take(n, frames("x")).is_some());
        }
        assert!(batches.take(100, frames("y")).is_none(), "too many waiting");
    }
}
