//! The worker: claims due jobs of the kinds it has handlers for, runs each with a
//! heartbeat that extends its lease and carries its progress, and records how it ended.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::context::{Ctx, JobContext, Live};
use super::store::{self, End, Fence, Row};
use super::{Jobs, NewJob, Outcome, Schedule, now_ms};
use crate::auth::Actor;
use crate::error::{Error, FieldError, Result};

/// A job kind's work: called with the job's context, returns what it produced.
pub type Handler =
    Arc<dyn Fn(JobContext) -> Pin<Box<dyn Future<Output = Result<Outcome>> + Send>> + Send + Sync>;

/// How a worker runs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// This node's name (jobs pinned to a node run only there).
    pub node: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts without a heartbeat; another worker takes the job after.
    pub lease: Duration,
    /// How often a running job's progress is written and its lease extended.
    pub heartbeat: Duration,
    /// How often to look for due jobs when nothing woke the worker.
    pub poll: Duration,
    /// First retry delay; doubled each attempt.
    pub backoff: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// The museum's time zone, in which schedules are read.
    pub utc_offset: chrono::FixedOffset,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            node: "local".into(),
            concurrency: 2,
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(1),
            poll: Duration::from_millis(500),
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3_600),
            utc_offset: chrono::FixedOffset::east_opt(0).expect("UTC"),
        }
    }
}

/// A worker with its handlers; [`Worker::spawn`] starts it.
pub struct Worker {
    jobs: Jobs,
    settings: WorkerSettings,
    handlers: HashMap<String, Handler>,
    schedules: Vec<Schedule>,
    /// `node/xxxxxx`: the lease owner written on claimed jobs.
    id: String,
}

/// A started worker.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming and waits for the running jobs to end.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Worker {
    /// A worker over `jobs` with no handlers yet.
    pub fn new(jobs: Jobs, settings: WorkerSettings) -> Self {
        let id = format!(
            "{}/{}",
            settings.node,
            hex::encode(crate::ids::random_bytes::<3>())
        );
        Worker {
            jobs,
            settings,
            handlers: HashMap::new(),
            schedules: Vec::new(),
            id,
        }
    }

    /// Runs jobs of a kind this worker handles on a schedule; a kind without a handler
    /// names `schedules.<kind>`.
    pub fn schedule(&mut self, s: Schedule) -> std::result::Result<(), FieldError> {
        if !self.handlers.contains_key(&s.kind) {
            let mut kinds: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
            kinds.sort_unstable();
            return Err(FieldError::new(
                format!("schedules.{}", s.kind),
                "unknown_job_kind",
                format!(
                    "no job of this kind; these can be scheduled: {}",
                    kinds.join(", ")
                ),
            ));
        }
        self.schedules.push(s);
        Ok(())
    }

    /// Queues the runs of the schedules that fell due in `(after, now]`; returns `now`.
    async fn queue_due(
        &self,
        after: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Utc::now();
        for s in &self.schedules {
            let Some(at) = s.due(after, now, self.settings.utc_offset) else {
                continue;
            };
            let job = NewJob {
                unique_key: Some(s.key(at)),
                run_after: Some(at),
                ..NewJob::new(&s.kind, s.params.clone())
            };
            // Every node tries; the unique key lets one run in.
            match self.jobs.enqueue(&Actor::System("schedule"), job).await {
                Ok(Some(j)) => tracing::info!(kind = %s.kind, job = %j.id, "scheduled job queued"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(kind = %s.kind, error = %e, "cannot queue a scheduled job")
                }
            }
        }
        now
    }

    /// Runs jobs of `kind` with `f`.
    pub fn handle<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Outcome>> + Send + 'static,
    {
        self.handlers
            .insert(kind.to_owned(), Arc::new(move |ctx| Box::pin(f(ctx))));
    }

    /// The lease owner this worker writes on jobs (`node/xxxxxx`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Starts claiming and running jobs until stopped.
    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, task }
    }

    /// Claims and runs due jobs until none is left; returns how many it ran. For the CLI
    /// and tests, which want the work done before they go on.
    pub async fn run_until_idle(&self) -> Result<usize> {
        let mut ran = 0;
        loop {
            let rows = self.claim(self.settings.concurrency.max(1) as u64).await?;
            if rows.is_empty() {
                return Ok(ran);
            }
            ran += rows.len();
            let runs: Vec<_> = rows
                .into_iter()
                .map(|r| tokio::spawn(run_one(self.shared(), r)))
                .collect();
            for r in runs {
                let _ = r.await;
            }
        }
    }

    fn shared(&self) -> Arc<Shared> {
        Arc::new(Shared {
            jobs: self.jobs.clone(),
            settings: self.settings.clone(),
            handlers: self.handlers.clone(),
            id: self.id.clone(),
        })
    }

    async fn claim(&self, n: u64) -> Result<Vec<Row>> {
        claim(&self.shared(), n).await
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        let shared = self.shared();
        let slots = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let mut failures = 0u32;
        // Schedules count from the start: runs missed while no node ran are not made up.
        let mut checked = chrono::Utc::now();
        loop {
            if *stopped.borrow() {
                break;
            }
            if !self.schedules.is_empty() {
                checked = self.queue_due(checked).await;
            }
            let free = slots.available_permits() as u64;
            let rows = if free == 0 {
                Vec::new()
            } else {
                match claim(&shared, free).await {
                    Ok(r) => {
                        failures = 0;
                        r
                    }
                    Err(e) => {
                        failures += 1;
                        if failures == 1 || failures.is_power_of_two() {
                            tracing::warn!(error = %e, "jobs: cannot claim");
                        }
                        Vec::new()
                    }
                }
            };
            let full = free > 0 && rows.len() as u64 == free;
            for row in rows {
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    break;
                };
                let s = shared.clone();
                tokio::spawn(async move {
                    run_one(s, row).await;
                    drop(permit);
                });
            }
            if full {
                // More may be due: claim again as soon as a slot frees.
                tokio::select! {
                    p = slots.acquire() => drop(p),
                    _ = stopped.changed() => {}
                }
                continue;
            }
            tokio::select! {
                _ = self.jobs.inner.wake.notified() => {}
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = stopped.changed() => {}
            }
        }
        // Let running jobs end (they stop at their next check if cancelled).
        let all = self.settings.concurrency.max(1) as u32;
        let _ = slots.acquire_many(all).await;
    }
}

