//! SQL of the media library: assets, their links to objects, and the derivative queue.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;
use vitrine_kernel::migrate::Migration;
use vitrine_kernel::sql::stmt;
use vitrine_kernel::{LangText, Result};

use crate::filter::Filter;
use crate::master::{Kind, Technical};
use crate::model::{Access, Description, Link, Status};

/// This domain's schema steps.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "media/0001_media",
    sql: include_str!("../migrations/0001_media.sql"),
}];

/// An asset row, without its links.
#[derive(Clone, Debug)]
pub struct AssetRow {
    pub id: Uuid,
    pub identifier: String,
    pub sha256: String,
    pub byte_size: i64,
    pub kind: Kind,
    pub original_name: String,
    pub master_path: String,
    pub technical: Technical,
    pub description: Description,
    pub access: Access,
    pub status: Status,
    pub progress: i64,
    pub error: Option<String>,
    pub levels: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    /// Shown with at least one public object.
    pub on_public_object: bool,
}

const COLS: &str = "a.id, a.identifier, a.sha256, a.byte_size, a.kind, a.original_name, a.master_path, \
    a.technical, a.caption, a.photographer, a.taken, a.view_type, a.rights, a.credit, a.access, a.status, \
    a.progress, a.error, a.levels, a.version, a.created_at, a.updated_at, a.created_by, \
    EXISTS (SELECT 1 FROM object_media m JOIN objects o ON o.id = m.object_id \
            WHERE m.asset_id = a.id AND o.public AND o.deleted_at IS NULL) AS on_public_object";

