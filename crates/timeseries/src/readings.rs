//! The readings store. An answered write is durable: its readings are committed, compressed,
//! as one row of `env_wal` before the answer, and kept in memory (the head) where queries see
//! them at once. A flusher folds the head into one row per series and day in `env_days`
//! (compressed readings plus hourly rollups, and the day's rollup in columns) and deletes the
//! write-ahead rows in the same transaction, so a crash at any point loses nothing and
//! counts nothing twice: on start, the rows left in `env_wal` are read back into the head.
//! The same series and time is one reading; the newest write wins, also across flushes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sea_orm::{ConnectionTrait, QueryResult, Value};
use tokio::sync::{Notify, RwLock};
use vitrine_kernel::{Db, Error, Result};

use crate::codec::{self, Corrupt};
use crate::rollup::{self, DAY_MS, Rollup};
use vitrine_kernel::sql::{groups, stmt};

/// A series: one metric of one sensor.
pub type SeriesId = i64;

/// Readings to store, per series, in arrival order (a later reading of the same time wins).
pub type Batch = HashMap<SeriesId, Vec<(i64, f64)>>;

/// Readings of several series, each in arrival order.
type SeriesPoints = Vec<(SeriesId, Vec<(i64, f64)>)>;

/// A reading in memory: time (ms), write sequence (newest wins), value.
type Point = (i64, i64, f64);

#[derive(Default)]
struct Head {
    points: HashMap<SeriesId, Vec<Point>>,
    wal_ids: Vec<i64>,
    values: usize,
}

/// Counters for `/metrics`.
#[derive(Default, Debug)]
pub struct StoreStats {
    /// Readings durably written.
    pub values_written: AtomicU64,
    /// Write-ahead rows committed.
    pub wal_rows: AtomicU64,
    /// Flushes done.
    pub flushes: AtomicU64,
    /// Readings folded into day rows.
    pub values_flushed: AtomicU64,
    /// Flushes that failed (retried).
    pub flush_errors: AtomicU64,
}

/// The store: durable writes, queries that see every answered write, background flushing.
#[derive(Clone)]
pub struct Readings {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    offset_ms: i64,
    flush_at: usize,
    head: Mutex<Head>,
    flushing: Mutex<Option<Arc<Head>>>,
    /// Queries read the head and the tables under a read guard; a flush commits under the
    /// write guard, so a query never misses readings that move from memory to the table.
    gate: RwLock<()>,
    flush_one: tokio::sync::Mutex<()>,
    wake: Notify,
    stats: StoreStats,
}

/// One stored day of a series, as read back.
#[derive(Clone, Debug, Default)]
struct StoredDay {
    rollup: Option<Rollup>,
    points: Option<Vec<u8>>,
    hours: Option<Vec<u8>>,
    exists: bool,
}

/// What a day holds after folding new readings in.
struct DayContent {
    points: Option<(Vec<i64>, Vec<f64>)>,
    hours: Vec<(i64, Rollup)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them half-changed (plain pushes and
    // swaps), so a poisoned lock is still safe to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn corrupt(e: Corrupt) -> Error {
    Error::Internal(format!("stored readings are damaged: {}", e.0))
}

impl Readings {
    /// Opens the store and reads back writes that were not yet flushed. `offset_ms` is the
    /// museum's UTC offset: days (and daily rollups) run from local midnight.
    pub async fn open(db: Db, offset_ms: i64) -> Result<Readings> {
        let r = Readings {
            inner: Arc::new(Inner {
                db,
                offset_ms,
                flush_at: 1_000_000,
                head: Mutex::new(Head::default()),
                flushing: Mutex::new(None),
                gate: RwLock::new(()),
                flush_one: tokio::sync::Mutex::new(()),
                wake: Notify::new(),
                stats: StoreStats::default(),
            }),
        };
        r.replay().await?;
        Ok(r)
    }

    /// The counters.
    pub fn stats(&self) -> &StoreStats {
        &self.inner.stats
    }

    /// The UTC offset days are aligned to.
    pub fn offset_ms(&self) -> i64 {
        self.inner.offset_ms
    }

