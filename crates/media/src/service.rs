//! Use cases of the media library: taking in masters (checked, checksummed, stored once),
//! making their pyramids, describing them, linking them to objects, and checking fixity.
//! Permissions are checked here; the web layer and the CLI only say who calls.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::ids::new_id;
use vitrine_kernel::{Actor, Db, Error, Permission, Result};

use crate::iiif::Limits;
use crate::master::{self, Refusal};
use crate::model::{self, Access, Asset, Description, Link, Status, Thumb, rights_cap};
use crate::pyramid::{self, Pyramid};
use crate::raster::Raster;
use crate::serve::Serving;
use crate::store::{self, AssetRow, Filter};

/// Entity type in audit rows and outbox events.
pub const ENTITY: &str = "media_asset";

/// Settings of the media library and the image server.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Largest image accepted, in pixels (decompression bombs are refused before decoding).
    pub max_pixels: u64,
    /// Limits on answers for staff and for open images.
    pub limits: Limits,
    /// Longest side of what the public sees of thumbnail-only images.
    pub thumbnail_px: u32,
    /// Bytes of rendered answers kept in memory.
    pub cache_bytes: u64,
    /// Public base URL of the site (`https://museum.example`), for IIIF ids; none uses the
    /// request's own host.
    pub public_base: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_pixels: 500_000_000,
            limits: Limits {
                max_width: 16_384,
                max_height: 16_384,
                max_area: 40_000_000,
            },
            thumbnail_px: 200,
            cache_bytes: 256 << 20,
            public_base: None,
        }
    }
}

/// The media library.
#[derive(Clone)]
pub struct Media {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) db: Db,
    pub(crate) collections: Collections,
    pub(crate) root: PathBuf,
    pub(crate) settings: Settings,
    pub(crate) serving: Serving,
    /// One pyramid is made at a time per process: each holds a whole image in memory.
    builds: tokio::sync::Semaphore,
}

/// Where a new image comes from.
pub struct Source {
    /// The file to take in.
    pub path: PathBuf,
    /// The name it arrived with (its extension must agree with its bytes).
    pub name: String,
    /// Move the file instead of copying it (an upload's temporary file).
    pub consume: bool,
}

/// What to do with a new image.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// IIIF identifier (default: the new id).
    pub identifier: Option<String>,
    /// Object to link to.
    pub object: Option<Uuid>,
    /// Description and rights.
    pub description: Description,
}

/// An image taken in: its record, and its pixels for the pyramid (none when the file was
/// already in the library).
pub struct Ingested {
    /// The asset.
    pub asset: Asset,
    /// True when the same master was already in the library.
    pub duplicate: bool,
    pixels: Option<Raster>,
}

/// A master whose fixity check failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FixityProblem {
    /// The asset.
    pub id: Uuid,
    /// Its identifier.
    pub identifier: String,
    /// `missing` or `changed`.
    pub problem: String,
    /// The master's path under the data directory.
    pub path: String,
}

/// A page of the media browser.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AssetPage {
    /// Matching assets.
    pub total: i64,
    /// This page.
    pub items: Vec<Asset>,
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::TooLarge { .. } => Error::TooLarge(r.to_string()),
        Refusal::Unsupported(_) => Error::UnsupportedMedia(r.to_string()),
        Refusal::WrongExtension { .. } | Refusal::Corrupt { .. } => {
            Error::Invalid(vec![vitrine_kernel::error::FieldError::new(
                "file",
                "bad_file",
                r.to_string(),
            )])
        }
    }
}

/// An I/O failure writing into the library: a full disk is the operator's to fix.
pub fn io_error(what: &str, e: std::io::Error) -> Error {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        Error::StorageFull(format!(
            "the disk is full: {what} could not be stored; nothing was kept"
        ))
    } else {
        Error::Internal(format!("{what}: {e}"))
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("worker stopped: {e}")))?
}

