//! Configuration: built-in defaults, then a TOML file (`--config`, or `DATA/vitrine.toml`
//! when present), then `VITRINE_*` environment variables, then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Every setting of a running museum (see docs/operations.md for each one).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory holding the SQLite database (and later media, index).
    pub data: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `postgres://...` to use PostgreSQL; empty for SQLite inside `data`.
    pub database_url: Option<String>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Mark cookies Secure (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// The museum's name in Chinese.
    pub museum_name_zh: String,
    /// The museum's name in English.
    pub museum_name_en: String,
    /// If set, every object number must start with this prefix.
    pub object_number_prefix: Option<String>,
    /// The museum's offset from UTC in minutes (days of environment data run from local
    /// midnight); set before the first reading arrives.
    pub utc_offset_minutes: i32,
    /// Largest batch of sensor readings, in bytes after decompression.
    pub max_ingest_bytes: usize,
    /// Extra names gateways use for metrics, e.g. `{ Feuchte = "rh" }`.
    pub metric_aliases: std::collections::BTreeMap<String, String>,
    /// Days of raw sensor readings to keep (hourly and daily rollups are kept for ever);
    /// unset keeps every reading.
    pub raw_retention_days: Option<u32>,
    /// MQTT broker to take readings from, e.g. `mqtt://127.0.0.1:1883`; none: no MQTT.
    pub mqtt_url: Option<String>,
    /// Topic filter whose last level is the sensor code.
    pub mqtt_topic: String,
    /// MQTT client id (fixed, so the broker keeps unacknowledged readings across restarts).
    pub mqtt_client_id: String,
    /// The site's public base URL (`https://museum.example`), used in IIIF ids and
    /// manifests; unset uses the request's (forwarded) host.
    pub public_base_url: Option<String>,
    /// Where image masters and pyramids live (default `DATA/media`); nodes sharing a
    /// database share this directory (a network file system).
    pub media_dir: Option<PathBuf>,
    /// Largest image accepted, in megapixels.
    pub media_max_megapixels: u64,
    /// Largest image upload, in bytes.
    pub max_upload_bytes: usize,
    /// Memory for rendered IIIF answers, in MiB.
    pub image_cache_mb: u64,
    /// Large IIIF renders (over 4 megapixels) made at once; more wait their turn.
    pub image_large_renders: usize,
    /// This node's name, unique among the nodes on one database (jobs on a node's own
    /// files, such as its search index, run there).
    pub node_name: String,
    /// Background jobs this node runs at once.
    pub job_workers: usize,
    /// Seconds a job's claim lasts without a heartbeat; another node takes the job over after.
    pub job_lease_secs: u64,
    /// Let webhooks call loopback and private addresses (an in-house receiver, tests).
    pub webhook_allow_private: bool,
    /// Seconds a failing webhook delivery is retried before it becomes a dead letter.
    pub webhook_dead_after_secs: u64,
    /// Periodic jobs: job kind -> cron expression in the museum's time zone (TOML only).
    pub schedules: std::collections::BTreeMap<String, String>,
    /// Seconds between the simulated sensors' live readings (`vitrine demo`, `vitrine simulate`).
    pub simulate_every: u64,
}

