//! SQL of the media library: assets, their links to objects, and the derivative queue.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;
use vitrine_kernel::migrate::Migration;
use vitrine_kernel::sql::{fetch_all, fetch_one, stmt};
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

/// A stored JSON value read back, or the type's default when it no longer fits.
fn json<T: serde::de::DeserializeOwned + Default>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap_or_default()
}

/// A row of [`COLS`] as stored.
#[derive(FromQueryResult)]
struct AssetRecord {
    id: Uuid,
    identifier: String,
    sha256: String,
    byte_size: i64,
    kind: String,
    original_name: String,
    master_path: String,
    technical: serde_json::Value,
    caption: serde_json::Value,
    photographer: String,
    taken: String,
    view_type: String,
    rights: String,
    credit: serde_json::Value,
    access: String,
    status: String,
    progress: i64,
    error: Option<String>,
    levels: i64,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    created_by: String,
    on_public_object: bool,
}

impl From<AssetRecord> for AssetRow {
    fn from(r: AssetRecord) -> Self {
        AssetRow {
            id: r.id,
            identifier: r.identifier,
            sha256: r.sha256,
            byte_size: r.byte_size,
            kind: Kind::parse(&r.kind).unwrap_or(Kind::Tiff),
            original_name: r.original_name,
            master_path: r.master_path,
            technical: json(r.technical),
            description: Description {
                caption: json::<LangText>(r.caption),
                photographer: r.photographer,
                taken: r.taken,
                view: r.view_type,
                rights: r.rights,
                credit: json::<LangText>(r.credit),
                access: Access::parse(&r.access),
            },
            access: Access::parse(&r.access).unwrap_or(Access::Closed),
            status: Status::parse(&r.status),
            progress: r.progress,
            error: r.error,
            levels: r.levels,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            created_by: r.created_by,
            on_public_object: r.on_public_object,
        }
    }
}

/// An object's image: the asset row and whether it is the object's primary image.
#[derive(FromQueryResult)]
struct ShownAsset {
    #[sea_orm(nested)]
    asset: AssetRecord,
    is_primary: bool,
}

/// An asset row with the object it was found through.
#[derive(FromQueryResult)]
struct AssetOfObject {
    #[sea_orm(nested)]
    asset: AssetRecord,
    for_object: Uuid,
}

/// One id a statement returns.
#[derive(FromQueryResult)]
struct IdRecord {
    id: Uuid,
}

/// One count a statement returns.
#[derive(FromQueryResult)]
struct CountRecord {
    n: i64,
}

async fn one(c: &impl ConnectionTrait, filter: &str, value: Value) -> Result<Option<AssetRow>> {
    let sql = format!("SELECT {COLS} FROM media_assets a WHERE {filter}");
    let row: Option<AssetRecord> = fetch_one(c, &sql, vec![value]).await?;
    Ok(row.map(AssetRow::from))
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
        let found: Option<IdRecord> = fetch_one(
            c,
            "SELECT id FROM media_assets WHERE status = 'pending' \
             OR (status = 'processing' AND lease_until < ?) ORDER BY created_at LIMIT 1",
            vec![now.into()],
        )
        .await?;
        let Some(IdRecord { id }) = found else {
            return Ok(None);
        };
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
    let count = format!("SELECT COUNT(*) AS n FROM media_assets a WHERE {filter}");
    let total = fetch_one::<CountRecord>(c, &count, vals.clone())
        .await?
        .map_or(0, |r| r.n);
    let mut page_vals = vals;
    page_vals.push((f.limit as i64).into());
    page_vals.push((f.offset as i64).into());
    let page = format!(
        "SELECT {COLS} FROM media_assets a WHERE {filter} ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?"
    );
    let rows: Vec<AssetRecord> = fetch_all(c, &page, page_vals).await?;
    Ok((rows.into_iter().map(AssetRow::from).collect(), total))
}

/// The objects each asset shows, in one query.
pub async fn links(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, Link)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(",");
    /// A link of an asset to an object, with the object's number and title.
    #[derive(FromQueryResult)]
    struct LinkRecord {
        asset_id: Uuid,
        object_id: Uuid,
        position: i64,
        is_primary: bool,
        object_number: String,
        title: serde_json::Value,
    }
    let sql = format!(
        "SELECT m.asset_id, m.object_id, m.position, m.is_primary, o.object_number, o.title \
         FROM object_media m JOIN objects o ON o.id = m.object_id \
         WHERE m.asset_id IN ({marks}) AND o.deleted_at IS NULL ORDER BY o.object_number"
    );
    let values = ids.iter().map(|i| (*i).into()).collect();
    let rows: Vec<LinkRecord> = fetch_all(c, &sql, values).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let link = Link {
                object_id: r.object_id,
                object_number: r.object_number,
                title: json(r.title),
                position: r.position,
                primary: r.is_primary,
            };
            (r.asset_id, link)
        })
        .collect())
}