    async fn replay(&self) -> Result<()> {
        let db = &self.inner.db;
        let rows = db
            .conn()
            .query_all_raw(stmt(
                db.backend(),
                "SELECT id, payload FROM env_wal ORDER BY id",
                vec![],
            ))
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut head = lock(&self.inner.head);
        for row in &rows {
            let id: i64 = row.try_get("", "id")?;
            let payload: Vec<u8> = row.try_get("", "payload")?;
            let batch = decode_wal(&payload).map_err(corrupt)?;
            push(&mut head, id, batch);
        }
        tracing::info!(
            rows = rows.len(),
            values = head.values,
            "readings: replayed write-ahead rows"
        );
        Ok(())
    }

    /// Stores a batch durably; returns the number of readings. The readings are visible to
    /// queries when this returns.
    pub async fn write(&self, batch: Batch) -> Result<usize> {
        let mut sorted: SeriesPoints = batch.into_iter().collect();
        sorted.sort_unstable_by_key(|(s, _)| *s);
        let mut payload = Vec::new();
        let mut n = 0usize;
        for (s, pts) in &mut sorted {
            newest_per_time(pts);
            n += pts.len();
            codec::put_ivarint(&mut payload, *s);
            let (ts, vals): (Vec<i64>, Vec<f64>) = pts.iter().copied().unzip();
            codec::encode(&ts, &vals, &mut payload);
        }
        if n == 0 {
            return Ok(0);
        }
        let db = &self.inner.db;
        let txn = db.begin_write().await?;
        let row = txn
            .query_one_raw(stmt(
                db.backend(),
                "INSERT INTO env_wal (n_values, payload) VALUES (?, ?) RETURNING id",
                vec![(n as i64).into(), payload.into()],
            ))
            .await?
            .ok_or_else(|| Error::Internal("write-ahead insert returned no id".into()))?;
        let id: i64 = row.try_get("", "id")?;
        txn.commit().await?;
        let due = {
            let mut head = lock(&self.inner.head);
            push(&mut head, id, sorted);
            head.values >= self.inner.flush_at
        };
        self.inner
            .stats
            .values_written
            .fetch_add(n as u64, Ordering::Relaxed);
        self.inner.stats.wal_rows.fetch_add(1, Ordering::Relaxed);
        if due {
            self.inner.wake.notify_one();
        }
        Ok(n)
    }

    /// Readings not yet folded into day rows.
    pub fn pending(&self) -> usize {
        lock(&self.inner.head).values
    }

