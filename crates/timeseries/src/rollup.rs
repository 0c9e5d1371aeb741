//! Rollups: count, min, max, sum, first/last time and a time-weighted integral of a run of
//! readings, per hour and per day. They combine exactly (a day is the sum of its hours),
//! so charts over months and the preservation analytics (lux-hours, time-weighted means,
//! time outside a target) read them without touching raw readings.

use serde::Serialize;
use utoipa::ToSchema;

use crate::codec::{
    Corrupt, put_ivarint, put_uvarint, take_f64, take_ivarint, take_u8, take_uvarint,
};

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;
/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
/// A gap longer than this is a gap: the reading before it does not stand for the time after.
pub const GAP_MS: i64 = 15 * 60_000;

/// Summary of the readings in one time window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, ToSchema)]
pub struct Rollup {
    /// Number of readings.
    pub count: u64,
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
    /// Sum of the values (mean = sum / count).
    pub sum: f64,
    /// Σ value × time it stood for, in value·seconds (lux → lux-seconds).
    pub integral: f64,
    /// Σ time the readings stood for, in milliseconds (time-weighted mean = integral / covered).
    pub covered_ms: i64,
    /// Time of the first reading (ms since 1970).
    pub first_ms: i64,
    /// Time of the last reading.
    pub last_ms: i64,
}

impl Rollup {
    /// The rollup of a single reading that stood for `dt_ms`.
    pub fn one(t: i64, v: f64, dt_ms: i64) -> Rollup {
        Rollup {
            count: 1,
            min: v,
            max: v,
            sum: v,
            integral: v * dt_ms as f64 / 1000.0,
            covered_ms: dt_ms,
            first_ms: t,
            last_ms: t,
        }
    }

    /// Folds another window into this one.
    pub fn merge(&mut self, o: &Rollup) {
        self.count += o.count;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum += o.sum;
        self.integral += o.integral;
        self.covered_ms += o.covered_ms;
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
    }

    /// Arithmetic mean of the readings.
    pub fn mean(&self) -> f64 {
        self.sum / self.count.max(1) as f64
    }
}

/// Folds rollups into one (None for none).
pub fn combine<'a>(it: impl IntoIterator<Item = &'a Rollup>) -> Option<Rollup> {
    it.into_iter().fold(None, |acc, r| match acc {
        None => Some(*r),
        Some(mut a) => {
            a.merge(r);
            Some(a)
        }
    })
}

/// How long each reading stood for: until the next one, at most [`GAP_MS`]; the last one
/// stands for the interval before it.
pub fn durations(ts: &[i64]) -> impl Iterator<Item = i64> + '_ {
    (0..ts.len()).map(move |i| {
        let dt = if i + 1 < ts.len() {
            ts[i + 1] - ts[i]
        } else if i > 0 {
            ts[i] - ts[i - 1]
        } else {
            0
        };
        dt.clamp(0, GAP_MS)
    })
}

/// Hourly rollups of sorted readings, keyed by the hour's start (ms), in order.
/// `offset_ms` shifts hour boundaries for time zones that are not whole hours.
pub fn hourly(ts: &[i64], vals: &[f64], offset_ms: i64) -> Vec<(i64, Rollup)> {
    let mut out: Vec<(i64, Rollup)> = Vec::new();
    for ((&t, &v), dt) in ts.iter().zip(vals).zip(durations(ts)) {
        let hour = floor_to(t, HOUR_MS, offset_ms);
        let r = Rollup::one(t, v, dt);
        match out.last_mut() {
            Some((h, acc)) if *h == hour => acc.merge(&r),
            _ => out.push((hour, r)),
        }
    }
    out
}

/// The start of the window of `len` containing `t`, windows aligned to `offset_ms` local time.
pub fn floor_to(t: i64, len: i64, offset_ms: i64) -> i64 {
    (t + offset_ms).div_euclid(len) * len - offset_ms
}

/// Marks hours stored as raw f64 (no decimal scale).
const RAW: u8 = 0xFF;

