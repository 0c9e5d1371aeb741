//! Background jobs on both engines: claims, leases, retries, cancels, checkpoints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;
use vitrine_kernel::auth::Principal;
use vitrine_kernel::jobs::{
    JobFilter, JobState, Jobs, NewJob, Outcome, ResultFile, Worker, WorkerSettings,
};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Db, Error, Lang, Role};
use vitrine_testkit::all_engines;

const SYSTEM: Actor = Actor::System("test");

fn person(role: Role) -> Actor {
    Actor::User(Principal {
        user_id: Uuid::now_v7(),
        username: format!("{role:?}").to_lowercase(),
        display_name: "Someone".into(),
        role,
        lang: Lang::En,
    })
}

fn fast() -> WorkerSettings {
    WorkerSettings {
        node: "a".into(),
        lease: Duration::from_millis(600),
        heartbeat: Duration::from_millis(100),
        poll: Duration::from_millis(20),
        backoff: Duration::from_millis(20),
        backoff_max: Duration::from_millis(100),
        ..WorkerSettings::default()
    }
}

/// Waits until the job reaches `state` (at most 10 s).
async fn wait_for(jobs: &Jobs, id: Uuid, state: JobState) -> vitrine_kernel::jobs::Job {
    for _ in 0..500 {
        let j = jobs.get(&SYSTEM, id).await.unwrap();
        if j.state == state {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never became {state}");
}

async fn queue(jobs: &Jobs, kind: &str, params: serde_json::Value) -> Uuid {
    jobs.enqueue(&SYSTEM, NewJob::new(kind, params))
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn finished_job_keeps_its_result_progress_and_file() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let mut w = Worker::new(jobs.clone(), fast());
        w.handle("count", |ctx| async move {
            let n: u64 = ctx.params::<serde_json::Value>()?["n"]
                .as_u64()
                .unwrap_or(0);
            ctx.step("counting");
            ctx.progress(n, Some(n));
            ctx.info("counted").await?;
            Ok(Outcome {
                result: json!({ "counted": n }),
                file: Some(ResultFile {
                    name: "count.csv".into(),
                    content_type: "text/csv".into(),
                    body: b"n\n3\n".to_vec(),
                }),
            })
        });
        let id = queue(&jobs, "count", json!({ "n": 3 })).await;
        assert_eq!(w.run_until_idle().await.unwrap(), 1, "{}", t.engine);
        let j = jobs.get(&SYSTEM, id).await.unwrap();
        assert_eq!(j.state, JobState::Succeeded, "{}", t.engine);
        assert_eq!(j.result, Some(json!({ "counted": 3 })));
        assert_eq!((j.progress.done, j.progress.total), (3, Some(3)));
        assert_eq!(j.progress.percent, Some(100.0));
        assert!(j.has_file && j.finished_at.is_some());
        assert_eq!(jobs.file(&SYSTEM, id).await.unwrap().body, b"n\n3\n");
        let log = jobs.log(&SYSTEM, id, 0, 100).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].message, "counted");
    }
}

#[tokio::test]
async fn failing_job_is_retried_then_fails_with_its_error() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let mut w = Worker::new(jobs.clone(), fast());
        w.handle("flaky", |_| async {
            Err(Error::Unavailable("the disk is away".into()))
        });
        let h = w.spawn();
        let id = jobs
            .enqueue(
                &SYSTEM,
                NewJob {
                    max_attempts: 3,
                    ..NewJob::new("flaky", json!({}))
                },
            )
            .await
            .unwrap()
            .unwrap()
            .id;
        let j = wait_for(&jobs, id, JobState::Failed).await;
        h.stop().await;
        assert_eq!(j.attempts, 3, "{}", t.engine);
        assert_eq!(j.error.as_deref(), Some("the disk is away"));
        let log = jobs.log(&SYSTEM, id, 0, 100).await.unwrap();
        let retries = log
            .iter()
            .filter(|l| l.message.contains("trying again"))
            .count();
        assert_eq!(retries, 2, "{}: {log:?}", t.engine);
    }
}

