//! Readings in: who may send them, one pipeline for every path (line protocol, JSON, MQTT,
//! logger files) that registers unknown sensors, applies calibrations, derives the ageing
//! rate and writes durably.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use uuid::Uuid;
use vitrine_kernel::audit::{self, Change};
use vitrine_kernel::{Actor, Error, Permission, Result};
use vitrine_timeseries::{Batch, SeriesId};

use crate::ingest::{Incoming, IngestReport};
use crate::ingest_stats::Path;
use crate::metric::Aliases;
use crate::model::{SensorInput, SensorStatus};
use crate::science::{AGEING_RATE, ageing_rate_reading};
use crate::service::{Conservation, Entry, SENSOR, Writer, hash_token, not_found};
use crate::store::{self, SensorRow};

/// Adds the ageing rate of a completed temperature + RH pair to the batch.
fn flush_pair(batch: &mut Batch, pair: Option<(SeriesId, i64, f64, f64)>) {
    if let Some((series, ts, t, rh)) = pair
        && let Some(k) = ageing_rate_reading(t, rh)
    {
        batch.entry(series).or_default().push((ts, k));
    }
}

impl Conservation {
    /// Works out who sends readings from a bearer secret: a gateway token, or the API token
    /// or session of a staff member allowed to write readings.
    pub async fn authorize_ingest(
        &self,
        secret: Option<&str>,
        staff: Option<Actor>,
    ) -> Result<Writer> {
        if let Some(secret) = secret
            && let Some((id, name)) =
                store::ingest_token(self.db.conn(), &hash_token(secret)).await?
        {
            return Ok(Writer::Gateway { token_id: id, name });
        }
        match staff {
            Some(actor) if actor.is_staff() => {
                actor.require(Permission::ReadingsWrite)?;
                Ok(Writer::Staff(actor))
            }
            _ => {
                self.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
                Err(Error::Unauthenticated)
            }
        }
    }

