//! A real HTTP server that receives webhooks, as a business's endpoint would: it records every
//! request and answers as the test planned (a status, or hanging past the sender's timeout).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use parking_lot::Mutex;
use serde_json::Value;

/// How the receiver answers one request.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    Status(u16),
    /// Answers 200 only after this long.
    Hang(Duration),
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub signature: String,
    pub event_header: String,
    pub body: Vec<u8>,
    pub json: Value,
}

struct State {
    plan: Mutex<VecDeque<Reply>>,
    /// Once the plan is used up.
    otherwise: Mutex<Reply>,
    received: Mutex<Vec<Received>>,
    arrived: tokio::sync::Notify,
    /// Requests being answered now, and the most there ever were at once.
    answering: AtomicUsize,
    most_at_once: AtomicUsize,
}

pub struct Receiver {
    pub url: String,
    state: Arc<State>,
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(State {
            plan: Mutex::new(VecDeque::new()),
            otherwise: Mutex::new(Reply::Status(200)),
            received: Mutex::new(Vec::new()),
            arrived: tokio::sync::Notify::new(),
            answering: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
        });
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        // Runs until the test's runtime ends.
        actix_web::rt::spawn(server.run());
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            state,
        }
    }

    /// The next answers, in order; then `otherwise` (200 unless changed).
    pub fn plan(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.plan.lock().extend(replies);
    }

    pub fn otherwise(&self, reply: Reply) {
        *self.state.otherwise.lock() = reply;
    }

    /// The most requests this receiver was answering at one moment.
    pub fn most_at_once(&self) -> usize {
        self.state.most_at_once.load(Ordering::SeqCst)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().clone()
    }

    /// Waits until at least `count` requests arrived; fails the test after `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.state.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "{} requests within {limit:?}, {count} expected: {:?}",
                received.len(),
                received.iter().map(|r| &r.json).collect::<Vec<_>>()
            );
            let _ = tokio::time::timeout(left, arrived).await;
        }
    }
}

async fn receive(request: HttpRequest, body: web::Bytes, state: web::Data<State>) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let reply = state
        .plan
        .lock()
        .pop_front()
        .unwrap_or(*state.otherwise.lock());
    let received = Received {
        signature: header("parley-signature"),
        event_header: header("parley-event"),
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body: body.to_vec(),
    };
    state.received.lock().push(received);
    state.arrived.notify_waiters();
    match reply {
        Reply::Status(status) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .body(format!("answered {status}"))
        }
        Reply::Hang(time) => {
            let now = state.answering.fetch_add(1, Ordering::SeqCst) + 1;
            state.most_at_once.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(time).await;
            state.answering.fetch_sub(1, Ordering::SeqCst);
            HttpResponse::Ok().body("late")
        }
    }
}
