//! Masters in: an image checked by its bytes, checksummed, stored once under its SHA-256
//! and recorded with audit and event in one transaction; nothing is left of a refused one.

use std::io::{Read, Write};
use std::path::Path;

use chrono::Utc;
use sha2::{Digest, Sha256};
use vitrine_kernel::audit::{self, Action};
use vitrine_kernel::ids::new_id;
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::master::{self};
use crate::model::{self, Access, Description, Status};
use crate::store::{self, AssetRow};

use crate::library::announce;
use crate::service::*;

impl Media {
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
            audit::record(&*txn, actor, change(&row, Action::Created, None)?).await?;
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
pub(crate) fn place(src: &Path, dest: &Path, consume: bool) -> std::io::Result<()> {
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
