//! The environment at a glance: every space with its sensors' latest values, each judged
//! against the space's target; silent and low-battery sensors flagged.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::{Actor, LangText, Permission, Result};

use crate::model::{Range, SensorStatus, TargetInput, ms_time};
use crate::service::Conservation;
use crate::store;

/// Battery level below which a sensor is flagged, in %.
pub const LOW_BATTERY: f64 = 20.0;

/// A metric's latest value in a space.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MetricNow {
    /// Metric.
    pub metric: String,
    /// Unit.
    pub unit: String,
    /// When measured.
    pub at: DateTime<Utc>,
    /// Value.
    pub value: f64,
    /// Inside the space's target (none when the target says nothing of this metric).
    pub in_range: Option<bool>,
}

/// A sensor's state now.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SensorNow {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Last reading.
    pub last_seen: Option<DateTime<Utc>>,
    /// Silent for more than three of its intervals (or never heard).
    pub stale: bool,
    /// Battery below 20 %.
    pub low_battery: bool,
    /// Latest value of each metric.
    pub values: Vec<MetricNow>,
}

/// A space with sensors or a target.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SpaceNow {
    /// The location.
    pub location_id: Uuid,
    /// Its name.
    pub label: Option<LangText>,
    /// Target profile code (empty for custom or none).
    pub profile: String,
    /// Effective target ranges.
    pub target: BTreeMap<String, Range>,
    /// `ok`, `out` (a value outside the target), `stale` (a sensor silent) or `empty`.
    pub state: String,
    /// Sensors placed there now.
    pub sensors: Vec<SensorNow>,
}

impl Conservation {
    /// Every space that has sensors or a target, with current values; by name.
    pub async fn overview(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<SpaceNow>> {
        actor.require(Permission::EnvironmentRead)?;
        let conn = self.db.conn();
        let sensors: HashMap<Uuid, store::SensorRow> = store::sensors(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let targets: HashMap<Uuid, TargetInput> = store::targets(conn)
            .await?
            .into_iter()
            .map(|(l, t, _)| (l, t))
            .collect();
        let mut spaces: BTreeMap<Uuid, Vec<Uuid>> =
            targets.keys().map(|l| (*l, Vec::new())).collect();
        for p in store::placements(conn, None, None).await? {
            if p.to.is_none()
                && sensors
                    .get(&p.sensor_id)
                    .is_some_and(|s| s.status == SensorStatus::Active)
            {
                spaces.entry(p.location_id).or_default().push(p.sensor_id);
            }
        }
        let ids: Vec<Uuid> = spaces.keys().copied().collect();
        let labels = if actor.can(Permission::CatalogueRead) && !ids.is_empty() {
            self.collections.labels(actor, &ids).await?
        } else {
            Default::default()
        };
        let last = self.last.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = Vec::new();
        for (loc, sensor_ids) in spaces {
            let t = targets.get(&loc).cloned().unwrap_or_default();
            let target = t.effective();
            let mut now_sensors = Vec::new();
            for sid in sensor_ids {
                let Some(s) = sensors.get(&sid) else { continue };
                let mut values: Vec<MetricNow> = self
                    .series_of(&s.data.code)
                    .into_iter()
                    .filter_map(|(metric, series)| {
                        let (t, v) = *last.get(&series)?;
                        Some(MetricNow {
                            unit: crate::metric::info(&metric)
                                .map(|m| m.unit)
                                .unwrap_or_default()
                                .to_owned(),
                            in_range: target.get(&metric).map(|r| r.contains(v)),
                            metric,
                            at: ms_time(t),
                            value: v,
                        })
                    })
                    .collect();
                values.sort_by_key(|m| metric_rank(&m.metric));
                let seen = values.iter().map(|m| m.at).max();
                let limit = chrono::Duration::seconds(i64::from(s.data.interval_s) * 3);
                let battery = values
                    .iter()
                    .find(|m| m.metric == "battery")
                    .map(|m| m.value);
                now_sensors.push(SensorNow {
                    id: sid,
                    code: s.data.code.clone(),
                    last_seen: seen,
                    stale: seen.is_none_or(|t| now - t > limit),
                    low_battery: battery.is_some_and(|b| b < LOW_BATTERY),
                    values,
                });
            }
            now_sensors.sort_by(|a, b| a.code.cmp(&b.code));
            let state = if now_sensors.is_empty() {
                "empty"
            } else if now_sensors
                .iter()
                .any(|s| s.values.iter().any(|m| m.in_range == Some(false)))
            {
                "out"
            } else if now_sensors.iter().any(|s| s.stale) {
                "stale"
            } else {
                "ok"
            };
            out.push(SpaceNow {
                location_id: loc,
                label: labels.get(&loc).cloned(),
                profile: t.profile,
                target,
                state: state.into(),
                sensors: now_sensors,
            });
        }
        out.sort_by_key(|s| {
            s.label
                .as_ref()
                .map(|l| l.best(vitrine_kernel::Lang::En).to_owned())
                .unwrap_or_default()
        });
        Ok(out)
    }
}

/// Built-in metrics first, in their order; custom ones after, by name.
fn metric_rank(m: &str) -> (usize, String) {
    let i = crate::metric::BUILT_IN
        .iter()
        .position(|x| x.code == m)
        .unwrap_or(usize::MAX);
    (i, m.to_owned())
}
