//! What every handler can reach: the services and the web settings.

use std::sync::Arc;

use vitrine_bus::Bus;
use vitrine_bus::webhooks::Webhooks;
use vitrine_collections::Collections;
use vitrine_conservation::Conservation;
use vitrine_kernel::LangText;
use vitrine_kernel::accounts::Accounts;
use vitrine_kernel::jobs::Jobs;
use vitrine_media::Media;
use vitrine_search::Search;

use crate::i18n::I18n;

/// Settings of the HTTP face.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The museum's name, shown in headers and titles.
    pub museum_name: LangText,
    /// Largest reading batch (line protocol or JSON) after decompression, in bytes.
    pub max_ingest_bytes: usize,
    /// Largest image upload, in bytes.
    pub max_upload_bytes: usize,
    /// This node's name: jobs on its own files (its search index) are pinned to it.
    pub node: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            museum_name: LangText::zh_en("岭南省博物馆", "Lingnan Provincial Museum"),
            max_ingest_bytes: 32 * 1024 * 1024,
            max_upload_bytes: 2 << 30,
            node: "local".into(),
        }
    }
}

/// Shared state of the router.
#[derive(Clone)]
pub struct AppState {
    /// Catalogue and authorities.
    pub collections: Collections,
    /// Accounts, sessions, tokens.
    pub accounts: Accounts,
    /// The search index.
    pub search: Search,
    /// Environment monitoring.
    pub conservation: Conservation,
    /// Media library and IIIF.
    pub media: Media,
    /// Background jobs.
    pub jobs: Jobs,
    /// Events for integrators.
    pub bus: Bus,
    /// Webhook subscriptions.
    pub webhooks: Webhooks,
    /// Settings.
    pub cfg: Arc<WebConfig>,
    /// Interface strings.
    pub i18n: Arc<I18n>,
}

impl AppState {
    /// Wires the services.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        collections: Collections,
        accounts: Accounts,
        search: Search,
        conservation: Conservation,
        media: Media,
        jobs: Jobs,
        webhooks: Webhooks,
        cfg: WebConfig,
    ) -> Self {
        AppState {
            collections,
            accounts,
            search,
            conservation,
            media,
            bus: Bus::new(jobs.db().clone()),
            webhooks,
            jobs,
            cfg: Arc::new(cfg),
            i18n: Arc::new(I18n::load()),
        }
    }
}
