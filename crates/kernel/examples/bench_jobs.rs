//! Short jobs claimed and finished per second by two workers, each on its own connection
//! pool (as two nodes would be), on SQLite and on PostgreSQL; and a check that no job ran
//! twice. Not a test: figures go in docs/benchmarks.md.
//!
//!     cargo run --release -p vitrine-kernel --example bench_jobs -- [JOBS] [SLOTS]
//!
//! PostgreSQL at `VITRINE_TEST_PG` (default postgres://postgres@127.0.0.1:5432/postgres).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::FromQueryResult;
use uuid::Uuid;
use vitrine_kernel::jobs::{Jobs, NewJob, Outcome, Worker, WorkerSettings};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Db};

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

async fn succeeded(db: &Db) -> i64 {
    vitrine_kernel::sql::fetch_one::<Count>(
        db.conn(),
        "SELECT COUNT(*) AS n FROM jobs WHERE state = 'succeeded'",
        vec![],
    )
    .await
    .ok()
    .flatten()
    .map_or(0, |c| c.n)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let slots: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    println!("| engine | jobs | slots a worker | seconds | jobs/s | ran twice | worker A / B |");
    println!("|---|---|---|---|---|---|---|");
    for t in vitrine_testkit::all_engines(&[KERNEL_MIGRATIONS]).await {
        let jobs = Jobs::new(t.db.clone());
        let batch: Vec<NewJob> = (0..n)
            .map(|i| NewJob::new("tick", serde_json::json!({ "i": i })))
            .collect();
        jobs.enqueue_many(&Actor::System("bench"), batch)
            .await
            .expect("queue");
        let runs: Arc<Mutex<HashMap<Uuid, u32>>> = Arc::default();
        let by: Arc<Mutex<[u64; 2]>> = Arc::default();
        let other = Db::connect(&t.url).await.expect("second pool");
        let started = Instant::now();
        let mut handles = Vec::new();
        for (w, (node, db)) in [("a", t.db.clone()), ("b", other)].into_iter().enumerate() {
            let mut worker = Worker::new(
                Jobs::new(db),
                WorkerSettings {
                    node: node.into(),
                    concurrency: slots,
                    poll: Duration::from_millis(5),
                    ..WorkerSettings::default()
                },
            );
            let (r, b) = (runs.clone(), by.clone());
            worker.handle("tick", move |ctx| {
                let (r, b) = (r.clone(), b.clone());
                async move {
                    *r.lock().unwrap().entry(ctx.id()).or_default() += 1;
                    b.lock().unwrap()[w] += 1;
                    Ok(Outcome::default())
                }
            });
            handles.push(worker.spawn());
        }
        while succeeded(&t.db).await < n as i64 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = started.elapsed().as_secs_f64();
        for h in handles {
            h.stop().await;
        }
        let twice = runs.lock().unwrap().values().filter(|c| **c > 1).count();
        let by = *by.lock().unwrap();
        println!(
            "| {} | {n} | {slots} | {secs:.2} | {:.0} | {twice} | {} / {} |",
            t.engine,
            n as f64 / secs,
            by[0],
            by[1]
        );
    }
}
