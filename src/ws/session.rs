//! The session actor: one per connection, owning its socket — a WebSocket, or the event stream
//! of the HTTP transport (`ws::http`), whose frames arrive as messages. Generic over the role
//! (visitor or agent), which handles the frames after `hello`; the actor handles the rest of
//! the connection's life: the write pump, the hello deadline, heartbeats, abuse, shutdown.

use std::future::Future;

use actix::{
    Actor, ActorContext, ActorFutureExt, Addr, AsyncContext, Context, Handler, Running,
    StreamHandler, WrapFuture,
};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, ProtocolError};

use std::net::IpAddr;

use bytestring::ByteString;

use super::connection::{classify, Connection, Incoming};
use super::hub::Registration;
use super::protocol::{self, ClientFrame, Close, ErrorCode, Hello, ServerFrame, Typing};
use super::state::WsState;
use crate::access::concurrency::Slot;
use crate::chat::writer::{Reply, SendRequest};
use crate::chat::{ChatError, ChatResult, ConversationRef};
use crate::domain::{Author, ClientMsgId, Conversation, ConversationId, NewMessage, WorkspaceId};
use crate::store::Audience;

pub type Ctx<R> = Context<Session<R>>;

/// What a visitor or an agent does with its frames. The frames both handle the same way
/// (`sync`, `history`, `typing`, `read`) are the session's (`common.rs`), through the
/// questions below.
pub trait Role: Sized + Unpin + 'static {
    /// `visitor` or `agent`, for logs and metrics.
    const NAME: &'static str;
    /// What this role may read: visitors never get notes.
    const AUDIENCE: Audience;
    /// What a welcomed connection of this role holds (who it is, its registration).
    type Greeted;

    /// Takes the outcome of a successful `hello` (and names the connection in its span).
    fn greet(&mut self, greeted: Self::Greeted, span: &tracing::Span);

    /// Whether `hello` has been answered with `welcome`.
    fn is_greeted(&self) -> bool;

    /// Answers `hello`: authenticates, registers with the hub, replies `welcome`.
    fn hello(session: &mut Session<Self>, hello: Hello, ctx: &mut Ctx<Self>);

    /// Handles the frames only this role has (`send`, `status`, `page`, ...).
    fn frame(session: &mut Session<Self>, frame: ClientFrame, ctx: &mut Ctx<Self>);

    /// Who this connection speaks as, and in which workspace, once greeted.
    fn speaker(&self) -> Option<(WorkspaceId, Author)>;

    /// A conversation this connection already knows it may use.
    fn known_conversation(&self, id: ConversationId) -> Option<ConversationRef>;

    /// Whether this connection may use `conversation` (one of its workspace's); remembers it.
    fn admit(&mut self, conversation: &Conversation) -> bool;

    /// The draft text agents may see with a `typing` frame (a site's opt-in).
    fn typing_preview(&self, _typing: &Typing) -> Option<String> {
        None
    }

    /// Whether every frame but `ping` is refused (a blocked visitor).
    fn barred(&self) -> bool {
        false
    }

    /// From now on, refuses every frame but `ping`.
    fn bar(&mut self) {}
}

/// What a blocked visitor is told, for every frame but `ping`.
const BLOCKED: &str = "you have been blocked from this chat";

