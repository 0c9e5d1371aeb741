//! Use cases of monitoring: the sensor registry, ingest from every path into one pipeline,
//! and series for charts. Permissions are checked here; the web layer only says who calls.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::{Actor, Db, Error, Permission, Result};

use crate::ingest::{Incoming, IngestReport};
use crate::metric::Aliases;
use crate::model::{
    Calibration, CalibrationInput, IngestToken, Placement, PlacementInput, Sensor, SensorInput,
    SensorStatus, TargetInput, ms_time,
};
use crate::readings::{Batch, Readings, SeriesId};
use crate::rollup::{self, DAY_MS, HOUR_MS, Rollup};
use crate::science::{AGEING_RATE, ageing_rate_reading};
use crate::store::{self, SensorRow};

/// Settings of monitoring.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The museum's UTC offset in ms (days and daily rollups run from local midnight).
    pub utc_offset_ms: i64,
    /// Extra field-name aliases (`from → metric`).
    pub aliases: Vec<(String, String)>,
    /// How often the readings flusher runs.
    pub flush_every: Duration,
    /// Days of raw readings to keep (rollups are kept for ever); none keeps everything.
    pub raw_retention_days: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            utc_offset_ms: 8 * HOUR_MS,
            aliases: Vec::new(),
            flush_every: Duration::from_secs(2),
            raw_retention_days: None,
        }
    }
}

/// Who is sending readings.
#[derive(Clone, Debug)]
pub enum Writer {
    /// A gateway with its ingest token.
    Gateway { token_id: Uuid, name: String },
    /// A staff member (conservator or admin) with an API token or session.
    Staff(Actor),
}

impl Writer {
    fn actor(&self) -> Actor {
        match self {
            Writer::Gateway { .. } => Actor::System("ingest"),
            Writer::Staff(a) => a.clone(),
        }
    }
}

/// What the registry keeps in memory for each sensor, for ingest at line rate.
#[derive(Clone, Debug, Default)]
struct Entry {
    series: HashMap<String, SeriesId>,
    /// `(metric, from ms, offset, scale)`, oldest first.
    calibrations: Vec<(String, i64, f64, f64)>,
}

impl Entry {
    fn calibrate(&self, metric: &str, ts: i64, v: f64) -> f64 {
        let Some((_, _, offset, scale)) = self
            .calibrations
            .iter()
            .rev()
            .find(|(m, from, _, _)| m == metric && *from <= ts)
        else {
            return v;
        };
        let raw = v * scale + offset;
        // Keep the decimals the inputs had, so calibrated values still compress.
        let places = [v, *offset, *scale]
            .iter()
            .map(|x| crate::codec::decimals(*x).unwrap_or(6))
            .sum::<u8>()
            .min(6);
        let f = 10f64.powi(i32::from(places));
        (raw * f).round() / f
    }
}

/// The ways readings arrive, for counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// InfluxDB line protocol over HTTP.
    LineProtocol,
    /// JSON batches.
    Json,
    /// MQTT messages.
    Mqtt,
    /// Logger files.
    File,
}

impl Path {
    /// Every path, in the order `/metrics` lists them.
    pub const ALL: [Path; 4] = [Path::LineProtocol, Path::Json, Path::Mqtt, Path::File];
    /// Label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Path::LineProtocol => "line_protocol",
            Path::Json => "json",
            Path::Mqtt => "mqtt",
            Path::File => "file",
        }
    }
}

/// Ingest counters for `/metrics`.
#[derive(Default, Debug)]
pub struct IngestStats {
    /// Requests or messages received, by path (index of [`Path::ALL`]).
    pub batches: [AtomicU64; 4],
    /// Lines or items refused, by path.
    pub rejected_by_path: [AtomicU64; 4],
    /// Lines or items refused.
    pub rejected: AtomicU64,
    /// Sensors registered because they reported unannounced.
    pub sensors_discovered: AtomicU64,
    /// Refused for credentials.
    pub auth_failures: AtomicU64,
    /// Whole batches refused before reading a line (size, encoding, parameters).
    pub refused_batches: AtomicU64,
    /// 1 while connected to the MQTT broker.
    pub mqtt_connected: AtomicU64,
    /// Connections to the MQTT broker lost.
    pub mqtt_disconnects: AtomicU64,
}

