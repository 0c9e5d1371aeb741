//! Outbox → webhook deliveries to a local receiver, on SQLite and on PostgreSQL: events
//! written at a steady rate while the dispatcher runs; deliveries a second, the time from
//! commit to receipt, and every event counted (lost, duplicated). With `FAIL` the
//! receiver refuses that share of requests (HTTP 500) and every event must still arrive.
//! Not a test: figures go in docs/benchmarks.md.
//!
//!     cargo run --release -p vitrine-bus --example bench_webhooks -- [EVENTS] [RATE] [SUBS] [FAIL]
//!
//! `VITRINE_BENCH_ENGINE=sqlite|postgres` runs one engine; PostgreSQL at `VITRINE_TEST_PG`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use vitrine_bus::webhooks::{NewWebhook, WebhookSettings, Webhooks};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, audit, outbox};

/// What the receiver saw.
struct Seen {
    base: AtomicU64,
    /// Times each (subscription, event) was accepted.
    counts: Vec<Vec<AtomicU8>>,
    /// Milliseconds from commit to receipt of each first acceptance.
    latencies: std::sync::Mutex<Vec<u32>>,
    requests: AtomicU64,
    refused: AtomicU64,
    last_receipt: std::sync::Mutex<Instant>,
    fail_per_1024: u64,
}

async fn receive(
    State(seen): State<Arc<Seen>>,
    Path(sub): Path<usize>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let n = seen.requests.fetch_add(1, Ordering::Relaxed);
    // A fixed scramble of the request number: the same share refused on every run.
    if seen.fail_per_1024 > 0 && n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54 < seen.fail_per_1024 {
        seen.refused.fetch_add(1, Ordering::Relaxed);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let Some(seq) = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("msg_"))
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return StatusCode::BAD_REQUEST;
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let i = (seq - seen.base.load(Ordering::Relaxed) - 1) as usize;
    let before = seen.counts[sub][i].fetch_add(1, Ordering::Relaxed);
    if before == 0 {
        let at = v["timestamp"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        if let Some(at) = at {
            let ms = (chrono::Utc::now() - at.to_utc()).num_milliseconds().max(0);
            seen.latencies.lock().unwrap().push(ms as u32);
        }
    }
    *seen.last_receipt.lock().unwrap() = Instant::now();
    StatusCode::NO_CONTENT
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rate: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(6_000);
    let subs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let fail: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0.0);
    let only = std::env::var("VITRINE_BENCH_ENGINE").ok();
    println!(
        "| engine | events | written/s | subscriptions | refused | seconds | deliveries/s | p50 ms | p99 ms | max ms | lost | duplicated |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for t in vitrine_testkit::all_engines(&[KERNEL_MIGRATIONS, vitrine_bus::MIGRATIONS]).await {
        if only.as_deref().is_some_and(|o| o != t.engine) {
            continue;
        }
        let seen = Arc::new(Seen {
            base: AtomicU64::new(0),
            counts: (0..subs)
                .map(|_| (0..n).map(|_| AtomicU8::new(0)).collect())
                .collect(),
            latencies: std::sync::Mutex::new(Vec::with_capacity(n * subs)),
            requests: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            last_receipt: std::sync::Mutex::new(Instant::now()),
            fail_per_1024: (fail * 1_024.0) as u64,
        });
        let app = axum::Router::new()
            .route("/hooks/{sub}", post(receive))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let hooks = Webhooks::new(
            t.db.clone(),
            WebhookSettings {
                allow_private: true,
                backoff: Duration::from_millis(10),
                backoff_max: Duration::from_millis(100),
                ..WebhookSettings::default()
            },
        )
        .unwrap();
        let admin = Actor::System("bench");
        for s in 0..subs {
            hooks
                .create(
                    &admin,
                    NewWebhook {
                        url: format!("http://127.0.0.1:{port}/hooks/{s}"),
                        events: vec!["object.*".into()],
                    },
                )
                .await
                .unwrap();
        }
        seen.base.store(
            outbox::last_seq(t.db.conn()).await.unwrap() as u64,
            Ordering::Relaxed,
        );
        let dispatcher = hooks.spawn_dispatcher();
        let started = Instant::now();
        // Writes `rate` events a second, in a transaction every 20 ms.
        let per_tick = (rate / 50).max(1);
        let mut written = 0;
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        while written < n {
            tick.tick().await;
            let w = t.db.begin_write().await.unwrap();
            for _ in 0..per_tick.min(n - written) {
                let id = uuid::Uuid::now_v7();
                audit::publish(
                    &*w,
                    "object.updated",
                    "object",
                    Some(id),
                    json!({"id": id, "version": 2}),
                )
                .await
                .unwrap();
                written += 1;
            }
            w.commit().await.unwrap();
        }
        let wrote_secs = started.elapsed().as_secs_f64();
        let arrived = |seen: &Seen| {
            seen.counts
                .iter()
                .flatten()
                .filter(|c| c.load(Ordering::Relaxed) > 0)
                .count()
        };
        // Until every event arrived, or nothing came for 30 s.
        while arrived(&seen) < n * subs
            && seen.last_receipt.lock().unwrap().elapsed() < Duration::from_secs(30)
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let secs = seen
            .last_receipt
            .lock()
            .unwrap()
            .duration_since(started)
            .as_secs_f64();
        dispatcher.abort();
        server.abort();
        let got = arrived(&seen);
        let dup = seen
            .counts
            .iter()
            .flatten()
            .filter(|c| c.load(Ordering::Relaxed) > 1)
            .count();
        let mut lat = std::mem::take(&mut *seen.latencies.lock().unwrap());
        lat.sort_unstable();
        println!(
            "| {} | {n} | {:.0} | {subs} | {:.0} % ({}) | {secs:.1} | {:.0} | {} | {} | {} | {} | {dup} |",
            t.engine,
            n as f64 / wrote_secs,
            fail * 100.0,
            seen.refused.load(Ordering::Relaxed),
            got as f64 / secs,
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat.last().copied().unwrap_or(0),
            n * subs - got,
        );
    }
}
