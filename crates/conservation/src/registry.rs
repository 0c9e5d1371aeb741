//! The sensor registry: sensors, their placements in spaces and calibrations, and each
//! space's target environment. Every change is audited in its transaction.

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::time::ms_time;
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::model::{
    Calibration, CalibrationInput, Placement, PlacementInput, Sensor, SensorInput, SensorStatus,
    TargetInput,
};
use crate::service::{Conservation, SENSOR, not_found};

/// The audit log's name of a space's target.
const TARGET: &str = "environment_target";
use crate::store::{self, SensorRow};

/// A sensor, if it is still at the version the caller read.
async fn sensor_at(
    c: &impl sea_orm::ConnectionTrait,
    id: Uuid,
    expected_version: i64,
) -> Result<SensorRow> {
    let row = store::sensor(c, id).await?.ok_or_else(not_found)?;
    if row.version != expected_version {
        return Err(Error::VersionMismatch {
            current: row.version,
        });
    }
    Ok(row)
}

fn code_taken(code: &str) -> Error {
    Error::Conflict {
        field: Some("code".into()),
        message: format!("a sensor with code `{code}` exists"),
    }
}

impl Conservation {
    /// Every sensor (unassigned ones included), by code.
    pub async fn list_sensors(&self, actor: &Actor) -> Result<Vec<Sensor>> {
        actor.require(Permission::EnvironmentRead)?;
        let conn = self.db.conn();
        let rows = store::sensors(conn).await?;
        let mut placements: HashMap<Uuid, Placement> = HashMap::new();
        for p in store::placements(conn, None, None).await? {
            if p.to.is_none() {
                placements.insert(p.sensor_id, p);
            }
        }
        let mut cals: HashMap<Uuid, Vec<Calibration>> = HashMap::new();
        for (s, c) in store::calibrations(conn, None).await? {
            cals.entry(s).or_default().push(c);
        }
        let mut out: Vec<Sensor> = rows
            .into_iter()
            .map(|r| {
                let placement = placements.remove(&r.id);
                let mut calibrations = cals.remove(&r.id).unwrap_or_default();
                calibrations.reverse();
                self.sensor(r, placement, calibrations)
            })
            .collect();
        self.label_placements(
            actor,
            out.iter_mut()
                .filter_map(|s| s.placement.as_mut())
                .collect(),
        )
        .await?;
        Ok(out)
    }

    fn sensor(
        &self,
        r: SensorRow,
        placement: Option<Placement>,
        calibrations: Vec<Calibration>,
    ) -> Sensor {
        let (last_seen, battery) = match self.entry(&r.data.code) {
            Some(e) => {
                let last = self.last.read().unwrap_or_else(|p| p.into_inner());
                let seen = e
                    .series
                    .values()
                    .filter_map(|s| last.get(s))
                    .map(|(t, _)| *t)
                    .max();
                let battery = e
                    .series
                    .get("battery")
                    .and_then(|s| last.get(s))
                    .map(|(_, v)| *v);
                (seen.map(ms_time), battery)
            }
            None => (None, None),
        };
        Sensor {
            id: r.id,
            status: r.status,
            space_hint: r.space_hint,
            version: r.version,
            placement,
            calibrations,
            last_seen,
            battery,
            data: r.data,
        }
    }

    async fn label_placements(&self, actor: &Actor, mut ps: Vec<&mut Placement>) -> Result<()> {
        let ids: Vec<Uuid> = ps.iter().map(|p| p.location_id).collect();
        if ids.is_empty() || !actor.can(Permission::CatalogueRead) {
            return Ok(());
        }
        let labels = self.collections.labels(actor, &ids).await?;
        for p in ps.iter_mut() {
            p.location_label = labels.get(&p.location_id).cloned();
        }
        Ok(())
    }

    /// One sensor with its placement history.
    pub async fn get_sensor(&self, actor: &Actor, id: Uuid) -> Result<(Sensor, Vec<Placement>)> {
        actor.require(Permission::EnvironmentRead)?;
        let conn = self.db.conn();
        let row = store::sensor(conn, id).await?.ok_or_else(not_found)?;
        let mut history = store::placements(conn, Some(id), None).await?;
        self.label_placements(actor, history.iter_mut().collect())
            .await?;
        let current = history.iter().find(|p| p.to.is_none()).cloned();
        let mut cals: Vec<Calibration> = store::calibrations(conn, Some(id))
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        cals.reverse();
        Ok((self.sensor(row, current, cals), history))
    }

    /// Every placement in a location (the sensors that measured it, and when).
    pub async fn placements_in(&self, actor: &Actor, location: Uuid) -> Result<Vec<Placement>> {
        actor.require(Permission::EnvironmentRead)?;
        let mut ps = store::placements(self.db.conn(), None, Some(location)).await?;
        ps.reverse();
        Ok(ps)
    }

    /// The metrics a sensor has readings of, built-in ones first.
    pub fn metrics_of(&self, code: &str) -> Vec<String> {
        let mut m: Vec<String> = self.series_of(code).into_keys().collect();
        m.sort_by_key(|x| {
            let i = crate::metric::BUILT_IN
                .iter()
                .position(|b| b.code == x)
                .unwrap_or(usize::MAX);
            (i, x.clone())
        });
        m
    }

