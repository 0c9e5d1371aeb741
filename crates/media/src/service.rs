//! The media library's service: its settings, its handle on the database and the files, the
//! types its use cases hand out, and helpers they share. The use cases are `impl Media`
//! blocks by topic: [`crate::intake`] (masters in), [`crate::derivatives`] (the pyramid
//! worker), [`crate::library`] (describing and linking), [`crate::fixity`]; IIIF answers
//! are in [`crate::serve`]. Permissions are checked there; the web layer and the CLI only
//! say who calls.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_kernel::audit::{Action, Change};
use vitrine_kernel::{Db, Error, Result};

use crate::iiif::Limits;
use crate::master::Refusal;
use crate::model::{Access, Asset, Description, Link, rights_cap};
use crate::pyramid::Pyramid;
use crate::raster::Raster;
use crate::serving::Serving;
use crate::store::AssetRow;

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
    /// Renders larger than [`LARGE_RENDER_PX`] made at once; more wait their turn, so a
    /// burst of full-size requests cannot hold more than this many canvases in memory.
    pub large_renders: usize,
}

/// Output pixels (after rotation) above which a render counts as large: tiles and
/// thumbnails never wait behind full-size pictures.
pub const LARGE_RENDER_PX: u64 = 4_000_000;

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
            large_renders: 2,
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
    pub(crate) builds: tokio::sync::Semaphore,
    /// Turns for large renders ([`Settings::large_renders`]).
    pub(crate) large_renders: tokio::sync::Semaphore,
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
    pub(crate) pixels: Option<Raster>,
}

/// A master whose fixity check failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
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

pub(crate) fn refusal(r: Refusal) -> Error {
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

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
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
        let serving = Serving::new(settings.cache_bytes);
        let large_renders = tokio::sync::Semaphore::new(settings.large_renders.max(1));
        Ok(Media {
            inner: Arc::new(Inner {
                db,
                collections,
                root,
                settings,
                serving,
                builds: tokio::sync::Semaphore::new(1),
                large_renders,
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

    /// The open pyramid of a ready asset.
    pub(crate) fn pyramid(&self, id: Uuid) -> Result<Arc<Pyramid>> {
        self.inner.serving.pyramid(id, &self.pyramid_path(id))
    }
}
/// What the public may see of an asset, every rule applied: its own flag, its rights, and
/// whether any public object shows it.
pub(crate) fn public_access(row: &AssetRow) -> Access {
    if !row.on_public_object {
        return Access::Closed;
    }
    row.access.min(rights_cap(&row.description.rights))
}

pub(crate) fn asset(r: AssetRow, objects: Vec<Link>) -> Asset {
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

pub(crate) fn change(row: &AssetRow, action: Action, before: Option<&AssetRow>) -> Result<Change> {
    let data = |r: &AssetRow| {
        serde_json::json!({
            "identifier": r.identifier,
            "sha256": r.sha256,
            "original_name": r.original_name,
            "description": r.description,
            "access": r.access,
        })
    };
    let before = before.map(data);
    Change::new(
        ENTITY,
        row.id,
        action,
        row.version,
        before.as_ref(),
        Some(&data(row)),
    )
}
