//! Turning what gateways send (line protocol, JSON) into readings: parsing, units of time,
//! limits, and the per-line report InfluxDB clients expect.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vitrine_kernel::{Error, FieldError, Result};

use crate::lineproto;
use crate::metric::Aliases;

/// Readings more than this far ahead of the server's clock are refused.
pub const MAX_FUTURE_MS: i64 = 24 * 3_600_000;
/// At most this many line errors are listed in a report (all are counted).
pub const MAX_LISTED_ERRORS: usize = 100;

/// The unit of line-protocol timestamps (`precision` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Nanoseconds (default).
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
    /// Minutes (InfluxDB 1.x `m`).
    M,
    /// Hours (InfluxDB 1.x `h`).
    H,
}

impl Precision {
    /// Parses the InfluxDB 1.x and 2.x spellings.
    pub fn parse(s: Option<&str>) -> Result<Precision> {
        Ok(match s.unwrap_or("ns") {
            "ns" | "n" | "" => Precision::Ns,
            "us" | "u" | "µ" => Precision::Us,
            "ms" => Precision::Ms,
            "s" => Precision::S,
            "m" => Precision::M,
            "h" => Precision::H,
            other => {
                return Err(Error::InvalidParameters(vec![FieldError::new(
                    "precision",
                    "unknown_precision",
                    format!("`{other}` is not a precision: use ns, us, ms, s, m or h"),
                )]));
            }
        })
    }

    /// A timestamp in this unit, in milliseconds (None when out of range).
    pub fn to_ms(self, t: i64) -> Option<i64> {
        match self {
            Precision::Ns => Some(t.div_euclid(1_000_000)),
            Precision::Us => Some(t.div_euclid(1_000)),
            Precision::Ms => Some(t),
            Precision::S => t.checked_mul(1_000),
            Precision::M => t.checked_mul(60_000),
            Precision::H => t.checked_mul(3_600_000),
        }
    }
}

/// One reading before its sensor is looked up.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming<'a> {
    /// Sensor code.
    pub sensor: Cow<'a, str>,
    /// The space the gateway says it is in (a hint for unassigned sensors).
    pub space: Option<Cow<'a, str>>,
    /// Metric code.
    pub metric: Cow<'a, str>,
    /// Time (ms).
    pub ts: i64,
    /// Value as sent (before calibration).
    pub value: f64,
    /// Line (or array index + 1) it came from.
    pub line: usize,
}

/// A line or item that could not be stored.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct LineError {
    /// Line number (from 1), or index + 1 in a JSON batch.
    pub line: usize,
    /// Why.
    pub reason: String,
}

/// What happened to a batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct IngestReport {
    /// Lines (or items) stored.
    pub accepted: usize,
    /// Lines (or items) refused.
    pub rejected: usize,
    /// Readings stored.
    pub values: usize,
    /// Readings ignored because they are not numbers (string fields).
    pub ignored: usize,
    /// The first refused lines with the reason.
    pub errors: Vec<LineError>,
}

impl IngestReport {
    /// Records a refused line.
    pub fn reject(&mut self, line: usize, reason: impl Into<String>) {
        self.rejected += 1;
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(LineError {
                line,
                reason: reason.into(),
            });
        }
    }
}

/// Checks a reading's time: not before 1970, not far in the future.
pub fn check_time(ts: i64, now_ms: i64) -> std::result::Result<(), String> {
    if ts < 0 {
        return Err("timestamp is before 1970".into());
    }
    if ts > now_ms + MAX_FUTURE_MS {
        return Err("timestamp is more than 24 hours in the future".into());
    }
    Ok(())
}

/// Parses a line-protocol body into readings; bad lines go to the report. Lines without
/// a `sensor` tag take `default_sensor` (an MQTT topic names its sensor) or are refused.
pub fn parse_line_protocol<'a>(
    body: &'a [u8],
    precision: Precision,
    now_ms: i64,
    aliases: &'a Aliases,
    default_sensor: Option<&'a str>,
    report: &mut IngestReport,
) -> Vec<Incoming<'a>> {
    let mut out = Vec::new();
    for (n, parsed) in lineproto::lines(body) {
        let line = match parsed {
            Ok(l) => l,
            Err(e) => {
                report.reject(n, e);
                continue;
            }
        };
        let ts = match line.timestamp {
            None => now_ms,
            Some(t) => match precision.to_ms(t) {
                Some(ms) => ms,
                None => {
                    report.reject(n, "timestamp out of range");
                    continue;
                }
            },
        };
        if let Err(e) = check_time(ts, now_ms) {
            report.reject(n, e);
            continue;
        }
        let Some(sensor) = take_tag(&line.tags, "sensor").or(default_sensor.map(Cow::Borrowed))
        else {
            report.reject(n, "missing tag `sensor` (the sensor's code)");
            continue;
        };
        if !crate::model::valid_sensor_code(&sensor) {
            report.reject(
                n,
                format!("sensor code `{sensor}` is not 1–64 of letters, digits and - _ . :"),
            );
            continue;
        }
        let space = take_tag(&line.tags, "space");
        let start = out.len();
        let mut bad = None;
        for (key, value) in line.fields {
            let Some(v) = value.number() else {
                report.ignored += 1;
                continue;
            };
            // Field names borrowed from the body (or the alias table) cost no allocation.
            let resolved = match key {
                Cow::Borrowed(k) => aliases.resolve(k),
                Cow::Owned(k) => aliases.resolve(&k).map(|m| Cow::Owned(m.into_owned())),
            };
            match resolved {
                Ok(m) => out.push(Incoming {
                    sensor: sensor.clone(),
                    space: space.clone(),
                    metric: m,
                    ts,
                    value: v,
                    line: n,
                }),
                Err(e) => {
                    bad = Some(e);
                    break;
                }
            }
        }
        match bad {
            Some(e) => {
                out.truncate(start);
                report.reject(n, e);
            }
            None => report.accepted += 1,
        }
    }
    out
}