    /// Runs the flusher until the process ends: every `every`, or sooner when the head is big.
    pub fn spawn_flusher(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(every, me.inner.wake.notified()).await;
                if let Err(e) = me.flush().await {
                    me.inner.stats.flush_errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "readings: flush failed; will retry");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        })
    }

    /// Folds everything in memory into day rows now; returns the number of readings folded.
    pub async fn flush(&self) -> Result<usize> {
        let _one = self.inner.flush_one.lock().await;
        let taken = {
            let mut head = lock(&self.inner.head);
            if head.values == 0 {
                return Ok(0);
            }
            Arc::new(std::mem::take(&mut *head))
        };
        *lock(&self.inner.flushing) = Some(taken.clone());
        match self.write_out(&taken).await {
            Ok(()) => {
                self.inner.stats.flushes.fetch_add(1, Ordering::Relaxed);
                self.inner
                    .stats
                    .values_flushed
                    .fetch_add(taken.values as u64, Ordering::Relaxed);
                Ok(taken.values)
            }
            Err(e) => {
                // Put the readings back under newer ones so the next flush retries them.
                let mut head = lock(&self.inner.head);
                let newer = std::mem::take(&mut *head);
                for (s, pts) in &taken.points {
                    head.points.entry(*s).or_default().extend_from_slice(pts);
                }
                head.wal_ids.extend_from_slice(&taken.wal_ids);
                head.values = taken.values;
                for (s, pts) in newer.points {
                    head.points.entry(s).or_default().extend(pts);
                }
                head.wal_ids.extend(newer.wal_ids);
                head.values += newer.values;
                *lock(&self.inner.flushing) = None;
                Err(e)
            }
        }
    }

    async fn write_out(&self, taken: &Arc<Head>) -> Result<()> {
        let offset = self.inner.offset_ms;
        let mut keys: Vec<(SeriesId, i64)> = Vec::new();
        for (s, pts) in &taken.points {
            let mut days: Vec<i64> = pts
                .iter()
                .map(|p| rollup::floor_to(p.0, DAY_MS, offset))
                .collect();
            days.sort_unstable();
            days.dedup();
            keys.extend(days.into_iter().map(|d| (*s, d)));
        }
        let existing = self.load_days(&keys).await?;
        let taken2 = taken.clone();
        let rows = tokio::task::spawn_blocking(move || build_rows(&taken2, existing, offset))
            .await
            .map_err(|e| Error::Internal(format!("flush worker failed: {e}")))??;

        let db = &self.inner.db;
        let backend = db.backend();
        let txn = db.begin_write().await?;
        for chunk in rows.chunks(400) {
            let mut values = Vec::with_capacity(chunk.len() * 12);
            for r in chunk {
                values.extend(r.values());
            }
            let sql = format!(
                "INSERT INTO env_days (series_id, day, n, vmin, vmax, vsum, integral, covered_ms, \
                 first_ms, last_ms, points, hours) VALUES {} ON CONFLICT (series_id, day) DO UPDATE SET \
                 n = excluded.n, vmin = excluded.vmin, vmax = excluded.vmax, vsum = excluded.vsum, \
                 integral = excluded.integral, covered_ms = excluded.covered_ms, \
                 first_ms = excluded.first_ms, last_ms = excluded.last_ms, \
                 points = excluded.points, hours = excluded.hours",
                groups(chunk.len(), 12)
            );
            txn.execute_raw(stmt(backend, &sql, values)).await?;
        }
        for ids in taken.wal_ids.chunks(1000) {
            let sql = format!(
                "DELETE FROM env_wal WHERE id IN ({})",
                vec!["?"; ids.len()].join(",")
            );
            txn.execute_raw(stmt(backend, &sql, ids.iter().map(|&i| i.into()).collect()))
                .await?;
        }
        let _gate = self.inner.gate.write().await;
        txn.commit().await?;
        *lock(&self.inner.flushing) = None;
        Ok(())
    }

    async fn load_days(
        &self,
        keys: &[(SeriesId, i64)],
    ) -> Result<HashMap<(SeriesId, i64), StoredDay>> {
        let db = &self.inner.db;
        let mut out = HashMap::new();
        for chunk in keys.chunks(400) {
            let sql = format!(
                "SELECT series_id, day, n, vmin, vmax, vsum, integral, covered_ms, first_ms, last_ms, \
                 points, hours FROM env_days WHERE (series_id, day) IN ({})",
                groups(chunk.len(), 2)
            );
            let values = chunk
                .iter()
                .flat_map(|(s, d)| [Value::from(*s), Value::from(*d)])
                .collect();
            for row in db
                .conn()
                .query_all_raw(stmt(db.backend(), &sql, values))
                .await?
            {
                let s: i64 = row.try_get("", "series_id")?;
                let d: i64 = row.try_get("", "day")?;
                out.insert((s, d), stored_day(&row, true)?);
            }
        }
        Ok(out)
    }

    /// Readings of a series in memory (not yet flushed) within `[from, to)`, sorted, newest per time.
    fn overlay(&self, series: SeriesId, from: i64, to: i64) -> Vec<Point> {
        let mut out: Vec<Point> = Vec::new();
        let mut take = |h: &Head| {
            if let Some(pts) = h.points.get(&series) {
                out.extend(pts.iter().filter(|p| p.0 >= from && p.0 < to));
            }
        };
        if let Some(f) = lock(&self.inner.flushing).as_ref() {
            take(f);
        }
        take(&lock(&self.inner.head));
        sort_newest(&mut out);
        out
    }

    /// Raw readings of a series in `[from, to)`: times (ms) and values.
    pub async fn raw(&self, series: SeriesId, from: i64, to: i64) -> Result<(Vec<i64>, Vec<f64>)> {
        let days = self.days_content(series, from, to, Want::Points).await?;
        let (mut ts, mut vals) = (Vec::new(), Vec::new());
        for (_, c) in days {
            if let Some((t, v)) = c.points {
                for (t, v) in t.into_iter().zip(v) {
                    if t >= from && t < to {
                        ts.push(t);
                        vals.push(v);
                    }
                }
            }
        }
        Ok((ts, vals))
    }

    /// Hourly rollups of a series for hours starting in `[from, to)`.
    pub async fn hourly(&self, series: SeriesId, from: i64, to: i64) -> Result<Vec<(i64, Rollup)>> {
        let days = self.days_content(series, from, to, Want::Hours).await?;
        Ok(days
            .into_iter()
            .flat_map(|(_, c)| c.hours)
            .filter(|(h, _)| *h >= from && *h < to)
            .collect())
    }

    /// Daily rollups (local days) of a series for days starting in `[from, to)`.
    pub async fn daily(&self, series: SeriesId, from: i64, to: i64) -> Result<Vec<(i64, Rollup)>> {
        let days = self.days_content(series, from, to, Want::Day).await?;
        Ok(days
            .into_iter()
            .filter(|(d, _)| *d >= from && *d < to)
            .filter_map(|(d, c)| rollup::combine(c.hours.iter().map(|(_, r)| r)).map(|r| (d, r)))
            .collect())
    }

    /// How many readings a series has in `[from, to)`, counted from daily rollups (whole
    /// days at the edges), for choosing a chart's resolution.
    pub async fn estimate_count(&self, series: SeriesId, from: i64, to: i64) -> Result<u64> {
        let days = self
            .daily(
                series,
                rollup::floor_to(from, DAY_MS, self.inner.offset_ms),
                to,
            )
            .await?;
        Ok(days.iter().map(|(_, r)| r.count).sum())
    }

    async fn days_content(
        &self,
        series: SeriesId,
        from: i64,
        to: i64,
        want: Want,
    ) -> Result<Vec<(i64, DayContent)>> {
        let offset = self.inner.offset_ms;
        let first_day = rollup::floor_to(from, DAY_MS, offset);
        let _gate = self.inner.gate.read().await;
        let overlay = self.overlay(series, first_day, to);
        let mut by_day: BTreeMap<i64, Vec<Point>> = BTreeMap::new();
        for p in overlay {
            by_day
                .entry(rollup::floor_to(p.0, DAY_MS, offset))
                .or_default()
                .push(p);
        }
        let db = &self.inner.db;
        let cols = match want {
            Want::Points => "points, hours",
            Want::Hours => "hours, CASE WHEN 1 = 0 THEN points END AS points",
            Want::Day => "NULL AS hours, NULL AS points",
        };
        let sql = format!(
            "SELECT day, n, vmin, vmax, vsum, integral, covered_ms, first_ms, last_ms, {cols} \
             FROM env_days WHERE series_id = ? AND day >= ? AND day < ? ORDER BY day"
        );
        let rows = db
            .conn()
            .query_all_raw(stmt(
                db.backend(),
                &sql,
                vec![series.into(), first_day.into(), to.into()],
            ))
            .await?;
        let mut stored: BTreeMap<i64, StoredDay> = BTreeMap::new();
        for row in &rows {
            let d: i64 = row.try_get("", "day")?;
            stored.insert(d, stored_day(row, want != Want::Day)?);
        }
        // Days that also have readings in memory need their stored readings to merge with.
        let missing: Vec<i64> = by_day
            .keys()
            .filter(|d| {
                stored
                    .get(d)
                    .is_some_and(|s| s.exists && s.points.is_none())
            })
            .copied()
            .collect();
        if !missing.is_empty() {
            let keys: Vec<(SeriesId, i64)> = missing.iter().map(|d| (series, *d)).collect();
            for ((_, d), day) in self.load_days(&keys).await? {
                stored.insert(d, day);
            }
        }
        drop(_gate);
        let mut out = Vec::new();
        let mut all: Vec<i64> = stored.keys().chain(by_day.keys()).copied().collect();
        all.sort_unstable();
        all.dedup();
        for d in all {
            let s = stored.remove(&d).unwrap_or_default();
            let content = match by_day.get(&d) {
                Some(new) => fold_day(&s, new, d, offset).map_err(corrupt)?,
                None => DayContent {
                    points: match (&s.points, want) {
                        (Some(b), Want::Points) => Some(decode_points(b).map_err(corrupt)?),
                        _ => None,
                    },
                    hours: match (&s.hours, want, s.rollup) {
                        (_, Want::Day, Some(r)) => vec![(d, r)],
                        (Some(b), _, _) => rollup::decode_hours(d, b).map_err(corrupt)?,
                        _ => Vec::new(),
                    },
                },
            };
            out.push((d, content));
        }
        Ok(out)
    }

    /// The last reading of every series (for the overview after a restart). Flushes first.
    pub async fn latest_all(&self) -> Result<HashMap<SeriesId, (i64, f64)>> {
        self.flush().await?;
        let db = &self.inner.db;
        let rows = db
            .conn()
            .query_all_raw(stmt(
                db.backend(),
                "SELECT d.series_id, d.points FROM env_days d WHERE d.day = \
                 (SELECT MAX(x.day) FROM env_days x WHERE x.series_id = d.series_id)",
                vec![],
            ))
            .await?;
        let mut out = HashMap::new();
        for row in rows {
            let s: i64 = row.try_get("", "series_id")?;
            if let Some(b) = row.try_get::<Option<Vec<u8>>>("", "points")? {
                let (ts, vals) = decode_points(&b).map_err(corrupt)?;
                if let (Some(t), Some(v)) = (ts.last(), vals.last()) {
                    out.insert(s, (*t, *v));
                }
            }
        }
        Ok(out)
    }

    /// Drops raw readings of days that ended before `before_ms`, keeping their rollups.
    pub async fn purge_raw(&self, before_ms: i64) -> Result<u64> {
        let db = &self.inner.db;
        let txn = db.begin_write().await?;
        let res = txn
            .execute_raw(stmt(
                db.backend(),
                "UPDATE env_days SET points = NULL WHERE day + ? <= ? AND points IS NOT NULL",
                vec![DAY_MS.into(), before_ms.into()],
            ))
            .await?;
        txn.commit().await?;
        Ok(res.rows_affected())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Points,
    Hours,
    Day,
}

