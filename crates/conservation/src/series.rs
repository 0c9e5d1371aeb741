//! Series for charts and CSV: one sensor's metric, or every sensor that was in a space, each
//! clipped to the time it was there, at the resolution the time-series store chooses.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::time::parse_instant_ms;
use vitrine_kernel::{Actor, Error, FieldError, Permission, Result};
use vitrine_timeseries::chart::check_range;
use vitrine_timeseries::{Chart, DAY_MS, SeriesId};

use crate::service::{Conservation, not_found};
use crate::store;

pub use vitrine_timeseries::{MAX_POINTS, MAX_RANGE_MS};

/// A chart's data: one series at the resolution the server chose.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SeriesData {
    /// The sensor.
    pub sensor_id: Uuid,
    /// Its code.
    pub sensor_code: String,
    /// Metric.
    pub metric: String,
    /// Unit.
    pub unit: String,
    /// Range start (ms).
    pub from: i64,
    /// Range end (ms, exclusive).
    pub to: i64,
    /// The points.
    #[serde(flatten)]
    pub chart: Chart,
}

/// The parameters of a series request: a metric over `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesQuery {
    /// Metric code.
    pub metric: String,
    /// Start (ms).
    pub from: i64,
    /// End (ms).
    pub to: i64,
}

/// The window a chart shows when no `from` is given.
pub const DEFAULT_WINDOW_MS: i64 = DAY_MS;

impl SeriesQuery {
    /// Reads `metric`, `from`, `to` (RFC 3339 or ms; `to` defaults to `now_ms`, `from` to
    /// 24 hours before `to`). Every bad parameter is named.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        now_ms: i64,
    ) -> Result<SeriesQuery> {
        let mut metric = None;
        let (mut from, mut to) = (None, None);
        let mut bad = Vec::new();
        for (k, v) in pairs {
            match k {
                "metric" => metric = Some(v.to_owned()),
                "from" => match parse_instant_ms("from", v) {
                    Ok(t) => from = Some(t),
                    Err(e) => bad.push(e),
                },
                "to" => match parse_instant_ms("to", v) {
                    Ok(t) => to = Some(t),
                    Err(e) => bad.push(e),
                },
                other => bad.push(FieldError::new(
                    other,
                    "unknown_parameter",
                    "use metric, from, to",
                )),
            }
        }
        let metric = match metric {
            Some(m) if crate::metric::valid_code(&m) => m,
            Some(m) => {
                bad.push(FieldError::new(
                    "metric",
                    "invalid_metric",
                    format!("`{m}` is not a metric name"),
                ));
                String::new()
            }
            None => {
                bad.push(FieldError::new(
                    "metric",
                    "required",
                    "say which metric, e.g. metric=rh",
                ));
                String::new()
            }
        };
        if !bad.is_empty() {
            return Err(Error::InvalidParameters(bad));
        }
        let to = to.unwrap_or(now_ms);
        Ok(SeriesQuery {
            metric,
            from: from.unwrap_or(to - DEFAULT_WINDOW_MS),
            to,
        })
    }
}

impl Conservation {
    /// A sensor's series of one metric over `[from, to)`, at the resolution that keeps it
    /// under [`MAX_POINTS`] points.
    pub async fn sensor_series(
        &self,
        actor: &Actor,
        id: Uuid,
        metric: &str,
        from: i64,
        to: i64,
    ) -> Result<SeriesData> {
        actor.require(Permission::EnvironmentRead)?;
        check_range(from, to)?;
        let row = store::sensor(self.db.conn(), id)
            .await?
            .ok_or_else(not_found)?;
        let series = self
            .entry(&row.data.code)
            .and_then(|e| e.series.get(metric).copied());
        self.series_data(id, &row.data.code, metric, series, from, to)
            .await
    }

    /// Every sensor's series of one metric in a space over `[from, to)`, each clipped to the
    /// time the sensor was there.
    pub async fn space_series(
        &self,
        actor: &Actor,
        location: Uuid,
        metric: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<SeriesData>> {
        actor.require(Permission::EnvironmentRead)?;
        check_range(from, to)?;
        let conn = self.db.conn();
        let placements = store::placements(conn, None, Some(location)).await?;
        let codes: HashMap<Uuid, String> = store::sensors(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s.data.code))
            .collect();
        let mut out = Vec::new();
        for p in placements {
            let (pf, pt) = (
                p.from.timestamp_millis(),
                p.to.map_or(i64::MAX, |t| t.timestamp_millis()),
            );
            let (f, t) = (from.max(pf), to.min(pt));
            if f >= t {
                continue;
            }
            let code = codes.get(&p.sensor_id).cloned().unwrap_or_default();
            let series = self
                .entry(&code)
                .and_then(|e| e.series.get(metric).copied());
            if series.is_none() {
                continue;
            }
            out.push(
                self.series_data(p.sensor_id, &code, metric, series, f, t)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn series_data(
        &self,
        sensor_id: Uuid,
        code: &str,
        metric: &str,
        series: Option<SeriesId>,
        from: i64,
        to: i64,
    ) -> Result<SeriesData> {
        let chart = match series {
            Some(s) => self.readings.chart(s, from, to).await?,
            None => Chart {
                resolution: "raw".into(),
                ..Chart::default()
            },
        };
        Ok(SeriesData {
            sensor_id,
            sensor_code: code.to_owned(),
            metric: metric.to_owned(),
            unit: crate::metric::info(metric)
                .map(|m| m.unit)
                .unwrap_or_default()
                .to_owned(),
            from,
            to,
            chart,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_057_600_000;

    fn parse(q: &[(&str, &str)]) -> Result<SeriesQuery> {
        SeriesQuery::from_pairs(q.iter().copied(), NOW)
    }

    fn fields(r: Result<SeriesQuery>) -> Vec<String> {
        match r {
            Err(Error::InvalidParameters(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("expected invalid parameters, got {other:?}"),
        }
    }

    #[test]
    fn series_query_defaults_to_the_last_24_hours() {
        let q = parse(&[("metric", "rh")]).unwrap();
        assert_eq!((q.from, q.to), (NOW - DAY_MS, NOW));
    }

    #[test]
    fn series_query_reads_rfc3339_and_milliseconds() {
        let q = parse(&[
            ("metric", "temperature"),
            ("from", "2025-11-25T00:00:00.500+08:00"),
            ("to", "1764057600000"),
        ])
        .unwrap();
        assert_eq!((q.from, q.to), (1_764_000_000_500, 1_764_057_600_000));
    }

    #[test]
    fn series_query_requires_a_metric() {
        assert_eq!(fields(parse(&[])), ["metric"]);
    }

    #[test]
    fn series_query_names_every_bad_parameter() {
        let r = parse(&[("metric", "r h"), ("from", "yesterday"), ("step", "1")]);
        assert_eq!(fields(r), ["from", "step", "metric"]);
    }
}
