//! The IIIF server's memory: what it knows of each image, its open pyramids and the
//! rendered answers it keeps, all forgotten together when anything changes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use uuid::Uuid;
use vitrine_kernel::{Error, Result};

use crate::model::{Access, Status};
use crate::pyramid::Pyramid;

/// What the server needs to answer for one image.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Asset id.
    pub id: Uuid,
    /// Full width.
    pub width: u32,
    /// Full height.
    pub height: u32,
    /// Derivative state.
    pub status: Status,
    /// Percent done while processing.
    pub progress: i64,
    /// What the public may see.
    pub public_access: Access,
    /// Rights URI.
    pub rights: String,
    /// Changes whenever the record does (ETag).
    pub version: i64,
    /// Last change (Last-Modified).
    pub updated_at: DateTime<Utc>,
}

/// A rendered image.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// Encoded bytes.
    pub bytes: Bytes,
    /// Media type.
    pub mime: &'static str,
    /// Canonical path after the identifier (`full/max/0/default.jpg`).
    pub canonical: String,
    /// Entity tag.
    pub etag: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// True when only signed-in staff may see it (the answer must not be cached publicly).
    pub private: bool,
}

/// Weighs a rendered answer by its bytes.
#[derive(Clone)]
pub(crate) struct ByLen;

impl Weighter<(Uuid, u64, String), Arc<Rendered>> for ByLen {
    fn weight(&self, _key: &(Uuid, u64, String), val: &Arc<Rendered>) -> u64 {
        val.bytes.len() as u64 + 200
    }
}

/// The server's memory: registry, open pyramids and rendered answers.
pub(crate) struct Serving {
    pub(crate) registry: RwLock<HashMap<String, Option<Arc<Entry>>>>,
    pub(crate) pyramids: Cache<Uuid, Arc<Pyramid>>,
    pub(crate) answers: Cache<(Uuid, u64, String), Arc<Rendered>, ByLen>,
    /// Bumped whenever anything changes, so cached answers of the past are never reused.
    pub(crate) epoch: AtomicU64,
}

impl Serving {
    /// Empty caches; rendered answers may take `cache_bytes`.
    pub(crate) fn new(cache_bytes: u64) -> Serving {
        let items = (cache_bytes / 20_000).max(16) as usize;
        Serving {
            registry: RwLock::new(HashMap::new()),
            pyramids: Cache::new(1_000),
            answers: Cache::with_weighter(items, cache_bytes.max(1), ByLen),
            epoch: AtomicU64::new(0),
        }
    }

    /// Forgets what is known about one image (and, to be safe, every cached answer).
    pub(crate) fn forget(&self, id: Uuid) {
        self.pyramids.remove(&id);
        self.forget_all();
    }

    pub(crate) fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut r) = self.registry.write() {
            r.clear();
        }
    }

    pub(crate) fn pyramid(&self, id: Uuid, path: &Path) -> Result<Arc<Pyramid>> {
        if let Some(p) = self.pyramids.get(&id) {
            return Ok(p);
        }
        let p = Arc::new(
            Pyramid::open(path).map_err(|e| Error::Internal(format!("pyramid of {id}: {e}")))?,
        );
        self.pyramids.insert(id, p.clone());
        Ok(p)
    }
}
