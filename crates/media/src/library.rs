//! The library: images with their links, described, linked to objects in order with a
//! primary image, and what pages and indexes ask of them.

use std::collections::HashMap;

use uuid::Uuid;
use vitrine_kernel::audit::{self, Action};
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::filter::Filter;
use crate::model::{Access, Asset, Description, Link, Status, Thumb};
use crate::store::{self, AssetRow};

use crate::service::*;

impl Media {
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
        let entry = change(&after, Action::Updated, Some(&before))?;
        if entry.is_noop() {
            drop(txn);
            return self.get(actor, id).await;
        }
        if !store::update_description(&*txn, &after, version).await? {
            return Err(Error::VersionMismatch {
                current: before.version + 1,
            });
        }
        audit::record(&*txn, actor, entry).await?;
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
}

/// Says in the outbox that these objects' images changed, so what follows objects (the
/// search index's "has image", cached answers) looks at them again.
pub(crate) async fn announce(c: &impl sea_orm::ConnectionTrait, objects: &[Uuid]) -> Result<()> {
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