#[tokio::test]
async fn bad_parameters_fail_at_once_without_retry() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let mut w = Worker::new(jobs.clone(), fast());
        w.handle("typed", |ctx| async move {
            let n: u64 = ctx.params()?;
            Ok(Outcome::figures(n))
        });
        let id = queue(&jobs, "typed", json!({ "not": "a number" })).await;
        w.run_until_idle().await.unwrap();
        let j = jobs.get(&SYSTEM, id).await.unwrap();
        assert_eq!((j.state, j.attempts), (JobState::Failed, 1), "{}", t.engine);
        assert!(j.error.unwrap().contains("params"));
    }
}

#[tokio::test]
async fn cancelling_a_queued_job_ends_it_before_it_runs() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let ran = Arc::new(Mutex::new(false));
        let mut w = Worker::new(jobs.clone(), fast());
        let r = ran.clone();
        w.handle("once", move |_| {
            let r = r.clone();
            async move {
                *r.lock().unwrap() = true;
                Ok(Outcome::default())
            }
        });
        let id = queue(&jobs, "once", json!({})).await;
        assert_eq!(
            jobs.cancel(&SYSTEM, id).await.unwrap().state,
            JobState::Cancelled
        );
        w.run_until_idle().await.unwrap();
        assert!(!*ran.lock().unwrap(), "{}", t.engine);
        assert!(matches!(
            jobs.cancel(&SYSTEM, id).await,
            Err(Error::Conflict { .. })
        ));
    }
}

#[tokio::test]
async fn cancelling_a_running_job_stops_it_at_its_next_check() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let mut w = Worker::new(jobs.clone(), fast());
        w.handle("long", |ctx| async move {
            for i in 0..1_000u64 {
                ctx.check()?;
                ctx.progress(i, Some(1_000));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(Outcome::default())
        });
        let h = w.spawn();
        let id = queue(&jobs, "long", json!({})).await;
        wait_for(&jobs, id, JobState::Running).await;
        let asked = jobs.cancel(&SYSTEM, id).await.unwrap();
        assert!(asked.cancel_requested, "{}", t.engine);
        let j = wait_for(&jobs, id, JobState::Cancelled).await;
        h.stop().await;
        assert!(j.progress.done < 1_000, "{}", t.engine);
    }
}

#[tokio::test]
async fn expired_lease_is_taken_over_and_resumes_from_the_checkpoint() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        // Worker A saves a checkpoint, then hangs without heartbeats: as if killed (one
        // slot, so it cannot claim the job again itself).
        let mut a = Worker::new(
            jobs.clone(),
            WorkerSettings {
                heartbeat: Duration::from_secs(3_600),
                concurrency: 1,
                ..fast()
            },
        );
        a.handle("walk", |ctx| async move {
            ctx.progress(5, Some(10));
            ctx.checkpoint(&5u64).await?;
            std::future::pending::<()>().await;
            Ok(Outcome::default())
        });
        let ha = a.spawn();
        let id = queue(&jobs, "walk", json!({})).await;
        wait_for(&jobs, id, JobState::Running).await;
        let resumed = Arc::new(Mutex::new(None));
        let mut b = Worker::new(
            jobs.clone(),
            WorkerSettings {
                node: "b".into(),
                ..fast()
            },
        );
        let r = resumed.clone();
        b.handle("walk", move |ctx| {
            let r = r.clone();
            async move {
                *r.lock().unwrap() = ctx.resume_from::<u64>();
                ctx.progress(10, Some(10));
                Ok(Outcome::figures(json!({ "walked": 10 })))
            }
        });
        let hb = b.spawn();
        let j = wait_for(&jobs, id, JobState::Succeeded).await;
        hb.stop().await;
        drop(ha);
        assert_eq!(*resumed.lock().unwrap(), Some(5), "{}", t.engine);
        assert_eq!(j.attempts, 2);
        let log = jobs.log(&SYSTEM, id, 0, 10).await.unwrap();
        assert!(log[0].message.contains("resuming from the last checkpoint"));
    }
}