/// A row of `env_days` ready to write.
struct DayRow {
    series: SeriesId,
    day: i64,
    total: Rollup,
    points: Option<Vec<u8>>,
    hours: Vec<u8>,
}

impl DayRow {
    fn values(&self) -> [Value; 12] {
        let r = &self.total;
        [
            self.series.into(),
            self.day.into(),
            (r.count as i64).into(),
            r.min.into(),
            r.max.into(),
            r.sum.into(),
            r.integral.into(),
            r.covered_ms.into(),
            r.first_ms.into(),
            r.last_ms.into(),
            Value::Bytes(self.points.clone()),
            self.hours.clone().into(),
        ]
    }
}

fn build_rows(
    taken: &Head,
    mut existing: HashMap<(SeriesId, i64), StoredDay>,
    offset: i64,
) -> Result<Vec<DayRow>> {
    let mut rows = Vec::new();
    for (s, pts) in &taken.points {
        let mut by_day: BTreeMap<i64, Vec<Point>> = BTreeMap::new();
        for p in pts {
            by_day
                .entry(rollup::floor_to(p.0, DAY_MS, offset))
                .or_default()
                .push(*p);
        }
        for (d, mut new) in by_day {
            sort_newest(&mut new);
            let stored = existing.remove(&(*s, d)).unwrap_or_default();
            let c = fold_day(&stored, &new, d, offset).map_err(corrupt)?;
            let Some(total) = rollup::combine(c.hours.iter().map(|(_, r)| r)) else {
                continue;
            };
            let mut scale = None;
            let points = c.points.map(|(ts, vals)| {
                let mut b = Vec::with_capacity(ts.len() + 16);
                scale = codec::encode(&ts, &vals, &mut b);
                b
            });
            let mut hours = Vec::with_capacity(c.hours.len() * 24);
            rollup::encode_hours(d, &c.hours, scale, &mut hours);
            rows.push(DayRow {
                series: *s,
                day: d,
                total,
                points,
                hours,
            });
        }
    }
    Ok(rows)
}

