//! The delivery loop of one node. It claims due events (Postgres hands each to one node only),
//! sends each as one signed POST, and records the attempt with what follows from it: delivered,
//! tried again later, or given up. Bounded twice: a few attempts at once in all, and at most
//! `per_receiver` to one webhook, so that one slow receiver cannot hold up the others; the
//! events of a receiver at its limit wait here (`queues`), not in the outbox.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::queues::{ForWebhook, Limits, Queues, Verdict};
use super::{backoff, guard, signature};
use crate::config::WebhookSettings;
use crate::domain::{Timestamp, WebhookId};
use crate::shutdown::Shutdown;
use crate::store::webhooks::{AfterAttempt, AttemptRecord, DueDelivery};
use crate::store::DynStore;

/// How many claimed events a node holds and sends at once (docs/webhooks.md, "Bounds").
const LIMITS: Limits = Limits {
    in_flight: 32,
    per_receiver: 4,
    waiting_per_receiver: 12,
    held: 64,
    pause: Duration::from_secs(2),
};
/// A claim holds its events for this many attempt timeouts, plus `LEASE_MARGIN`: past it (the
/// node died), another node takes them. An event still waiting on the node when its lease
/// is nearly over is not sent: it is due in the outbox again, and claimed afresh.
const LEASE_TIMEOUTS: u32 = 4;
const LEASE_MARGIN: Duration = Duration::from_secs(20);
/// How often the outbox is looked at when nothing woke the loop.
const POLL: Duration = Duration::from_millis(500);
/// Delivered and failed events, and their attempts, are kept this long for the log.
const HISTORY_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often old history is forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// How much of a receiver's answer is kept in the log.
const RESPONSE_KEPT: usize = 1024;

/// Delivers the outbox's events. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    store: DynStore,
    client: reqwest::Client,
    settings: WebhookSettings,
    wake: Notify,
    queues: Mutex<Queues<Claimed>>,
}

/// A claimed event and the last moment its attempt may start within its lease.
struct Claimed {
    due: DueDelivery,
    start_by: Instant,
}

impl ForWebhook for Claimed {
    fn webhook(&self) -> WebhookId {
        self.due.webhook_id
    }
}

impl Deliverer {
    /// Starts the loop on the current runtime; it stops when `shutdown` starts.
    pub fn start(store: DynStore, settings: WebhookSettings, shutdown: Shutdown) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A redirect could lead anywhere, a proxy would resolve names past the guard.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(guard::GuardedResolver::shared(settings.allow_private))
            .user_agent(concat!("Parley-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let deliverer = Self {
            inner: Arc::new(Inner {
                store,
                client,
                settings,
                wake: Notify::new(),
                queues: Mutex::new(Queues::new(LIMITS)),
            }),
        };
        let looping = deliverer.clone();
        actix_web::rt::spawn(async move { looping.run(shutdown).await });
        deliverer
    }