#[tokio::test]
async fn two_workers_on_two_handles_run_each_job_once() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let other = Db::connect(&t.url).await.unwrap();
        let runs: Arc<Mutex<HashMap<Uuid, u32>>> = Arc::default();
        let mut handles = Vec::new();
        for (node, db) in [("a", t.db.clone()), ("b", other.clone())] {
            let mut w = Worker::new(
                Jobs::new(db),
                WorkerSettings {
                    node: node.into(),
                    concurrency: 8,
                    ..fast()
                },
            );
            let r = runs.clone();
            w.handle("tick", move |ctx| {
                let r = r.clone();
                async move {
                    *r.lock().unwrap().entry(ctx.id()).or_default() += 1;
                    Ok(Outcome::default())
                }
            });
            handles.push(w.spawn());
        }
        let jobs = Jobs::new(t.db.clone());
        let mut ids = Vec::new();
        for _ in 0..200 {
            ids.push(queue(&jobs, "tick", json!({})).await);
        }
        for id in &ids {
            wait_for(&jobs, *id, JobState::Succeeded).await;
        }
        for h in handles {
            h.stop().await;
        }
        let runs = runs.lock().unwrap();
        assert_eq!(runs.len(), 200, "{}", t.engine);
        assert!(
            runs.values().all(|n| *n == 1),
            "{}: a job ran twice",
            t.engine
        );
    }
}

#[tokio::test]
async fn people_see_their_own_jobs_and_administrators_every_job() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let (reg, cur, admin) = (
            person(Role::Registrar),
            person(Role::Curator),
            person(Role::Admin),
        );
        let mine = jobs
            .enqueue(&reg, NewJob::new("report", json!({})))
            .await
            .unwrap()
            .unwrap();
        jobs.enqueue(&cur, NewJob::new("report", json!({})))
            .await
            .unwrap();
        let seen = jobs.list(&reg, &JobFilter::default()).await.unwrap();
        assert_eq!(
            seen.iter().map(|j| j.id).collect::<Vec<_>>(),
            [mine.id],
            "{}",
            t.engine
        );
        assert_eq!(
            jobs.list(&admin, &JobFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            jobs.get(&cur, mine.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            jobs.cancel(&cur, mine.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            jobs.list(&Actor::Anonymous, &JobFilter::default()).await,
            Err(Error::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn a_unique_key_queues_its_job_once() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let job = NewJob {
            unique_key: Some("fixity@2026-12-07".into()),
            ..NewJob::new("fixity", json!({}))
        };
        assert!(
            jobs.enqueue(&SYSTEM, job.clone()).await.unwrap().is_some(),
            "{}",
            t.engine
        );
        assert!(
            jobs.enqueue(&SYSTEM, job).await.unwrap().is_none(),
            "{}",
            t.engine
        );
    }
}

#[tokio::test]
async fn retrying_a_failed_job_runs_it_again_from_its_checkpoint() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let mut w = Worker::new(jobs.clone(), fast());
        w.handle("half", |ctx| async move {
            match ctx.resume_from::<u64>() {
                None => {
                    ctx.checkpoint(&50u64).await?;
                    Err(Error::Invalid(vec![]))
                }
                Some(at) => Ok(Outcome::figures(json!({ "from": at }))),
            }
        });
        let id = queue(&jobs, "half", json!({})).await;
        w.run_until_idle().await.unwrap();
        assert_eq!(
            jobs.get(&SYSTEM, id).await.unwrap().state,
            JobState::Failed,
            "{}",
            t.engine
        );
        assert!(matches!(
            jobs.retry(&SYSTEM, Uuid::now_v7()).await,
            Err(Error::NotFound { .. })
        ));
        assert_eq!(
            jobs.retry(&SYSTEM, id).await.unwrap().state,
            JobState::Queued
        );
        w.run_until_idle().await.unwrap();
        let j = jobs.get(&SYSTEM, id).await.unwrap();
        assert_eq!(j.state, JobState::Succeeded, "{}", t.engine);
        assert_eq!(j.result, Some(json!({ "from": 50 })));
        assert!(matches!(
            jobs.retry(&SYSTEM, id).await,
            Err(Error::Conflict { .. })
        ));
    }
}

#[test]
fn job_filter_names_each_bad_parameter() {
    let pairs = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    let f =
        JobFilter::from_pairs(&pairs(&[("state", "running"), ("kind", "search.reindex")])).unwrap();
    assert_eq!(f.state, Some(JobState::Running));
    let Err(Error::InvalidParameters(e)) = JobFilter::from_pairs(&pairs(&[
        ("state", "asleep"),
        ("limit", "0"),
        ("user", "x"),
        ("colour", "red"),
    ])) else {
        panic!("accepted bad parameters");
    };
    let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["state", "limit", "user", "colour"]);
}