/// The monitoring service.
#[derive(Clone)]
pub struct Conservation {
    pub(crate) db: Db,
    pub(crate) collections: Collections,
    readings: Readings,
    aliases: Arc<Aliases>,
    by_code: Arc<RwLock<HashMap<String, Arc<Entry>>>>,
    pub(crate) last: Arc<RwLock<HashMap<SeriesId, (i64, f64)>>>,
    stats: Arc<IngestStats>,
    settings: Settings,
    changed: Arc<tokio::sync::watch::Sender<u64>>,
    pub(crate) publisher: crate::control::Publisher,
}

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
    /// `raw`, `hour`, `day` or `days` (several days per point).
    pub resolution: String,
    /// Range start (ms).
    pub from: i64,
    /// Range end (ms, exclusive).
    pub to: i64,
    /// Times (ms): the reading's, or the start of its hour or day.
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

/// Most points a chart series carries.
pub const MAX_POINTS: usize = 2_000;
/// Longest range a chart may ask for (20 years).
pub const MAX_RANGE_MS: i64 = 20 * 366 * DAY_MS;

fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Writes the audit row and outbox event of a change to a sensor.
async fn record_sensor(
    txn: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    action: Action,
    version: i64,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    let change = Change {
        entity_type: "sensor",
        entity_id: id,
        action,
        version,
        before,
        after,
    };
    audit::record(txn, actor, change).await
}

/// Adds the ageing rate of a completed temperature + RH pair to the batch.
fn flush_pair(batch: &mut Batch, pair: Option<(SeriesId, i64, f64, f64)>) {
    if let Some((series, ts, t, rh)) = pair
        && let Some(k) = ageing_rate_reading(t, rh)
    {
        batch.entry(series).or_default().push((ts, k));
    }
}

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

fn not_found() -> Error {
    Error::NotFound { what: "sensor" }
}

impl Conservation {
    /// Opens the service: registry caches, the readings store (replaying unflushed writes).
    pub async fn open(
        db: Db,
        collections: Collections,
        settings: Settings,
    ) -> Result<Conservation> {
        let readings = Readings::open(db.clone(), settings.utc_offset_ms).await?;
        let c = Conservation {
            db,
            collections,
            readings,
            aliases: Arc::new(Aliases::new(&settings.aliases)),
            by_code: Arc::default(),
            last: Arc::default(),
            stats: Arc::default(),
            settings,
            changed: Arc::new(tokio::sync::watch::channel(0).0),
            publisher: Arc::default(),
        };
        c.reload().await?;
        let latest = c.readings.latest_all().await?;
        *c.last.write().unwrap_or_else(|p| p.into_inner()) = latest;
        Ok(c)
    }