struct Shared {
    jobs: Jobs,
    settings: WorkerSettings,
    handlers: HashMap<String, Handler>,
    id: String,
}

async fn claim(s: &Shared, n: u64) -> Result<Vec<Row>> {
    let kinds: Vec<String> = s.handlers.keys().cloned().collect();
    let now = now_ms();
    let lease_until = now + s.settings.lease.as_millis() as i64;
    let db = s.jobs.db();
    let turn = db.write_turn().await;
    let rows = store::claim(
        db.conn(),
        &s.id,
        &s.settings.node,
        &kinds,
        n,
        now,
        lease_until,
    )
    .await?;
    drop(turn);
    if !rows.is_empty() {
        s.jobs.touch();
    }
    Ok(rows)
}

/// Runs one claimed job to its end.
async fn run_one(s: Arc<Shared>, row: Row) {
    let job = row.job();
    let Some(handler) = s.handlers.get(&job.kind).cloned() else {
        return;
    };
    let fence = Fence {
        id: job.id,
        owner: s.id.clone(),
        attempt: row.attempts,
    };
    let (cancel_tx, cancel_rx) = watch::channel(row.cancel_requested);
    let ctx = JobContext::new(Ctx {
        jobs: s.jobs.clone(),
        fence: fence.clone(),
        checkpoint: store::decode_checkpoint(&row),
        live: Mutex::new(Live {
            done: row.done,
            total: row.total,
            step: row.step.clone(),
            done_at_start: row.done,
        }),
        cancel: cancel_rx,
        lost: AtomicBool::new(false),
        logged: AtomicU32::new(0),
        started: Instant::now(),
        job,
    });
    if row.attempts > 1 {
        let _ = ctx
            .info(&format!(
                "attempt {} of {}{}",
                row.attempts,
                row.max_attempts,
                if row.checkpoint.is_some() {
                    ", resuming from the last checkpoint"
                } else {
                    ""
                }
            ))
            .await;
    }
    let beat = tokio::spawn(heartbeat(s.clone(), ctx.clone(), cancel_tx));
    let work = tokio::spawn(handler(ctx.clone())).await;
    beat.abort();
    let result = match work {
        Ok(r) => r,
        Err(e) => Err(Error::Internal(format!("the job's work stopped: {e}"))),
    };
    if let Err(e) = finish(&s, &ctx, result).await {
        tracing::warn!(job = %ctx.id(), error = %e, "jobs: cannot record the end of a job");
    }
    s.jobs.touch();
}

