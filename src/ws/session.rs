//! The session actor: one per WebSocket connection, owning its socket. Generic over the role
//! (visitor or agent), which handles the frames after `hello`; the actor handles the rest of
//! the connection's life: the write pump, the hello deadline, heartbeats, abuse, shutdown.

use std::future::Future;

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Running, StreamHandler, WrapFuture,
};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, ProtocolError};

use super::connection::{classify, Connection, Incoming};
use super::hub::Registration;
use super::protocol::{self, ClientFrame, Close, ErrorCode, Hello};
use crate::chat::writer::{Reply, SendRequest};
use crate::domain::{Body, BodyError, ConversationId, NewMessage};
use crate::http::AppState;
use crate::store::{Audience, StoreResult};

/// The message of every `unavailable` error.
pub const UNAVAILABLE: &str = "storage unavailable, retry later";

pub type Ctx<R> = Context<Session<R>>;

/// What a visitor or an agent does with its frames.
pub trait Role: Sized + Unpin + 'static {
    /// `visitor` or `agent`, for logs and metrics.
    const NAME: &'static str;

    /// Whether `hello` has been answered with `welcome`.
    fn is_greeted(&self) -> bool;

    /// Answers `hello`: authenticates, registers with the hub, replies `welcome`.
    fn hello(session: &mut Session<Self>, hello: Hello, ctx: &mut Ctx<Self>);

    /// Handles any frame after `hello` but `ping` and `hello`.
    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>);
}

pub struct Session<R: Role> {
    pub state: AppState,
    pub conn: Connection,
    pub role: R,
    socket: Option<actix_ws::Session>,
    _lobby: Registration,
}

impl<R: Role> Session<R> {
    /// Starts the actor for an upgraded connection.
    pub fn start(
        state: AppState,
        role: R,
        socket: actix_ws::Session,
        stream: AggregatedMessageStream,
    ) {
        let conn = Connection::new(&state.settings.limits);
        let lobby = state.hub.connect(conn.id, conn.outbound.clone());
        Session::create(move |ctx| {
            ctx.add_stream(stream);
            Session {
                state,
                conn,
                role,
                socket: Some(socket),
                _lobby: lobby,
            }
        });
    }