    /// Starts background work: the flusher, and (with a raw retention) an hourly purge of
    /// raw readings older than the retention, keeping their rollups.
    pub fn spawn_background(&self) -> tokio::task::JoinHandle<()> {
        let flusher = self.readings.spawn_flusher(self.settings.flush_every);
        let Some(days) = self.settings.raw_retention_days else {
            return flusher;
        };
        let readings = self.readings.clone();
        tokio::spawn(async move {
            loop {
                let before = chrono::Utc::now().timestamp_millis() - i64::from(days) * DAY_MS;
                match readings.purge_raw(before).await {
                    Ok(n) if n > 0 => tracing::info!(
                        days = n,
                        "readings: raw readings past retention dropped (rollups kept)"
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "readings: retention purge failed"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
                if flusher.is_finished() {
                    return;
                }
            }
        })
    }

    /// Ticks after every stored batch (live pages wait on it).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The readings store (benchmarks, maintenance).
    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    /// Ingest counters.
    pub fn ingest_stats(&self) -> &IngestStats {
        &self.stats
    }

    /// Rereads the registry into memory.
    pub async fn reload(&self) -> Result<()> {
        let conn = self.db.conn();
        let sensors = store::sensors(conn).await?;
        let series = store::series(conn).await?;
        let cals = store::calibrations(conn, None).await?;
        let mut by_id: HashMap<Uuid, Entry> =
            sensors.iter().map(|s| (s.id, Entry::default())).collect();
        for (id, sensor, metric) in series {
            if let Some(e) = by_id.get_mut(&sensor) {
                e.series.insert(metric, id);
            }
        }
        for (sensor, c) in cals {
            if let Some(e) = by_id.get_mut(&sensor) {
                let from = c
                    .data
                    .valid_from
                    .map(|t| t.timestamp_millis())
                    .unwrap_or_default();
                e.calibrations
                    .push((c.data.metric, from, c.data.offset, c.data.scale));
            }
        }
        let map = sensors
            .into_iter()
            .filter_map(|s| by_id.remove(&s.id).map(|e| (s.data.code, Arc::new(e))))
            .collect();
        *self.by_code.write().unwrap_or_else(|p| p.into_inner()) = map;
        Ok(())
    }

    /// The series ids of a sensor by metric.
    pub(crate) fn series_of(&self, code: &str) -> HashMap<String, SeriesId> {
        self.entry(code)
            .map(|e| e.series.clone())
            .unwrap_or_default()
    }

    fn entry(&self, code: &str) -> Option<Arc<Entry>> {
        self.by_code
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(code)
            .cloned()
    }

    // ---------- ingest ----------

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
                record_sensor(&*txn, &actor, row.id, Action::Created, 1, None, Some(serde_json::json!({"code": code, "status": "unassigned", "space_hint": row.space_hint}))).await?;
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

    // ---------- registry ----------

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
        record_sensor(
            &*txn,
            actor,
            row.id,
            Action::Created,
            1,
            None,
            Some(serde_json::to_value(&row.data).unwrap_or_default()),
        )
        .await?;
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
        if !store::update_sensor(&*txn, &row, expected_version).await? {
            return Err(Error::VersionMismatch {
                current: before.version + 1,
            });
        }
        record_sensor(
            &*txn,
            actor,
            id,
            Action::Updated,
            row.version,
            Some(serde_json::to_value(&before.data).unwrap_or_default()),
            Some(serde_json::to_value(&row.data).unwrap_or_default()),
        )
        .await?;
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
        record_sensor(&*txn, actor, id, Action::Updated, row.version, Some(serde_json::json!({"location_id": history.last().filter(|p| p.to.is_none()).map(|p| p.location_id)})), Some(serde_json::json!({"location_id": input.location_id, "from": ms_time(at)}))).await?;
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
        record_sensor(
            &*txn,
            actor,
            id,
            Action::Updated,
            row.version,
            None,
            Some(serde_json::json!({"calibration": cal.data})),
        )
        .await?;
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
        audit::record(
            &*txn,
            actor,
            Change {
                entity_type: "environment_target",
                entity_id: location,
                action: if version == 1 {
                    Action::Created
                } else {
                    Action::Updated
                },
                version,
                before: None,
                after: Some(serde_json::to_value(&input).unwrap_or_default()),
            },
        )
        .await?;
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

    /// Makes a gateway token; returns it with its secret (shown once).
    pub async fn create_ingest_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(IngestToken, String)> {
        actor.require(Permission::EnvironmentEdit)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "invalid_name", "1–100 characters"));
        }
        let mut bytes = [0u8; 24];
        rand::fill(&mut bytes);
        let secret = format!("vti_{}", hex::encode(bytes));
        let id = Uuid::now_v7();
        let txn = self.db.begin_write().await?;
        store::insert_ingest_token(&*txn, id, name, &hash_token(&secret), &actor.name()).await?;
        txn.commit().await?;
        let token = store::ingest_tokens(self.db.conn())
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::Internal("token vanished".into()))?;
        Ok((token, secret))
    }

    /// Gateway tokens.
    pub async fn ingest_tokens(&self, actor: &Actor) -> Result<Vec<IngestToken>> {
        actor.require(Permission::EnvironmentEdit)?;
        store::ingest_tokens(self.db.conn()).await
    }

    /// Revokes a gateway token.
    pub async fn revoke_ingest_token(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::EnvironmentEdit)?;
        let txn = self.db.begin_write().await?;
        if !store::revoke_ingest_token(&*txn, id).await? {
            return Err(Error::NotFound {
                what: "ingest token",
            });
        }
        txn.commit().await
    }

    // ---------- series ----------

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
        let mut d = SeriesData {
            sensor_id,
            sensor_code: code.to_owned(),
            metric: metric.to_owned(),
            unit: crate::metric::info(metric)
                .map(|m| m.unit)
                .unwrap_or_default()
                .to_owned(),
            resolution: "raw".into(),
            from,
            to,
            t: Vec::new(),
            v: Vec::new(),
            min: Vec::new(),
            max: Vec::new(),
            n: Vec::new(),
        };
        let Some(series) = series else {
            return Ok(d);
        };
        let r = &self.readings;
        let hours = (to - from) / HOUR_MS;
        if hours <= 48 || r.estimate_count(series, from, to).await? <= MAX_POINTS as u64 {
            let (ts, vals) = r.raw(series, from, to).await?;
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
            let mut buckets: Vec<(i64, Rollup)> = Vec::new();
            for ((t, v), dt) in ts.iter().zip(&vals).zip(rollup::durations(&ts)) {
                let b = from + (t - from) / width * width;
                let one = Rollup::one(*t, *v, dt);
                match buckets.last_mut() {
                    Some((k, acc)) if *k == b => acc.merge(&one),
                    _ => buckets.push((b, one)),
                }
            }
            d.resolution = "bucket".into();
            fill(&mut d, buckets);
            return Ok(d);
        }
        if hours <= MAX_POINTS as i64 {
            d.resolution = "hour".into();
            let rows = r
                .hourly(series, rollup::floor_to(from, HOUR_MS, 0), to)
                .await?;
            fill(&mut d, rows);
            return Ok(d);
        }
        let offset = r.offset_ms();
        let rows = r
            .daily(series, rollup::floor_to(from, DAY_MS, offset), to)
            .await?;
        let days = (to - from) / DAY_MS;
        if days <= MAX_POINTS as i64 {
            d.resolution = "day".into();
            fill(&mut d, rows);
        } else {
            let per = days / MAX_POINTS as i64 + 1;
            let mut merged: Vec<(i64, Rollup)> = Vec::new();
            let origin = rollup::floor_to(from, DAY_MS, offset);
            for (day, roll) in rows {
                let k = origin + (day - origin) / (per * DAY_MS) * per * DAY_MS;
                match merged.last_mut() {
                    Some((x, acc)) if *x == k => acc.merge(&roll),
                    _ => merged.push((k, roll)),
                }
            }
            d.resolution = "days".into();
            fill(&mut d, merged);
        }
        Ok(d)
    }
}

fn fill(d: &mut SeriesData, rows: Vec<(i64, Rollup)>) {
    for (t, r) in rows {
        d.t.push(t);
        d.v.push(r.mean());
        d.min.push(r.min);
        d.max.push(r.max);
        d.n.push(r.count);
    }
}

fn check_range(from: i64, to: i64) -> Result<()> {
    let bad = |field: &str, msg: &str| {
        Err(Error::InvalidParameters(vec![
            vitrine_kernel::FieldError::new(field, "invalid_range", msg),
        ]))
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
