//! One series over a range as a chart: raw readings when they fit, else buckets of raw
//! readings, hourly rollups, daily rollups, or runs of days — whichever keeps the answer
//! under [`MAX_POINTS`] points. Every point carries its window's mean, min, max and count,
//! so a chart can draw the band as well as the line.

use serde::Serialize;
use utoipa::ToSchema;
use vitrine_kernel::{Error, FieldError, Result};

use crate::readings::{Readings, SeriesId};
use crate::rollup::{self, DAY_MS, HOUR_MS, Rollup};

/// Most points a chart carries.
pub const MAX_POINTS: usize = 2_000;
/// Longest range a chart may ask for (20 years).
pub const MAX_RANGE_MS: i64 = 20 * 366 * DAY_MS;

/// The points of a chart, at the resolution the store chose.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct Chart {
    /// `raw`, `bucket` (raw readings in equal buckets), `hour`, `day` or `days` (several
    /// days per point).
    pub resolution: String,
    /// Times (ms): the reading's, or the start of its bucket, hour or day.
    pub t: Vec<i64>,
    /// Values (raw) or means.
    pub v: Vec<f64>,
    /// Lowest value of each point's window (equal to `v` for raw readings).
    pub min: Vec<f64>,
    /// Highest value of each point's window.
    pub max: Vec<f64>,
    /// Readings behind each point.
    pub n: Vec<u64>,
}

impl Chart {
    fn push_all(&mut self, rows: Vec<(i64, Rollup)>) {
        for (t, r) in rows {
            self.t.push(t);
            self.v.push(r.mean());
            self.min.push(r.min);
            self.max.push(r.max);
            self.n.push(r.count);
        }
    }
}

/// Refuses a range a chart cannot cover, naming the parameter at fault.
pub fn check_range(from: i64, to: i64) -> Result<()> {
    let bad = |field: &str, msg: &str| {
        Err(Error::InvalidParameters(vec![FieldError::new(
            field,
            "invalid_range",
            msg,
        )]))
    };
    if from >= to {
        return bad("to", "`to` must be after `from`");
    }
    if to - from > MAX_RANGE_MS {
        return bad("from", "a chart covers at most 20 years");
    }
    if from < 0 {
        return bad("from", "readings start in 1970");
    }
    Ok(())
}

/// Merges consecutive rows whose key (from `key`) is equal.
fn merge_by(
    rows: impl IntoIterator<Item = (i64, Rollup)>,
    key: impl Fn(i64) -> i64,
) -> Vec<(i64, Rollup)> {
    let mut out: Vec<(i64, Rollup)> = Vec::new();
    for (t, r) in rows {
        let k = key(t);
        match out.last_mut() {
            Some((x, acc)) if *x == k => acc.merge(&r),
            _ => out.push((k, r)),
        }
    }
    out
}

impl Readings {
    /// A series over `[from, to)` at the resolution that keeps it under [`MAX_POINTS`].
    pub async fn chart(&self, series: SeriesId, from: i64, to: i64) -> Result<Chart> {
        check_range(from, to)?;
        let mut d = Chart {
            resolution: "raw".into(),
            ..Chart::default()
        };
        let hours = (to - from) / HOUR_MS;
        if hours <= 48 || self.estimate_count(series, from, to).await? <= MAX_POINTS as u64 {
            let (ts, vals) = self.raw(series, from, to).await?;
            if ts.len() <= MAX_POINTS {
                d.n = vec![1; ts.len()];
                d.min.clone_from(&vals);
                d.max.clone_from(&vals);
                d.t = ts;
                d.v = vals;
                return Ok(d);
            }
            // Dense data over a short range: buckets of raw readings.
            let width = ((to - from) / MAX_POINTS as i64).max(1);
            let ones = ts
                .iter()
                .zip(&vals)
                .zip(rollup::durations(&ts))
                .map(|((t, v), dt)| (*t, Rollup::one(*t, *v, dt)));
            d.resolution = "bucket".into();
            d.push_all(merge_by(ones, |t| from + (t - from) / width * width));
            return Ok(d);
        }
        if hours <= MAX_POINTS as i64 {
            d.resolution = "hour".into();
            let rows = self
                .hourly(series, rollup::floor_to(from, HOUR_MS, 0), to)
                .await?;
            d.push_all(rows);
            return Ok(d);
        }
        let offset = self.offset_ms();
        let origin = rollup::floor_to(from, DAY_MS, offset);
        let rows = self.daily(series, origin, to).await?;
        let days = (to - from) / DAY_MS;
        if days <= MAX_POINTS as i64 {
            d.resolution = "day".into();
            d.push_all(rows);
        } else {
            let per = (days / MAX_POINTS as i64 + 1) * DAY_MS;
            d.resolution = "days".into();
            d.push_all(merge_by(rows, |day| origin + (day - origin) / per * per));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_range_names_the_parameter_at_fault() {
        let field = |r: Result<()>| match r {
            Err(Error::InvalidParameters(e)) => e[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(check_range(5, 5)), "to");
        assert_eq!(field(check_range(0, MAX_RANGE_MS + 1)), "from");
        assert_eq!(field(check_range(-10, 10)), "from");
        assert!(check_range(0, DAY_MS).is_ok());
    }

    #[test]
    fn merge_by_folds_rows_of_one_key() {
        let r = |t, v| (t, Rollup::one(t, v, 1));
        let m = merge_by([r(0, 1.0), r(1, 3.0), r(10, 5.0)], |t| t / 10 * 10);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].0, m[0].1.count, m[0].1.mean()), (0, 2, 2.0));
    }
}
