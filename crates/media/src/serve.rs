//! The IIIF Image API use cases: who may see how much of which image, `info.json`, and
//! images rendered from the pyramid with an in-memory cache of answers by canonical URL.
//! What this process knows about each image (size, state, public access) is kept in a
//! registry that is dropped whenever the outbox says an image or an object changed, so a
//! change made by another process (`vitrine media import`) is seen within a second.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use vitrine_kernel::outbox::{self, Gaps};
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::iiif::{self, Limits};
use crate::model::{Access, Status};
use crate::pyramid::{TILE, level_sizes};
use crate::render;
use crate::service::{ENTITY, LARGE_RENDER_PX, Media, public_access};
use crate::serving::{Entry, Rendered};
use crate::store;

/// How much of an image a caller may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// Everything up to the server limits.
    Full,
    /// Thumbnails only.
    Thumbnail,
}

/// The `info.json` of an image for a caller.
pub struct Info {
    /// The document.
    pub json: Value,
    /// ETag.
    pub etag: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Only staff may see it.
    pub private: bool,
}

impl Media {
    /// The registry entry of an identifier, loaded on first use.
    pub async fn entry(&self, identifier: &str) -> Result<Arc<Entry>> {
        let s = &self.inner.serving;
        if let Ok(r) = s.registry.read()
            && let Some(known) = r.get(identifier)
        {
            return known.clone().ok_or(Error::NotFound { what: "image" });
        }
        let row = store::by_identifier(self.inner.db.conn(), identifier).await?;
        let entry = row.map(|r| {
            Arc::new(Entry {
                id: r.id,
                width: r.technical.width,
                height: r.technical.height,
                status: r.status,
                progress: r.progress,
                public_access: public_access(&r),
                rights: r.description.rights.clone(),
                version: r.version,
                updated_at: r.updated_at,
            })
        });
        if let Ok(mut r) = s.registry.write() {
            if r.len() > 100_000 {
                r.clear();
            }
            r.insert(identifier.to_owned(), entry.clone());
        }
        entry.ok_or(Error::NotFound { what: "image" })
    }

    /// What the caller may have of an image that is ready to serve.
    fn grant(&self, actor: &Actor, e: &Entry) -> Result<(Grant, bool)> {
        let staff = actor.can(Permission::CatalogueRead);
        let grant = if staff {
            Grant::Full
        } else {
            match e.public_access {
                Access::Open => Grant::Full,
                Access::Thumbnail => Grant::Thumbnail,
                Access::Closed => return Err(Error::Unauthenticated),
            }
        };
        match e.status {
            Status::Ready => Ok((grant, e.public_access == Access::Closed)),
            Status::Pending | Status::Processing => Err(Error::Unavailable(format!(
                "the image is being prepared ({} % done); try again shortly",
                e.progress
            ))),
            Status::Failed => Err(Error::NotFound { what: "image" }),
        }
    }

    /// The limits that apply to a grant.
    pub fn limits(&self, grant: Grant) -> Limits {
        match grant {
            Grant::Full => self.inner.settings.limits,
            Grant::Thumbnail => {
                let t = self.inner.settings.thumbnail_px;
                Limits {
                    max_width: t,
                    max_height: t,
                    max_area: u64::from(t) * u64::from(t),
                }
            }
        }
    }

    /// The `info.json` of an image; `base` is the image's URI (its `id`).
    pub async fn info(&self, actor: &Actor, identifier: &str, base: &str) -> Result<Info> {
        let e = self.entry(identifier).await?;
        let (grant, private) = self.grant(actor, &e)?;
        let limits = self.limits(grant);
        let fits = |w: u32, h: u32| {
            w <= limits.max_width
                && h <= limits.max_height
                && u64::from(w) * u64::from(h) <= limits.max_area
        };
        let mut sizes: Vec<Value> = level_sizes(e.width, e.height)
            .into_iter()
            .rev()
            .filter(|(w, h)| fits(*w, *h))
            .map(|(w, h)| json!({"width": w, "height": h}))
            .collect();
        if sizes.is_empty() {
            // The largest size this caller may have.
            let plan = iiif::parse("full", "max", "0", "default.jpg")
                .and_then(|r| r.plan(e.width, e.height, limits))
                .map_err(|b| Error::Internal(b.to_string()))?;
            sizes.push(json!({"width": plan.out_w, "height": plan.out_h}));
        }
        let mut doc = json!({
            "@context": "http://iiif.io/api/image/3/context.json",
            "id": base,
            "type": "ImageService3",
            "protocol": "http://iiif.io/api/image",
            "profile": "level2",
            "width": e.width,
            "height": e.height,
            "maxWidth": limits.max_width,
            "maxHeight": limits.max_height,
            "maxArea": limits.max_area,
            "sizes": sizes,
            "extraQualities": ["color", "gray", "bitonal"],
            "extraFormats": ["webp"],
            "extraFeatures": [
                "baseUriRedirect", "canonicalLinkHeader", "cors", "jsonldMediaType", "mirroring",
                "profileLinkHeader", "regionByPct", "regionByPx", "regionSquare", "rotationArbitrary",
                "rotationBy90s", "sizeByConfinedWh", "sizeByH", "sizeByPct", "sizeByW", "sizeByWh",
                "sizeUpscaling"
            ],
        });
        if grant == Grant::Full {
            let levels = level_sizes(e.width, e.height).len() as u32;
            let factors: Vec<u32> = (0..levels).map(|i| 1 << i).collect();
            doc["tiles"] = json!([{"width": TILE, "height": TILE, "scaleFactors": factors}]);
        }
        if !e.rights.is_empty() {
            doc["rights"] = json!(e.rights);
        }
        Ok(Info {
            json: doc,
            etag: format!("\"i{}-{}-{}\"", e.id.simple(), e.version, grant as u8),
            updated_at: e.updated_at,
            private,
        })
    }

