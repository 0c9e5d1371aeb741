//! The jobs tables in SQL. Hand-written (see `kernel::sql`): the claim is one conditional
//! UPDATE with a locking subquery, and every write of a running job is fenced by its
//! worker and attempt, so a worker that lost its lease can no longer touch the job.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use uuid::Uuid;

use super::model::{Job, JobFilter, JobState, LogLine, Progress, ResultFile};
use crate::error::{Error, Result};
use crate::sql::{fetch_all, fetch_one, stmt};
use crate::time::ms_time;

/// The columns of a job as read back.
const COLUMNS: &str = "id, kind, state, params, node, created_by, created_by_name, created_at, \
    run_after, attempts, max_attempts, lease_owner, started_at, finished_at, done, total, rate, \
    step, checkpoint, result, error, cancel_requested, \
    (SELECT COUNT(*) FROM job_files f WHERE f.job_id = jobs.id) AS files";

/// A row of `jobs`.
#[derive(Debug, FromQueryResult)]
pub(crate) struct Row {
    pub id: Uuid,
    pub kind: String,
    pub state: String,
    pub params: String,
    pub node: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_by_name: String,
    pub created_at: i64,
    pub run_after: i64,
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_owner: Option<String>,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub done: i64,
    pub total: Option<i64>,
    pub rate: Option<f32>,
    pub step: Option<String>,
    pub checkpoint: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub cancel_requested: bool,
    pub files: i64,
}

impl Row {
    /// The job as callers see it.
    pub fn job(&self) -> Job {
        let json = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
        Job {
            id: self.id,
            kind: self.kind.clone(),
            state: JobState::from_code(&self.state).unwrap_or(JobState::Failed),
            params: json(&self.params),
            node: self.node.clone(),
            created_by: self.created_by,
            created_by_name: self.created_by_name.clone(),
            created_at: ms_time(self.created_at),
            run_after: ms_time(self.run_after),
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            worker: self.lease_owner.clone().filter(|_| self.state == "running"),
            started_at: self.started_at.map(ms_time),
            finished_at: self.finished_at.map(ms_time),
            progress: Progress::new(
                self.done,
                self.total,
                self.rate.map(f64::from).filter(|_| self.state == "running"),
                self.step.clone(),
            ),
            result: self.result.as_deref().map(json),
            error: self.error.clone(),
            cancel_requested: self.cancel_requested && self.state == "running",
            has_file: self.files > 0,
        }
    }
}

/// A new row.
pub(crate) struct Insert<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub params: String,
    pub node: Option<&'a str>,
    pub created_by: Option<Uuid>,
    pub created_by_name: &'a str,
    pub now: i64,
    pub run_after: i64,
    pub max_attempts: i32,
    pub unique_key: Option<&'a str>,
}