impl Media {
    /// Opens the library under `root` (`DATA/media`).
    pub fn open(
        db: Db,
        collections: Collections,
        root: PathBuf,
        settings: Settings,
    ) -> Result<Media> {
        for dir in ["masters", "pyramids", "tmp"] {
            std::fs::create_dir_all(root.join(dir))
                .map_err(|e| io_error("the media directory", e))?;
        }
        let serving = Serving::new(&settings);
        Ok(Media {
            inner: Arc::new(Inner {
                db,
                collections,
                root,
                settings,
                serving,
                builds: tokio::sync::Semaphore::new(1),
            }),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// A fresh temporary file inside the library (uploads are written here first, so a
    /// finished upload is moved, not copied).
    pub fn temp_file(&self) -> Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(self.inner.root.join("tmp"))
            .map_err(|e| io_error("the upload", e))
    }

    pub(crate) fn pyramid_path(&self, id: Uuid) -> PathBuf {
        self.inner.root.join("pyramids").join(format!("{id}.tif"))
    }

    /// Takes in one image: checks it (format by its bytes, size before decoding, every
    /// pixel), stores the master untouched under its SHA-256 and records it with audit and
    /// event in one transaction. A refused or failed import leaves nothing behind.
    pub async fn ingest(
        &self,
        actor: &Actor,
        source: Source,
        opts: ImportOptions,
    ) -> Result<Ingested> {
        actor.require(Permission::MediaEdit)?;
        if let Some(id) = &opts.identifier {
            model::check_identifier(id)?;
        }
        let description = opts.description.clone().validated()?;
        if let Some(object) = opts.object {
            // The object must exist and be visible to the caller.
            self.inner.collections.get_object(actor, object).await?;
        }
        let max_pixels = self.inner.settings.max_pixels;
        let src = source.path.clone();
        let name = source.name.clone();
        let (sha, size, decoded) = blocking(move || {
            let (sha, size) = checksum(&src).map_err(|e| io_error("the file", e))?;
            let mut head = [0u8; 16];
            let n = std::fs::File::open(&src)
                .and_then(|mut f| f.read(&mut head))
                .map_err(|e| io_error("the file", e))?;
            let kind = master::sniff(&head[..n]).map_err(refusal)?;
            master::check_name(&name, kind).map_err(refusal)?;
            let decoded = master::decode(&src, kind, max_pixels).map_err(refusal)?;
            Ok((sha, size, decoded))
        })
        .await?;
        let db = &self.inner.db;
        if let Some(existing) = store::by_sha(db.conn(), &sha).await? {
            if let Some(object) = opts.object {
                self.link(actor, existing.id, object).await?;
            }
            if source.consume {
                let _ = std::fs::remove_file(&source.path);
            }
            return Ok(Ingested {
                asset: self.get(actor, existing.id).await?,
                duplicate: true,
                pixels: None,
            });
        }
        let id = new_id();
        let identifier = opts.identifier.clone().unwrap_or_else(|| id.to_string());
        if store::by_identifier(db.conn(), &identifier)
            .await?
            .is_some()
        {
            return Err(Error::Conflict {
                field: Some("identifier".into()),
                message: format!("the identifier {identifier} is already used by another image"),
            });
        }
        let kind = decoded.kind;
        let rel = format!("masters/{}/{}/{sha}.{}", &sha[..2], &sha[2..4], kind.ext());
        let dest = self.inner.root.join(&rel);
        let (src, consume) = (source.path.clone(), source.consume);
        let placed = dest.clone();
        blocking(move || place(&src, &placed, consume).map_err(|e| io_error("the master", e)))
            .await?;
        let now = Utc::now();
        let access = description.access.unwrap_or(Access::Open);
        let row = AssetRow {
            id,
            identifier,
            sha256: sha,
            byte_size: size as i64,
            kind,
            original_name: source.name.chars().take(255).collect(),
            master_path: rel,
            technical: decoded.technical.clone(),
            description: Description {
                access: Some(access),
                ..description
            },
            access,
            status: Status::Processing,
            progress: 0,
            error: None,
            levels: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            created_by: actor.name(),
            on_public_object: false,
        };
        let written = async {
            let txn = db.begin_write().await?;
            store::insert(&*txn, &row).await?;
            if let Some(object) = opts.object {
                store::link(&*txn, object, id).await?;
                announce(&*txn, &[object]).await?;
            }
            audit::record(&*txn, actor, change(&row, Action::Created, None)).await?;
            txn.commit().await
        }
        .await;
        if let Err(e) = written {
            // The row is not there: neither may its master be.
            let _ = std::fs::remove_file(&dest);
            return Err(e);
        }
        Ok(Ingested {
            asset: self.get(actor, id).await?,
            duplicate: false,
            pixels: Some(decoded.pixels),
        })
    }

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

    /// One image, with its links.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<Asset> {
        actor.require(Permission::CatalogueRead)?;
        let row = store::asset(self.inner.db.conn(), id)
            .await?
            .ok_or(Error::NotFound { what: "image" })?;
        Ok(self.with_links(vec![row]).await?.remove(0))
    }

    /// A page of the library, newest first.
    pub async fn list(&self, actor: &Actor, filter: &Filter) -> Result<AssetPage> {
        actor.require(Permission::CatalogueRead)?;
        let mut f = filter.clone();
        f.limit = f.limit.clamp(1, 200);
        let (rows, total) = store::list(self.inner.db.conn(), &f).await?;
        Ok(AssetPage {
            total,
            items: self.with_links(rows).await?,
        })
    }

    async fn with_links(&self, rows: Vec<AssetRow>) -> Result<Vec<Asset>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let links = store::links(self.inner.db.conn(), &ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let objects: Vec<Link> = links
                    .iter()
                    .filter(|(a, _)| *a == r.id)
                    .map(|(_, l)| l.clone())
                    .collect();
                asset(r, objects)
            })
            .collect())
    }

    /// Changes an image's description and rights (If-Match `version`).
    pub async fn describe(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        d: Description,
    ) -> Result<Asset> {
        actor.require(Permission::MediaEdit)?;
        let d = d.validated()?;
        let db = &self.inner.db;
        let txn = db.begin_write().await?;
        let before = store::asset(&*txn, id)
            .await?
            .ok_or(Error::NotFound { what: "image" })?;
        if before.version != version {
            return Err(Error::VersionMismatch {
                current: before.version,
            });
        }
        let mut after = before.clone();
        after.access = d.access.unwrap_or(before.access);
        after.description = Description {
            access: Some(after.access),
            ..d
        };
        after.version += 1;
        if !store::update_description(&*txn, &after, version).await? {
            return Err(Error::VersionMismatch {
                current: before.version + 1,
            });
        }
        audit::record(&*txn, actor, change(&after, Action::Updated, Some(&before))).await?;
        let shown = store::objects_of(&*txn, id).await?;
        announce(&*txn, &shown).await?;
        txn.commit().await?;
        self.inner.serving.forget(id);
        self.get(actor, id).await
    }

    /// Shows an image with an object (at the end of its images).
    pub async fn link(&self, actor: &Actor, asset_id: Uuid, object_id: Uuid) -> Result<Asset> {
        actor.require(Permission::MediaEdit)?;
        self.inner.collections.get_object(actor, object_id).await?;
        let txn = self.inner.db.begin_write().await?;
        let row = store::asset(&*txn, asset_id)
            .await?
            .ok_or(Error::NotFound { what: "image" })?;
        if store::link(&*txn, object_id, asset_id).await? {
            audit::publish(
                &*txn,
                "media_asset.linked",
                ENTITY,
                Some(asset_id),
                serde_json::json!({"id": asset_id, "object_id": object_id, "version": row.version, "actor": actor.name()}),
            )
            .await?;
            announce(&*txn, &[object_id]).await?;
        }
        txn.commit().await?;
        self.inner.serving.forget(asset_id);
        self.get(actor, asset_id).await
    }

    /// Stops showing an image with an object.
    pub async fn unlink(&self, actor: &Actor, asset_id: Uuid, object_id: Uuid) -> Result<Asset> {
        actor.require(Permission::MediaEdit)?;
        let txn = self.inner.db.begin_write().await?;
        if store::unlink(&*txn, object_id, asset_id).await? {
            audit::publish(
                &*txn,
                "media_asset.unlinked",
                ENTITY,
                Some(asset_id),
                serde_json::json!({"id": asset_id, "object_id": object_id, "actor": actor.name()}),
            )
            .await?;
            announce(&*txn, &[object_id]).await?;
        }
        txn.commit().await?;
        self.inner.serving.forget(asset_id);
        self.get(actor, asset_id).await
    }

    /// Sets the order of an object's images and its primary image.
    pub async fn arrange(
        &self,
        actor: &Actor,
        object_id: Uuid,
        order: &[Uuid],
        primary: Option<Uuid>,
    ) -> Result<()> {
        actor.require(Permission::MediaEdit)?;
        let txn = self.inner.db.begin_write().await?;
        let current: Vec<Uuid> = store::object_assets(&*txn, object_id)
            .await?
            .into_iter()
            .map(|(a, _)| a.id)
            .collect();
        let mut sorted_now = current.clone();
        sorted_now.sort();
        let mut sorted_new = order.to_vec();
        sorted_new.sort();
        sorted_new.dedup();
        if sorted_now != sorted_new || sorted_new.len() != order.len() {
            return Err(Error::Invalid(vec![
                vitrine_kernel::error::FieldError::new(
                    "order",
                    "not_the_same_images",
                    "the order must list each of the object's images exactly once",
                ),
            ]));
        }
        if primary.is_some_and(|p| !order.contains(&p)) {
            return Err(Error::Invalid(vec![
                vitrine_kernel::error::FieldError::new(
                    "primary",
                    "not_an_image_of_the_object",
                    "the primary image must be one of the object's images",
                ),
            ]));
        }
        store::set_order(
            &*txn,
            object_id,
            order,
            primary.or_else(|| order.first().copied()),
        )
        .await?;
        audit::publish(
            &*txn,
            "object.images_arranged",
            "object",
            Some(object_id),
            serde_json::json!({"id": object_id, "order": order, "primary": primary, "actor": actor.name()}),
        )
        .await?;
        txn.commit().await
    }

    /// The images of an object the caller may see, in order (public callers: only images
    /// the public may see, of a public object). Staff see every object each image shows;
    /// the public sees only this object's link (its position and whether it is primary).
    pub async fn object_images(&self, actor: &Actor, object_id: Uuid) -> Result<Vec<Asset>> {
        let staff = actor.can(Permission::CatalogueRead);
        if !staff {
            // The public sees images only through a public object.
            self.inner.collections.get_public_object(object_id).await?;
        }
        let rows = store::object_assets(self.inner.db.conn(), object_id).await?;
        if staff {
            return self
                .with_links(rows.into_iter().map(|(r, _)| r).collect())
                .await;
        }
        let mut out = Vec::new();
        for (position, (row, primary)) in rows.into_iter().enumerate() {
            let own = Link {
                object_id,
                object_number: String::new(),
                title: Default::default(),
                position: position as i64 + 1,
                primary,
            };
            let mut a = asset(row, vec![own]);
            if a.public_access != Access::Closed && a.status == Status::Ready {
                // Who added it and what the file was called stay with the staff.
                a.created_by.clear();
                a.original_name.clear();
                out.push(a);
            }
        }
        Ok(out)
    }

    /// The primary image of each object that has one the caller may see (the public: ready
    /// images of public objects that are not closed to it), for lists and search results.
    pub async fn thumbnails(
        &self,
        actor: &Actor,
        object_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Thumb>> {
        let staff = actor.can(Permission::CatalogueRead);
        let rows = store::of_objects(self.inner.db.conn(), object_ids, true).await?;
        Ok(rows
            .into_iter()
            .filter(|(_, r)| {
                r.status == Status::Ready && (staff || public_access(r) != Access::Closed)
            })
            .map(|(object, r)| {
                (
                    object,
                    Thumb {
                        identifier: r.identifier,
                        width: r.technical.width,
                        height: r.technical.height,
                    },
                )
            })
            .collect())
    }

    /// Which of these objects have images, and whether the public may see one (a ready
    /// image not closed to it), for the search index's "has image" facet.
    pub async fn image_presence(&self, object_ids: &[Uuid]) -> Result<HashMap<Uuid, bool>> {
        let rows = store::of_objects(self.inner.db.conn(), object_ids, false).await?;
        let mut out: HashMap<Uuid, bool> = HashMap::new();
        for (object, r) in rows {
            let public = r.status == Status::Ready && public_access(&r) != Access::Closed;
            let seen = out.entry(object).or_insert(false);
            *seen |= public;
        }
        Ok(out)
    }

    /// Checks every master against its SHA-256; `progress(done, total)` after each.
    pub async fn verify(
        &self,
        actor: &Actor,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Vec<FixityProblem>> {
        actor.require(Permission::SystemManage)?;
        let list = store::fixity_list(self.inner.db.conn()).await?;
        let total = list.len() as u64;
        let mut problems = Vec::new();
        for (i, (id, identifier, rel, sha)) in list.into_iter().enumerate() {
            let path = self.inner.root.join(&rel);
            let found = blocking(move || Ok(checksum(&path))).await?;
            let problem = match found {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("missing"),
                Err(_) => Some("unreadable"),
                Ok((s, _)) if s != sha => Some("changed"),
                Ok(_) => None,
            };
            if let Some(p) = problem {
                problems.push(FixityProblem {
                    id,
                    identifier,
                    problem: p.into(),
                    path: format!("media/{rel}"),
                });
            }
            progress(i as u64 + 1, total);
        }
        Ok(problems)
    }

    /// The open pyramid of a ready asset.
    pub(crate) fn pyramid(&self, id: Uuid) -> Result<Arc<Pyramid>> {
        self.inner.serving.pyramid(id, &self.pyramid_path(id))
    }
}

/// Says in the outbox that these objects' images changed, so what follows objects (the
/// search index's "has image", cached answers) looks at them again.
async fn announce(c: &impl sea_orm::ConnectionTrait, objects: &[Uuid]) -> Result<()> {
    for o in objects {
        audit::publish(
            c,
            "object.images_changed",
            "object",
            Some(*o),
            serde_json::json!({"id": o}),
        )
        .await?;
    }
    Ok(())
}

/// What the public may see of an asset, every rule applied: its own flag, its rights, and
/// whether any public object shows it.
pub(crate) fn public_access(row: &AssetRow) -> Access {
    if !row.on_public_object {
        return Access::Closed;
    }
    row.access.min(rights_cap(&row.description.rights))
}

fn asset(r: AssetRow, objects: Vec<Link>) -> Asset {
    let public_access = public_access(&r);
    Asset {
        id: r.id,
        identifier: r.identifier,
        kind: r.kind,
        original_name: r.original_name,
        sha256: r.sha256,
        byte_size: r.byte_size,
        technical: r.technical,
        description: r.description,
        status: r.status,
        progress: r.progress,
        error: r.error,
        levels: r.levels,
        objects,
        public_access,
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
        created_by: r.created_by,
    }
}

fn change(row: &AssetRow, action: Action, before: Option<&AssetRow>) -> Change {
    let data = |r: &AssetRow| {
        serde_json::json!({
            "identifier": r.identifier,
            "sha256": r.sha256,
            "original_name": r.original_name,
            "description": r.description,
            "access": r.access,
        })
    };
    Change {
        entity_type: ENTITY,
        entity_id: row.id,
        action,
        version: row.version,
        before: before.map(data),
        after: Some(data(row)),
    }
}

/// SHA-256 (hex) and size of a file, read once.
pub fn checksum(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(h.finalize()), size))
}

/// Puts a master in its place: moved (uploads) or copied then synced, always through a
/// partial name so a crash never leaves half a master under the real one.
fn place(src: &Path, dest: &Path, consume: bool) -> std::io::Result<()> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if dest.exists() {
        // The same bytes are already there (checksum-named).
        if consume {
            std::fs::remove_file(src)?;
        }
        return Ok(());
    }
    let partial = dest.with_extension("partial");
    let result = (|| {
        if consume && std::fs::rename(src, &partial).is_ok() {
            std::fs::File::open(&partial)?.sync_all()?;
        } else {
            let mut from = std::fs::File::open(src)?;
            let mut to = std::fs::File::create(&partial)?;
            std::io::copy(&mut from, &mut to)?;
            to.flush()?;
            to.sync_all()?;
            if consume {
                std::fs::remove_file(src)?;
            }
        }
        std::fs::rename(&partial, dest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