    /// An image region, size, rotation, quality and format, for the caller.
    pub async fn image(
        &self,
        actor: &Actor,
        identifier: &str,
        params: [&str; 4],
    ) -> Result<Arc<Rendered>> {
        let [region, size, rotation, qf] = params;
        let request = iiif::parse(region, size, rotation, qf).map_err(bad)?;
        let e = self.entry(identifier).await?;
        let (grant, private) = self.grant(actor, &e)?;
        let plan = request
            .plan(e.width, e.height, self.limits(grant))
            .map_err(bad)?;
        let canonical = plan.canonical(e.width, e.height);
        let s = &self.inner.serving;
        let key = (e.id, s.epoch.load(Ordering::Relaxed), canonical.clone());
        if let Some(hit) = s.answers.get(&key) {
            return Ok(hit);
        }
        let pyramid = self.pyramid(e.id)?;
        let (cw, ch) = iiif::rotated_size(plan.out_w, plan.out_h, plan.degrees);
        let _turn = if u64::from(cw) * u64::from(ch) > LARGE_RENDER_PX {
            Some(
                self.inner
                    .large_renders
                    .acquire()
                    .await
                    .map_err(|e| Error::Internal(format!("render gate closed: {e}")))?,
            )
        } else {
            None
        };
        // The same answer may have been made while this request waited its turn.
        if let Some(hit) = s.answers.get(&key) {
            return Ok(hit);
        }
        let bytes = tokio::task::spawn_blocking(move || render::render(&pyramid, &plan))
            .await
            .map_err(|e| Error::Internal(format!("renderer stopped: {e}")))?
            .map_err(|e| Error::Internal(format!("rendering {identifier}: {e}")))?;
        let rendered = Arc::new(Rendered {
            bytes: Bytes::from(bytes),
            mime: plan.format.mime(),
            etag: format!(
                "\"{}-{}-{:016x}\"",
                e.id.simple(),
                e.version,
                fnv(&canonical)
            ),
            canonical,
            updated_at: e.updated_at,
            private,
        });
        s.answers.insert(key, rendered.clone());
        Ok(rendered)
    }

    /// Follows the outbox and drops what this process knows about images when an image or
    /// an object changes (another process may have made the change).
    pub fn spawn_follower(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let conn = me.inner.db.conn().clone();
            let mut seq = outbox::last_seq(&conn).await.unwrap_or(0);
            let mut gaps = Gaps::new(Duration::from_secs(30));
            loop {
                match outbox::after(&conn, seq, 1_000).await {
                    Ok(events) if !events.is_empty() => {
                        gaps.note(seq, &events);
                        seq = events.last().map_or(seq, |e| e.seq);
                        if events
                            .iter()
                            .any(|e| e.entity_type == ENTITY || e.entity_type == "object")
                        {
                            me.inner.serving.forget_all();
                        }
                    }
                    Ok(_) => tokio::time::sleep(Duration::from_millis(300)).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "media follower");
                        tokio::time::sleep(Duration::from_secs(2)).await;
                    }
                }
                let late = gaps.pending();
                if !late.is_empty()
                    && let Ok(found) = outbox::at(&conn, &late).await
                {
                    gaps.filled(&found);
                    if !found.is_empty() {
                        me.inner.serving.forget_all();
                    }
                }
            }
        })
    }
}

fn bad(b: iiif::BadRequest) -> Error {
    Error::InvalidParameters(vec![vitrine_kernel::error::FieldError::new(
        b.field, "iiif", b.message,
    )])
}

/// FNV-1a, for short entity tags.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