fn json<T: serde::de::DeserializeOwned + Default>(r: &QueryResult, col: &str) -> Result<T> {
    let v: serde_json::Value = r.try_get("", col)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

fn row(r: &QueryResult) -> Result<AssetRow> {
    let access: String = r.try_get("", "access")?;
    Ok(AssetRow {
        id: r.try_get("", "id")?,
        identifier: r.try_get("", "identifier")?,
        sha256: r.try_get("", "sha256")?,
        byte_size: r.try_get("", "byte_size")?,
        kind: Kind::parse(&r.try_get::<String>("", "kind")?).unwrap_or(Kind::Tiff),
        original_name: r.try_get("", "original_name")?,
        master_path: r.try_get("", "master_path")?,
        technical: json(r, "technical")?,
        description: Description {
            caption: json::<LangText>(r, "caption")?,
            photographer: r.try_get("", "photographer")?,
            taken: r.try_get("", "taken")?,
            view: r.try_get("", "view_type")?,
            rights: r.try_get("", "rights")?,
            credit: json::<LangText>(r, "credit")?,
            access: Access::parse(&access),
        },
        access: Access::parse(&access).unwrap_or(Access::Closed),
        status: Status::parse(&r.try_get::<String>("", "status")?),
        progress: r.try_get("", "progress")?,
        error: r.try_get("", "error")?,
        levels: r.try_get("", "levels")?,
        version: r.try_get("", "version")?,
        created_at: r.try_get("", "created_at")?,
        updated_at: r.try_get("", "updated_at")?,
        created_by: r.try_get("", "created_by")?,
        on_public_object: r.try_get("", "on_public_object")?,
    })
}

async fn one(c: &impl ConnectionTrait, filter: &str, value: Value) -> Result<Option<AssetRow>> {
    let sql = format!("SELECT {COLS} FROM media_assets a WHERE {filter}");
    c.query_one_raw(stmt(c.get_database_backend(), &sql, vec![value]))
        .await?
        .as_ref()
        .map(row)
        .transpose()
}

/// One asset by id.
pub async fn asset(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<AssetRow>> {
    one(c, "a.id = ?", id.into()).await
}

/// One asset by IIIF identifier.
pub async fn by_identifier(c: &impl ConnectionTrait, identifier: &str) -> Result<Option<AssetRow>> {
    one(c, "a.identifier = ?", identifier.into()).await
}

/// The asset holding a master with this checksum, if any.
pub async fn by_sha(c: &impl ConnectionTrait, sha: &str) -> Result<Option<AssetRow>> {
    one(c, "a.sha256 = ?", sha.into()).await
}

/// Adds an asset.
pub async fn insert(c: &impl ConnectionTrait, a: &AssetRow) -> Result<()> {
    let d = &a.description;
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO media_assets (id, identifier, sha256, byte_size, kind, original_name, master_path, width, height, \
         technical, caption, photographer, taken, view_type, rights, credit, access, status, progress, error, lease_until, \
         levels, search_text, version, created_at, updated_at, created_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            a.id.into(),
            a.identifier.clone().into(),
            a.sha256.clone().into(),
            a.byte_size.into(),
            a.kind.as_str().into(),
            a.original_name.clone().into(),
            a.master_path.clone().into(),
            i64::from(a.technical.width).into(),
            i64::from(a.technical.height).into(),
            serde_json::json!(a.technical).into(),
            serde_json::json!(d.caption).into(),
            d.photographer.clone().into(),
            d.taken.clone().into(),
            d.view.clone().into(),
            d.rights.clone().into(),
            serde_json::json!(d.credit).into(),
            a.access.as_str().into(),
            a.status.as_str().into(),
            a.progress.into(),
            lease().into(),
            a.levels.into(),
            d.search_text(&a.original_name, &a.identifier).into(),
            a.version.into(),
            a.created_at.into(),
            a.updated_at.into(),
            a.created_by.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// How long a worker may hold an asset before another may take it over.
fn lease() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::minutes(10)
}

/// Rewrites the description if still at `expected`; false when it moved on.
pub async fn update_description(
    c: &impl ConnectionTrait,
    a: &AssetRow,
    expected: i64,
) -> Result<bool> {
    let d = &a.description;
    let res = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE media_assets SET caption = ?, photographer = ?, taken = ?, view_type = ?, rights = ?, credit = ?, \
             access = ?, search_text = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
            vec![
                serde_json::json!(d.caption).into(),
                d.photographer.clone().into(),
                d.taken.clone().into(),
                d.view.clone().into(),
                d.rights.clone().into(),
                serde_json::json!(d.credit).into(),
                a.access.as_str().into(),
                d.search_text(&a.original_name, &a.identifier).into(),
                a.version.into(),
                Utc::now().into(),
                a.id.into(),
                expected.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Records derivative progress or the outcome.
pub async fn set_state(
    c: &impl ConnectionTrait,
    id: Uuid,
    status: Status,
    progress: i64,
    error: Option<&str>,
    levels: i64,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "UPDATE media_assets SET status = ?, progress = ?, error = ?, levels = ?, \
         lease_until = CASE WHEN ? = 'processing' THEN lease_until ELSE NULL END WHERE id = ?",
        vec![
            status.as_str().into(),
            progress.into(),
            error.map(str::to_owned).into(),
            levels.into(),
            status.as_str().into(),
            id.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Takes one asset that needs its pyramid made (waiting, or abandoned by a worker that
/// died), leasing it to the caller; none when nothing waits.
pub async fn claim(c: &impl ConnectionTrait) -> Result<Option<Uuid>> {
    let b = c.get_database_backend();
    let now = Utc::now();
    loop {
        let found = c
            .query_one_raw(stmt(
                b,
                "SELECT id FROM media_assets WHERE status = 'pending' \
                 OR (status = 'processing' AND lease_until < ?) ORDER BY created_at LIMIT 1",
                vec![now.into()],
            ))
            .await?;
        let Some(r) = found else { return Ok(None) };
        let id: Uuid = r.try_get("", "id")?;
        let res = c
            .execute_raw(stmt(
                b,
                "UPDATE media_assets SET status = 'processing', progress = 0, lease_until = ? WHERE id = ? \
                 AND (status = 'pending' OR (status = 'processing' AND lease_until < ?))",
                vec![lease().into(), id.into(), now.into()],
            ))
            .await?;
        if res.rows_affected() == 1 {
            return Ok(Some(id));
        }
    }
}

/// Marks assets for remaking (all when `ids` is empty); returns how many.
pub async fn mark_pending(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<u64> {
    let b = c.get_database_backend();
    if ids.is_empty() {
        let r = c
            .execute_raw(stmt(
                b,
                "UPDATE media_assets SET status = 'pending', progress = 0, error = NULL",
                vec![],
            ))
            .await?;
        return Ok(r.rows_affected());
    }
    let mut n = 0;
    for id in ids {
        n += c
            .execute_raw(stmt(
                b,
                "UPDATE media_assets SET status = 'pending', progress = 0, error = NULL WHERE id = ?",
                vec![(*id).into()],
            ))
            .await?
            .rows_affected();
    }
    Ok(n)
}

/// A page of assets, newest first, and how many match.
pub async fn list(c: &impl ConnectionTrait, f: &Filter) -> Result<(Vec<AssetRow>, i64)> {
    let b = c.get_database_backend();
    let mut wh = vec!["1 = 1".to_owned()];
    let mut vals: Vec<Value> = Vec::new();
    for word in f.q.split_whitespace().take(8) {
        wh.push("a.search_text LIKE ?".into());
        vals.push(format!("%{}%", word.to_lowercase().replace(['%', '_'], "")).into());
    }
    if let Some(s) = f.status {
        wh.push("a.status = ?".into());
        vals.push(s.as_str().into());
    }
    if let Some(k) = f.kind {
        wh.push("a.kind = ?".into());
        vals.push(k.as_str().into());
    }
    match f.linked {
        Some(true) => {
            wh.push("EXISTS (SELECT 1 FROM object_media m WHERE m.asset_id = a.id)".into())
        }
        Some(false) => {
            wh.push("NOT EXISTS (SELECT 1 FROM object_media m WHERE m.asset_id = a.id)".into())
        }
        None => {}
    }
    let filter = wh.join(" AND ");
    let total = c
        .query_one_raw(stmt(
            b,
            &format!("SELECT COUNT(*) AS n FROM media_assets a WHERE {filter}"),
            vals.clone(),
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let mut page_vals = vals;
    page_vals.push((f.limit as i64).into());
    page_vals.push((f.offset as i64).into());
    let rows = c
        .query_all_raw(stmt(
            b,
            &format!("SELECT {COLS} FROM media_assets a WHERE {filter} ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?"),
            page_vals,
        ))
        .await?
        .iter()
        .map(row)
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, total))
}

/// The objects each asset shows, in one query.
pub async fn links(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, Link)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(",");
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            &format!(
                "SELECT m.asset_id, m.object_id, m.position, m.is_primary, o.object_number, o.title \
                 FROM object_media m JOIN objects o ON o.id = m.object_id \
                 WHERE m.asset_id IN ({marks}) AND o.deleted_at IS NULL ORDER BY o.object_number"
            ),
            ids.iter().map(|i| (*i).into()).collect(),
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "asset_id")?,
                Link {
                    object_id: r.try_get("", "object_id")?,
                    object_number: r.try_get("", "object_number")?,
                    title: json(r, "title")?,
                    position: r.try_get("", "position")?,
                    primary: r.try_get("", "is_primary")?,
                },
            ))
        })
        .collect()
}

/// An object's images in its order.
pub async fn object_assets(
    c: &impl ConnectionTrait,
    object_id: Uuid,
) -> Result<Vec<(AssetRow, bool)>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            &format!(
                "SELECT {COLS}, om.is_primary FROM object_media om JOIN media_assets a ON a.id = om.asset_id \
                 WHERE om.object_id = ? ORDER BY om.position, a.created_at"
            ),
            vec![object_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((row(r)?, r.try_get("", "is_primary")?)))
        .collect()
}

/// The images of these objects (only their primary images with `primary_only`), each with
/// the object it belongs to.
pub async fn of_objects(
    c: &impl ConnectionTrait,
    object_ids: &[Uuid],
    primary_only: bool,
) -> Result<Vec<(Uuid, AssetRow)>> {
    let mut out = Vec::new();
    // Bounded lists of parameters, whatever the caller hands in.
    for chunk in object_ids.chunks(5_000) {
        let marks = vec!["?"; chunk.len()].join(",");
        let primary = if primary_only {
            "om.is_primary AND "
        } else {
            ""
        };
        let rows = c
            .query_all_raw(stmt(
                c.get_database_backend(),
                &format!(
                    "SELECT {COLS}, om.object_id AS for_object FROM object_media om \
                     JOIN media_assets a ON a.id = om.asset_id \
                     WHERE {primary}om.object_id IN ({marks})"
                ),
                chunk.iter().map(|i| (*i).into()).collect(),
            ))
            .await?;
        for r in &rows {
            out.push((r.try_get("", "for_object")?, row(r)?));
        }
    }
    Ok(out)
}

/// The objects an asset is shown with.
pub async fn objects_of(c: &impl ConnectionTrait, asset_id: Uuid) -> Result<Vec<Uuid>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            "SELECT object_id FROM object_media WHERE asset_id = ?",
            vec![asset_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("", "object_id")?))
        .collect()
}