    /// Runs a database-backed request without blocking the connection's other frames; its
    /// result is handled on the actor, and a storage failure is answered `unavailable`. Too
    /// many requests at once are refused as `rate_limited`.
    pub fn request<T: 'static>(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        work: impl Future<Output = StoreResult<T>> + 'static,
        then: impl FnOnce(&mut Self, Option<String>, T, &mut Ctx<R>) + 'static,
    ) {
        if !self.conn.begin_request() {
            self.conn.error(
                reference.as_deref(),
                ErrorCode::RateLimited,
                "too many requests in flight",
            );
            return;
        }
        ctx.spawn(work.into_actor(self).map(move |output, session, ctx| {
            session.conn.end_request();
            match output {
                Ok(value) => then(session, reference, value, ctx),
                Err(err) => {
                    tracing::warn!(error = %err, "session request failed");
                    session
                        .conn
                        .error(reference.as_deref(), ErrorCode::Unavailable, UNAVAILABLE);
                }
            }
        }));
    }

    /// Answers `sync`: the messages after `after_seq` the audience may see, a page at a time.
    pub fn sync(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        conversation: ConversationId,
        after_seq: i64,
        audience: Audience,
    ) {
        let store = self.state.store.clone();
        let page = protocol::SYNC_PAGE;
        let work = async move {
            store
                .messages_after(conversation, after_seq.max(0), page + 1, audience)
                .await
        };
        self.request(
            ctx,
            reference,
            work,
            move |session, reference, mut messages, _| {
                let more = messages.len() as i64 > page;
                messages.truncate(page as usize);
                session.conn.push(protocol::synced_frame(
                    reference.as_deref(),
                    &messages,
                    more,
                ));
            },
        );
    }

    /// Answers `history`: the newest messages before `before_seq` (all when absent).
    pub fn history(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        conversation: ConversationId,
        before_seq: Option<i64>,
        limit: Option<i64>,
        audience: Audience,
    ) {
        let limit = limit
            .unwrap_or(protocol::HISTORY_DEFAULT)
            .clamp(1, protocol::HISTORY_MAX);
        let store = self.state.store.clone();
        let work = async move {
            store
                .messages_before(conversation, before_seq, limit + 1, audience)
                .await
        };
        self.request(
            ctx,
            reference,
            work,
            move |session, reference, mut messages, _| {
                let more = messages.len() as i64 > limit;
                if more {
                    messages.remove(0);
                }
                session.conn.push(protocol::history_frame(
                    reference.as_deref(),
                    &messages,
                    more,
                ));
            },
        );
    }

    /// Checks a message body: blank is `bad_request`, over the limit `too_large`.
    pub fn parse_body(&mut self, text: String, reference: Option<&str>) -> Option<Body> {
        match Body::parse(text, self.state.settings.limits.max_body_chars) {
            Ok(body) => Some(body),
            Err(err @ BodyError::Empty) => {
                self.conn
                    .error(reference, ErrorCode::BadRequest, &err.to_string());
                None
            }
            Err(err @ BodyError::TooLong { .. }) => {
                self.conn
                    .error(reference, ErrorCode::TooLarge, &err.to_string());
                None
            }
        }
    }

    /// Hands a message to the writer; `sent` (or `error`) arrives after its commit.
    pub fn submit(&mut self, message: NewMessage, reference: Option<String>) {
        let reply = Reply::Socket {
            conn: self.conn.id,
            outbound: self.conn.outbound.clone(),
            reference,
        };
        self.state.writer.submit(SendRequest { message, reply });
    }

    fn on_text(&mut self, text: &str, ctx: &mut Ctx<R>) {
        let frame = match protocol::parse(text) {
            Ok(frame) => frame,
            Err(failure) => {
                let code = if self.role.is_greeted() {
                    ErrorCode::BadRequest
                } else {
                    ErrorCode::Unauthorized
                };
                self.conn
                    .error(failure.reference.as_deref(), code, &failure.message);
                if !self.role.is_greeted() {
                    self.conn.outbound.close(Close::Unauthorized);
                }
                return;
            }
        };
        match frame {
            ClientFrame::Ping(ping) => self
                .conn
                .push(protocol::pong_frame(ping.reference.as_deref())),
            ClientFrame::Hello(hello) if !self.role.is_greeted() => R::hello(self, hello, ctx),
            ClientFrame::Hello(hello) => self.conn.error(
                hello.reference.as_deref(),
                ErrorCode::BadRequest,
                "hello was already answered",
            ),
            other if !self.role.is_greeted() => {
                self.conn.error(
                    other.reference(),
                    ErrorCode::Unauthorized,
                    "the first frame must be hello",
                );
                self.conn.outbound.close(Close::Unauthorized);
            }
            other => R::frame(self, other, ctx),
        }
    }
}

impl<R: Role> Actor for Session<R> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        metrics::counter!("parley_ws_sessions_total", "role" => R::NAME).increment(1);
        if let Some(socket) = self.socket.take() {
            // When the pump ends (close sent, or the socket is gone), so does the session.
            let pump = self.conn.outbound.clone().pump(socket);
            ctx.spawn(pump.into_actor(self).map(|_, _, ctx| ctx.stop()));
        }
        let limits = &self.state.settings.limits;
        ctx.run_later(limits.hello_timeout, |session, _| {
            if !session.role.is_greeted() {
                session.conn.outbound.close(Close::Unauthorized);
            }
        });
        let idle_timeout = limits.idle_timeout;
        ctx.run_interval(limits.ping_interval, move |session, _| {
            if session.conn.silent_for() > idle_timeout {
                session.conn.outbound.close(Close::GoingAway);
            } else {
                session.conn.outbound.ping();
            }
        });
        // Idle detection must not wait for a ping interval longer than the timeout itself.
        if limits.idle_timeout < limits.ping_interval {
            ctx.run_interval(limits.idle_timeout, move |session, _| {
                if session.conn.silent_for() > idle_timeout {
                    session.conn.outbound.close(Close::GoingAway);
                }
            });
        }
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        self.conn.outbound.close(Close::GoingAway);
        Running::Stop
    }
}

impl<R: Role> StreamHandler<Result<AggregatedMessage, ProtocolError>> for Session<R> {
    fn handle(&mut self, item: Result<AggregatedMessage, ProtocolError>, ctx: &mut Self::Context) {
        self.conn.heard();
        if self.conn.outbound.is_closing() {
            // Closing already: what the client still sends is not answered.
            return;
        }
        match classify(item) {
            Incoming::Text(text) => self.on_text(&text, ctx),
            Incoming::Ping(payload) => {
                self.conn.outbound.pong(payload);
            }
            Incoming::Alive => {}
            Incoming::Closed => self.conn.outbound.close(Close::Normal),
            Incoming::Refuse(reason) => self.conn.outbound.close(reason),
        }
    }

    fn finished(&mut self, ctx: &mut Self::Context) {
        ctx.stop();
    }
}
