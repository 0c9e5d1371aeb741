//! Reading the outbox: every change is announced there in the transaction that made it
//! (see `audit`), and followers such as the search index read it in order of `seq`.
//!
//! On PostgreSQL a sequence number is taken when a row is inserted, not when its
//! transaction commits, so a follower can see seq 12 before seq 11 becomes visible.
//! [`Gaps`] remembers the numbers it skipped and asks for them again for a while.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::outbox;
use crate::error::Result;

/// One announced change.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Position in the outbox.
    pub seq: i64,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// `object.updated`, `authority.deleted`, ...
    pub topic: String,
    /// `object`, `authority`, ...
    pub entity_type: String,
    /// The record changed, when there is one.
    pub entity_id: Option<Uuid>,
    /// What the event says: ids, version, who (never a record's fields).
    pub payload: serde_json::Value,
}

fn event(m: outbox::Model) -> Event {
    Event {
        seq: m.seq,
        at: m.at,
        topic: m.topic,
        entity_type: m.entity_type,
        entity_id: m.entity_id,
        payload: m.payload,
    }
}

/// Which events a reader wants: records of these entity types (the ones it may read), and
/// of those the topics named exactly or by prefix (`media_asset.` for `media_asset.*`);
/// no topics means every topic.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Entity types the reader may see.
    pub entity_types: Vec<String>,
    /// Topics named exactly.
    pub topics: Vec<String>,
    /// Topic prefixes, ending in `.`.
    pub prefixes: Vec<String>,
    /// Only events up to this position (a reader's [`horizon`]).
    pub until: Option<i64>,
}

/// Events after `seq` that `sel` selects, oldest first, at most `limit`.
pub async fn select(
    c: &impl ConnectionTrait,
    seq: i64,
    sel: &Selection,
    limit: u64,
) -> Result<Vec<Event>> {
    use sea_orm::Condition;
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::Seq.gt(seq))
        .filter(outbox::Column::EntityType.is_in(sel.entity_types.iter().cloned()));
    if let Some(until) = sel.until {
        q = q.filter(outbox::Column::Seq.lte(until));
    }
    if !sel.topics.is_empty() || !sel.prefixes.is_empty() {
        let mut any = Condition::any();
        if !sel.topics.is_empty() {
            any = any.add(outbox::Column::Topic.is_in(sel.topics.iter().cloned()));
        }
        for p in &sel.prefixes {
            any = any.add(outbox::Column::Topic.starts_with(p));
        }
        q = q.filter(any);
    }
    oldest_first(c, q, limit).await
}

/// How far after `after` a reader that must not skip an event (ordered deliveries, event
/// pages) may read now: up to the first hole in the positions whose next event is younger
/// than `patience`. On PostgreSQL a position is taken at insert and seen at commit, so a
/// hole is usually a writer about to commit; one older than `patience` is a rolled-back
/// write and is passed. Returns `after` when nothing may be read yet.
pub async fn horizon(c: &impl ConnectionTrait, after: i64, patience: Duration) -> Result<i64> {
    let rows: Vec<(i64, DateTime<Utc>)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Seq)
        .column(outbox::Column::At)
        .filter(outbox::Column::Seq.gt(after))
        .order_by_asc(outbox::Column::Seq)
        .limit(1_000)
        .into_tuple()
        .all(c)
        .await?;
    let cutoff = Utc::now() - chrono::Duration::from_std(patience).unwrap_or_default();
    let mut reach = after;
    for (seq, at) in rows {
        if seq != reach + 1 && at > cutoff {
            break;
        }
        reach = seq;
    }
    Ok(reach)
}

/// Events after `seq`, oldest first, at most `limit`.
pub async fn after(c: &impl ConnectionTrait, seq: i64, limit: u64) -> Result<Vec<Event>> {
    let q = outbox::Entity::find().filter(outbox::Column::Seq.gt(seq));
    oldest_first(c, q, limit).await
}

/// The first `limit` events a query finds, in order of `seq`.
async fn oldest_first(
    c: &impl ConnectionTrait,
    q: sea_orm::Select<outbox::Entity>,
    limit: u64,
) -> Result<Vec<Event>> {
    Ok(q.order_by_asc(outbox::Column::Seq)
        .limit(limit)
        .all(c)
        .await?
        .into_iter()
        .map(event)
        .collect())
}

/// The events among `seqs` that exist now.
pub async fn at(c: &impl ConnectionTrait, seqs: &[i64]) -> Result<Vec<Event>> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Seq.is_in(seqs.iter().copied()))
        .order_by_asc(outbox::Column::Seq)
        .all(c)
        .await?
        .into_iter()
        .map(event)
        .collect())
}

/// The newest event's seq (0 when there is none).
pub async fn last_seq(c: &impl ConnectionTrait) -> Result<i64> {
    Ok(outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::Seq.max(), "m")
        .into_tuple::<Option<i64>>()
        .one(c)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Sequence numbers a follower skipped, asked for again until they appear or `patience`
/// passes (a rolled-back transaction leaves a gap for ever).
#[derive(Debug)]
pub struct Gaps {
    open: BTreeMap<i64, Instant>,
    patience: Duration,
}

impl Gaps {
    /// Gaps are forgotten after `patience`.
    pub fn new(patience: Duration) -> Self {
        Gaps {
            open: BTreeMap::new(),
            patience,
        }
    }

    /// Notes the holes between `last` and the events just read (in seq order).
    pub fn note(&mut self, last: i64, events: &[Event]) {
        let now = Instant::now();
        let mut prev = last;
        for e in events {
            // A burst of thousands of missing numbers is a reset, not in-flight writers.
            if e.seq > prev + 1 && e.seq - prev < 10_000 {
                for s in prev + 1..e.seq {
                    self.open.entry(s).or_insert(now);
                }
            }
            self.open.remove(&e.seq);
            prev = prev.max(e.seq);
        }
        self.open.retain(|_, t| t.elapsed() < self.patience);
    }

    /// The numbers still worth asking for.
    pub fn pending(&self) -> Vec<i64> {
        self.open.keys().copied().collect()
    }

    /// Forgets numbers that turned up.
    pub fn filled(&mut self, events: &[Event]) {
        for e in events {
            self.open.remove(&e.seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i64) -> Event {
        Event {
            seq,
            at: Utc::now(),
            topic: "object.updated".into(),
            entity_type: "object".into(),
            entity_id: None,
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn gaps_are_remembered_until_filled_or_stale() {
        let mut g = Gaps::new(Duration::from_secs(60));
        g.note(10, &[ev(11), ev(14)]);
        assert_eq!(g.pending(), vec![12, 13]);
        g.filled(&[ev(12)]);
        assert_eq!(g.pending(), vec![13]);
        let mut g = Gaps::new(Duration::ZERO);
        g.note(10, &[ev(13)]);
        assert!(g.pending().is_empty());
    }
}
