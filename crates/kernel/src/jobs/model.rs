//! What a job is, as callers see it, and the filters and inputs that name jobs.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Error, FieldError, Result};

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker (new, or to be retried after `run_after`).
    Queued,
    /// Claimed by a worker that holds its lease.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Failed on its last attempt (see `error`).
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl JobState {
    /// Every state, in the order of a job's life.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The stored code (`queued`, `running`, ...).
    pub fn code(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// The state stored as `code`.
    pub fn from_code(code: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the job will not change any more (unless retried).
    pub fn finished(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// How far a job has come.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Units of work done (records, files, ...).
    pub done: i64,
    /// Units in all, when known.
    pub total: Option<i64>,
    /// `done / total` as a percentage, when the total is known.
    pub percent: Option<f64>,
    /// Units a second over the current attempt.
    pub rate: Option<f64>,
    /// Seconds left at that rate.
    pub eta_seconds: Option<f64>,
    /// What the job is doing now ("reading masters", ...).
    pub step: Option<String>,
}

impl Progress {
    /// Progress from the stored figures; the percentage and ETA follow from them.
    pub fn new(done: i64, total: Option<i64>, rate: Option<f64>, step: Option<String>) -> Self {
        let percent = total
            .filter(|t| *t > 0)
            .map(|t| (done as f64 * 100.0 / t as f64).clamp(0.0, 100.0));
        let eta_seconds = match (total, rate) {
            (Some(t), Some(r)) if r > 0.0 && t >= done => Some((t - done) as f64 / r),
            _ => None,
        };
        Progress {
            done,
            total,
            percent,
            rate,
            eta_seconds,
            step,
        }
    }
}

/// A background job.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    /// Its id.
    pub id: Uuid,
    /// What it does: `search.reindex`, `media.fixity`, ...
    pub kind: String,
    /// Where it is.
    pub state: JobState,
    /// What it was asked to do.
    #[schema(value_type = Object)]
    pub params: Value,
    /// The node that must run it (work on a node's own files, such as its search index);
    /// none when any node may.
    pub node: Option<String>,
    /// Who started it (none for the system).
    pub created_by: Option<Uuid>,
    /// Their name, as shown in lists.
    pub created_by_name: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Not before this time (retries wait here).
    pub run_after: DateTime<Utc>,
    /// Attempts so far, the running one included.
    pub attempts: i32,
    /// Attempts allowed before it fails.
    pub max_attempts: i32,
    /// The worker holding it now (`node/worker`), while running.
    pub worker: Option<String>,
    /// When its first attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// How far it has come.
    pub progress: Progress,
    /// What it produced (counts, a report), once succeeded.
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// A cancel was asked and the worker has not stopped yet.
    pub cancel_requested: bool,
    /// A file to download at `/api/v1/jobs/{id}/result`.
    pub has_file: bool,
}

/// A job to queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// Its kind (a worker must have a handler for it).
    pub kind: String,
    /// Its parameters, read back by the handler.
    pub params: Value,
    /// Only this node may run it.
    pub node: Option<String>,
    /// Attempts before it fails (at least 1).
    pub max_attempts: i32,
    /// Not before this time.
    pub run_after: Option<DateTime<Utc>>,
    /// At most one job ever carries this key (periodic runs: `kind@period`).
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` with its parameters, any node, three attempts, now.
    pub fn new(kind: &str, params: Value) -> Self {
        NewJob {
            kind: kind.to_owned(),
            params,
            node: None,
            max_attempts: 3,
            run_after: None,
            unique_key: None,
        }
    }

    /// Only `node` may run it.
    pub fn on_node(mut self, node: &str) -> Self {
        self.node = Some(node.to_owned());
        self
    }
}

/// Which jobs to list.
#[derive(Clone, Debug, PartialEq)]
pub struct JobFilter {
    /// Of this kind.
    pub kind: Option<String>,
    /// In this state.
    pub state: Option<JobState>,
    /// Started by this user.
    pub user: Option<Uuid>,
    /// At most this many, newest first (default 50, at most 500).
    pub limit: u64,
}

impl Default for JobFilter {
    fn default() -> Self {
        JobFilter {
            kind: None,
            state: None,
            user: None,
            limit: 50,
        }
    }
}

impl JobFilter {
    /// Reads `kind`, `state`, `user` and `limit` query parameters; unknown ones are
    /// refused, each error naming its parameter.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<JobFilter> {
        let mut f = JobFilter::default();
        let mut errors = Vec::new();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                _ if v.is_empty() => {}
                "kind" => f.kind = Some(v.to_owned()),
                "state" => match JobState::from_code(v) {
                    Some(s) => f.state = Some(s),
                    None => errors.push(FieldError::new(
                        "state",
                        "unknown_value",
                        "state must be queued, running, succeeded, failed or cancelled",
                    )),
                },
                "user" => match Uuid::parse_str(v) {
                    Ok(u) => f.user = Some(u),
                    Err(_) => errors.push(FieldError::new(
                        "user",
                        "invalid_id",
                        "user must be an account id (UUID)",
                    )),
                },
                "limit" => match v.parse::<u64>() {
                    Ok(n) if (1..=500).contains(&n) => f.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        "out_of_range",
                        "limit must be a whole number from 1 to 500",
                    )),
                },
                other => errors.push(FieldError::new(
                    crate::excerpt::excerpt(other),
                    "unknown_parameter",
                    "unknown parameter: use kind, state, user or limit",
                )),
            }
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(Error::InvalidParameters(errors))
        }
    }
}

/// One line a job wrote while it ran.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LogLine {
    /// Its position in the job's log.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// `info`, `warn` or `error`.
    pub level: String,
    /// What it said.
    pub message: String,
}

/// A file a job produced, to download.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultFile {
    /// File name offered to the browser.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// What a finished handler hands back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// Figures to show (counts, a summary).
    pub result: Value,
    /// A file to download, if the job made one.
    pub file: Option<ResultFile>,
}

impl Outcome {
    /// An outcome of figures only.
    pub fn figures(result: impl Serialize) -> Self {
        Outcome {
            result: serde_json::to_value(result).unwrap_or(Value::Null),
            file: None,
        }
    }
}
