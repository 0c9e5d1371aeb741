//! Plain types of the monitoring domain and their validation (no I/O).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::error::Problems;
use vitrine_kernel::{LangText, Result};

use crate::metric;

/// Where a sensor stands in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SensorStatus {
    /// Placed in a space and reporting.
    Active,
    /// Reporting but not placed: someone must say where it is.
    Unassigned,
    /// Taken out of service.
    Retired,
}

impl SensorStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SensorStatus::Active => "active",
            SensorStatus::Unassigned => "unassigned",
            SensorStatus::Retired => "retired",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> SensorStatus {
        match s {
            "active" => SensorStatus::Active,
            "retired" => SensorStatus::Retired,
            _ => SensorStatus::Unassigned,
        }
    }
}

/// A sensor as staff describe it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SensorInput {
    /// The code the sensor reports under (`sensor` tag, MQTT topic): 1–64 of letters, digits, `-_.:`.
    pub code: String,
    /// Make and model.
    #[serde(default)]
    pub model: String,
    /// Metrics it measures.
    #[serde(default)]
    pub metrics: Vec<String>,
    /// Seconds between readings (used to flag a silent sensor).
    #[serde(default = "default_interval")]
    pub interval_s: u32,
    /// Free notes.
    #[serde(default)]
    pub notes: String,
    /// Retire (true) or return to service (false).
    #[serde(default)]
    pub retired: bool,
}

fn default_interval() -> u32 {
    300
}

impl SensorInput {
    /// Checks every field, naming each one that is wrong.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        if !valid_sensor_code(&self.code) {
            p.add(
                "code",
                "invalid_code",
                "1–64 of letters, digits and - _ . :",
            );
        }
        for (i, m) in self.metrics.iter().enumerate() {
            if !metric::valid_code(m) {
                p.add(
                    format!("metrics[{i}]"),
                    "invalid_metric",
                    "1–32 of a-z, 0-9, _ starting with a letter",
                );
            }
        }
        if !(1..=86_400).contains(&self.interval_s) {
            p.add("interval_s", "out_of_range", "between 1 and 86400 seconds");
        }
        if self.model.chars().count() > 200 {
            p.add("model", "too_long", "at most 200 characters");
        }
        if self.notes.chars().count() > 4000 {
            p.add("notes", "too_long", "at most 4000 characters");
        }
        p.finish()
    }
}

/// Whether a string can be a sensor code.
pub fn valid_sensor_code(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
}

/// A registered sensor.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Sensor {
    /// Id.
    pub id: Uuid,
    /// Status.
    pub status: SensorStatus,
    /// The space tag the sensor first reported with, as a hint for placing it.
    pub space_hint: String,
    /// Version; send back in `If-Match`.
    pub version: i64,
    /// Where it is now.
    pub placement: Option<Placement>,
    /// Calibrations, newest first.
    pub calibrations: Vec<Calibration>,
    /// Time of the last reading received by this server since it started, or stored.
    pub last_seen: Option<DateTime<Utc>>,
    /// Last battery level reported (metric `battery`), in %.
    pub battery: Option<f64>,
    /// Fields.
    #[serde(flatten)]
    pub data: SensorInput,
}

/// A sensor's stay in one space.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Placement {
    /// Id.
    pub id: Uuid,
    /// The sensor.
    pub sensor_id: Uuid,
    /// The location (gallery, storeroom, showcase ...).
    pub location_id: Uuid,
    /// The location's name.
    pub location_label: Option<LangText>,
    /// From (inclusive).
    pub from: DateTime<Utc>,
    /// Until (exclusive); none while it is there.
    pub to: Option<DateTime<Utc>>,
    /// Note.
    pub note: String,
}

/// Moving a sensor.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementInput {
    /// The location to place it in.
    pub location_id: Uuid,
    /// When it was placed there (default now); may not be before its current placement.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A correction applied to one metric of a sensor from a time on: `value × scale + offset`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CalibrationInput {
    /// Metric.
    pub metric: String,
    /// Added after scaling.
    #[serde(default)]
    pub offset: f64,
    /// Multiplier.
    #[serde(default = "one")]
    pub scale: f64,
    /// From when readings get it (default now).
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    /// Note (certificate number, reference instrument).
    #[serde(default)]
    pub note: String,
}

fn one() -> f64 {
    1.0
}

impl CalibrationInput {
    /// Checks the fields.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        if !metric::valid_code(&self.metric) {
            p.add("metric", "invalid_metric", "a metric name");
        }
        if !self.offset.is_finite() || self.offset.abs() > 1e6 {
            p.add(
                "offset",
                "out_of_range",
                "a finite number within ±1,000,000",
            );
        }
        if !self.scale.is_finite() || self.scale <= 0.0 || self.scale > 1e3 {
            p.add("scale", "out_of_range", "a positive number up to 1000");
        }
        p.finish()
    }
}

/// A stored calibration.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Calibration {
    /// Id.
    pub id: Uuid,
    /// Who entered it.
    pub created_by: String,
    /// Fields (valid_from always set).
    #[serde(flatten)]
    pub data: CalibrationInput,
}

pub use crate::profiles::Range;

/// A space's target environment: a named profile, optionally overridden per metric.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    /// A profile code (see `GET /api/v1/environment/profiles`), or empty for custom ranges only.
    #[serde(default)]
    pub profile: String,
    /// Ranges per metric, overriding the profile's.
    #[serde(default)]
    pub ranges: BTreeMap<String, Range>,
}

impl TargetInput {
    /// Checks the fields.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        if !self.profile.is_empty() && crate::profiles::get(&self.profile).is_none() {
            p.add(
                "profile",
                "unknown_profile",
                format!("one of {}", crate::profiles::codes().join(", ")),
            );
        }
        for (m, r) in &self.ranges {
            let field = format!("ranges.{m}");
            if !metric::valid_code(m) {
                p.add(field.clone(), "invalid_metric", "a metric name");
            }
            let bad = |v: Option<f64>| v.is_some_and(|x| !x.is_finite());
            if bad(r.min) || bad(r.max) {
                p.add(field.clone(), "not_finite", "finite numbers");
            }
            if let (Some(a), Some(b)) = (r.min, r.max)
                && a > b
            {
                p.add(field, "reversed", "min is above max");
            }
        }
        p.finish()
    }

    /// The effective range of each metric: the profile's, with bounds given here replacing its own.
    pub fn effective(&self) -> BTreeMap<String, Range> {
        let mut out: BTreeMap<String, Range> = crate::profiles::get(&self.profile)
            .map(|p| {
                p.ranges
                    .iter()
                    .map(|(m, r)| ((*m).to_owned(), *r))
                    .collect()
            })
            .unwrap_or_default();
        // A bound given here replaces the profile's; a bound left out keeps it.
        for (k, v) in &self.ranges {
            let base = out.get(k).copied().unwrap_or(Range {
                min: None,
                max: None,
            });
            out.insert(
                k.clone(),
                Range {
                    min: v.min.or(base.min),
                    max: v.max.or(base.max),
                },
            );
        }
        out
    }
}

pub use vitrine_kernel::time::ms_time;

/// A gateway's ingest token (the secret is shown once, when made).
#[derive(Clone, Debug, Serialize, ToSchema, sea_orm::FromQueryResult)]
pub struct IngestToken {
    /// Id.
    pub id: Uuid,
    /// Name (the gateway or logger it is for).
    pub name: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}
