//! `vitrine jobs ...`: the background jobs of a museum, listed, followed with a progress
//! bar, cancelled and retried. The command works on the database directly, so it sees the
//! jobs of every node; the nodes' workers run them.

use std::time::Duration;

use anyhow::bail;
use clap::Subcommand;
use uuid::Uuid;
use vitrine_kernel::Actor;
use vitrine_kernel::jobs::{Job, JobFilter, JobState, Jobs};

use crate::media_cli::bar;
use crate::museum::Museum;
use crate::{Where, load};

const CLI: Actor = Actor::System("jobs command");

/// What `vitrine jobs` does.
#[derive(Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    List {
        /// Only this kind (`search.reindex`, `media.fixity`, ...).
        #[arg(long)]
        kind: Option<String>,
        /// Only this state: queued, running, succeeded, failed, cancelled.
        #[arg(long)]
        state: Option<String>,
        /// At most this many (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[command(flatten)]
        at: Where,
    },
    /// Show a job: its progress, result, error and log. `--follow` shows a progress bar
    /// until it ends (the exit code is non-zero if it failed or was cancelled).
    Show {
        /// The job's id.
        id: Uuid,
        /// Follow it until it ends.
        #[arg(long)]
        follow: bool,
        #[command(flatten)]
        at: Where,
    },
    /// Cancel a queued job, or ask a running one to stop.
    Cancel {
        /// The job's id.
        id: Uuid,
        #[command(flatten)]
        at: Where,
    },
    /// Queue a failed or cancelled job again (it resumes from its last checkpoint).
    Retry {
        /// The job's id.
        id: Uuid,
        #[command(flatten)]
        at: Where,
    },
}

/// Runs a `vitrine jobs` command.
pub async fn run(cmd: JobsCommand) -> anyhow::Result<()> {
    let at = match &cmd {
        JobsCommand::List { at, .. }
        | JobsCommand::Show { at, .. }
        | JobsCommand::Cancel { at, .. }
        | JobsCommand::Retry { at, .. } => at.clone(),
    };
    let cfg = load(&at, None)?;
    let museum = Museum::open(&cfg).await?;
    let jobs = museum.jobs.clone();
    let out = match cmd {
        JobsCommand::List {
            kind, state, limit, ..
        } => list(&jobs, kind, state, limit).await,
        JobsCommand::Show { id, follow, .. } => show(&jobs, id, follow).await,
        JobsCommand::Cancel { id, .. } => {
            let j = jobs.cancel(&CLI, id).await?;
            println!(
                "{}",
                if j.state == JobState::Cancelled {
                    "cancelled"
                } else {
                    "asked the worker to stop"
                }
            );
            Ok(())
        }
        JobsCommand::Retry { id, .. } => {
            jobs.retry(&CLI, id).await?;
            println!("queued again");
            Ok(())
        }
    };
    museum.db.close().await?;
    out
}

async fn list(
    jobs: &Jobs,
    kind: Option<String>,
    state: Option<String>,
    limit: u64,
) -> anyhow::Result<()> {
    let mut pairs = vec![("limit".to_owned(), limit.to_string())];
    pairs.extend(kind.map(|k| ("kind".to_owned(), k)));
    pairs.extend(state.map(|s| ("state".to_owned(), s)));
    let filter = JobFilter::from_pairs(&pairs)?;
    let list = jobs.list(&CLI, &filter).await?;
    if list.is_empty() {
        println!("no jobs");
        return Ok(());
    }
    println!(
        "{:<36}  {:<16}  {:<9}  {:>12}  {:<16}  by",
        "id", "kind", "state", "progress", "queued (UTC)"
    );
    for j in &list {
        println!(
            "{:<36}  {:<16}  {:<9}  {:>12}  {:<16}  {}",
            j.id,
            j.kind,
            j.state,
            progress(j),
            j.created_at.format("%Y-%m-%d %H:%M"),
            j.created_by_name
        );
    }
    Ok(())
}

fn progress(j: &Job) -> String {
    match j.progress.total {
        Some(t) => format!("{}/{}", j.progress.done, t),
        None => j.progress.done.to_string(),
    }
}

async fn show(jobs: &Jobs, id: Uuid, follow: bool) -> anyhow::Result<()> {
    let mut j = jobs.get(&CLI, id).await?;
    if follow && !j.state.finished() {
        let b = bar(0, "");
        while !j.state.finished() {
            b.set_length(j.progress.total.unwrap_or(0).max(0) as u64);
            b.set_position(j.progress.done.max(0) as u64);
            b.set_message(format!(
                "{} {}",
                j.state,
                j.progress.step.as_deref().unwrap_or("")
            ));
            tokio::time::sleep(Duration::from_millis(500)).await;
            j = jobs.get(&CLI, id).await?;
        }
        b.finish_and_clear();
    }
    println!("job       {}", j.id);
    println!("kind      {}", j.kind);
    println!("state     {}", j.state);
    println!("progress  {}", progress(&j));
    if let Some(s) = &j.progress.step {
        println!("step      {s}");
    }
    println!("attempts  {} of {}", j.attempts, j.max_attempts);
    println!(
        "queued    {} by {}",
        j.created_at.to_rfc3339(),
        j.created_by_name
    );
    if let Some(f) = j.finished_at {
        println!("finished  {}", f.to_rfc3339());
    }
    if let Some(r) = &j.result {
        println!("result    {r}");
    }
    if j.has_file {
        println!("file      GET /api/v1/jobs/{}/result", j.id);
    }
    if let Some(e) = &j.error {
        println!("error     {e}");
    }
    for line in jobs.log(&CLI, id, 0, 1_000).await? {
        println!(
            "  {} {:<5} {}",
            line.at.format("%H:%M:%S"),
            line.level,
            line.message
        );
    }
    match j.state {
        JobState::Failed if follow => bail!("the job failed"),
        JobState::Cancelled if follow => bail!("the job was cancelled"),
        _ => Ok(()),
    }
}
