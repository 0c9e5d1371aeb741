//! The derivative worker: pyramids made from the decoded pixels of a fresh master, or later
//! from the stored master (pending and reprocessed images), one at a time in the background.

use std::time::Duration;

use uuid::Uuid;
use vitrine_kernel::audit::{self};
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::master::{self};
use crate::model::{Asset, Status};
use crate::pyramid::{self};
use crate::raster::Raster;
use crate::store::{self};

use crate::library::announce;
use crate::service::*;

impl Media {
    /// Makes the pyramid of a freshly taken-in image from the pixels already decoded, and
    /// waits for it.
    pub async fn derive(&self, ingested: Ingested) -> Result<Asset> {
        let id = ingested.asset.id;
        if let Some(pixels) = ingested.pixels {
            self.build(id, Some(pixels)).await?;
        }
        self.get(&Actor::System("media"), id).await
    }

    /// Makes the pyramid in the background; the answer need not wait.
    pub fn derive_later(&self, ingested: Ingested) {
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.derive(ingested).await {
                tracing::warn!(error = %e, "pyramid failed");
            }
        });
    }

    /// Builds (or rebuilds from the master) one asset's pyramid, recording progress.
    async fn build(&self, id: Uuid, pixels: Option<Raster>) -> Result<()> {
        let _permit = self
            .inner
            .builds
            .acquire()
            .await
            .map_err(|_| Error::Internal("closed".into()))?;
        let db = self.inner.db.clone();
        let row = store::asset(db.conn(), id)
            .await?
            .ok_or(Error::NotFound { what: "image" })?;
        let master = self.inner.root.join(&row.master_path);
        let out = self.pyramid_path(id);
        let max_pixels = self.inner.settings.max_pixels;
        let (tx, mut rx) = tokio::sync::watch::channel(0i64);
        let kind = row.kind;
        let work =
            tokio::task::spawn_blocking(move || -> std::result::Result<Vec<(u32, u32)>, String> {
                let pixels = match pixels {
                    Some(p) => p,
                    None => {
                        master::decode(&master, kind, max_pixels)
                            .map_err(|e| e.to_string())?
                            .pixels
                    }
                };
                pyramid::build(&pixels, &out, &|f| {
                    let _ = tx.send((f * 100.0) as i64);
                })
                .map_err(|e| e.to_string())
            });
        let progress = {
            let db = db.clone();
            async move {
                while rx.changed().await.is_ok() {
                    let p = *rx.borrow();
                    let _ = store::set_state(db.conn(), id, Status::Processing, p.min(99), None, 0)
                        .await;
                }
            }
        };
        let (result, ()) = tokio::join!(work, progress);
        let result = result.map_err(|e| Error::Internal(format!("pyramid worker stopped: {e}")))?;
        let txn = db.begin_write().await?;
        match &result {
            Ok(levels) => {
                store::set_state(&*txn, id, Status::Ready, 100, None, levels.len() as i64).await?;
                audit::publish(
                    &*txn,
                    "media_asset.ready",
                    ENTITY,
                    Some(id),
                    serde_json::json!({"id": id}),
                )
                .await?;
            }
            Err(e) => {
                store::set_state(&*txn, id, Status::Failed, 0, Some(e), 0).await?;
                audit::publish(
                    &*txn,
                    "media_asset.failed",
                    ENTITY,
                    Some(id),
                    serde_json::json!({"id": id, "error": e}),
                )
                .await?;
            }
        }
        let shown = store::objects_of(&*txn, id).await?;
        announce(&*txn, &shown).await?;
        txn.commit().await?;
        self.inner.serving.forget(id);
        result
            .map(|_| ())
            .map_err(|e| Error::Internal(format!("pyramid of {id}: {e}")))
    }

    /// Makes pyramids that wait (new, remade or abandoned); returns how many were made.
    pub async fn work_once(&self) -> Result<usize> {
        let mut n = 0;
        while let Some(id) = store::claim(self.inner.db.conn()).await? {
            if let Err(e) = self.build(id, None).await {
                tracing::warn!(error = %e, "pyramid failed");
            }
            n += 1;
        }
        Ok(n)
    }

    /// Runs the derivative worker for the life of the server.
    pub fn spawn_worker(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                match me.work_once().await {
                    Ok(0) => tokio::time::sleep(Duration::from_secs(2)).await,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "derivative worker");
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                }
            }
        })
    }

    /// Marks images for remaking (all when `ids` is empty); the worker (or the caller,
    /// with [`Media::work_once`]) makes them.
    pub async fn reprocess(&self, actor: &Actor, ids: &[Uuid]) -> Result<u64> {
        actor.require(Permission::MediaEdit)?;
        store::mark_pending(self.inner.db.conn(), ids).await
    }
}