/// Queues a job; false when its unique key is taken (the job exists already).
pub(crate) async fn insert(c: &impl ConnectionTrait, j: Insert<'_>) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "INSERT INTO jobs (id, kind, state, params, node, created_by, created_by_name, created_at, \
             run_after, attempts, max_attempts, done, cancel_requested, unique_key) \
             VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, 0, ?, 0, FALSE, ?) ON CONFLICT (unique_key) DO NOTHING",
            vec![
                j.id.into(),
                j.kind.into(),
                j.params.into(),
                j.node.map(str::to_owned).into(),
                j.created_by.into(),
                j.created_by_name.into(),
                j.now.into(),
                j.run_after.into(),
                j.max_attempts.into(),
                j.unique_key.map(str::to_owned).into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Queues many jobs in one statement (no unique keys); returns how many.
pub(crate) async fn insert_many(c: &impl ConnectionTrait, rows: &[Insert<'_>]) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 9);
    for j in rows {
        values.extend([
            j.id.into(),
            j.kind.into(),
            j.params.clone().into(),
            j.node.map(str::to_owned).into(),
            j.created_by.into(),
            j.created_by_name.into(),
            j.now.into(),
            j.run_after.into(),
            j.max_attempts.into(),
        ]);
    }
    let groups = vec!["(?, ?, 'queued', ?, ?, ?, ?, ?, ?, 0, ?, 0, FALSE)"; rows.len()].join(",");
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            &format!(
                "INSERT INTO jobs (id, kind, state, params, node, created_by, created_by_name, created_at, \
                 run_after, attempts, max_attempts, done, cancel_requested) VALUES {groups}"
            ),
            values,
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Claims up to `n` jobs of the given kinds that are due, or whose lease ran out, for
/// `owner` until `lease_until`. Each claim counts as an attempt.
pub(crate) async fn claim(
    c: &impl ConnectionTrait,
    owner: &str,
    node: &str,
    kinds: &[String],
    n: u64,
    now: i64,
    lease_until: i64,
) -> Result<Vec<Row>> {
    if kinds.is_empty() || n == 0 {
        return Ok(Vec::new());
    }
    let backend = c.get_database_backend();
    let lock = match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let due = "((state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_until < ?))";
    let kinds_in = vec!["?"; kinds.len()].join(",");
    let sql = format!(
        "UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, heartbeat_at = ?, \
         attempts = attempts + 1, started_at = COALESCE(started_at, ?), rate = NULL \
         WHERE {due} AND id IN (SELECT id FROM jobs WHERE {due} AND (node IS NULL OR node = ?) \
         AND kind IN ({kinds_in}) ORDER BY run_after, id LIMIT ?{lock}) RETURNING {COLUMNS}"
    );
    let mut values: Vec<Value> = vec![
        owner.into(),
        lease_until.into(),
        now.into(),
        now.into(),
        now.into(),
        now.into(),
        now.into(),
        now.into(),
        node.into(),
    ];
    values.extend(kinds.iter().map(|k| Value::from(k.clone())));
    values.push((n as i64).into());
    Ok(fetch_all(c, &sql, values).await?)
}

/// The fence of a running job: its worker and attempt.
#[derive(Clone, Debug)]
pub(crate) struct Fence {
    pub id: Uuid,
    pub owner: String,
    pub attempt: i32,
}

impl Fence {
    fn values(&self) -> [Value; 3] {
        [
            self.id.into(),
            self.owner.clone().into(),
            self.attempt.into(),
        ]
    }
}

const FENCED: &str = "WHERE id = ? AND lease_owner = ? AND attempts = ? AND state = 'running'";

/// `UPDATE jobs SET … ` fenced by the worker and attempt; false when the lease is lost.
async fn fenced_update(
    c: &impl ConnectionTrait,
    f: &Fence,
    set: &str,
    mut values: Vec<Value>,
) -> Result<bool> {
    values.extend(f.values());
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            &format!("UPDATE jobs SET {set} {FENCED}"),
            values,
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(FromQueryResult)]
struct CancelFlag {
    cancel_requested: bool,
}

/// Extends the lease and stores the progress. `None` when the lease is lost (another
/// worker has the job, or it was finished); else whether a cancel was asked.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn heartbeat(
    c: &impl ConnectionTrait,
    f: &Fence,
    now: i64,
    lease_until: i64,
    done: i64,
    total: Option<i64>,
    rate: Option<f32>,
    step: Option<&str>,
) -> Result<Option<bool>> {
    let mut values: Vec<Value> = vec![
        lease_until.into(),
        now.into(),
        done.into(),
        total.into(),
        rate.into(),
        step.map(str::to_owned).into(),
    ];
    values.extend(f.values());
    let r: Option<CancelFlag> = fetch_one(
        c,
        &format!(
            "UPDATE jobs SET lease_until = ?, heartbeat_at = ?, done = ?, total = ?, rate = ?, step = ? \
             {FENCED} RETURNING cancel_requested"
        ),
        values,
    )
    .await?;
    Ok(r.map(|r| r.cancel_requested))
}

/// Stores a checkpoint with the progress it stands for; false when the lease is lost.
pub(crate) async fn checkpoint(
    c: &impl ConnectionTrait,
    f: &Fence,
    checkpoint: String,
    done: i64,
) -> Result<bool> {
    fenced_update(
        c,
        f,
        "checkpoint = ?, done = ?",
        vec![checkpoint.into(), done.into()],
    )
    .await
}

/// How an attempt ended.
pub(crate) enum End<'a> {
    /// Done, with figures (and maybe a file).
    Succeeded {
        result: String,
        done: i64,
        total: Option<i64>,
    },
    /// Failed for good.
    Failed(&'a str),
    /// Stopped because a cancel was asked.
    Cancelled,
    /// Failed; to be tried again at `run_after`.
    Retry { error: &'a str, run_after: i64 },
}

/// Ends an attempt; false when the lease was lost (nothing is written then).
pub(crate) async fn finish(
    c: &impl ConnectionTrait,
    f: &Fence,
    now: i64,
    end: End<'_>,
) -> Result<bool> {
    let (set, values): (&str, Vec<Value>) = match end {
        End::Succeeded {
            result,
            done,
            total,
        } => (
            "state = 'succeeded', finished_at = ?, result = ?, done = ?, total = ?, \
             error = NULL, lease_owner = NULL, lease_until = NULL, rate = NULL",
            vec![now.into(), result.into(), done.into(), total.into()],
        ),
        End::Failed(error) => (
            "state = 'failed', finished_at = ?, error = ?, lease_owner = NULL, \
             lease_until = NULL, rate = NULL",
            vec![now.into(), error.into()],
        ),
        End::Cancelled => (
            "state = 'cancelled', finished_at = ?, lease_owner = NULL, \
             lease_until = NULL, rate = NULL",
            vec![now.into()],
        ),
        End::Retry { error, run_after } => (
            "state = 'queued', run_after = ?, error = ?, lease_owner = NULL, \
             lease_until = NULL, rate = NULL",
            vec![run_after.into(), error.into()],
        ),
    };
    fenced_update(c, f, set, values).await
}

/// Keeps a job's file.
pub(crate) async fn put_file(c: &impl ConnectionTrait, id: Uuid, file: &ResultFile) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO job_files (job_id, name, content_type, body) VALUES (?, ?, ?, ?)",
        vec![
            id.into(),
            file.name.clone().into(),
            file.content_type.clone().into(),
            file.body.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct FileRow {
    name: String,
    content_type: String,
    body: Vec<u8>,
}

/// A job's file, if it made one.
pub(crate) async fn file(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<ResultFile>> {
    let r: Option<FileRow> = fetch_one(
        c,
        "SELECT name, content_type, body FROM job_files WHERE job_id = ?",
        vec![id.into()],
    )
    .await?;
    Ok(r.map(|r| ResultFile {
        name: r.name,
        content_type: r.content_type,
        body: r.body,
    }))
}

/// One job.
pub(crate) async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Row>> {
    Ok(fetch_one(
        c,
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?"),
        vec![id.into()],
    )
    .await?)
}

/// Jobs matching a filter, newest first.
pub(crate) async fn list(c: &impl ConnectionTrait, f: &JobFilter) -> Result<Vec<Row>> {
    let mut sql = format!("SELECT {COLUMNS} FROM jobs WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    if let Some(k) = &f.kind {
        sql.push_str(" AND kind = ?");
        values.push(k.clone().into());
    }
    if let Some(s) = f.state {
        sql.push_str(" AND state = ?");
        values.push(s.code().into());
    }
    if let Some(u) = f.user {
        sql.push_str(" AND created_by = ?");
        values.push(u.into());
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT ?");
    values.push((f.limit.clamp(1, 500) as i64).into());
    Ok(fetch_all(c, &sql, values).await?)
}

/// Jobs of a kind (on a node) that are queued or running.
pub(crate) async fn active(
    c: &impl ConnectionTrait,
    kind: &str,
    node: Option<&str>,
) -> Result<Vec<Row>> {
    Ok(fetch_all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM jobs WHERE kind = ? AND state IN ('queued', 'running') \
             AND (node = ? OR (node IS NULL AND ? IS NULL)) ORDER BY created_at"
        ),
        vec![
            kind.into(),
            node.map(str::to_owned).into(),
            node.map(str::to_owned).into(),
        ],
    )
    .await?)
}

#[derive(FromQueryResult)]
pub(crate) struct ActiveCount {
    pub kind: String,
    pub state: String,
    pub n: i64,
}

/// How many jobs are queued and running, by kind.
pub(crate) async fn active_counts(c: &impl ConnectionTrait) -> Result<Vec<ActiveCount>> {
    Ok(fetch_all(
        c,
        "SELECT kind, state, COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running') \
         GROUP BY kind, state ORDER BY kind, state",
        vec![],
    )
    .await?)
}

/// Cancels a job: a queued one at once, a running one by asking its worker. Returns
/// false when the job had already finished.
pub(crate) async fn cancel(c: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<bool> {
    let b = c.get_database_backend();
    let queued = c
        .execute_raw(stmt(
            b,
            "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'queued'",
            vec![now.into(), id.into()],
        ))
        .await?;
    if queued.rows_affected() == 1 {
        return Ok(true);
    }
    let running = c
        .execute_raw(stmt(
            b,
            "UPDATE jobs SET cancel_requested = TRUE WHERE id = ? AND state = 'running'",
            vec![id.into()],
        ))
        .await?;
    Ok(running.rows_affected() == 1)
}

/// Queues a failed or cancelled job again, from its checkpoint, with a fresh set of
/// attempts. False when the job is not failed or cancelled.
pub(crate) async fn retry(c: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE jobs SET state = 'queued', run_after = ?, attempts = 0, finished_at = NULL, \
             cancel_requested = FALSE, error = NULL WHERE id = ? AND state IN ('failed', 'cancelled')",
            vec![now.into(), id.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds a line to a job's log.
pub(crate) async fn log(
    c: &impl ConnectionTrait,
    id: Uuid,
    now: i64,
    level: &str,
    message: &str,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO job_log (job_id, at, level, message) VALUES (?, ?, ?, ?)",
        vec![id.into(), now.into(), level.into(), message.into()],
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct LogRow {
    seq: i64,
    at: i64,
    level: String,
    message: String,
}

/// A job's log lines after `after`, oldest first, at most `limit`.
pub(crate) async fn log_lines(
    c: &impl ConnectionTrait,
    id: Uuid,
    after: i64,
    limit: u64,
) -> Result<Vec<LogLine>> {
    let rows: Vec<LogRow> = fetch_all(
        c,
        "SELECT seq, at, level, message FROM job_log WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        vec![id.into(), after.into(), (limit as i64).into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LogLine {
            seq: r.seq,
            at: ms_time(r.at),
            level: r.level,
            message: r.message,
        })
        .collect())
}

/// The checkpoint a job holds, read by the worker that claimed it.
pub(crate) fn decode_checkpoint(row: &Row) -> Option<serde_json::Value> {
    row.checkpoint
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
}

/// An error for a job the caller may not see.
pub(crate) fn not_found() -> Error {
    Error::NotFound { what: "job" }
}