/// Links an asset to an object at the end of its images (primary when it is the first).
pub async fn link(c: &impl ConnectionTrait, object_id: Uuid, asset_id: Uuid) -> Result<bool> {
    let b = c.get_database_backend();
    let existing = c
        .query_one_raw(stmt(
            b,
            "SELECT COUNT(*) AS n, COALESCE(MAX(position), 0) AS top, \
             SUM(CASE WHEN asset_id = ? THEN 1 ELSE 0 END) AS here FROM object_media WHERE object_id = ?",
            vec![asset_id.into(), object_id.into()],
        ))
        .await?;
    let (n, top, here) = match existing {
        Some(r) => (
            r.try_get::<i64>("", "n")?,
            r.try_get::<i64>("", "top")?,
            r.try_get::<Option<i64>>("", "here")?.unwrap_or(0),
        ),
        None => (0, 0, 0),
    };
    if here > 0 {
        return Ok(false);
    }
    c.execute_raw(stmt(
        b,
        "INSERT INTO object_media (object_id, asset_id, position, is_primary) VALUES (?, ?, ?, ?)",
        vec![
            object_id.into(),
            asset_id.into(),
            (top + 1).into(),
            (n == 0).into(),
        ],
    ))
    .await?;
    Ok(true)
}

/// Removes a link; the next image becomes primary if the primary went.
pub async fn unlink(c: &impl ConnectionTrait, object_id: Uuid, asset_id: Uuid) -> Result<bool> {
    let b = c.get_database_backend();
    let res = c
        .execute_raw(stmt(
            b,
            "DELETE FROM object_media WHERE object_id = ? AND asset_id = ?",
            vec![object_id.into(), asset_id.into()],
        ))
        .await?;
    let rest = object_assets(c, object_id).await?;
    let order: Vec<Uuid> = rest.iter().map(|(a, _)| a.id).collect();
    let primary = rest
        .iter()
        .find(|(_, p)| *p)
        .map(|(a, _)| a.id)
        .or_else(|| order.first().copied());
    set_order(c, object_id, &order, primary).await?;
    Ok(res.rows_affected() == 1)
}

