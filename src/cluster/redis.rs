//! The Redis broker: pub/sub for events, keys with expiry for presence (the counters of
//! `counters.rs` use its connection too). Every connection reconnects by itself; while Redis is away the
//! node serves its own connections, drops what it cannot publish (clients `sync`), and says so
//! in `/readyz` and `/metrics`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use tokio::sync::{mpsc, OnceCell};

use super::presence::REMOTE_PRESENCE_TTL;
use super::{now_secs, Broker, Bus, Envelope, NodeId, Snapshot};

/// The channel every node publishes on and listens to.
const CHANNEL: &str = "parley:events";
/// Events queued for publishing before new ones are dropped.
const PUBLISH_QUEUE: usize = 65_536;
/// Events sent in one pipeline.
const PUBLISH_BATCH: usize = 256;
/// How often a node publishes its presence snapshot and reads the others'.
const PRESENCE_INTERVAL: Duration = Duration::from_secs(2);
/// Redis calls that take longer than this count as failed.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const RECONNECT_MAX: Duration = Duration::from_secs(5);

pub struct RedisBroker {
    client: redis::Client,
    queue: mpsc::Sender<Envelope>,
    connection: OnceCell<ConnectionManager>,
    up: AtomicBool,
}

impl RedisBroker {
    /// Starts publishing, listening and presence for `bus` (tasks on the current runtime).
    pub fn start(url: &str, bus: &Arc<Bus>) -> Result<Arc<Self>, String> {
        let client = redis::Client::open(url).map_err(|e| format!("REDIS_URL: {e}"))?;
        let (queue, pending) = mpsc::channel(PUBLISH_QUEUE);
        let broker = Arc::new(Self {
            client,
            queue,
            connection: OnceCell::new(),
            up: AtomicBool::new(false),
        });
        actix_web::rt::spawn(publish_loop(Arc::downgrade(&broker), pending));
        actix_web::rt::spawn(listen_loop(Arc::downgrade(&broker), Arc::downgrade(bus)));
        actix_web::rt::spawn(presence_loop(Arc::downgrade(&broker), Arc::downgrade(bus)));
        Ok(broker)
    }

    /// A shared, self-reconnecting connection for commands.
    pub async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        self.connection
            .get_or_try_init(|| async {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(RESPONSE_TIMEOUT)
                    .set_response_timeout(RESPONSE_TIMEOUT)
                    .set_number_of_retries(1)
                    .set_max_delay(RECONNECT_MAX.as_millis() as u64);
                self.client.get_connection_manager_with_config(config).await
            })
            .await
            .cloned()
    }

    fn set_up(&self, up: bool) {
        if self.up.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("redis connected");
            } else {
                tracing::warn!(
                    "redis unreachable; serving local connections only until it is back"
                );
            }
        }
        metrics::gauge!("parley_redis_up").set(if up { 1.0 } else { 0.0 });
    }
}

impl Broker for RedisBroker {
    fn publish(&self, envelope: Envelope) {
        if self.queue.try_send(envelope).is_err() {
            metrics::counter!("parley_cluster_events_dropped_total").increment(1);
        }
    }

    fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }
}

async fn publish_loop(broker: Weak<RedisBroker>, mut pending: mpsc::Receiver<Envelope>) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while pending.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let Some(broker) = broker.upgrade() else {
            return;
        };
        let mut pipe = redis::pipe();
        for envelope in batch.drain(..) {
            if let Ok(payload) = serde_json::to_string(&envelope) {
                pipe.publish(CHANNEL, payload).ignore();
            }
        }
        let sent = match broker.connection().await {
            Ok(mut connection) => pipe.query_async::<()>(&mut connection).await.is_ok(),
            Err(_) => false,
        };
        if !sent {
            metrics::counter!("parley_cluster_events_dropped_total").increment(1);
            broker.set_up(false);
        }
    }
}

async fn listen_loop(broker: Weak<RedisBroker>, bus: Weak<Bus>) {
    let mut delay = Duration::from_millis(100);
    loop {
        let Some(client) = broker.upgrade().map(|b| b.client.clone()) else {
            return;
        };
        let subscribed =
            match tokio::time::timeout(RESPONSE_TIMEOUT, client.get_async_pubsub()).await {
                Ok(Ok(mut pubsub)) => pubsub.subscribe(CHANNEL).await.is_ok().then_some(pubsub),
                _ => None,
            };
        if let Some(pubsub) = subscribed {
            delay = Duration::from_millis(100);
            if let Some(b) = broker.upgrade() {
                b.set_up(true);
            }
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                let Some(bus) = bus.upgrade() else { return };
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<Envelope>(&payload) {
                    Ok(envelope) => bus.receive(envelope),
                    Err(err) => tracing::warn!(error = %err, "unreadable cluster event"),
                }
            }
        }
        let Some(b) = broker.upgrade() else { return };
        b.set_up(false);
        drop(b);
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(RECONNECT_MAX);
    }
}

/// Publishes this node's presence (a key that expires) and reads the other nodes'.
async fn presence_loop(broker: Weak<RedisBroker>, bus: Weak<Bus>) {
    let ttl = REMOTE_PRESENCE_TTL.as_secs();
    let mut tick = tokio::time::interval(PRESENCE_INTERVAL);
    loop {
        tick.tick().await;
        let (Some(broker), Some(bus)) = (broker.upgrade(), bus.upgrade()) else {
            return;
        };
        let node = bus.node();
        let mut snapshot = bus.snapshot();
        snapshot.at = now_secs();
        let Ok(payload) = serde_json::to_string(&snapshot) else {
            continue;
        };
        let Ok(mut connection) = broker.connection().await else {
            bus.update_remote(Vec::new());
            continue;
        };
        let now = now_secs();
        let exchanged: redis::RedisResult<Vec<String>> = async {
            redis::pipe()
                .set_ex(format!("parley:presence:{}", node.0), payload, ttl)
                .ignore()
                .zadd("parley:nodes", node.0.to_string(), now)
                .ignore()
                .zrembyscore("parley:nodes", f64::NEG_INFINITY, now - ttl as f64)
                .ignore()
                .query_async::<()>(&mut connection)
                .await?;
            connection
                .zrangebyscore("parley:nodes", now - ttl as f64, f64::INFINITY)
                .await
        }
        .await;
        let nodes = match exchanged {
            Ok(nodes) => nodes,
            Err(err) => {
                tracing::debug!(error = %err, "presence exchange failed");
                broker.set_up(false);
                bus.update_remote(Vec::new());
                continue;
            }
        };
        let ids: Vec<NodeId> = nodes
            .iter()
            .filter_map(|n| uuid::Uuid::parse_str(n).ok())
            .map(NodeId)
            .collect();
        let keys: Vec<String> = ids
            .iter()
            .map(|n| format!("parley:presence:{}", n.0))
            .collect();
        let snapshots: Vec<Option<String>> = if keys.is_empty() {
            Vec::new()
        } else {
            connection.mget(&keys).await.unwrap_or_default()
        };
        let remote = ids
            .into_iter()
            .zip(snapshots)
            .filter_map(|(id, json)| {
                let snapshot = serde_json::from_str::<Snapshot>(&json?).ok()?;
                // A node's age is that of its last snapshot, not of our reading of it: a dead
                // node stops counting `REMOTE_PRESENCE_TTL` after its last one.
                let age = Duration::from_secs_f64((now_secs() - snapshot.at).max(0.0));
                Some((id, snapshot, age))
            })
            .collect();
        bus.update_remote(remote);
    }
}
