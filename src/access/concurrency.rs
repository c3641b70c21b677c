//! How many of something one key (an IP) may have under way at once: password checks, open
//! connections. Taking a slot gives a guard; dropping the guard gives the slot back.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use parking_lot::Mutex;

pub struct PerKey<K: Hash + Eq + Clone> {
    /// 0 is no limit.
    limit: u32,
    held: Arc<Mutex<HashMap<K, u32>>>,
}

/// One slot taken for a key, until dropped.
pub struct Slot<K: Hash + Eq + Clone> {
    key: K,
    held: Arc<Mutex<HashMap<K, u32>>>,
}

impl<K: Hash + Eq + Clone> PerKey<K> {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            held: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for `key`, unless it holds the most allowed already.
    pub fn take(&self, key: K) -> Option<Slot<K>> {
        let mut held = self.held.lock();
        let count = held.entry(key.clone()).or_insert(0);
        if self.limit > 0 && *count >= self.limit {
            if *count == 0 {
                held.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(Slot {
            key,
            held: self.held.clone(),
        })
    }
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut held = self.held.lock();
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_given_back_when_dropped() {
        let per_key = PerKey::new(2);
        let a = per_key.take("ip");
        let b = per_key.take("ip");
        assert!(a.is_some() && b.is_some());
        assert!(per_key.take("ip").is_none(), "the third waits");
        assert!(per_key.take("other").is_some(), "keys are apart");
        drop(a);
        assert!(per_key.take("ip").is_some());
        drop(b);
        assert!(per_key.held.lock().get("ip").is_none_or(|c| *c <= 1));
    }

    #[test]
    fn zero_is_no_limit() {
        let per_key = PerKey::new(0);
        let slots: Vec<_> = (0..100).filter_map(|_| per_key.take(1)).collect();
        assert_eq!(slots.len(), 100);
    }
}