    /// Counts a refused credential (the web layer refuses some before the service sees them).
    pub fn note_auth_failure(&self) {
        self.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Records the MQTT connection state.
    pub fn mqtt_connected(&self, up: bool) {
        self.stats
            .mqtt_connected
            .store(u64::from(up), Ordering::Relaxed);
        if !up {
            self.stats.mqtt_disconnects.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a batch refused as a whole (too big, unreadable encoding, bad parameters).
    pub fn note_refused(&self) {
        self.stats.refused_batches.fetch_add(1, Ordering::Relaxed);
    }

    /// The field-name aliases in force.
    pub fn aliases(&self) -> &Aliases {
        &self.aliases
    }

    /// Stores parsed readings: registers unknown sensors as unassigned, applies calibrations,
    /// writes durably. `report` already counts the lines; this adds the stored values.
    pub async fn ingest(
        &self,
        writer: &Writer,
        path: Path,
        incoming: Vec<Incoming<'_>>,
        report: &mut IngestReport,
    ) -> Result<()> {
        let i = path as usize;
        self.stats.batches[i].fetch_add(1, Ordering::Relaxed);
        self.stats.rejected_by_path[i].fetch_add(report.rejected as u64, Ordering::Relaxed);
        self.stats
            .rejected
            .fetch_add(report.rejected as u64, Ordering::Relaxed);
        if incoming.is_empty() {
            return Ok(());
        }
        self.register_missing(writer, &incoming).await?;
        let mut batch: Batch = HashMap::new();
        let mut latest: HashMap<SeriesId, (i64, f64)> = HashMap::new();
        let mut pair: Option<(SeriesId, i64, f64, f64)> = None;
        let mut cur: Option<(&str, Arc<Entry>)> = None;
        for r in &incoming {
            let entry = match &cur {
                Some((code, e)) if *code == r.sensor.as_ref() => e.clone(),
                _ => {
                    let e = self.entry(&r.sensor).ok_or_else(|| {
                        Error::Internal("sensor vanished from the registry".into())
                    })?;
                    cur = Some((r.sensor.as_ref(), e.clone()));
                    e
                }
            };
            let Some(&series) = entry.series.get(r.metric.as_ref()) else {
                return Err(Error::Internal("series vanished from the registry".into()));
            };
            let v = if entry.calibrations.is_empty() {
                r.value
            } else {
                entry.calibrate(&r.metric, r.ts, r.value)
            };
            batch.entry(series).or_default().push((r.ts, v));
            // Temperature and RH of one sensor at one time (one line, one JSON object, one
            // logger row: they arrive next to each other) also give the ageing rate.
            if let (Some(&ageing), m @ ("temperature" | "rh")) =
                (entry.series.get(AGEING_RATE), r.metric.as_ref())
            {
                let same = pair.as_ref().is_some_and(|p| p.0 == ageing && p.1 == r.ts);
                if !same {
                    flush_pair(&mut batch, pair.take());
                    pair = Some((ageing, r.ts, f64::NAN, f64::NAN));
                }
                if let Some(p) = pair.as_mut() {
                    if m == "temperature" {
                        p.2 = v;
                    } else {
                        p.3 = v;
                    }
                }
            }
        }
        flush_pair(&mut batch, pair.take());
        for (series, pts) in &batch {
            if let Some(&(t, v)) = pts.iter().max_by_key(|p| p.0) {
                let l = latest.entry(*series).or_insert((t, v));
                if t >= l.0 {
                    *l = (t, v);
                }
            }
        }
        // The report counts what was sent; derived readings are the store's business.
        self.readings.write(batch).await?;
        report.values += incoming.len();
        self.changed.send_modify(|n| *n += 1);
        let mut last = self.last.write().unwrap_or_else(|p| p.into_inner());
        for (s, (t, v)) in latest {
            let e = last.entry(s).or_insert((t, v));
            if t >= e.0 {
                *e = (t, v);
            }
        }
        Ok(())
    }

    /// Creates the sensors and series this batch names that the registry lacks.
    async fn register_missing(&self, writer: &Writer, incoming: &[Incoming<'_>]) -> Result<()> {
        let mut sensors: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut series: BTreeMap<(&str, &str), ()> = BTreeMap::new();
        // Sensors sending temperature and RH together get an ageing-rate series too; only
        // those without one yet are looked at, so the usual batch costs one lookup a reading.
        let mut both: HashMap<&str, (bool, bool)> = HashMap::new();
        {
            let map = self.by_code.read().unwrap_or_else(|p| p.into_inner());
            for r in incoming {
                let e = map.get(r.sensor.as_ref());
                match e {
                    None => {
                        sensors.entry(&r.sensor).or_insert(r.space.as_deref());
                        series.insert((&r.sensor, &r.metric), ());
                    }
                    Some(e) if !e.series.contains_key(r.metric.as_ref()) => {
                        series.insert((&r.sensor, &r.metric), ());
                    }
                    Some(_) => {}
                }
                if e.is_none_or(|e| !e.series.contains_key(AGEING_RATE)) {
                    match r.metric.as_ref() {
                        "temperature" => both.entry(r.sensor.as_ref()).or_default().0 = true,
                        "rh" => both.entry(r.sensor.as_ref()).or_default().1 = true,
                        _ => {}
                    }
                }
            }
        }
        for (code, _) in both.into_iter().filter(|(_, (t, h))| *t && *h) {
            series.insert((code, AGEING_RATE), ());
        }
        if sensors.is_empty() && series.is_empty() {
            return Ok(());
        }
        let actor = writer.actor();
        let txn = self.db.begin_write().await?;
        let mut created = 0u64;
        for (code, hint) in &sensors {
            let row = SensorRow {
                id: Uuid::now_v7(),
                status: SensorStatus::Unassigned,
                space_hint: hint.unwrap_or_default().chars().take(100).collect(),
                version: 1,
                data: SensorInput {
                    code: (*code).to_owned(),
                    interval_s: 300,
                    ..Default::default()
                },
            };
            if store::insert_sensor(&*txn, &row).await? {
                created += 1;
                let after = serde_json::json!({"code": code, "status": "unassigned", "space_hint": row.space_hint});
                audit::record(&*txn, &actor, Change::created(SENSOR, row.id, 1, &after)?).await?;
            }
        }
        let mut ids: HashMap<&str, Uuid> = HashMap::new();
        for (code, metric) in series.keys() {
            let id = match ids.get(code) {
                Some(id) => *id,
                None => {
                    let s = store::sensor_by_code(&*txn, code)
                        .await?
                        .ok_or_else(|| Error::Internal(format!("sensor {code} not stored")))?;
                    ids.insert(code, s.id);
                    s.id
                }
            };
            store::ensure_series(&*txn, id, metric).await?;
        }
        txn.commit().await?;
        self.stats
            .sensors_discovered
            .fetch_add(created, Ordering::Relaxed);
        self.reload().await
    }

    /// Reads a logger's file for a sensor: with `preview`, only says what it found; else
    /// stores every readable row (through the same pipeline as gateways) and reports the rest.
    pub async fn import_logger(
        &self,
        actor: &Actor,
        sensor: Uuid,
        bytes: &[u8],
        mapping: &crate::logger::Mapping,
        preview: bool,
    ) -> Result<(crate::logger::Preview, usize)> {
        actor.require(Permission::ReadingsWrite)?;
        let row = store::sensor(self.db.conn(), sensor)
            .await?
            .ok_or_else(not_found)?;
        let offset = (self.settings.utc_offset_ms / 60_000) as i32;
        let (readings, p) = crate::logger::read(bytes, mapping, offset)
            .map_err(|e| Error::invalid("mapping", "unreadable_file", e))?;
        if preview || readings.is_empty() {
            return Ok((p, 0));
        }
        let incoming: Vec<Incoming<'_>> = readings
            .iter()
            .map(|(line, t, m, v)| Incoming {
                sensor: std::borrow::Cow::Borrowed(row.data.code.as_str()),
                space: None,
                metric: std::borrow::Cow::Borrowed(m.as_str()),
                ts: *t,
                value: *v,
                line: *line,
            })
            .collect();
        let mut rep = IngestReport {
            accepted: p.rows - p.rejected,
            rejected: p.rejected,
            ..Default::default()
        };
        let writer = Writer::Staff(actor.clone());
        for chunk in incoming.chunks(50_000) {
            self.ingest(&writer, Path::File, chunk.to_vec(), &mut rep)
                .await?;
            // Only the first chunk carries the refused rows' count.
            rep.rejected = 0;
        }
        Ok((p, rep.values))
    }
}
