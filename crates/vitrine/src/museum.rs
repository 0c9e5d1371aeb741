//! Opening a museum: the database, its migrations and the services over it.

use anyhow::Context;
use vitrine_bus::webhooks::{WebhookSettings, Webhooks};
use vitrine_collections::Collections;
use vitrine_collections::model::NumberRule;
use vitrine_conservation::{Conservation, Settings};
use vitrine_kernel::accounts::Accounts;
use vitrine_kernel::jobs::{Jobs, Schedule, Worker, WorkerSettings};
use vitrine_kernel::migrate::{self, KERNEL_MIGRATIONS};
use vitrine_kernel::{Db, LangText};
use vitrine_media::{Media, Settings as MediaSettings};
use vitrine_search::Search;
use vitrine_web::{AppState, WebConfig};

use crate::config::Config;

/// An opened museum.
pub struct Museum {
    /// The database.
    pub db: Db,
    /// Catalogue service.
    pub collections: Collections,
    /// Accounts service.
    pub accounts: Accounts,
    /// Background jobs.
    pub jobs: Jobs,
}

/// Every domain's migrations, in dependency order.
pub const ALL_MIGRATIONS: [&[migrate::Migration]; 7] = [
    KERNEL_MIGRATIONS,
    vitrine_bus::MIGRATIONS,
    vitrine_collections::MIGRATIONS,
    vitrine_search::MIGRATIONS,
    vitrine_timeseries::MIGRATIONS,
    vitrine_conservation::store::MIGRATIONS,
    vitrine_media::MIGRATIONS,
];

impl Museum {
    /// Opens (and creates) the database and brings its schema up to date.
    pub async fn open(cfg: &Config) -> anyhow::Result<Museum> {
        if cfg
            .database_url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
        {
            std::fs::create_dir_all(&cfg.data)
                .with_context(|| format!("cannot create data directory {}", cfg.data.display()))?;
        }
        let db = Db::connect(&cfg.database_url()).await?;
        for m in ALL_MIGRATIONS {
            migrate::run(&db, m).await?;
        }
        let mut collections = Collections::new(db.clone());
        if let Some(p) = &cfg.object_number_prefix {
            collections = collections.with_number_rule(NumberRule::with_prefix(p));
        }
        Ok(Museum {
            accounts: Accounts::new(db.clone()),
            jobs: Jobs::new(db.clone()),
            collections,
            db,
        })
    }

    /// Opens the search index (`DATA/index`); only commands that search or index need it.
    pub async fn search(&self, cfg: &Config) -> anyhow::Result<Search> {
        let search = Search::open(cfg.data.join("index"), self.collections.clone()).await?;
        // The "has image" facet asks the media library (search is listed before it).
        let media = self.media(cfg)?;
        search.set_image_lookup(std::sync::Arc::new(move |ids| {
            let media = media.clone();
            Box::pin(async move { media.image_presence(&ids).await })
        }));
        Ok(search)
    }

    /// Opens environment monitoring (replaying readings not yet folded into day rows).
    pub async fn conservation(&self, cfg: &Config) -> anyhow::Result<Conservation> {
        let settings = Settings {
            utc_offset_ms: i64::from(cfg.utc_offset_minutes) * 60_000,
            aliases: cfg
                .metric_aliases
                .iter()
                .map(|(a, b)| (a.clone(), b.clone()))
                .collect(),
            raw_retention_days: cfg.raw_retention_days.filter(|d| *d > 0),
            ..Settings::default()
        };
        Ok(Conservation::open(self.db.clone(), self.collections.clone(), settings).await?)
    }

    /// Opens the media library (`media_dir`, default `DATA/media`).
    pub fn media(&self, cfg: &Config) -> anyhow::Result<Media> {
        let settings = MediaSettings {
            max_pixels: cfg.media_max_megapixels.max(1) * 1_000_000,
            cache_bytes: cfg.image_cache_mb << 20,
            large_renders: cfg.image_large_renders.max(1),
            public_base: cfg
                .public_base_url
                .as_deref()
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
            ..MediaSettings::default()
        };
        Ok(Media::open(
            self.db.clone(),
            self.collections.clone(),
            cfg.media_dir
                .clone()
                .unwrap_or_else(|| cfg.data.join("media")),
            settings,
        )?)
    }

    /// This node's job worker with every domain's jobs and the configured schedules.
    pub fn worker(&self, cfg: &Config, search: &Search, media: &Media) -> anyhow::Result<Worker> {
        let settings = WorkerSettings {
            node: node_name(cfg),
            concurrency: cfg.job_workers.max(1),
            lease: std::time::Duration::from_secs(cfg.job_lease_secs.max(2)),
            utc_offset: chrono::FixedOffset::east_opt(cfg.utc_offset_minutes * 60)
                .context("utc_offset_minutes is out of range")?,
            ..WorkerSettings::default()
        };
        let mut w = Worker::new(self.jobs.clone(), settings);
        search.register_jobs(&mut w);
        media.register_jobs(&mut w);
        for (kind, expr) in &cfg.schedules {
            let field = format!("schedules.{kind}");
            let bad = |e: vitrine_kernel::FieldError| {
                anyhow::anyhow!("invalid configuration: {}: {}", e.field, e.message)
            };
            w.schedule(Schedule::parse(&field, kind, expr).map_err(bad)?)
                .map_err(bad)?;
        }
        Ok(w)
    }

    /// The webhook subscriptions and their dispatcher's settings.
    pub fn webhooks(&self, cfg: &Config) -> anyhow::Result<Webhooks> {
        let settings = WebhookSettings {
            node: node_name(cfg),
            allow_private: cfg.webhook_allow_private,
            dead_after: std::time::Duration::from_secs(cfg.webhook_dead_after_secs),
            ..WebhookSettings::default()
        };
        Ok(Webhooks::new(self.db.clone(), settings)?)
    }

    /// The web application over this museum.
    pub fn app(
        &self,
        cfg: &Config,
        search: Search,
        conservation: Conservation,
        media: Media,
        webhooks: Webhooks,
    ) -> AppState {
        let web = WebConfig {
            secure_cookies: cfg.secure_cookies,
            max_body_bytes: cfg.max_body_bytes,
            museum_name: LangText::zh_en(&cfg.museum_name_zh, &cfg.museum_name_en),
            max_ingest_bytes: cfg.max_ingest_bytes,
            max_upload_bytes: cfg.max_upload_bytes,
            node: node_name(cfg),
        };
        AppState::new(
            self.collections.clone(),
            self.accounts.clone(),
            search,
            conservation,
            media,
            self.jobs.clone(),
            webhooks,
            web,
        )
    }
}

/// The configured node name (trimmed; `local` when blank).
pub(crate) fn node_name(cfg: &Config) -> String {
    match cfg.node_name.trim() {
        "" => "local".into(),
        n => n.into(),
    }
}
