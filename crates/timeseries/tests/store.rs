//! The readings store on both engines: answered writes are seen at once, survive a restart
//! without a flush (what kill -9 leaves), fold into day rows without counting anything
//! twice, and come back as charts under the point limit.

use vitrine_kernel::Db;
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_testkit::all_engines;
use vitrine_timeseries::{Batch, DAY_MS, HOUR_MS, MAX_POINTS, Readings};

/// 2026-11-01T00:00:00Z.
const T0: i64 = 1_793_491_200_000;
const OFFSET: i64 = 8 * HOUR_MS;

fn migrations() -> Vec<&'static [vitrine_kernel::migrate::Migration]> {
    vec![KERNEL_MIGRATIONS, vitrine_timeseries::MIGRATIONS]
}

/// `n` one-minute readings of series 1 from `T0`, 20.00, 20.01, …
fn minutes(n: i64) -> Batch {
    let pts = (0..n)
        .map(|i| (T0 + i * 60_000, 20.0 + i as f64 / 100.0))
        .collect();
    Batch::from([(1, pts)])
}

async fn open(db: &Db) -> Readings {
    Readings::open(db.clone(), OFFSET).await.unwrap()
}

#[tokio::test]
async fn test_answered_write_is_queryable_before_a_flush() {
    for t in all_engines(&migrations()).await {
        let r = open(&t.db).await;
        r.write(minutes(90)).await.unwrap();
        let (ts, vals) = r.raw(1, T0, T0 + HOUR_MS).await.unwrap();
        assert_eq!((ts.len(), vals[59]), (60, 20.59), "{}", t.engine);
        assert_eq!(r.pending(), 90, "{}", t.engine);
    }
}

#[tokio::test]
async fn test_unflushed_writes_survive_a_restart() {
    for t in all_engines(&migrations()).await {
        open(&t.db).await.write(minutes(30)).await.unwrap();
        // A second store on the same database is what a restart after kill -9 sees.
        let again = open(&t.db).await;
        let (ts, _) = again.raw(1, T0, T0 + DAY_MS).await.unwrap();
        assert_eq!(ts.len(), 30, "{}", t.engine);
    }
}

#[tokio::test]
async fn test_flush_folds_into_day_rows_and_counts_nothing_twice() {
    for t in all_engines(&migrations()).await {
        let r = open(&t.db).await;
        r.write(minutes(120)).await.unwrap();
        r.flush().await.unwrap();
        // The same times again: the newest write wins, still one reading each.
        let mut newer = minutes(60);
        for p in newer.get_mut(&1).unwrap() {
            p.1 += 1.0;
        }
        r.write(newer).await.unwrap();
        r.flush().await.unwrap();
        let hours = r.hourly(1, T0, T0 + 2 * HOUR_MS).await.unwrap();
        let counts: Vec<u64> = hours.iter().map(|(_, h)| h.count).collect();
        assert_eq!(counts, [60, 60], "{}", t.engine);
        assert_eq!(hours[0].1.min, 21.0, "{}", t.engine);
        assert_eq!(r.pending(), 0, "{}", t.engine);
    }
}

#[tokio::test]
async fn test_chart_of_a_week_of_minutes_is_hourly() {
    for t in all_engines(&migrations()).await {
        let r = open(&t.db).await;
        r.write(minutes(7 * 24 * 60)).await.unwrap();
        r.flush().await.unwrap();
        let c = r.chart(1, T0, T0 + 7 * DAY_MS).await.unwrap();
        assert_eq!(c.resolution, "hour", "{}", t.engine);
        assert_eq!(c.t.len(), 7 * 24, "{}", t.engine);
        assert!(c.t.len() <= MAX_POINTS);
        assert!(c.min.iter().zip(&c.max).all(|(lo, hi)| lo <= hi));
        assert_eq!(c.n.iter().sum::<u64>(), 7 * 24 * 60, "{}", t.engine);
    }
}

#[tokio::test]
async fn test_chart_of_two_hours_is_raw() {
    for t in all_engines(&migrations()).await {
        let r = open(&t.db).await;
        r.write(minutes(120)).await.unwrap();
        let c = r.chart(1, T0, T0 + 2 * HOUR_MS).await.unwrap();
        assert_eq!(
            (c.resolution.as_str(), c.v.len()),
            ("raw", 120),
            "{}",
            t.engine
        );
        assert_eq!(c.v, c.min);
    }
}