/// Why a `hello` was not welcomed.
pub enum HelloRefusal {
    /// A bad token: `unauthorized`, then close 4001.
    Unauthorized,
    /// Not allowed here: `forbidden`, then close 4003.
    Forbidden(&'static str),
    /// The store could not answer: the client may try again.
    Unavailable,
    /// A blocked visitor: `forbidden`; the connection stays, refusing all but `ping`.
    Blocked,
}

/// How a session reaches its client.
#[allow(clippy::large_enum_variant)] // one per connection, moved once when it starts
pub enum Link {
    /// A WebSocket; its incoming stream is taken by the actor when it starts.
    Socket(actix_ws::Session, Option<AggregatedMessageStream>),
    /// The HTTP transport: frames arrive as `Frames` messages, and the outgoing ones go to this
    /// event stream.
    Stream(super::http::EventSink),
}

/// Frames a client of the HTTP transport posted, in order.
#[derive(actix::Message)]
#[rtype(result = "()")]
pub struct Frames {
    /// The batch's number (from 1): batches apply in this order, each once.
    pub n: u64,
    pub frames: Vec<ByteString>,
}

pub struct Session<R: Role> {
    pub state: WsState,
    /// This connection's span (`conn`, `role`, then `visitor` or `agent` once greeted): what
    /// its frames and requests log is told apart by it.
    pub span: tracing::Span,
    pub conn: Connection,
    pub role: R,
    link: Option<Link>,
    /// The HTTP transport's batches, put in order.
    batches: super::http::Batches,
    _lobby: Registration,
    /// This connection's place in its IP's count of open connections.
    _slot: Slot<IpAddr>,
}

impl<R: Role> Session<R> {
    /// Starts the actor for an upgraded connection, or for an HTTP event stream.
    pub fn start(state: WsState, role: R, link: Link, slot: Slot<IpAddr>) -> Addr<Self> {
        let conn = Connection::new(&state.settings.limits);
        let lobby = state.hub.connect(conn.id, conn.outbound.clone());
        let span = tracing::info_span!(
            "ws",
            conn = conn.id.0,
            role = R::NAME,
            visitor = tracing::field::Empty,
            agent = tracing::field::Empty,
        );
        Session::create(move |ctx| {
            let link = match link {
                Link::Socket(socket, stream) => {
                    if let Some(stream) = stream {
                        ctx.add_stream(stream);
                    }
                    Link::Socket(socket, None)
                }
                other => other,
            };
            Session {
                state,
                span,
                conn,
                role,
                link: Some(link),
                batches: Default::default(),
                _lobby: lobby,
                _slot: slot,
            }
        })
    }

    /// Runs a database-backed request without blocking the connection's other frames; its
    /// result is handled on the actor, and a refusal is answered with its code. Too many
    /// requests at once are refused as `rate_limited`.
    pub fn request<T: 'static>(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        work: impl Future<Output = ChatResult<T>> + 'static,
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
        let work = tracing::Instrument::instrument(work, self.span.clone());
        // Its own task: a future spawned on the actor is not polled while the actor waits
        // (`ctx.wait`, e.g. for a first message's conversation), and one paused while it
        // holds a database connection would starve that wait of it (SQLite has one writer).
        let task = actix_web::rt::spawn(work);
        ctx.spawn(task.into_actor(self).map(move |output, session, ctx| {
            session.conn.end_request();
            match output {
                Ok(Ok(value)) => then(session, reference, value, ctx),
                Ok(Err(err)) => session.refuse(reference.as_deref(), &err),
                Err(_) => session.refuse(reference.as_deref(), &ChatError::Unavailable),
            }
        }));
    }

    /// Answers with the code of the core's refusal.
    pub fn refuse(&mut self, reference: Option<&str>, err: &ChatError) {
        self.conn.error(reference, err.code(), &err.to_string());
    }

    /// Waits for a `hello` being answered (the connection's other frames wait too, so that
    /// nothing is handled before it is greeted), then greets or refuses.
    pub fn await_hello(
        &mut self,
        ctx: &mut Ctx<R>,
        reference: Option<String>,
        work: impl Future<Output = Result<(R::Greeted, ByteString), HelloRefusal>> + 'static,
    ) {
        let work = tracing::Instrument::instrument(work, self.span.clone());
        ctx.wait(work.into_actor(self).map(move |result, session, _| {
            let welcome = result.map(|(greeted, welcome)| {
                session.role.greet(greeted, &session.span);
                welcome
            });
            session.finish_hello(reference.as_deref(), welcome);
        }));
    }