/// The keys a `VITRINE_*` environment variable may set.
const SETTINGS: [&str; 26] = [
    "data",
    "listen",
    "database_url",
    "max_body_bytes",
    "secure_cookies",
    "museum_name_zh",
    "museum_name_en",
    "object_number_prefix",
    "utc_offset_minutes",
    "max_ingest_bytes",
    "raw_retention_days",
    "mqtt_url",
    "mqtt_topic",
    "mqtt_client_id",
    "public_base_url",
    "media_dir",
    "media_max_megapixels",
    "max_upload_bytes",
    "image_cache_mb",
    "image_large_renders",
    "node_name",
    "job_workers",
    "job_lease_secs",
    "webhook_allow_private",
    "webhook_dead_after_secs",
    "simulate_every",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            data: PathBuf::from("./vitrine-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            max_body_bytes: 1024 * 1024,
            secure_cookies: false,
            museum_name_zh: "岭南省博物馆".into(),
            museum_name_en: "Lingnan Provincial Museum".into(),
            object_number_prefix: None,
            utc_offset_minutes: 480,
            max_ingest_bytes: 32 * 1024 * 1024,
            metric_aliases: Default::default(),
            raw_retention_days: None,
            mqtt_url: None,
            mqtt_topic: "vitrine/sensors/+".into(),
            mqtt_client_id: "vitrine".into(),
            public_base_url: None,
            media_dir: None,
            media_max_megapixels: 500,
            max_upload_bytes: 2 << 30,
            image_cache_mb: 256,
            image_large_renders: 2,
            node_name: "local".into(),
            job_workers: 2,
            job_lease_secs: 30,
            webhook_allow_private: false,
            webhook_dead_after_secs: 24 * 3_600,
            // A fixity check of every master at 03:00 on the first of each month.
            schedules: [("media.fixity".to_owned(), "0 3 1 * *".to_owned())].into(),
            simulate_every: 30,
        }
    }
}

/// Settings given on the command line (each overrides file and environment).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the configuration in order of precedence.
    pub fn load(file: Option<&Path>, cli: Overrides) -> anyhow::Result<Config> {
        let data_dir = cli
            .data
            .clone()
            .or_else(|| std::env::var_os("VITRINE_DATA").map(PathBuf::from))
            .unwrap_or_else(|| Config::default().data);
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.exists() {
                    bail!("configuration file {} does not exist", f.display());
                }
                fig = fig.merge(Toml::file_exact(f));
            }
            None => {
                let implicit = data_dir.join("vitrine.toml");
                if implicit.exists() {
                    fig = fig.merge(Toml::file_exact(implicit));
                }
            }
        }
        let cfg: Config = fig
            // Only settings: VITRINE_LOG, VITRINE_CONFIG and test variables are not config keys.
            .merge(Env::prefixed("VITRINE_").only(&SETTINGS))
            .merge(Serialized::defaults(cli))
            .extract()
            .context("invalid configuration")?;
        if cfg.max_body_bytes < 1024 {
            bail!("max_body_bytes must be at least 1024");
        }
        if cfg.max_ingest_bytes < 1024 {
            bail!("max_ingest_bytes must be at least 1024");
        }
        if !(-14 * 60..=14 * 60).contains(&cfg.utc_offset_minutes) {
            bail!("utc_offset_minutes must be between -840 and 840 (e.g. 480 for China)");
        }
        if cfg.simulate_every == 0 {
            bail!("simulate_every must be at least 1 (seconds)");
        }
        Ok(cfg)
    }

    /// The interval of simulated live readings.
    pub fn simulate_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.simulate_every)
    }

    /// The database URL: PostgreSQL when configured, else SQLite inside `data`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.trim().to_owned(),
            _ => vitrine_kernel::db::sqlite_url(&self.data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_env_and_flags_override_in_order() {
        let dir =
            std::env::temp_dir().join(format!("vitrine-cfg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("c.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 4096\nobject_number_prefix = \"LN\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&f), Overrides::default()).unwrap();
        assert_eq!(
            (
                c.listen.port(),
                c.max_body_bytes,
                c.object_number_prefix.as_deref()
            ),
            (9000, 4096, Some("LN"))
        );
        let c = Config::load(
            Some(&f),
            Overrides {
                listen: Some("127.0.0.1:9100".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(c.listen.port(), 9100);
        std::fs::write(&f, "colour = 1\n").unwrap();
        assert!(Config::load(Some(&f), Overrides::default()).is_err());
        assert!(Config::load(Some(&dir.join("missing.toml")), Overrides::default()).is_err());
        std::fs::remove_dir_all(dir).ok();
    }
}
