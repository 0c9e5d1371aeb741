//! Keeping the index fresh: a background task reads the outbox after the position the
//! index reflects, re-reads the records named there, replaces their documents in both
//! projections and commits with the new position. An authority change only reads the
//! authorities again (records hold their ids, see `authority_index`). A missing or damaged index is rebuilt first; an index switched
//! by another process (`vitrine reindex`) is picked up.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use uuid::Uuid;
use vitrine_collections::authority::Kind;
use vitrine_collections::feed::FeedObject;
use vitrine_kernel::Result;
use vitrine_kernel::outbox::{self, Gaps};

use crate::document::{self, Projection};
use crate::service::{INDEXER, Live, Search};
use crate::store::err;

/// How often the outbox is read when idle.
const POLL: Duration = Duration::from_millis(100);
/// Events read at once.
const BATCH: u64 = 2_000;

impl Search {
    /// Starts the follower (and the first build when there is no usable index).
    pub fn spawn_follower(&self) -> tokio::task::JoinHandle<()> {
        let s = self.clone();
        tokio::spawn(async move { s.follow().await })
    }

    async fn follow(self) {
        let mut gaps = Gaps::new(Duration::from_secs(30));
        loop {
            let Some(live) = self.live() else {
                if let Err(e) = self.rebuild(&|_, _| {}).await {
                    self.failed(&e);
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                continue;
            };
            if self.inner.root.current_name().as_deref() != Some(live.generation.name.as_str())
                && self.inner.rebuilding.try_lock().is_ok()
            {
                // The writer of a generation another process just built stays locked
                // until that process exits: try again shortly.
                if !self.reopen() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
            match self.step(&live, &mut gaps).await {
                Ok(0) => tokio::time::sleep(POLL).await,
                Ok(_) => {}
                Err(e) => {
                    self.failed(&e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    pub(crate) fn failed(&self, e: &vitrine_kernel::Error) {
        tracing::error!(error = %e, "search index");
        if let Ok(mut l) = self.inner.last_error.lock() {
            *l = Some(format!(
                "{} {e}",
                chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")
            ));
        }
    }

    /// Switches to the generation another process made current.
    fn reopen(&self) -> bool {
        match self.inner.root.open_current(&self.inner.an) {
            Ok(generation) => {
                let seq = generation.seq().unwrap_or(0);
                tracing::info!(generation = %generation.name, "search index switched");
                if let Ok(mut l) = self.inner.live.write() {
                    *l = Some(Arc::new(Live {
                        generation,
                        applied: seq.into(),
                    }));
                }
                true
            }
            Err(e) => {
                self.failed(&e);
                false
            }
        }
    }

    /// Applies the next events; returns how many it read.
    async fn step(&self, live: &Arc<Live>, gaps: &mut Gaps) -> Result<usize> {
        let conn = self.inner.collections.db().conn();
        let last = live.applied.load(Ordering::Acquire);
        let events = outbox::after(conn, last, BATCH).await?;
        let late = outbox::at(conn, &gaps.pending()).await?;
        gaps.note(last, &events);
        gaps.filled(&late);
        if events.is_empty() && late.is_empty() {
            return Ok(0);
        }
        let mut ids = BTreeSet::new();
        let mut authorities = false;
        for e in events.iter().chain(&late) {
            match (e.entity_type.as_str(), e.entity_id) {
                ("object", Some(id)) => {
                    ids.insert(id);
                }
                // Authorities are announced under their kind (`agent`, `term`, ...).
                // Records hold only the ids of authorities: a changed name is searched
                // as soon as the authorities are read again.
                (kind, Some(_)) if Kind::parse(kind).is_some() => authorities = true,
                _ => {}
            }
        }
        if authorities {
            self.reload_names().await?;
        }
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let records = self.inner.collections.feed_objects(&INDEXER, &ids).await?;
        let images = self.images_of(ids.clone()).await?;
        let seq = events.last().map_or(last, |e| e.seq).max(last);
        let s = self.clone();
        let l = live.clone();
        tokio::task::spawn_blocking(move || s.apply(&l, &ids, records, &images, seq))
            .await
            .map_err(err)??;
        live.applied.store(seq, Ordering::Release);
        Ok(events.len() + late.len())
    }

    /// Replaces the documents of `ids` (absent from `records`: deleted) and commits.
    fn apply(
        &self,
        live: &Live,
        ids: &[Uuid],
        records: Vec<FeedObject>,
        images: &HashMap<Uuid, bool>,
        seq: i64,
    ) -> Result<()> {
        let i = &self.inner;
        let mut present = BTreeSet::new();
        for r in &records {
            present.insert(r.id);
            let key = r.id.to_string();
            for p in [Projection::Staff, Projection::Public] {
                let doc = document::included(r, p)
                    .then(|| document::build(&i.f, r, p, images.get(&r.id).copied()));
                live.generation.side(p).put(&i.f, &key, doc)?;
            }
        }
        for id in ids.iter().filter(|id| !present.contains(id)) {
            let key = id.to_string();
            for p in [Projection::Staff, Projection::Public] {
                live.generation.side(p).put(&i.f, &key, None)?;
            }
        }
        live.generation.commit(seq)
    }
}
