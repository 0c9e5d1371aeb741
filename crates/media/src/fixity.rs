//! Fixity: every master checked against the SHA-256 it was stored under, directly or as
//! a background job that checkpoints and leaves a CSV report to download.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use vitrine_kernel::csv::{Cell, CsvWriter};
use vitrine_kernel::jobs::{Job, JobContext, Jobs, NewJob, Outcome, ResultFile, Worker};
use vitrine_kernel::{Actor, Permission, Result};

use crate::intake::checksum;
use crate::service::*;
use crate::store::{self};

/// The job kind of a fixity check of every master.
pub const FIXITY_JOB: &str = "media.fixity";

/// Masters checked between two checkpoints.
const CHECKPOINT_EVERY: usize = 100;

/// Where a fixity job has come to: the next master in the list, and what it found.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Checkpoint {
    next: usize,
    problems: Vec<FixityProblem>,
}

/// What a fixity job found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FixityReport {
    /// Masters checked.
    pub checked: u64,
    /// Masters missing, unreadable or changed (listed in the CSV report).
    pub problems: u64,
}

impl Media {
    /// Checks every master against its SHA-256; `progress(done, total)` after each.
    pub async fn verify(
        &self,
        actor: &Actor,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Vec<FixityProblem>> {
        actor.require(Permission::SystemManage)?;
        let list = store::fixity_list(self.inner.db.conn()).await?;
        let total = list.len() as u64;
        let mut problems = Vec::new();
        for (i, master) in list.into_iter().enumerate() {
            problems.extend(self.check_master(master).await?);
            progress(i as u64 + 1, total);
        }
        Ok(problems)
    }

    /// Queues a fixity check of every master as a background job (administrators); 409
    /// while one is queued or running.
    pub async fn start_fixity(&self, actor: &Actor, jobs: &Jobs) -> Result<Job> {
        actor.require(Permission::SystemManage)?;
        jobs.enqueue_single(actor, NewJob::new(FIXITY_JOB, serde_json::json!({})))
            .await
    }

    /// Gives a worker the media library's jobs.
    pub fn register_jobs(&self, worker: &mut Worker) {
        let media = self.clone();
        worker.handle(FIXITY_JOB, move |ctx| {
            let m = media.clone();
            async move { m.fixity_job(ctx).await }
        });
    }

    async fn fixity_job(&self, ctx: JobContext) -> Result<Outcome> {
        let list = store::fixity_list(self.inner.db.conn()).await?;
        let total = list.len();
        let mut cp: Checkpoint = ctx.resume_from().unwrap_or_default();
        ctx.step("checking masters");
        for (i, master) in list.into_iter().enumerate().skip(cp.next) {
            ctx.check()?;
            cp.problems.extend(self.check_master(master).await?);
            ctx.progress(i as u64 + 1, Some(total as u64));
            if (i + 1) % CHECKPOINT_EVERY == 0 && i + 1 < total {
                cp.next = i + 1;
                ctx.checkpoint(&cp).await?;
            }
        }
        let mut csv = CsvWriter::with_bom();
        csv.header(&["problem", "identifier", "id", "path"])?;
        for p in &cp.problems {
            let id = p.id.to_string();
            csv.row(&[
                Cell::Text(&p.problem),
                Cell::Text(&p.identifier),
                Cell::Text(&id),
                Cell::Text(&p.path),
            ])?;
        }
        for p in cp.problems.iter().take(20) {
            ctx.warn(&format!("{} {} ({})", p.problem, p.identifier, p.path))
                .await?;
        }
        Ok(Outcome {
            result: serde_json::to_value(FixityReport {
                checked: total as u64,
                problems: cp.problems.len() as u64,
            })
            .unwrap_or_default(),
            file: Some(ResultFile {
                name: "vitrine-fixity.csv".into(),
                content_type: "text/csv; charset=utf-8".into(),
                body: csv.finish()?,
            }),
        })
    }

    /// The problem with one master, if it has one.
    async fn check_master(
        &self,
        (id, identifier, rel, sha): (Uuid, String, String, String),
    ) -> Result<Option<FixityProblem>> {
        let path = self.inner.root.join(&rel);
        let found = blocking(move || Ok(checksum(&path))).await?;
        let problem = match found {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "missing",
            Err(_) => "unreadable",
            Ok((s, _)) if s != sha => "changed",
            Ok(_) => return Ok(None),
        };
        Ok(Some(FixityProblem {
            id,
            identifier,
            problem: problem.into(),
            path: format!("media/{rel}"),
        }))
    }
}