    /// Ends a `hello`: the welcome goes out first, then the events held back while it was
    /// prepared; or the refusal.
    pub fn finish_hello(
        &mut self,
        reference: Option<&str>,
        outcome: Result<ByteString, HelloRefusal>,
    ) {
        let welcome = match outcome {
            Ok(welcome) => welcome,
            Err(refusal) => {
                self.conn.outbound.release();
                let (code, message, close) = match refusal {
                    HelloRefusal::Unauthorized => (
                        ErrorCode::Unauthorized,
                        "invalid or expired token",
                        Some(Close::Unauthorized),
                    ),
                    HelloRefusal::Forbidden(why) => {
                        (ErrorCode::Forbidden, why, Some(Close::Forbidden))
                    }
                    HelloRefusal::Unavailable => {
                        let err = ChatError::Unavailable;
                        return self.refuse(reference, &err);
                    }
                    HelloRefusal::Blocked => {
                        self.role.bar();
                        (ErrorCode::Forbidden, BLOCKED, None)
                    }
                };
                self.conn.error(reference, code, message);
                if let Some(close) = close {
                    self.conn.outbound.close(close);
                }
                return;
            }
        };
        self.conn.outbound.release_after(welcome);
    }

    /// The checks every `send` passes first: the rate, then its idempotency key.
    pub fn send_preamble(
        &mut self,
        reference: Option<&str>,
        key: Option<ClientMsgId>,
    ) -> Option<ClientMsgId> {
        if !self.conn.allow_send() {
            self.conn
                .error(reference, ErrorCode::RateLimited, "sending too fast");
            return None;
        }
        if key.is_none() {
            self.conn.error(
                reference,
                ErrorCode::BadRequest,
                "client_msg_id is required",
            );
        }
        key
    }

    /// Hands a message to the writer; `sent` (or `error`) arrives after its commit.
    pub fn submit(&mut self, message: NewMessage, reference: Option<String>) {
        let reply = Reply::Connection(self.conn.origin(reference));
        self.state.chat.submit(SendRequest { message, reply });
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
        if !self.conn.allow_frame() {
            return self
                .conn
                .error(frame.reference(), ErrorCode::RateLimited, "too many frames");
        }
        if self.role.barred() && !matches!(frame, ClientFrame::Ping(_)) {
            return self
                .conn
                .error(frame.reference(), ErrorCode::Forbidden, BLOCKED);
        }
        match frame {
            ClientFrame::Ping(ping) => self.conn.push(
                ServerFrame::Pong {
                    reference: ping.reference.as_deref(),
                }
                .encode(),
            ),
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
            other => self.common_frame(other, ctx),
        }
    }
}

impl<R: Role> Actor for Session<R> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        metrics::counter!("parley_ws_sessions_total", "role" => R::NAME).increment(1);
        // When the pump ends (close sent, or the client is gone), so does the session.
        match self.link.take() {
            Some(Link::Socket(socket, _)) => {
                let pump = self.conn.outbound.clone().pump(socket);
                ctx.spawn(pump.into_actor(self).map(|_, _, ctx| ctx.stop()));
            }
            Some(Link::Stream(sink)) => {
                let pump = self.conn.outbound.clone().pump(sink);
                ctx.spawn(pump.into_actor(self).map(|_, _, ctx| ctx.stop()));
            }
            None => {}
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
        let span = self.span.clone();
        let _entered = span.enter();
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

impl<R: Role> Handler<Frames> for Session<R> {
    type Result = ();

    fn handle(&mut self, frames: Frames, ctx: &mut Self::Context) {
        let span = self.span.clone();
        let _entered = span.enter();
        self.conn.heard();
        let Some(ready) = self.batches.take(frames.n, frames.frames) else {
            return self.conn.outbound.close(Close::Policy);
        };
        for text in ready.into_iter().flatten() {
            if self.conn.outbound.is_closing() {
                return;
            }
            self.on_text(&text, ctx);
        }
    }
}