/// Folds new readings (sorted, newest per time) into a stored day. When the day's raw
/// readings were purged, the new readings are added to its rollups.
fn fold_day(
    stored: &StoredDay,
    new: &[Point],
    day: i64,
    offset: i64,
) -> Result<DayContent, Corrupt> {
    if stored.exists && stored.points.is_none() && stored.hours.is_some() {
        let mut hours = match &stored.hours {
            Some(b) => rollup::decode_hours(day, b)?,
            None => Vec::new(),
        };
        let ts: Vec<i64> = new.iter().map(|p| p.0).collect();
        let vals: Vec<f64> = new.iter().map(|p| p.2).collect();
        for (h, r) in rollup::hourly(&ts, &vals, offset) {
            match hours.iter_mut().find(|(x, _)| *x == h) {
                Some((_, acc)) => acc.merge(&r),
                None => hours.push((h, r)),
            }
        }
        hours.sort_by_key(|(h, _)| *h);
        return Ok(DayContent {
            points: None,
            hours,
        });
    }
    let (old_ts, old_vals) = match &stored.points {
        Some(b) => decode_points(b)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut ts = Vec::with_capacity(old_ts.len() + new.len());
    let mut vals = Vec::with_capacity(ts.capacity());
    let (mut i, mut j) = (0, 0);
    while i < old_ts.len() || j < new.len() {
        let take_new = j < new.len() && (i >= old_ts.len() || new[j].0 <= old_ts[i]);
        if take_new {
            if i < old_ts.len() && old_ts[i] == new[j].0 {
                i += 1;
            }
            ts.push(new[j].0);
            vals.push(new[j].2);
            j += 1;
        } else {
            ts.push(old_ts[i]);
            vals.push(old_vals[i]);
            i += 1;
        }
    }
    let hours = rollup::hourly(&ts, &vals, offset);
    Ok(DayContent {
        points: Some((ts, vals)),
        hours,
    })
}

fn decode_points(b: &[u8]) -> Result<(Vec<i64>, Vec<f64>), Corrupt> {
    let (mut ts, mut vals) = (Vec::new(), Vec::new());
    codec::decode(b, &mut ts, &mut vals)?;
    Ok((ts, vals))
}

fn stored_day(row: &QueryResult, blobs: bool) -> Result<StoredDay> {
    let n: i64 = row.try_get("", "n")?;
    let rollup = Rollup {
        count: n.max(0) as u64,
        min: row.try_get("", "vmin")?,
        max: row.try_get("", "vmax")?,
        sum: row.try_get("", "vsum")?,
        integral: row.try_get("", "integral")?,
        covered_ms: row.try_get("", "covered_ms")?,
        first_ms: row.try_get("", "first_ms")?,
        last_ms: row.try_get("", "last_ms")?,
    };
    Ok(StoredDay {
        rollup: Some(rollup),
        points: if blobs {
            row.try_get("", "points")?
        } else {
            None
        },
        hours: if blobs {
            row.try_get("", "hours")?
        } else {
            None
        },
        exists: true,
    })
}

/// Sorts by time and keeps the newest write of each time.
fn sort_newest(pts: &mut Vec<Point>) {
    pts.sort_unstable_by_key(|p| (p.0, p.1));
    pts.dedup_by(|later, earlier| {
        if later.0 == earlier.0 {
            *earlier = *later;
            true
        } else {
            false
        }
    });
}

/// Sorts a batch of one series by time, keeping the last of equal times.
fn newest_per_time(pts: &mut Vec<(i64, f64)>) {
    pts.reverse();
    pts.sort_by_key(|p| p.0);
    pts.dedup_by_key(|p| p.0);
}

fn push(head: &mut Head, id: i64, batch: SeriesPoints) {
    for (s, pts) in batch {
        head.values += pts.len();
        head.points
            .entry(s)
            .or_default()
            .extend(pts.into_iter().map(|(t, v)| (t, id, v)));
    }
    head.wal_ids.push(id);
}

fn decode_wal(mut b: &[u8]) -> Result<SeriesPoints, Corrupt> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let s = codec::take_ivarint(&mut b)?;
        let (mut ts, mut vals) = (Vec::new(), Vec::new());
        b = codec::decode(b, &mut ts, &mut vals)?;
        out.push((s, ts.into_iter().zip(vals).collect()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    #[test]
    fn newest_write_of_a_time_wins() {
        let mut pts = vec![(5, 1, 1.0), (3, 1, 2.0), (5, 2, 9.0), (3, 0, 7.0)];
        sort_newest(&mut pts);
        assert_eq!(pts, [(3, 1, 2.0), (5, 2, 9.0)]);
        let mut batch = vec![(5, 1.0), (3, 2.0), (5, 9.0)];
        newest_per_time(&mut batch);
        assert_eq!(batch, [(3, 2.0), (5, 9.0)]);
    }

    #[test]
    fn folding_replaces_equal_times_and_keeps_the_rest() -> TestResult {
        let mut stored = Vec::new();
        codec::encode(&[0, 60_000, 120_000], &[1.0, 2.0, 3.0], &mut stored);
        let day = StoredDay {
            points: Some(stored),
            exists: true,
            ..Default::default()
        };
        let c = fold_day(&day, &[(60_000, 9, 5.0), (180_000, 9, 4.0)], 0, 0)?;
        assert_eq!(
            c.points,
            Some((vec![0, 60_000, 120_000, 180_000], vec![1.0, 5.0, 3.0, 4.0]))
        );
        assert_eq!(c.hours[0].1.count, 4);
        assert_eq!(c.hours[0].1.sum, 13.0);
        Ok(())
    }
}
