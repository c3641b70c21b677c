//! What visitor and agent sessions share: the outgoing queue, replies and errors, the abuse
//! counter, per-connection rate limits and the liveness clock.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use actix_ws::{AggregatedMessage, ProtocolError};
use bytestring::ByteString;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::outbound::Outbound;
use super::protocol::{error_frame, Close, ErrorCode, ServerFrame};
use crate::config::Limits;
use crate::domain::{ConnId, Message, Origin, ReplyTo};

/// More errors than this within `ERROR_WINDOW` close the connection with 1008.
pub const MAX_ERRORS: usize = 20;
pub const ERROR_WINDOW: Duration = Duration::from_secs(10);
/// Database-backed requests (sync, history, read, ...) one connection may have in flight.
pub const MAX_IN_FLIGHT: usize = 32;

/// One received WebSocket item, classified.
pub enum Incoming {
    Text(ByteString),
    Ping(Bytes),
    /// Pongs and other frames that only prove the client is alive.
    Alive,
    /// The client closed, or the stream failed beyond repair: stop now.
    Closed,
    /// A frame that closes the connection with this code.
    Refuse(Close),
}

pub fn classify(item: Result<AggregatedMessage, ProtocolError>) -> Incoming {
    match item {
        Ok(AggregatedMessage::Text(text)) => Incoming::Text(text),
        Ok(AggregatedMessage::Binary(_)) => Incoming::Refuse(Close::Binary),
        Ok(AggregatedMessage::Ping(payload)) => Incoming::Ping(payload),
        Ok(AggregatedMessage::Pong(_)) => Incoming::Alive,
        Ok(AggregatedMessage::Close(_)) => Incoming::Closed,
        Err(ProtocolError::Overflow) => Incoming::Refuse(Close::TooLarge),
        Err(ProtocolError::Io(err)) if super::frame_guard::is_refusal(&err) => {
            Incoming::Refuse(Close::TooLarge)
        }
        // actix-http reports reserved bits with the kind actix-ws gives bad UTF-8 text
        // (InvalidData): told apart by the message until it has a variant of its own.
        Err(ProtocolError::Io(err)) if err.to_string().contains("reserved bits") => {
            Incoming::Refuse(Close::ProtocolError)
        }
        // actix-ws reports bad UTF-8 text as InvalidData, and over-long continuations as an
        // "Exceeded maximum continuation size" error; other I/O errors are a lost socket.
        Err(ProtocolError::Io(err)) if err.kind() == std::io::ErrorKind::InvalidData => {
            Incoming::Refuse(Close::InvalidUtf8)
        }
        Err(ProtocolError::Io(err)) if err.to_string().contains("continuation size") => {
            Incoming::Refuse(Close::TooLarge)
        }
        Err(ProtocolError::Io(_)) => Incoming::Closed,
        Err(_) => Incoming::Refuse(Close::ProtocolError),
    }
}

fn limiter(per_second: u32, burst: u32) -> Option<DefaultDirectRateLimiter> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(RateLimiter::direct(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

pub struct Connection {
    pub id: ConnId,
    pub outbound: Arc<Outbound>,
    last_heard: Instant,
    errors: VecDeque<Instant>,
    send_limit: Option<DefaultDirectRateLimiter>,
    typing_limit: Option<DefaultDirectRateLimiter>,
    frame_limit: Option<DefaultDirectRateLimiter>,
    in_flight: usize,
}

impl Connection {
    pub fn new(limits: &Limits) -> Self {
        Self {
            id: ConnId::next(),
            outbound: Outbound::new(limits.conn_queue_bytes, limits.close_grace),
            last_heard: Instant::now(),
            errors: VecDeque::new(),
            send_limit: limiter(limits.send_rate, limits.send_burst),
            typing_limit: limiter(limits.typing_rate, limits.typing_rate),
            frame_limit: limiter(limits.frame_rate, limits.frame_burst),
            in_flight: 0,
        }
    }

    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    pub fn silent_for(&self) -> Duration {
        self.last_heard.elapsed()
    }

    pub fn push(&self, frame: ByteString) {
        self.outbound.push(frame);
    }

    /// `{"type":"ok"}` for frames whose success has no frame of its own; nothing without a ref.
    pub fn ok(&self, reference: Option<&str>) {
        if let Some(reference) = reference {
            self.push(ServerFrame::Ok { reference }.encode());
        }
    }

    /// This connection as the origin of a send: its `sent` or `error` comes back into its
    /// queue, answering `reference`.
    pub fn origin(&self, reference: Option<String>) -> Origin {
        Origin {
            conn: self.id,
            reply: Arc::new(SocketReply {
                outbound: self.outbound.clone(),
                reference,
            }),
        }
    }

    /// Sends an `error`; a client past the abuse threshold is closed with 1008.
    pub fn error(&mut self, reference: Option<&str>, code: ErrorCode, message: &str) {
        self.push(error_frame(reference, code, message));
        let now = Instant::now();
        self.errors.push_back(now);
        while self
            .errors
            .front()
            .is_some_and(|t| now.duration_since(*t) > ERROR_WINDOW)
        {
            self.errors.pop_front();
        }
        if self.errors.len() > MAX_ERRORS {
            self.outbound.close(Close::Policy);
        }
    }

    pub fn allow_send(&self) -> bool {
        self.send_limit.as_ref().is_none_or(|l| l.check().is_ok())
    }

    /// Any frame: the rate no frame type may exceed.
    pub fn allow_frame(&self) -> bool {
        self.frame_limit.as_ref().is_none_or(|l| l.check().is_ok())
    }

    pub fn allow_typing(&self) -> bool {
        self.typing_limit.as_ref().is_none_or(|l| l.check().is_ok())
    }

    /// Reserves a slot for a database-backed request; false when too many are in flight.
    pub fn begin_request(&mut self) -> bool {
        if self.in_flight >= MAX_IN_FLIGHT {
            return false;
        }
        self.in_flight += 1;
        true
    }

    pub fn end_request(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }
}

/// Answers a connection's own send in its queue.
struct SocketReply {
    outbound: Arc<Outbound>,
    reference: Option<String>,
}

impl ReplyTo for SocketReply {
    fn stored(&self, message: &Message) {
        self.outbound.push(
            ServerFrame::Sent {
                reference: self.reference.as_deref(),
                message,
            }
            .encode(),
        );
    }

    fn refused(&self, code: ErrorCode, reason: &str) {
        self.outbound
            .push(error_frame(self.reference.as_deref(), code, reason));
    }
}