/// Sets the order of an object's images and which is primary.
pub async fn set_order(
    c: &impl ConnectionTrait,
    object_id: Uuid,
    order: &[Uuid],
    primary: Option<Uuid>,
) -> Result<()> {
    let b = c.get_database_backend();
    for (i, id) in order.iter().enumerate() {
        c.execute_raw(stmt(
            b,
            "UPDATE object_media SET position = ?, is_primary = ? WHERE object_id = ? AND asset_id = ?",
            vec![(i as i64 + 1).into(), (primary == Some(*id)).into(), object_id.into(), (*id).into()],
        ))
        .await?;
    }
    Ok(())
}

/// Every asset's id, master path and checksum, for fixity checks.
pub async fn fixity_list(c: &impl ConnectionTrait) -> Result<Vec<(Uuid, String, String, String)>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            "SELECT id, identifier, master_path, sha256 FROM media_assets ORDER BY created_at",
            vec![],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "identifier")?,
                r.try_get("", "master_path")?,
                r.try_get("", "sha256")?,
            ))
        })
        .collect()
}

/// Ids of the assets an object shows (for cache invalidation).
pub async fn assets_of_object(c: &impl ConnectionTrait, object_id: Uuid) -> Result<Vec<Uuid>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            "SELECT asset_id FROM object_media WHERE object_id = ?",
            vec![object_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("", "asset_id")?))
        .collect()
}

/// Public objects with at least one image, per department (for IIIF collections).
pub async fn public_objects_with_images(
    c: &impl ConnectionTrait,
    department: &str,
) -> Result<Vec<(Uuid, String, LangText)>> {
    let rows = c
        .query_all_raw(stmt(
            c.get_database_backend(),
            "SELECT o.id, o.object_number, o.title FROM objects o WHERE o.department = ? AND o.public \
             AND o.deleted_at IS NULL AND EXISTS (SELECT 1 FROM object_media m WHERE m.object_id = o.id) \
             ORDER BY o.object_number",
            vec![department.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "object_number")?,
                json(r, "title")?,
            ))
        })
        .collect()
}
