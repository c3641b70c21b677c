//! Per-conversation delivery order on this node.
//!
//! Messages of one conversation reach this node from its own writer and, in a cluster, from
//! other nodes through the broker, in any order. The sequencer hands each to the local
//! connections strictly in `seq` order: a message that comes early waits, the gap before it is
//! read from the database, a message already delivered is dropped (its sender still gets its
//! `sent`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use parking_lot::Mutex;

use super::hub::{ConnId, Hub};
use super::outbound::Outbound;
use super::protocol::message_frame;
use crate::domain::{ConversationId, MessageKind, VisitorId, WorkspaceId};
use crate::store::{Audience, DynStore};

/// Conversations remembered per shard before idle ones are forgotten.
const REMEMBERED: usize = 20_000;
/// A conversation untouched this long may be forgotten.
const IDLE: Duration = Duration::from_secs(600);
/// Messages read per gap fill.
const FILL_PAGE: i64 = 500;
const SHARDS: usize = 16;

/// One message to hand to this node's connections.
pub struct Delivery {
    pub workspace: WorkspaceId,
    pub conversation: ConversationId,
    pub visitor: VisitorId,
    pub seq: i64,
    pub note: bool,
    pub frame: ByteString,
    /// The sender's own connection on this node, and its `sent` reply.
    pub sender: Option<(ConnId, Arc<Outbound>, ByteString)>,
}

#[derive(Default)]
struct Order {
    /// The highest seq delivered.
    last: i64,
    waiting: BTreeMap<i64, Delivery>,
    filling: bool,
    touched: Option<Instant>,
}

pub struct Sequencer {
    shards: Box<[Mutex<HashMap<ConversationId, Order>>]>,
    store: DynStore,
}

impl Sequencer {
    pub fn new(store: DynStore) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            store,
        }
    }

    fn shard(&self, conversation: ConversationId) -> &Mutex<HashMap<ConversationId, Order>> {
        &self.shards[(conversation.0.as_u128() % SHARDS as u128) as usize]
    }

    /// Delivers `delivery` now if it is next, later if it came early, never if it is stale.
    pub fn deliver(&self, hub: &Arc<Hub>, delivery: Delivery) {
        let conversation = delivery.conversation;
        let mut ready = Vec::new();
        let fill_from = {
            let mut shard = self.shard(conversation).lock();
            if shard.len() > REMEMBERED {
                shard.retain(|_, o| {
                    o.filling
                        || !o.waiting.is_empty()
                        || o.touched.is_some_and(|t| t.elapsed() < IDLE)
                });
            }
            let order = shard.entry(conversation).or_insert_with(|| Order {
                // First sight of this conversation here: nothing older is owed.
                last: delivery.seq - 1,
                ..Default::default()
            });
            order.touched = Some(Instant::now());
            if delivery.seq <= order.last {
                // Delivered already (e.g. read from the database to fill a gap); the sender
                // still gets its reply.
                if let Some((_, outbound, sent)) = delivery.sender {
                    outbound.push(sent);
                }
                None
            } else if delivery.seq == order.last + 1 {
                order.last = delivery.seq;
                ready.push(delivery);
                while let Some(next) = order.waiting.first_key_value().map(|(s, _)| *s) {
                    if next != order.last + 1 {
                        break;
                    }
                    if let Some(d) = order.waiting.remove(&next) {
                        order.last = next;
                        ready.push(d);
                    }
                }
                None
            } else {
                let (workspace, visitor) = (delivery.workspace, delivery.visitor);
                order.waiting.insert(delivery.seq, delivery);
                if order.filling {
                    None
                } else {
                    order.filling = true;
                    Some((order.last, workspace, visitor))
                }
            }
        };
        for delivery in ready {
            hub.push_message(&delivery);
        }
        if let Some((after, workspace, visitor)) = fill_from {
            self.fill(hub, conversation, workspace, visitor, after);
        }
    }

    /// Reads the missing messages from the database and delivers them; if the database cannot
    /// say, delivers what waits anyway (clients fill the hole with `sync`).
    fn fill(
        &self,
        hub: &Arc<Hub>,
        conversation: ConversationId,
        workspace: WorkspaceId,
        visitor: VisitorId,
        after: i64,
    ) {
        let (store, hub) = (self.store.clone(), Arc::downgrade(hub));
        actix_web::rt::spawn(async move {
            let found = store
                .messages_after(conversation, after, FILL_PAGE, Audience::Agent)
                .await;
            let Some(hub) = Weak::upgrade(&hub) else {
                return;
            };
            let sequencer = hub.sequencer();
            match found {
                Ok(messages) => {
                    sequencer.end_fill(conversation, false);
                    for message in messages {
                        let note = message.kind == MessageKind::Note;
                        let delivery = Delivery {
                            workspace,
                            conversation,
                            visitor,
                            seq: message.seq,
                            note,
                            frame: message_frame(&message),
                            sender: None,
                        };
                        sequencer.deliver(&hub, delivery);
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, %conversation, "gap not filled; delivering what waits");
                    for delivery in sequencer.end_fill(conversation, true) {
                        hub.push_message(&delivery);
                    }
                }
            }
        });
    }

    /// Ends a fill; when `give_up`, returns everything waiting, in order, as delivered.
    fn end_fill(&self, conversation: ConversationId, give_up: bool) -> Vec<Delivery> {
        let mut shard = self.shard(conversation).lock();
        let Some(order) = shard.get_mut(&conversation) else {
            return Vec::new();
        };
        order.filling = false;
        if !give_up {
            return Vec::new();
        }
        let waiting = std::mem::take(&mut order.waiting);
        if let Some(last) = waiting.keys().next_back() {
            order.last = *last;
        }
        waiting.into_values().collect()
    }
}