fn take_tag<'a>(tags: &[(Cow<'a, str>, Cow<'a, str>)], key: &str) -> Option<Cow<'a, str>> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// A reading in a JSON batch (`POST /api/v1/readings`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonReading {
    /// Sensor code (over MQTT, the topic's when left out).
    #[serde(default)]
    pub sensor: String,
    /// Metric (aliases allowed: `t`, `humidity` ...).
    pub metric: String,
    /// Value.
    pub value: f64,
    /// Time: RFC 3339 or milliseconds since 1970 (default now).
    #[serde(default)]
    pub time: Option<serde_json::Value>,
    /// Space hint for a sensor not yet placed.
    #[serde(default)]
    pub space: Option<String>,
}

/// A JSON batch.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonBatch {
    /// The readings.
    pub readings: Vec<JsonReading>,
}

/// Checks JSON readings; bad items go to the report.
pub fn parse_json<'a>(
    batch: &'a JsonBatch,
    now_ms: i64,
    aliases: &Aliases,
    report: &mut IngestReport,
) -> Vec<Incoming<'a>> {
    let mut out = Vec::with_capacity(batch.readings.len());
    for (i, r) in batch.readings.iter().enumerate() {
        let n = i + 1;
        let ts = match &r.time {
            None | Some(serde_json::Value::Null) => Ok(now_ms),
            Some(serde_json::Value::Number(x)) => x
                .as_i64()
                .ok_or_else(|| "time must be whole milliseconds".to_owned()),
            Some(serde_json::Value::String(s)) => vitrine_kernel::time::parse_instant_ms("time", s)
                .map_err(|_| format!("time `{s}` is not RFC 3339")),
            Some(_) => Err("time must be RFC 3339 text or milliseconds".into()),
        };
        let checked = ts
            .and_then(|ts| check_time(ts, now_ms).map(|()| ts))
            .and_then(|ts| {
                if !crate::model::valid_sensor_code(&r.sensor) {
                    return Err(format!(
                        "sensor code `{}` is not 1–64 of letters, digits and - _ . :",
                        r.sensor
                    ));
                }
                if !r.value.is_finite() {
                    return Err("value must be a finite number".into());
                }
                aliases
                    .resolve(&r.metric)
                    .map(|m| (ts, Cow::Owned(m.into_owned())))
            });
        match checked {
            Ok((ts, metric)) => {
                report.accepted += 1;
                out.push(Incoming {
                    sensor: Cow::Borrowed(&r.sensor),
                    space: r.space.as_deref().map(Cow::Borrowed),
                    metric,
                    ts,
                    value: r.value,
                    line: n,
                });
            }
            Err(e) => report.reject(n, e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    #[test]
    fn good_lines_are_kept_and_bad_ones_reported_by_number() {
        let now = 1_800_000_000_000;
        let body = format!(
            "env,sensor=S1,space=G01 t=20.5,rh=50 {ns}\nenv,sensor=S1 t=NaN {ns}\nenv t=1 {ns}\nenv,sensor=S2 t=1 -5\nenv,sensor=S3 t=2 {far}\nenv,sensor=S4 note=\"hi\",lux=3i",
            ns = now * 1_000_000,
            far = (now + 2 * MAX_FUTURE_MS) * 1_000_000
        );
        let mut rep = IngestReport::default();
        let aliases = Aliases::default();
        let got = parse_line_protocol(
            body.as_bytes(),
            Precision::Ns,
            now,
            &aliases,
            None,
            &mut rep,
        );
        assert_eq!(rep.accepted, 2);
        assert_eq!(rep.rejected, 4);
        assert_eq!(rep.ignored, 1);
        let lines: Vec<usize> = rep.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].metric, "temperature");
        assert_eq!(got[0].space.as_deref(), Some("G01"));
        assert_eq!(got[2].ts, now);
    }

    #[test]
    fn precisions() -> TestResult {
        assert_eq!(Precision::parse(Some("s"))?.to_ms(5), Some(5000));
        assert_eq!(Precision::parse(None)?.to_ms(-1), Some(-1));
        assert!(Precision::parse(Some("weeks")).is_err());
        assert_eq!(Precision::H.to_ms(i64::MAX), None);
        Ok(())
    }
}