/// An object's images in its order.
pub async fn object_assets(
    c: &impl ConnectionTrait,
    object_id: Uuid,
) -> Result<Vec<(AssetRow, bool)>> {
    let sql = format!(
        "SELECT {COLS}, om.is_primary FROM object_media om JOIN media_assets a ON a.id = om.asset_id \
         WHERE om.object_id = ? ORDER BY om.position, a.created_at"
    );
    let rows: Vec<ShownAsset> = fetch_all(c, &sql, vec![object_id.into()]).await?;
    Ok(rows
        .into_iter()
        .map(|r| (AssetRow::from(r.asset), r.is_primary))
        .collect())
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
        let sql = format!(
            "SELECT {COLS}, om.object_id AS for_object FROM object_media om \
             JOIN media_assets a ON a.id = om.asset_id \
             WHERE {primary}om.object_id IN ({marks})"
        );
        let values = chunk.iter().map(|i| (*i).into()).collect();
        let rows: Vec<AssetOfObject> = fetch_all(c, &sql, values).await?;
        out.extend(
            rows.into_iter()
                .map(|r| (r.for_object, AssetRow::from(r.asset))),
        );
    }
    Ok(out)
}

/// The objects an asset is shown with.
pub async fn objects_of(c: &impl ConnectionTrait, asset_id: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT object_id AS id FROM object_media WHERE asset_id = ?";
    let rows: Vec<IdRecord> = fetch_all(c, sql, vec![asset_id.into()]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Links an asset to an object at the end of its images (primary when it is the first).
pub async fn link(c: &impl ConnectionTrait, object_id: Uuid, asset_id: Uuid) -> Result<bool> {
    let b = c.get_database_backend();
    /// How many images an object has, its last position, and whether this one is there.
    #[derive(FromQueryResult)]
    struct Existing {
        n: i64,
        top: i64,
        here: Option<i64>,
    }
    let existing: Option<Existing> = fetch_one(
        c,
        "SELECT COUNT(*) AS n, COALESCE(MAX(position), 0) AS top, \
         SUM(CASE WHEN asset_id = ? THEN 1 ELSE 0 END) AS here FROM object_media WHERE object_id = ?",
        vec![asset_id.into(), object_id.into()],
    )
    .await?;
    let (n, top, here) = existing.map_or((0, 0, 0), |e| (e.n, e.top, e.here.unwrap_or(0)));
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
    /// What a fixity check needs of an asset.
    #[derive(FromQueryResult)]
    struct Master {
        id: Uuid,
        identifier: String,
        master_path: String,
        sha256: String,
    }
    let sql =
        "SELECT id, identifier, master_path, sha256 FROM media_assets ORDER BY created_at, id";
    let rows: Vec<Master> = fetch_all(c, sql, vec![]).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.identifier, r.master_path, r.sha256))
        .collect())
}

/// Ids of the assets an object shows (for cache invalidation).
pub async fn assets_of_object(c: &impl ConnectionTrait, object_id: Uuid) -> Result<Vec<Uuid>> {
    let sql = "SELECT asset_id AS id FROM object_media WHERE object_id = ?";
    let rows: Vec<IdRecord> = fetch_all(c, sql, vec![object_id.into()]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Public objects with at least one image, per department (for IIIF collections).
pub async fn public_objects_with_images(
    c: &impl ConnectionTrait,
    department: &str,
) -> Result<Vec<(Uuid, String, LangText)>> {
    /// A public object's id, number and title.
    #[derive(FromQueryResult)]
    struct Titled {
        id: Uuid,
        object_number: String,
        title: serde_json::Value,
    }
    let rows: Vec<Titled> = fetch_all(
        c,
        "SELECT o.id, o.object_number, o.title FROM objects o WHERE o.department = ? AND o.public \
         AND o.deleted_at IS NULL AND EXISTS (SELECT 1 FROM object_media m WHERE m.object_id = o.id) \
         ORDER BY o.object_number",
        vec![department.into()],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.object_number, json(r.title)))
        .collect())
}