#[tokio::test]
async fn many_jobs_queue_in_one_call_and_all_run() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let batch = (0..1_200)
            .map(|i| NewJob::new("tick", json!({ "i": i })))
            .collect();
        assert_eq!(
            jobs.enqueue_many(&SYSTEM, batch).await.unwrap(),
            1_200,
            "{}",
            t.engine
        );
        let mut w = Worker::new(
            jobs.clone(),
            WorkerSettings {
                concurrency: 50,
                ..fast()
            },
        );
        w.handle("tick", |_| async { Ok(Outcome::default()) });
        assert_eq!(w.run_until_idle().await.unwrap(), 1_200, "{}", t.engine);
        let f = JobFilter {
            state: Some(JobState::Queued),
            ..JobFilter::default()
        };
        assert!(jobs.list(&SYSTEM, &f).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_schedule_runs_each_occurrence_once_across_two_workers() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let runs: Arc<Mutex<u32>> = Arc::default();
        let mut handles = Vec::new();
        for (node, db) in [
            ("a", t.db.clone()),
            ("b", Db::connect(&t.url).await.unwrap()),
        ] {
            let mut w = Worker::new(
                Jobs::new(db),
                WorkerSettings {
                    node: node.into(),
                    ..fast()
                },
            );
            let r = runs.clone();
            w.handle("tick", move |_| {
                let r = r.clone();
                async move {
                    *r.lock().unwrap() += 1;
                    Ok(Outcome::default())
                }
            });
            // Every second.
            w.schedule(
                vitrine_kernel::jobs::Schedule::parse("schedules.tick", "tick", "* * * * * *")
                    .unwrap(),
            )
            .unwrap();
            handles.push(w.spawn());
        }
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        for h in handles {
            h.stop().await;
        }
        let jobs = Jobs::new(t.db.clone());
        let queued = jobs
            .list(
                &SYSTEM,
                &JobFilter {
                    kind: Some("tick".into()),
                    ..JobFilter::default()
                },
            )
            .await
            .unwrap();
        let ran = *runs.lock().unwrap() as usize;
        assert!(
            (2..=4).contains(&queued.len()),
            "{}: {} runs queued in 3.5 s",
            t.engine,
            queued.len()
        );
        assert_eq!(
            ran,
            queued
                .iter()
                .filter(|j| j.state == JobState::Succeeded)
                .count(),
            "{}",
            t.engine
        );
    }
}

#[test]
fn a_schedule_for_a_kind_nobody_runs_names_it() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = vitrine_testkit::sqlite(&[KERNEL_MIGRATIONS]).await;
        let mut w = Worker::new(Jobs::new(t.db.clone()), fast());
        w.handle("tick", |_| async { Ok(Outcome::default()) });
        let s = vitrine_kernel::jobs::Schedule::parse("schedules.nothing", "nothing", "0 3 * * *")
            .unwrap();
        let e = w.schedule(s).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("schedules.nothing", "unknown_job_kind")
        );
    });
}
