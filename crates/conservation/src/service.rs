//! The monitoring service: its settings, its caches of the registry and latest values, and
//! opening and background work. The use cases are `impl Conservation` blocks by topic:
//! [`crate::pipeline`] (readings in from every path), [`crate::registry`] (sensors,
//! placements, calibrations, targets), [`crate::tokens`] (gateway tokens),
//! [`crate::series`] (charts), [`crate::control`] (actuators) and [`crate::overview`].
//! Permissions are checked in those use cases; the web layer only says who calls.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sha2::{Digest, Sha256};
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_kernel::{Actor, Db, Error, Result};
use vitrine_timeseries::{DAY_MS, HOUR_MS, Readings, SeriesId};

use crate::ingest_stats::IngestStats;
use crate::metric::Aliases;
use crate::store;

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
    pub(crate) fn actor(&self) -> Actor {
        match self {
            Writer::Gateway { .. } => Actor::System("ingest"),
            Writer::Staff(a) => a.clone(),
        }
    }
}

/// What the registry keeps in memory for each sensor, for ingest at line rate.
#[derive(Clone, Debug, Default)]
pub(crate) struct Entry {
    pub(crate) series: HashMap<String, SeriesId>,
    /// `(metric, from ms, offset, scale)`, oldest first.
    pub(crate) calibrations: Vec<(String, i64, f64, f64)>,
}

impl Entry {
    pub(crate) fn calibrate(&self, metric: &str, ts: i64, v: f64) -> f64 {
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
            .map(|x| vitrine_timeseries::codec::decimals(*x).unwrap_or(6))
            .sum::<u8>()
            .min(6);
        let f = 10f64.powi(i32::from(places));
        (raw * f).round() / f
    }
}

/// Shared slot for the MQTT client control commands go out on (see [`crate::control`]).
pub type Publisher = Arc<RwLock<Option<rumqttc::AsyncClient>>>;

/// The monitoring service.
#[derive(Clone)]
pub struct Conservation {
    pub(crate) db: Db,
    pub(crate) collections: Collections,
    pub(crate) readings: Readings,
    pub(crate) aliases: Arc<Aliases>,
    pub(crate) by_code: Arc<RwLock<HashMap<String, Arc<Entry>>>>,
    pub(crate) last: Arc<RwLock<HashMap<SeriesId, (i64, f64)>>>,
    pub(crate) stats: Arc<IngestStats>,
    pub(crate) settings: Settings,
    pub(crate) changed: Arc<tokio::sync::watch::Sender<u64>>,
    pub(crate) publisher: Publisher,
}

pub(crate) fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The audit log's name of a sensor.
pub(crate) const SENSOR: &str = "sensor";

pub(crate) fn not_found() -> Error {
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

    pub(crate) fn entry(&self, code: &str) -> Option<Arc<Entry>> {
        self.by_code
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(code)
            .cloned()
    }
}