/// Encodes the hourly rollups of one day (hour starts within `[day_start, +24 h)`).
/// With the decimal `scale` of the day's readings, minima and maxima are stored exactly as
/// scaled integers, and sums and integrals rounded to that precision (the instruments'
/// own): about 20 bytes an hour instead of 45. Without one (raw readings purged, or values
/// with no decimal form) every number is kept as f64.
pub fn encode_hours(day_start: i64, hours: &[(i64, Rollup)], scale: Option<u8>, out: &mut Vec<u8>) {
    let f = scale.map(|s| 10f64.powi(i32::from(s)));
    let fits = |x: f64, f: f64| (x * f).abs() < 9.0e15;
    let scaled = f.filter(|&f| {
        hours.iter().all(|(_, r)| {
            [r.min, r.max, r.sum, r.integral]
                .iter()
                .all(|&x| fits(x, f))
        })
    });
    out.push(match (scaled, scale) {
        (Some(_), Some(s)) => s,
        _ => RAW,
    });
    put_uvarint(out, hours.len() as u64);
    for (h, r) in hours {
        out.push(((h - day_start) / HOUR_MS) as u8);
        put_uvarint(out, r.count);
        match scaled {
            Some(f) => {
                for x in [r.min, r.max, r.sum, r.integral] {
                    put_ivarint(out, (x * f).round() as i64);
                }
            }
            None => {
                for x in [r.min, r.max, r.sum, r.integral] {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        put_uvarint(out, r.covered_ms.max(0) as u64);
        put_uvarint(out, (r.first_ms - h).max(0) as u64);
        put_uvarint(out, (r.last_ms - h).max(0) as u64);
    }
}

/// Decodes what [`encode_hours`] wrote.
pub fn decode_hours(day_start: i64, mut b: &[u8]) -> Result<Vec<(i64, Rollup)>, Corrupt> {
    let scale = take_u8(&mut b)?;
    let f = match scale {
        RAW => None,
        s if s <= 6 => Some(10f64.powi(i32::from(s))),
        _ => return Err(Corrupt("unknown rollup scale")),
    };
    let n = take_uvarint(&mut b)?;
    if n > 24 {
        return Err(Corrupt("more than 24 hours in a day"));
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let h = day_start + i64::from(take_u8(&mut b)?) * HOUR_MS;
        let count = take_uvarint(&mut b)?;
        let mut x = [0f64; 4];
        for v in &mut x {
            *v = match f {
                Some(f) => take_ivarint(&mut b)? as f64 / f,
                None => take_f64(&mut b)?,
            };
        }
        let covered_ms = take_uvarint(&mut b)? as i64;
        let first_ms = h + take_uvarint(&mut b)? as i64;
        let last_ms = h + take_uvarint(&mut b)? as i64;
        out.push((
            h,
            Rollup {
                count,
                min: x[0],
                max: x[1],
                sum: x[2],
                integral: x[3],
                covered_ms,
                first_ms,
                last_ms,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    #[test]
    fn hours_split_at_local_boundaries_and_sum_to_the_day() -> TestResult {
        let offset = 8 * HOUR_MS;
        let day = floor_to(1_700_000_000_000, DAY_MS, offset);
        let ts: Vec<i64> = (0..180).map(|i| day + i * 60_000).collect();
        let vals: Vec<f64> = (0..180).map(|i| i as f64).collect();
        let hours = hourly(&ts, &vals, offset);
        assert_eq!(hours.len(), 3);
        assert_eq!(hours[1].0, day + HOUR_MS);
        assert_eq!(hours[1].1.count, 60);
        assert_eq!(hours[1].1.min, 60.0);
        assert_eq!(hours[1].1.mean(), 89.5);
        let all = combine(hours.iter().map(|(_, r)| r)).ok_or("some")?;
        assert_eq!(all.count, 180);
        assert_eq!(all.covered_ms, 180 * 60_000);
        let mut bytes = Vec::new();
        encode_hours(day, &hours, None, &mut bytes);
        assert_eq!(decode_hours(day, &bytes)?, hours);
        // At the readings' scale the numbers are exact to that precision and much smaller.
        let mut small = Vec::new();
        encode_hours(day, &hours, Some(0), &mut small);
        assert_eq!(decode_hours(day, &small)?, hours);
        assert!(
            small.len() * 2 < bytes.len(),
            "{} vs {}",
            small.len(),
            bytes.len()
        );
        Ok(())
    }

    #[test]
    fn a_gap_is_not_covered() {
        let d: Vec<i64> = durations(&[0, 60_000, 7_200_000]).collect();
        assert_eq!(d, [60_000, GAP_MS, GAP_MS]);
    }

    #[test]
    fn floors_handle_times_before_1970() {
        assert_eq!(floor_to(-1, HOUR_MS, 0), -HOUR_MS);
    }
}