/// Every `heartbeat`: writes the progress, extends the lease, and passes on a cancel (or
/// the loss of the lease) to the handler.
async fn heartbeat(s: Arc<Shared>, ctx: JobContext, cancel: watch::Sender<bool>) {
    let mut tick = tokio::time::interval(s.settings.heartbeat);
    tick.tick().await;
    loop {
        tick.tick().await;
        let (done, total, rate, step) = ctx.snapshot();
        let now = now_ms();
        let lease_until = now + s.settings.lease.as_millis() as i64;
        let r = async {
            let db = s.jobs.db();
            let _turn = db.write_turn().await;
            store::heartbeat(
                db.conn(),
                &ctx.ctx().fence,
                now,
                lease_until,
                done,
                total,
                rate,
                step.as_deref(),
            )
            .await
        }
        .await;
        match r {
            Ok(Some(asked)) => {
                if asked {
                    let _ = cancel.send(true);
                }
                s.jobs.touch();
            }
            Ok(None) => {
                ctx.ctx().lost.store(true, Ordering::Release);
                let _ = cancel.send(true);
                tracing::warn!(job = %ctx.id(), "jobs: lease lost; stopping this attempt");
                return;
            }
            Err(e) => tracing::warn!(job = %ctx.id(), error = %e, "jobs: heartbeat failed"),
        }
    }
}

/// Whether a failure may pass if tried again (an outage), or is the job's own (bad
/// parameters, a missing record).
fn retryable(e: &Error) -> bool {
    matches!(
        e,
        Error::Db(_) | Error::Internal(_) | Error::Unavailable(_) | Error::StorageFull(_)
    )
}

/// The delay before attempt `attempt + 1`: the base doubled per attempt, capped, with a
/// fifth of jitter so retries of many jobs spread out.
pub(crate) fn backoff(settings: &WorkerSettings, attempt: i32) -> Duration {
    backoff_delay(settings.backoff, settings.backoff_max, attempt)
}

/// Exponential backoff: `base` × 2^(attempt − 1), at most `max`, ±20 % jitter. The one
/// retry rule of jobs and webhook deliveries.
pub fn backoff_delay(base: Duration, max: Duration, attempt: i32) -> Duration {
    let exp = base.as_millis() as f64 * 2f64.powi((attempt - 1).clamp(0, 30));
    let capped = exp.min(max.as_millis() as f64);
    let jitter = 1.0 + (rand::random::<f64>() - 0.5) * 0.4;
    Duration::from_millis((capped * jitter) as u64)
}

async fn finish(s: &Shared, ctx: &JobContext, result: Result<Outcome>) -> Result<()> {
    let c = ctx.ctx();
    if c.lost.load(Ordering::Acquire) {
        return Ok(());
    }
    let fence = &c.fence;
    let now = now_ms();
    let (done, total, _, _) = ctx.snapshot();
    let seconds = c.started.elapsed().as_secs_f64();
    let kind = ctx.job().kind.clone();
    let ending = match &result {
        Ok(_) => "succeeded",
        Err(_) if ctx.is_cancelled() => "cancelled",
        Err(e) if retryable(e) && fence.attempt < ctx.job().max_attempts => "retried",
        Err(_) => "failed",
    };
    s.jobs.note_end(&kind, ending, seconds);
    match result {
        Ok(outcome) => {
            let text = serde_json::to_string(&outcome.result)
                .map_err(|e| Error::Internal(format!("job result: {e}")))?;
            let end = End::Succeeded {
                result: text,
                done,
                total,
            };
            let db = s.jobs.db();
            match &outcome.file {
                // The file and the end in one transaction: a result is whole or absent.
                Some(f) => {
                    let w = db.begin_write().await?;
                    if store::finish(&*w, fence, now, end).await? {
                        store::put_file(&*w, fence.id, f).await?;
                    }
                    w.commit().await?;
                }
                None => {
                    let _turn = db.write_turn().await;
                    store::finish(db.conn(), fence, now, end).await?;
                }
            }
        }
        Err(e) => {
            let cancelled = ctx.is_cancelled();
            let message = crate::excerpt::excerpt_to(&e.to_string(), 2_000);
            let end = if cancelled {
                End::Cancelled
            } else if retryable(&e) && fence.attempt < ctx.job().max_attempts {
                let wait = backoff(&s.settings, fence.attempt);
                let _ = ctx
                    .log(
                        "warn",
                        &format!("{message}; trying again in {:.0} s", wait.as_secs_f64()),
                    )
                    .await;
                End::Retry {
                    error: &message,
                    run_after: now + wait.as_millis() as i64,
                }
            } else {
                let _ = ctx.log("error", &message).await;
                End::Failed(&message)
            };
            let db = s.jobs.db();
            let _turn = db.write_turn().await;
            store::finish(db.conn(), fence, now, end).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let s = WorkerSettings {
            backoff: Duration::from_secs(10),
            backoff_max: Duration::from_secs(60),
            ..WorkerSettings::default()
        };
        let first = backoff(&s, 1).as_secs_f64();
        let second = backoff(&s, 2).as_secs_f64();
        assert!((8.0..=12.0).contains(&first), "{first}");
        assert!((16.0..=24.0).contains(&second), "{second}");
        assert!(backoff(&s, 20).as_secs_f64() <= 72.0);
    }
}
