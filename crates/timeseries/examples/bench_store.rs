//! The time-series engine on its own, without HTTP: how fast the codec packs and unpacks a
//! day of one-minute readings and what it costs a reading, and how fast the store takes
//! durable writes and folds them into day rows on SQLite. Figures for docs/benchmarks.md:
//!
//!   cargo run --release -p vitrine-timeseries --example bench_store [-- SERIES DAYS]
//!
//! (defaults: 500 series, 2 days of one-minute readings, random walks with 2 decimals).

use std::time::Instant;

use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_timeseries::codec;
use vitrine_timeseries::{Batch, DAY_MS, Readings};

/// 2026-11-01T00:00:00Z.
const T0: i64 = 1_793_491_200_000;

/// A repeatable random walk (xorshift), rounded to 2 decimals as sensors send them.
fn walk(seed: u64, n: usize) -> Vec<f64> {
    let (mut x, mut v) = (seed | 1, 20.0f64);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v += ((x % 21) as f64 - 10.0) / 100.0;
            (v * 100.0).round() / 100.0
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let series = args.first().copied().unwrap_or(500);
    let days = args.get(1).copied().unwrap_or(2);
    let per_day = 1_440;
    let n = per_day * days;
    let ts: Vec<i64> = (0..n as i64).map(|i| T0 + i * 60_000).collect();
    let walks: Vec<Vec<f64>> = (0..series).map(|s| walk(s as u64 + 7, n)).collect();

    // Codec: one day of one series per block, as day rows store them.
    let t = Instant::now();
    let mut bytes = 0usize;
    let mut blocks = Vec::new();
    for w in &walks {
        for d in 0..days {
            let r = d * per_day..(d + 1) * per_day;
            let mut out = Vec::new();
            codec::encode(&ts[r.clone()], &w[r], &mut out);
            bytes += out.len();
            blocks.push(out);
        }
    }
    let enc = t.elapsed().as_secs_f64();
    let total = (series * n) as f64;
    let t = Instant::now();
    let (mut dts, mut dvs) = (Vec::new(), Vec::new());
    for b in &blocks {
        dts.clear();
        dvs.clear();
        codec::decode(b, &mut dts, &mut dvs)?;
    }
    let dec = t.elapsed().as_secs_f64();
    println!(
        "codec: {total} readings, {:.3} bytes a reading, encode {:.1} M readings/s, decode {:.1} M readings/s",
        bytes as f64 / total,
        total / enc / 1e6,
        total / dec / 1e6
    );

    // Store: 5,000-reading batches (one durable write-ahead row each), then a flush.
    let db = vitrine_testkit::sqlite(&[KERNEL_MIGRATIONS, vitrine_timeseries::MIGRATIONS]).await;
    let store = Readings::open(db.db.clone(), 8 * 3_600_000).await?;
    let per_batch = (5_000 / series).max(1);
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + per_batch).min(n);
        let batch: Batch = walks
            .iter()
            .enumerate()
            .map(|(s, w)| (s as i64 + 1, (i..end).map(|k| (ts[k], w[k])).collect()))
            .collect();
        store.write(batch).await?;
        i = end;
    }
    let write = t.elapsed().as_secs_f64();
    let t = Instant::now();
    store.flush().await?;
    let flush = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = store.chart(1, T0, T0 + days as i64 * DAY_MS).await?;
    let chart = t.elapsed().as_secs_f64();
    println!(
        "store (SQLite): write {:.2} M readings/s durable, flush {:.2} M readings/s, a {days}-day chart of one series ({} points, {}) {:.2} ms",
        total / write / 1e6,
        total / flush / 1e6,
        c.t.len(),
        c.resolution,
        chart * 1e3
    );
    Ok(())
}