    /// Registers a sensor.
    pub async fn create_sensor(&self, actor: &Actor, input: SensorInput) -> Result<Uuid> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        let row = SensorRow {
            id: Uuid::now_v7(),
            status: if input.retired {
                SensorStatus::Retired
            } else {
                SensorStatus::Unassigned
            },
            space_hint: String::new(),
            version: 1,
            data: input,
        };
        let txn = self.db.begin_write().await?;
        if !store::insert_sensor(&*txn, &row).await? {
            return Err(code_taken(&row.data.code));
        }
        audit::record(&*txn, actor, Change::created(SENSOR, row.id, 1, &row.data)?).await?;
        txn.commit().await?;
        self.reload().await?;
        Ok(row.id)
    }

    /// Changes a sensor's description, if still at `expected_version`.
    pub async fn update_sensor(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: SensorInput,
    ) -> Result<i64> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        let txn = self.db.begin_write().await?;
        let before = sensor_at(&*txn, id, expected_version).await?;
        let placed = store::placements(&*txn, Some(id), None)
            .await?
            .iter()
            .any(|p| p.to.is_none());
        let status = match (input.retired, placed) {
            (true, _) => SensorStatus::Retired,
            (false, true) => SensorStatus::Active,
            (false, false) => SensorStatus::Unassigned,
        };
        let row = SensorRow {
            id,
            status,
            space_hint: before.space_hint.clone(),
            version: before.version + 1,
            data: input,
        };
        if store::sensor_by_code(&*txn, &row.data.code)
            .await?
            .is_some_and(|o| o.id != id)
        {
            return Err(code_taken(&row.data.code));
        }
        let change = Change::updated(SENSOR, id, row.version, Some(&before.data), &row.data)?;
        if change.is_noop() && row.status == before.status {
            return Ok(before.version);
        }
        if !store::update_sensor(&*txn, &row, expected_version).await? {
            return Err(Error::VersionMismatch {
                current: before.version + 1,
            });
        }
        audit::record(&*txn, actor, change).await?;
        txn.commit().await?;
        self.reload().await?;
        Ok(row.version)
    }

    /// Places (or moves) a sensor in a location from a time on. Readings before that time
    /// stay with the space they were measured in.
    pub async fn place_sensor(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: PlacementInput,
    ) -> Result<i64> {
        actor.require(Permission::EnvironmentEdit)?;
        self.check_location(actor, input.location_id).await?;
        let at = input.at.unwrap_or_else(Utc::now).timestamp_millis();
        let txn = self.db.begin_write().await?;
        let before = sensor_at(&*txn, id, expected_version).await?;
        if before.status == SensorStatus::Retired {
            return Err(Error::Conflict {
                field: None,
                message: "a retired sensor cannot be placed; return it to service first".into(),
            });
        }
        let history = store::placements(&*txn, Some(id), None).await?;
        if history.iter().any(|p| p.from.timestamp_millis() >= at) {
            return Err(Error::invalid(
                "at",
                "before_current",
                "a sensor can only move forward in time: this is not after its last placement",
            ));
        }
        store::move_sensor(&*txn, id, input.location_id, at, &input.note).await?;
        let row = SensorRow {
            status: SensorStatus::Active,
            version: before.version + 1,
            ..before.clone()
        };
        store::update_sensor(&*txn, &row, expected_version).await?;
        let was = history
            .last()
            .filter(|p| p.to.is_none())
            .map(|p| p.location_id);
        let before = serde_json::json!({ "location_id": was });
        let after = serde_json::json!({"location_id": input.location_id, "from": ms_time(at)});
        let change = Change::updated(SENSOR, id, row.version, Some(&before), &after)?;
        audit::record(&*txn, actor, change).await?;
        txn.commit().await?;
        Ok(row.version)
    }

    /// Adds a calibration to a sensor (applies to readings received from then on, at or after `valid_from`).
    pub async fn add_calibration(
        &self,
        actor: &Actor,
        id: Uuid,
        mut input: CalibrationInput,
    ) -> Result<Uuid> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        input.valid_from.get_or_insert_with(Utc::now);
        let cal = Calibration {
            id: Uuid::now_v7(),
            created_by: actor.name(),
            data: input,
        };
        let txn = self.db.begin_write().await?;
        let before = store::sensor(&*txn, id).await?.ok_or_else(not_found)?;
        store::insert_calibration(&*txn, id, &cal).await?;
        let row = SensorRow {
            version: before.version + 1,
            ..before.clone()
        };
        store::update_sensor(&*txn, &row, before.version).await?;
        let after = serde_json::json!({"calibration": cal.data});
        let change = Change::updated(SENSOR, id, row.version, None::<&()>, &after)?;
        audit::record(&*txn, actor, change).await?;
        txn.commit().await?;
        self.reload().await?;
        Ok(cal.id)
    }

    /// Sets a space's target environment.
    pub async fn set_target(
        &self,
        actor: &Actor,
        location: Uuid,
        input: TargetInput,
    ) -> Result<i64> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        self.check_location(actor, location).await?;
        let txn = self.db.begin_write().await?;
        let version = store::put_target(&*txn, location, &input).await?;
        let action = if version == 1 {
            Action::Created
        } else {
            Action::Updated
        };
        let change = Change::new(TARGET, location, action, version, None::<&()>, Some(&input))?;
        audit::record(&*txn, actor, change).await?;
        txn.commit().await?;
        Ok(version)
    }

    /// Refuses an id that is not one of the museum's locations, naming `location_id`.
    pub(crate) async fn check_location(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.collections
            .get_authority(actor, vitrine_collections::authority::Kind::Location, id)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                Error::NotFound { .. } => {
                    Error::invalid("location_id", "unknown_location", "no such location")
                }
                other => other,
            })
    }

    /// Every space's target.
    pub async fn targets(&self, actor: &Actor) -> Result<HashMap<Uuid, TargetInput>> {
        actor.require(Permission::EnvironmentRead)?;
        Ok(store::targets(self.db.conn())
            .await?
            .into_iter()
            .map(|(l, t, _)| (l, t))
            .collect())
    }
}
