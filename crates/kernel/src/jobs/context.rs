//! What a running job's handler holds: its parameters and checkpoint, and the ways to
//! report progress, write its log, save a checkpoint and learn of a cancel.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::watch;
use uuid::Uuid;

use super::store::{self, Fence};
use super::{Job, Jobs, MAX_LOG_LINES, now_ms};
use crate::error::{Error, FieldError, Result};

/// The handle a job's handler works with. Cheap to clone.
#[derive(Clone)]
pub struct JobContext {
    inner: Arc<Ctx>,
}

pub(crate) struct Ctx {
    pub jobs: Jobs,
    pub fence: Fence,
    pub job: Job,
    pub checkpoint: Option<Value>,
    pub live: Mutex<Live>,
    pub cancel: watch::Receiver<bool>,
    /// The lease was lost: nothing this attempt does will be kept.
    pub lost: AtomicBool,
    pub logged: AtomicU32,
    pub started: Instant,
}

/// Progress as the handler last reported it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Live {
    pub done: i64,
    pub total: Option<i64>,
    pub step: Option<String>,
    /// `done` when this attempt started (the rate counts this attempt's work only).
    pub done_at_start: i64,
}

impl JobContext {
    pub(crate) fn new(ctx: Ctx) -> Self {
        JobContext {
            inner: Arc::new(ctx),
        }
    }

    pub(crate) fn ctx(&self) -> &Ctx {
        &self.inner
    }

    /// The job's id.
    pub fn id(&self) -> Uuid {
        self.inner.job.id
    }

    /// The job as it was claimed.
    pub fn job(&self) -> &Job {
        &self.inner.job
    }

    /// The job's parameters; a mismatch names `params`.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.inner.job.params.clone()).map_err(|e| {
            Error::Invalid(vec![FieldError::new(
                "params",
                "invalid",
                format!("the job's parameters do not fit its kind: {e}"),
            )])
        })
    }

    /// The checkpoint an earlier attempt saved, to resume from.
    pub fn resume_from<T: DeserializeOwned>(&self) -> Option<T> {
        self.inner
            .checkpoint
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
    }

    /// Reports how much is done out of how much (written with the next heartbeat).
    pub fn progress(&self, done: u64, total: Option<u64>) {
        if let Ok(mut l) = self.inner.live.lock() {
            l.done = done as i64;
            l.total = total.map(|t| t as i64);
        }
    }

    /// Says what the job is doing now.
    pub fn step(&self, step: &str) {
        if let Ok(mut l) = self.inner.live.lock() {
            l.step = Some(step.to_owned());
        }
    }

    /// True once a cancel was asked (or the lease was lost): stop at the next safe point.
    pub fn is_cancelled(&self) -> bool {
        *self.inner.cancel.borrow()
    }

    /// `Err` once a cancel was asked: `ctx.check()?` between batches.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Unavailable("the job was cancelled".into()))
        } else {
            Ok(())
        }
    }

    /// Saves a checkpoint (with the progress reported so far): a later attempt resumes
    /// from it. Fails when the lease is lost, so the handler stops.
    pub async fn checkpoint<T: Serialize>(&self, value: &T) -> Result<()> {
        let text = serde_json::to_string(value)
            .map_err(|e| Error::Internal(format!("job checkpoint: {e}")))?;
        let done = self.inner.live.lock().map(|l| l.done).unwrap_or(0);
        let db = self.inner.jobs.db();
        let _turn = db.write_turn().await;
        let kept = store::checkpoint(db.conn(), &self.inner.fence, text, done).await?;
        if kept {
            Ok(())
        } else {
            self.inner.lost.store(true, Ordering::Release);
            Err(Error::Conflict {
                field: None,
                message: "the job's lease was lost; another worker has it".into(),
            })
        }
    }

    /// Adds an informative line to the job's log.
    pub async fn info(&self, message: &str) -> Result<()> {
        self.log("info", message).await
    }

    /// Adds a warning to the job's log.
    pub async fn warn(&self, message: &str) -> Result<()> {
        self.log("warn", message).await
    }

    pub(crate) async fn log(&self, level: &str, message: &str) -> Result<()> {
        let n = self.inner.logged.fetch_add(1, Ordering::AcqRel);
        if n > MAX_LOG_LINES {
            return Ok(());
        }
        let (level, message) = if n == MAX_LOG_LINES {
            ("warn", "further log lines were dropped".to_owned())
        } else {
            (level, crate::excerpt::excerpt_to(message, 2_000))
        };
        let db = self.inner.jobs.db();
        let _turn = db.write_turn().await;
        store::log(db.conn(), self.id(), now_ms(), level, &message).await
    }

    /// Progress and rate (units a second over this attempt) for the heartbeat.
    pub(crate) fn snapshot(&self) -> (i64, Option<i64>, Option<f32>, Option<String>) {
        let l = self
            .inner
            .live
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default();
        let secs = self.inner.started.elapsed().as_secs_f64();
        let rate = (secs > 0.5 && l.done > l.done_at_start)
            .then(|| ((l.done - l.done_at_start) as f64 / secs) as f32);
        (l.done, l.total, rate, l.step)
    }
}