    /// Looks at the outbox now (something was just queued).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    async fn run(self, shutdown: Shutdown) {
        let mut stats_at = Instant::now() - Duration::from_secs(60);
        let mut purged_at = Instant::now();
        while !shutdown.is_triggered() {
            if stats_at.elapsed() >= Duration::from_secs(5) {
                stats_at = Instant::now();
                self.publish_stats().await;
            }
            if purged_at.elapsed() >= PURGE_EVERY {
                purged_at = Instant::now();
                let before = Timestamp::now().minus(HISTORY_KEPT);
                if let Err(err) = self.inner.store.purge_webhook_history(before).await {
                    tracing::warn!(error = %err, "could not forget old webhook history");
                }
            }
            // A receiver's pause may have ended since the last look.
            self.send_what_may_go();
            let full = self.claim_and_send().await;
            if full {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = self.inner.wake.notified() => {}
                () = shutdown.wait() => {}
            }
        }
    }

    /// Claims as many due events as the node has room for, leaving out receivers with enough
    /// waiting, and starts what may be sent; true when the claim filled the room (more may be
    /// due).
    async fn claim_and_send(&self) -> bool {
        let (room, skip) = {
            let queues = self.inner.queues.lock();
            (queues.room(), queues.full())
        };
        if room == 0 {
            return false;
        }
        let timeout = self.inner.settings.timeout;
        let lease = timeout * LEASE_TIMEOUTS + LEASE_MARGIN;
        let now = Timestamp::now();
        let claimed = match self
            .inner
            .store
            .claim_due(now, now.plus(lease), room as i64, &skip)
            .await
        {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(error = %err, "webhook outbox unavailable");
                return false;
            }
        };
        let count = claimed.len();
        // Late enough that the attempt ends inside the lease, with half the margin to spare.
        let start_by = Instant::now() + lease - timeout - LEASE_MARGIN / 2;
        {
            let mut queues = self.inner.queues.lock();
            for due in claimed {
                queues.accept(Claimed { due, start_by });
            }
        }
        self.send_what_may_go();
        count == room
    }

    /// Starts every waiting event whose receiver and node have a slot free. When one ends,
    /// the next goes and the loop is woken to claim more.
    fn send_what_may_go(&self) {
        loop {
            let next = self.inner.queues.lock().next(Instant::now());
            let Some(Claimed { due, start_by }) = next else {
                return;
            };
            let webhook = due.webhook_id;
            if Instant::now() > start_by {
                metrics::counter!("parley_webhook_leases_lapsed_total").increment(1);
                let now = Instant::now();
                self.inner
                    .queues
                    .lock()
                    .finished(webhook, Verdict::Unknown, now);
                continue;
            }
            let deliverer = self.clone();
            actix_web::rt::spawn(async move {
                let verdict = deliverer.deliver(due).await;
                let now = Instant::now();
                deliverer
                    .inner
                    .queues
                    .lock()
                    .finished(webhook, verdict, now);
                deliverer.send_what_may_go();
                deliverer.wake();
            });
        }
    }

    /// Sends one event and records the attempt; says what the attempt showed of the receiver.
    async fn deliver(&self, due: DueDelivery) -> Verdict {
        let store = &self.inner.store;
        let attempt = due.attempts + 1;
        let webhook = match store.webhook(due.workspace_id, due.webhook_id).await {
            Ok(Some(webhook)) => webhook,
            // Deleted meanwhile: its events went with it.
            Ok(None) => return Verdict::Unknown,
            Err(err) => {
                tracing::warn!(error = %err, "webhook unavailable; retried after the lease");
                return Verdict::Unknown;
            }
        };
        let started = Instant::now();
        let outcome = match self.body(&due).await {
            Ok(body) => self.send(&webhook.url, &webhook.secret, &due, body).await,
            Err(why) => Outcome::Undeliverable(why),
        };
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        // An event that could not be sent at all says nothing of its receiver.
        let verdict = match &outcome {
            Outcome::Answered { status, .. } if (200..300).contains(status) => Verdict::Up,
            Outcome::Answered { .. } | Outcome::Failed(_) => Verdict::Failing,
            Outcome::Undeliverable(_) => Verdict::Unknown,
        };
        let now = Timestamp::now();
        let retry_for = self.inner.settings.retry_for;
        let (status_code, ok, error, response, after) = match outcome {
            Outcome::Answered { status, response } if (200..300).contains(&status) => {
                (Some(status), true, None, response, AfterAttempt::Delivered)
            }
            Outcome::Answered { status, response } => (
                Some(status),
                false,
                Some(format!("answered {status}")),
                response,
                backoff::after_failure(attempt, due.created_at, now, retry_for, rand::random()),
            ),
            Outcome::Failed(error) => (
                None,
                false,
                Some(error),
                None,
                backoff::after_failure(attempt, due.created_at, now, retry_for, rand::random()),
            ),
            Outcome::Undeliverable(error) => (None, false, Some(error), None, AfterAttempt::GaveUp),
        };
        let result = match after {
            AfterAttempt::Delivered => "delivered",
            AfterAttempt::RetryAt(_) => "retry",
            AfterAttempt::GaveUp => "failed",
        };

        metrics::counter!("parley_webhook_deliveries_total", "result" => result).increment(1);
        let record = AttemptRecord {
            outbox_id: due.id,
            workspace_id: due.workspace_id,
            webhook_id: due.webhook_id,
            attempt,
            status_code,
            ok,
            disable_reason: format!(
                "switched off after failing for {} h: {}",
                retry_for.as_secs() / 3600,
                error.as_deref().unwrap_or("no answer")
            ),
            error,
            response,
            duration_ms,
            at: now,
            after,
            disable_if_failing_since: now.minus(retry_for),
        };
        if let Err(err) = store.record_attempt(&record).await {
            // The lease runs out and the event is sent again: at least once, never lost.
            tracing::warn!(error = %err, "could not record a webhook attempt");
        }
        verdict
    }

    /// The JSON body of an event: `{id, event, created_at, data}`.
    async fn body(&self, due: &DueDelivery) -> Result<String, String> {
        let data = match (&due.payload, due.message_id) {
            (Some(payload), _) => payload.0.clone(),
            (None, Some(message)) => {
                let found = self
                    .inner
                    .store
                    .message_for_event(due.workspace_id, message)
                    .await
                    .map_err(|_| "the message could not be read".to_owned())?;
                let Some((message, visitor)) = found else {
                    return Err("the message no longer exists".into());
                };
                let mut data = serde_json::to_value(&message).unwrap_or(Value::Null);
                data["visitor_id"] = json!(visitor);
                data
            }
            (None, None) => return Err("the event has no data".into()),
        };
        Ok(json!({
            "id": due.event_id,
            "event": due.event,
            "created_at": due.created_at,
            "data": data,
        })
        .to_string())
    }

    async fn send(&self, url: &str, secret: &str, due: &DueDelivery, body: String) -> Outcome {
        let Ok(parsed) = url::Url::parse(url) else {
            return Outcome::Undeliverable("the URL is not valid".into());
        };
        // Address literals never reach the resolver: checked here.
        if !self.inner.settings.allow_private {
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if literal.is_some_and(|ip| !guard::is_public(ip)) {
                let host = parsed.host_str().unwrap_or_default().to_owned();
                return Outcome::Failed(guard::Refusal::Private { host }.to_string());
            }
        }
        let signed = signature::header(secret, Timestamp::now().unix_seconds(), body.as_bytes());
        let sent = self
            .inner
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Parley-Signature", signed)
            .header("Parley-Event", &due.event)
            .header("Parley-Event-Id", due.event_id.to_string())
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => return Outcome::Failed(describe(&err, self.inner.settings.timeout)),
        };
        let status = i32::from(response.status().as_u16());
        // Only the beginning of the answer is read: a receiver cannot make us hold more.
        let mut kept = Vec::new();
        while kept.len() < RESPONSE_KEPT {
            match response.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) if err.is_timeout() => {
                    return Outcome::Failed(describe(&err, self.inner.settings.timeout))
                }
                Err(_) => break,
            }
        }
        kept.truncate(RESPONSE_KEPT);
        let text = String::from_utf8_lossy(&kept);
        let response = crate::domain::input::clean_meta(&text, RESPONSE_KEPT);
        Outcome::Answered {
            status,
            response: (!response.is_empty()).then_some(response),
        }
    }

    async fn publish_stats(&self) {
        if let Ok(stats) = self.inner.store.outbox_stats().await {
            metrics::gauge!("parley_webhook_outbox_pending").set(stats.pending as f64);
            let oldest = stats
                .oldest_pending
                .map_or(0.0, |at| Timestamp::now().since(at).as_secs_f64());
            metrics::gauge!("parley_webhook_outbox_oldest_seconds").set(oldest);
        }
    }
}

enum Outcome {
    Answered {
        status: i32,
        response: Option<String>,
    },
    /// No answer: worth trying again.
    Failed(String),
    /// Can never be sent (its message is gone): given up at once.
    Undeliverable(String),
}

/// Longest error kept for an attempt (the column allows 2,000; the reason built from it too).
const ERROR_KEPT: usize = 500;

/// What went wrong, in words an admin can act on; never the secret or the body. Cut to
/// `ERROR_KEPT`, so that no cause's text can make the attempt's record fail.
fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    crate::domain::input::clean_meta(&cause_of(err, timeout), ERROR_KEPT)
}

fn cause_of(err: &reqwest::Error, timeout: Duration) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<guard::Refusal>() {
            return refusal.to_string();
        }
        source = cause.source();
    }
    if err.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let mut root: &dyn std::error::Error = err;
    while let Some(cause) = root.source() {
        root = cause;
    }
    if err.is_connect() {
        return format!("could not connect: {root}");
    }
    format!("request failed: {root}")
}
