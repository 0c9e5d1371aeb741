//! Background jobs: a table every node's workers claim from with a lease, so long work
//! (reindexing, fixity, pyramids, reports) survives restarts and spreads over nodes.
//!
//! A job is queued with [`Jobs::enqueue`], claimed by a [`Worker`] that has a handler for
//! its kind, and run with a [`JobContext`] that reports progress, writes log lines and
//! checkpoints, and learns of a cancel. The worker extends the lease while the handler
//! runs; when its process dies the lease runs out and another worker takes the job over,
//! handing the handler the last checkpoint. Failures are retried with exponential backoff
//! up to the job's attempts. People see the jobs they started; administrators see all.

mod context;
mod model;
mod schedule;
mod store;
mod worker;

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use uuid::Uuid;

pub use context::JobContext;
pub use model::{Job, JobFilter, JobState, LogLine, NewJob, Outcome, Progress, ResultFile};
pub use schedule::Schedule;
pub use worker::{Handler, Worker, WorkerHandle, WorkerSettings, backoff_delay};

use crate::auth::{Actor, Permission};
use crate::db::Db;
use crate::error::{Error, FieldError, Result};
use crate::ids::new_id;

/// Log lines kept per job; later ones are dropped (a job that logs every record must not
/// fill the database).
pub const MAX_LOG_LINES: u32 = 1_000;

/// The jobs service.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

