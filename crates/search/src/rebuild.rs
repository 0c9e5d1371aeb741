//! A full rebuild: every live record read in id order into a new generation, which then
//! becomes current in one rename. Search keeps answering from the previous generation
//! meanwhile; the follower then replays the outbox from where the rebuild started.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use serde::Serialize;
use uuid::Uuid;
use vitrine_kernel::jobs::{Job, Jobs, NewJob, Outcome, Worker};
use vitrine_kernel::{Actor, Error, Permission, Result, outbox};

use crate::document::{self, Projection};
use crate::service::{INDEXER, Live, Progress, Search};
use crate::store::err;

fn already_running() -> Error {
    Error::Conflict {
        field: None,
        message: "a rebuild of the search index is already running".into(),
    }
}

/// Records read from the database at once.
const BATCH: u64 = 1_000;

/// What a rebuild did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RebuildReport {
    /// The new generation.
    pub generation: String,
    /// Records in the staff index.
    pub staff_documents: u64,
    /// Records in the public index.
    pub public_documents: u64,
    /// Seconds it took.
    pub seconds: f64,
    /// Bytes on disk.
    pub size_bytes: u64,
}

/// The job kind of a full rebuild of one node's index (each node keeps its own index, so
/// the job is pinned to the node that was asked).
pub const REINDEX_JOB: &str = "search.reindex";

impl Search {
    /// Queues a full rebuild of this node's index as a background job (administrators);
    /// search keeps answering from the current index, and the job (and
    /// [`Search::status`]) shows the progress. 409 while one is queued or running.
    pub async fn start_rebuild(&self, actor: &Actor, jobs: &Jobs, node: &str) -> Result<Job> {
        actor.require(Permission::SystemManage)?;
        if self.rebuilding() {
            return Err(already_running());
        }
        let job = NewJob {
            max_attempts: 2,
            ..NewJob::new(REINDEX_JOB, serde_json::json!({}))
        };
        jobs.enqueue_single(actor, job.on_node(node)).await
    }

    /// Gives a worker the rebuild job.
    pub fn register_jobs(&self, worker: &mut Worker) {
        let search = self.clone();
        worker.handle(REINDEX_JOB, move |ctx| {
            let s = search.clone();
            async move {
                ctx.step("indexing the catalogue");
                let c = ctx.clone();
                let progress = move |done: u64, total: u64| c.progress(done, Some(total));
                match s.rebuild(&progress).await {
                    Ok(report) => Ok(Outcome::figures(report)),
                    Err(e) => {
                        s.failed(&e);
                        Err(e)
                    }
                }
            }
        });
    }

    /// Rebuilds the whole index; `progress(done, total)` is called after each batch.
    /// Refused while another rebuild runs in this process.
    pub async fn rebuild(
        &self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<RebuildReport> {
        let _one = self
            .inner
            .rebuilding
            .try_lock()
            .map_err(|_| Error::Conflict {
                field: None,
                message: "a rebuild of the search index is already running".into(),
            })?;
        let started = Instant::now();
        let i = &self.inner;
        let c = &i.collections;
        let from_seq = outbox::last_seq(c.db().conn()).await?;
        self.reload_names().await?;
        let total = c.feed_count(&INDEXER).await?;
        self.set_progress(Some((0, total)));
        let result = self.build(from_seq, total, progress).await;
        self.set_progress(None);
        let live = result?;
        let report = RebuildReport {
            generation: live.generation.name.clone(),
            staff_documents: live.generation.staff.reader.searcher().num_docs(),
            public_documents: live.generation.public.reader.searcher().num_docs(),
            seconds: started.elapsed().as_secs_f64(),
            size_bytes: i.root.size(&live.generation.name),
        };
        i.root.switch_to(&live.generation.name)?;
        if let Ok(mut l) = i.live.write() {
            *l = Some(live);
        }
        tracing::info!(generation = %report.generation, records = report.staff_documents,
            seconds = report.seconds, "search index rebuilt");
        Ok(report)
    }

    fn set_progress(&self, p: Option<(u64, u64)>) {
        if let Ok(mut g) = self.inner.progress.lock() {
            *g = p.map(|(done, total)| Progress {
                done,
                total,
                started_at: g.as_ref().map_or_else(chrono::Utc::now, |x| x.started_at),
            });
        }
    }

    async fn build(
        &self,
        from_seq: i64,
        total: u64,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Arc<Live>> {
        let root = self.inner.root.clone();
        let an = self.inner.an.clone();
        // The staff side indexes on one thread per core (up to four: more only multiply
        // segments and memory), the public side on half as many (1,000,000 records on
        // 2 cores: 2 + 1 threads beat 2 + 2 and 1 + 1, see docs/benchmarks.md).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
        let generation = tokio::task::spawn_blocking(move || root.create_next(&an, threads))
            .await
            .map_err(err)??;
        let live = Arc::new(Live {
            generation,
            applied: AtomicI64::new(from_seq),
        });
        let mut after: Option<Uuid> = None;
        let mut done = 0u64;
        // The next batch is read (a task of its own) while the previous one is analysed.
        let scan = |after: Option<Uuid>| {
            let c = self.inner.collections.clone();
            tokio::spawn(async move { c.feed_scan(&INDEXER, after, BATCH).await })
        };
        let mut next = Some(scan(after));
        while let Some(fetch) = next.take() {
            let batch = fetch.await.map_err(err)??;
            if batch.is_empty() {
                break;
            }
            after = batch.last().map(|r| r.id);
            done += batch.len() as u64;
            let images = self.images_of(batch.iter().map(|r| r.id).collect()).await?;
            let s = self.clone();
            let l = live.clone();
            let work = tokio::task::spawn_blocking(move || -> Result<()> {
                let i = &s.inner;
                for r in &batch {
                    for p in [Projection::Staff, Projection::Public] {
                        if document::included(r, p) {
                            l.generation.side(p).add(document::build(
                                &i.f,
                                r,
                                p,
                                images.get(&r.id).copied(),
                            ))?;
                        }
                    }
                }
                Ok(())
            });
            let fetch_next = scan(after);
            work.await.map_err(err)??;
            next = Some(fetch_next);
            self.set_progress(Some((done, total.max(done))));
            progress(done, total.max(done));
        }
        let l = live.clone();
        tokio::task::spawn_blocking(move || l.generation.commit(from_seq))
            .await
            .map_err(err)??;
        live.applied.store(from_seq, Ordering::Release);
        Ok(live)
    }
}
