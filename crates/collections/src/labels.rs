//! Authority labels, remembered in memory. Records name their terms, people and places by
//! id; showing a record needs their labels, which change rarely. This server forgets a
//! label the moment it changes one; other servers sharing a PostgreSQL database forget it
//! when their outbox follower reads the change (within a second), and `TTL` bounds any
//! miss (labels are for display, never for decisions).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use uuid::Uuid;
use vitrine_kernel::{LangText, Result};

use crate::store;

/// How long a label is trusted.
pub const TTL: Duration = Duration::from_secs(60);
/// Entries kept at most (a large museum has tens of thousands of authorities).
const CAPACITY: usize = 200_000;

/// The cache.
#[derive(Clone, Default)]
pub struct LabelCache {
    entries: Arc<Mutex<HashMap<Uuid, (LangText, Instant)>>>,
}

impl LabelCache {
    /// Labels of `ids`, from memory where fresh, else from the database.
    pub async fn get(
        &self,
        c: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> Result<BTreeMap<Uuid, LangText>> {
        let mut out = BTreeMap::new();
        let mut missing = Vec::new();
        if let Ok(e) = self.entries.lock() {
            for id in ids {
                match e.get(id) {
                    Some((l, at)) if at.elapsed() < TTL => {
                        out.insert(*id, l.clone());
                    }
                    _ => missing.push(*id),
                }
            }
        } else {
            missing.extend_from_slice(ids);
        }
        if missing.is_empty() {
            return Ok(out);
        }
        missing.sort_unstable();
        missing.dedup();
        let found = store::labels(c, &missing).await?;
        if let Ok(mut e) = self.entries.lock() {
            if e.len() + found.len() > CAPACITY {
                e.clear();
            }
            let now = Instant::now();
            for (id, l) in &found {
                e.insert(*id, (l.clone(), now));
            }
        }
        out.extend(found);
        Ok(out)
    }

    /// Forgets one label (its authority changed).
    pub fn forget(&self, id: Uuid) {
        if let Ok(mut e) = self.entries.lock() {
            e.remove(&id);
        }
    }
}