/// (kind, ending) -> (attempts, seconds in all).
type Endings = std::collections::BTreeMap<(String, &'static str), (u64, f64)>;

struct Inner {
    db: Db,
    /// Attempts this node ended, by (kind, how it ended): count and seconds in all.
    ended: std::sync::Mutex<Endings>,
    /// Woken when a job is queued here, so this node's workers claim it at once.
    wake: Notify,
    /// Ticks whenever a job of this node moves (progress, end): live pages wait on it.
    changed: watch::Sender<u64>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Jobs {
    /// The jobs of a database.
    pub fn new(db: Db) -> Self {
        Jobs {
            inner: Arc::new(Inner {
                db,
                wake: Notify::new(),
                changed: watch::channel(0).0,
                ended: Default::default(),
            }),
        }
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Queues a job for `actor` (who must be staff or the system; the domain that offers
    /// the job checks the permission its work needs). `None` when a job with the same
    /// unique key exists already.
    pub async fn enqueue(&self, actor: &Actor, job: NewJob) -> Result<Option<Job>> {
        if !actor.is_staff() {
            return Err(Error::Unauthenticated);
        }
        if job.kind.trim().is_empty() {
            return Err(Error::Invalid(vec![FieldError::new(
                "kind",
                "required",
                "a job needs a kind",
            )]));
        }
        let id = new_id();
        let now = now_ms();
        let params = serde_json::to_string(&job.params)
            .map_err(|e| Error::Internal(format!("job parameters: {e}")))?;
        let name = actor.name();
        let turn = self.inner.db.write_turn().await;
        let fresh = store::insert(
            self.inner.db.conn(),
            store::Insert {
                id,
                kind: &job.kind,
                params,
                node: job.node.as_deref(),
                created_by: actor.user_id(),
                created_by_name: &name,
                now,
                run_after: job.run_after.map_or(now, |t| t.timestamp_millis()),
                max_attempts: job.max_attempts.max(1),
                unique_key: job.unique_key.as_deref(),
            },
        )
        .await?;
        drop(turn);
        if !fresh {
            return Ok(None);
        }
        self.inner.wake.notify_waiters();
        self.touch();
        let row = store::get(self.inner.db.conn(), id)
            .await?
            .ok_or_else(store::not_found)?;
        Ok(Some(row.job()))
    }

    /// Queues many jobs at once (batch work: one job per record or per file), a few
    /// hundred rows a statement, in one transaction; unique keys are not taken here.
    /// Returns how many were queued.
    pub async fn enqueue_many(&self, actor: &Actor, jobs: Vec<NewJob>) -> Result<u64> {
        if !actor.is_staff() {
            return Err(Error::Unauthenticated);
        }
        if let Some(i) = jobs.iter().position(|j| j.kind.trim().is_empty()) {
            return Err(Error::Invalid(vec![FieldError::new(
                format!("[{i}].kind"),
                "required",
                "a job needs a kind",
            )]));
        }
        let now = now_ms();
        let name = actor.name();
        let params: Vec<String> = jobs
            .iter()
            .map(|j| serde_json::to_string(&j.params))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Internal(format!("job parameters: {e}")))?;
        let rows: Vec<store::Insert<'_>> = jobs
            .iter()
            .zip(params)
            .map(|(j, params)| store::Insert {
                id: new_id(),
                kind: &j.kind,
                params,
                node: j.node.as_deref(),
                created_by: actor.user_id(),
                created_by_name: &name,
                now,
                run_after: j.run_after.map_or(now, |t| t.timestamp_millis()),
                max_attempts: j.max_attempts.max(1),
                unique_key: None,
            })
            .collect();
        let w = self.inner.db.begin_write().await?;
        let mut n = 0;
        for chunk in rows.chunks(500) {
            n += store::insert_many(&*w, chunk).await?;
        }
        w.commit().await?;
        self.inner.wake.notify_waiters();
        self.touch();
        Ok(n)
    }

    /// Queues a job unless one of the same kind (on the same node) is queued or running:
    /// then 409, naming it.
    pub async fn enqueue_single(&self, actor: &Actor, job: NewJob) -> Result<Job> {
        let active = store::active(self.inner.db.conn(), &job.kind, job.node.as_deref()).await?;
        if let Some(j) = active.first() {
            return Err(Error::Conflict {
                field: None,
                message: format!("a {} job is already {} (job {})", j.kind, j.state, j.id),
            });
        }
        self.enqueue(actor, job)
            .await?
            .ok_or_else(|| Error::Internal("a single job had a unique key".into()))
    }

    /// One job the caller may see.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<Job> {
        let row = store::get(self.inner.db.conn(), id)
            .await?
            .ok_or_else(store::not_found)?;
        let job = row.job();
        visible(actor, &job)?;
        Ok(job)
    }

    /// Jobs the caller may see, newest first: everyone's for administrators, one's own
    /// otherwise.
    pub async fn list(&self, actor: &Actor, filter: &JobFilter) -> Result<Vec<Job>> {
        if !actor.is_staff() {
            return Err(Error::Unauthenticated);
        }
        let mut f = filter.clone();
        if !actor.can(Permission::SystemManage) {
            match (actor.user_id(), f.user) {
                (Some(me), Some(u)) if u != me => return Ok(Vec::new()),
                (me, _) => f.user = me,
            }
        }
        Ok(store::list(self.inner.db.conn(), &f)
            .await?
            .iter()
            .map(store::Row::job)
            .collect())
    }

    /// Cancels a queued job at once, or asks the worker of a running one to stop.
    /// 409 when the job has already finished.
    pub async fn cancel(&self, actor: &Actor, id: Uuid) -> Result<Job> {
        let job = self.get(actor, id).await?;
        let w = self.inner.db.begin_write().await?;
        let done = store::cancel(&*w, id, now_ms()).await?;
        w.commit().await?;
        if !done {
            return Err(Error::Conflict {
                field: Some("state".into()),
                message: format!("the job has already {}", job.state.code()),
            });
        }
        self.touch();
        self.get(actor, id).await
    }

    /// Queues a failed or cancelled job again; it resumes from its last checkpoint.
    /// 409 for a job that is queued, running or succeeded.
    pub async fn retry(&self, actor: &Actor, id: Uuid) -> Result<Job> {
        let job = self.get(actor, id).await?;
        let turn = self.inner.db.write_turn().await;
        let done = store::retry(self.inner.db.conn(), id, now_ms()).await?;
        drop(turn);
        if !done {
            return Err(Error::Conflict {
                field: Some("state".into()),
                message: format!(
                    "only a failed or cancelled job can be retried; this one is {}",
                    job.state.code()
                ),
            });
        }
        self.inner.wake.notify_waiters();
        self.touch();
        self.get(actor, id).await
    }

    /// A job's log lines after `after` (a line's `seq`), oldest first.
    pub async fn log(
        &self,
        actor: &Actor,
        id: Uuid,
        after: i64,
        limit: u64,
    ) -> Result<Vec<LogLine>> {
        self.get(actor, id).await?;
        store::log_lines(self.inner.db.conn(), id, after, limit.clamp(1, 1_000)).await
    }

    /// The file a job produced; 404 when it made none.
    pub async fn file(&self, actor: &Actor, id: Uuid) -> Result<ResultFile> {
        self.get(actor, id).await?;
        store::file(self.inner.db.conn(), id)
            .await?
            .ok_or(Error::NotFound {
                what: "job result file",
            })
    }

    /// Jobs queued and running now, as (kind, state, count), across every node.
    pub async fn active_counts(&self) -> Result<Vec<(String, String, u64)>> {
        Ok(store::active_counts(self.inner.db.conn())
            .await?
            .into_iter()
            .map(|c| (c.kind, c.state, c.n.max(0) as u64))
            .collect())
    }

    /// Attempts this node has ended since it started, as (kind, ending, count, seconds
    /// in all); the ending is `succeeded`, `failed`, `cancelled` or `retried`.
    pub fn ended(&self) -> Vec<(String, &'static str, u64, f64)> {
        self.inner
            .ended
            .lock()
            .map(|m| {
                m.iter()
                    .map(|((k, e), (n, s))| (k.clone(), *e, *n, *s))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn note_end(&self, kind: &str, ending: &'static str, seconds: f64) {
        if let Ok(mut m) = self.inner.ended.lock() {
            let e = m.entry((kind.to_owned(), ending)).or_default();
            e.0 += 1;
            e.1 += seconds;
        }
    }

    /// Ticks whenever a job this node knows of moves: live pages wait on it.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.changed.subscribe()
    }

    fn touch(&self) {
        self.inner.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// Refuses a job the caller may not see (404: they need not know it exists).
fn visible(actor: &Actor, job: &Job) -> Result<()> {
    if !actor.is_staff() {
        return Err(Error::Unauthenticated);
    }
    if actor.can(Permission::SystemManage)
        || (job.created_by.is_some() && job.created_by == actor.user_id())
    {
        Ok(())
    } else {
        Err(store::not_found())
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}
