//! All SQL of the collections domain, one code path for SQLite and PostgreSQL.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;
use vitrine_kernel::migrate::Migration;
use vitrine_kernel::{Error, LangText, Result};

use crate::authority::{AuthorityInput, Kind};
use crate::model::{Confidential, Department, ObjectInput, ObjectStatus};
use crate::query::{AuthorityCursor, AuthorityQuery, Cursor, Key, ObjectQuery, Sort};

/// This domain's schema steps.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "collections/0001_catalogue",
    sql: include_str!("../migrations/0001_catalogue.sql"),
}];

pub(crate) mod object {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "objects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub object_number: String,
        pub object_name_id: Option<Uuid>,
        pub collection_id: Option<Uuid>,
        pub period_id: Option<Uuid>,
        #[sea_orm(column_type = "JsonBinary")]
        pub title: Json,
        pub department: String,
        pub status: String,
        pub public: bool,
        pub earliest_year: Option<i64>,
        pub latest_year: Option<i64>,
        /// `earliest_year`, or `UNDATED` so undated records sort last with an index.
        pub sort_year: i64,
        pub keywords: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub data: Json,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub confidential: Option<Json>,
        pub version: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        pub deleted_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod authority {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "authorities")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub vocabulary: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub label: Json,
        pub parent_id: Option<Uuid>,
        pub search_text: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub data: Json,
        pub version: i64,
        pub created_at: ChronoDateTimeUtc,
        pub updated_at: ChronoDateTimeUtc,
        pub deleted_at: Option<ChronoDateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use authority as au;
use object as ob;

/// A stored object row, decoded.
pub(crate) struct StoredObject {
    pub id: Uuid,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub data: ObjectInput,
}

fn decode_object(m: ob::Model, with_confidential: bool) -> Result<StoredObject> {
    let mut data: ObjectInput = serde_json::from_value(m.data)?;
    data.confidential = match (with_confidential, m.confidential) {
        (true, Some(c)) => Some(serde_json::from_value::<Confidential>(c)?),
        _ => None,
    };
    Ok(StoredObject {
        id: m.id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        data,
    })
}

/// What the list filters on: the number, both titles, and the dates as displayed.
fn keywords(o: &ObjectInput) -> String {
    format!(
        "{} {} {}",
        o.object_number.to_lowercase(),
        o.title.search_text(),
        o.production.date_display.search_text()
    )
}

fn object_row(
    id: Uuid,
    o: &ObjectInput,
    version: i64,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ob::ActiveModel> {
    let mut public_part = o.clone();
    let confidential = public_part.confidential.take();
    Ok(ob::ActiveModel {
        id: Set(id),
        object_number: Set(o.object_number.clone()),
        object_name_id: Set(o.object_name_id),
        collection_id: Set(o.collection_id),
        period_id: Set(o.production.period_id),
        title: Set(serde_json::to_value(&o.title)?),
        department: Set(o.department.as_str().to_owned()),
        status: Set(o.status.as_str().to_owned()),
        public: Set(o.public),
        earliest_year: Set(o.production.earliest_year.map(i64::from)),
        latest_year: Set(o.production.latest_year.map(i64::from)),
        sort_year: Set(o.production.earliest_year.map_or(UNDATED, i64::from)),
        keywords: Set(keywords(o)),
        data: Set(serde_json::to_value(&public_part)?),
        confidential: Set(confidential.map(serde_json::to_value).transpose()?),
        version: Set(version),
        created_at: Set(created),
        updated_at: Set(now),
        deleted_at: Set(None),
    })
}

fn number_taken(o: &ObjectInput) -> Error {
    Error::Conflict {
        field: Some("object_number".into()),
        message: format!(
            "object number `{}` is already used by another record",
            o.object_number
        ),
    }
}

/// Inserts new objects (one statement per 200 rows).
pub(crate) async fn insert_objects(
    c: &impl ConnectionTrait,
    rows: &[(Uuid, &ObjectInput)],
) -> Result<()> {
    let now = Utc::now();
    for chunk in rows.chunks(200) {
        let models = chunk
            .iter()
            .map(|(id, o)| object_row(*id, o, 1, now, now))
            .collect::<Result<Vec<_>>>()?;
        match ob::Entity::insert_many(models)
            .exec_without_returning(c)
            .await
        {
            Err(e) if vitrine_kernel::db::is_unique_violation(&e) => {
                return Err(if chunk.len() == 1 {
                    number_taken(chunk[0].1)
                } else {
                    Error::Conflict {
                        field: Some("object_number".into()),
                        message: "an object number is already used".into(),
                    }
                });
            }
            r => r?,
        };
    }
    Ok(())
}

/// Replaces an object's fields if it is still at `expected` version. Returns false when
/// the version moved on (or the record is gone).
pub(crate) async fn update_object(
    c: &impl ConnectionTrait,
    id: Uuid,
    expected: i64,
    o: &ObjectInput,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut row = object_row(id, o, expected + 1, created, now)?;
    row.id = sea_orm::ActiveValue::NotSet;
    row.created_at = sea_orm::ActiveValue::NotSet;
    let res = ob::Entity::update_many()
        .set(row)
        .filter(ob::Column::Id.eq(id))
        .filter(ob::Column::Version.eq(expected))
        .filter(ob::Column::DeletedAt.is_null())
        .exec(c)
        .await;
    match res {
        Err(e) if vitrine_kernel::db::is_unique_violation(&e) => Err(number_taken(o)),
        r => Ok(r?.rows_affected == 1),
    }
}

/// Marks a record of `table` (`objects` or `authorities`) deleted if it is still at
/// `expected` version. Both tables share the columns this touches.
pub(crate) async fn soft_delete(
    c: &impl ConnectionTrait,
    table: &'static str,
    id: Uuid,
    expected: i64,
) -> Result<bool> {
    use sea_orm::sea_query::{Alias, Query};
    let now = Utc::now();
    let stmt = Query::update()
        .table(Alias::new(table))
        .value(Alias::new("deleted_at"), now)
        .value(Alias::new("updated_at"), now)
        .value(Alias::new("version"), expected + 1)
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .and_where(Expr::col(Alias::new("version")).eq(expected))
        .and_where(Expr::col(Alias::new("deleted_at")).is_null())
        .to_owned();
    let res = c.execute_raw(c.get_database_backend().build(&stmt)).await?;
    Ok(res.rows_affected() == 1)
}

/// One live object.
pub(crate) async fn get_object(
    c: &impl ConnectionTrait,
    id: Uuid,
    with_confidential: bool,
) -> Result<Option<StoredObject>> {
    let m = ob::Entity::find_by_id(id)
        .filter(ob::Column::DeletedAt.is_null())
        .one(c)
        .await?;
    m.map(|m| decode_object(m, with_confidential)).transpose()
}

/// Live objects among `ids`, with the confidential part when asked.
pub(crate) async fn live_objects(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
    with_confidential: bool,
) -> Result<Vec<StoredObject>> {
    ob::Entity::find()
        .filter(ob::Column::Id.is_in(ids.iter().copied()))
        .filter(ob::Column::DeletedAt.is_null())
        .all(c)
        .await?
        .into_iter()
        .map(|m| decode_object(m, with_confidential))
        .collect()
}

/// Live objects in id order after `after`, confidential part included.
pub(crate) async fn scan_objects(
    c: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<StoredObject>> {
    let mut q = ob::Entity::find().filter(ob::Column::DeletedAt.is_null());
    if let Some(a) = after {
        q = q.filter(ob::Column::Id.gt(a));
    }
    // Only what a feed needs, the JSON as text parsed straight into the record: a full
    // row is three JSON values built and converted, a fifth of a search index rebuild.
    let rows: Vec<RawObject> = q
        .select_only()
        .column(ob::Column::Id)
        .column(ob::Column::Version)
        .column(ob::Column::CreatedAt)
        .column(ob::Column::UpdatedAt)
        .column_as(Expr::cust("CAST(data AS TEXT)"), "data")
        .column_as(Expr::cust("CAST(confidential AS TEXT)"), "confidential")
        .order_by_asc(ob::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(c)
        .await?;
    rows.into_iter()
        .map(
            |(id, version, created_at, updated_at, data, confidential)| {
                let mut data: ObjectInput = serde_json::from_str(&data)?;
                data.confidential = match confidential {
                    Some(c) => serde_json::from_str::<Option<Confidential>>(&c)?,
                    None => None,
                };
                Ok(StoredObject {
                    id,
                    version,
                    created_at,
                    updated_at,
                    data,
                })
            },
        )
        .collect()
}

/// The columns [`scan_objects`] reads.
type RawObject = (
    Uuid,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
    Option<String>,
);

/// How many live objects there are.
pub(crate) async fn count_live_objects(c: &impl ConnectionTrait) -> Result<u64> {
    Ok(ob::Entity::find()
        .filter(ob::Column::DeletedAt.is_null())
        .count(c)
        .await?)
}

/// Records that point at `id`: the indexed columns, or the id inside `data` (repeatable
/// references such as materials and makers; a scan, fine for the rare deletion of one).
fn references(id: Uuid) -> Condition {
    Condition::any()
        .add(ob::Column::ObjectNameId.eq(id))
        .add(ob::Column::CollectionId.eq(id))
        .add(ob::Column::PeriodId.eq(id))
        .add(Expr::expr(Expr::cust("CAST(data AS TEXT)")).like(format!("%{id}%")))
}

/// The current version of a live object, if any.
pub(crate) async fn object_version(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<i64>> {
    Ok(ob::Entity::find_by_id(id)
        .select_only()
        .column(ob::Column::Version)
        .filter(ob::Column::DeletedAt.is_null())
        .into_tuple::<i64>()
        .one(c)
        .await?)
}

/// One live object by its number.
pub(crate) async fn find_object_by_number(
    c: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<Uuid>> {
    Ok(ob::Entity::find()
        .select_only()
        .column(ob::Column::Id)
        .filter(ob::Column::ObjectNumber.eq(number))
        .filter(ob::Column::DeletedAt.is_null())
        .into_tuple::<Uuid>()
        .one(c)
        .await?)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn list_condition(q: &ObjectQuery, public_only: bool) -> Condition {
    let mut cond = Condition::all().add(ob::Column::DeletedAt.is_null());
    if public_only {
        cond = cond.add(ob::Column::Public.eq(true));
    }
    if let Some(d) = q.department {
        cond = cond.add(ob::Column::Department.eq(d.as_str()));
    }
    if let Some(s) = q.status {
        cond = cond.add(ob::Column::Status.eq(s.as_str()));
    }
    if let Some(t) = q.updated_since {
        cond = cond.add(ob::Column::UpdatedAt.gte(t));
    }
    if let Some(text) = &q.q {
        for word in text.split_whitespace().take(8) {
            let pat = format!("%{}%", like_escape(&word.to_lowercase()));
            cond = cond.add(Expr::col(ob::Column::Keywords).like(LikeExpr::new(pat).escape('\\')));
        }
    }
    cond
}

/// Sort key of undated records (they come last in date order).
const UNDATED: i64 = i64::MAX;

/// One page of live objects, and how many match in all. The page is found in two steps:
/// first the ids in order (from an index, without the rows' JSON), then those rows.
pub(crate) async fn list_objects(
    c: &impl ConnectionTrait,
    q: &ObjectQuery,
    public_only: bool,
) -> Result<(Vec<StoredObject>, u64, Option<Cursor>)> {
    let cond = list_condition(q, public_only);
    let total = ob::Entity::find().filter(cond.clone()).count(c).await?;
    let desc = q.sort.descending();
    let order = if desc { Order::Desc } else { Order::Asc };
    let key_col = match q.sort {
        Sort::NumberAsc | Sort::NumberDesc => ob::Column::ObjectNumber,
        Sort::UpdatedAsc | Sort::UpdatedDesc => ob::Column::UpdatedAt,
        Sort::YearAsc | Sort::YearDesc => ob::Column::SortYear,
    };
    let mut sel = ob::Entity::find().filter(cond);
    if let Some(cur) = &q.cursor {
        let key: sea_orm::Value = match (&cur.key, q.sort) {
            (Key::Text(t), Sort::NumberAsc | Sort::NumberDesc) => t.clone().into(),
            (Key::Time(t), Sort::UpdatedAsc | Sort::UpdatedDesc) => (*t).into(),
            (Key::Year(y), Sort::YearAsc | Sort::YearDesc) => (*y).into(),
            _ => {
                return Err(Error::invalid(
                    "cursor",
                    "invalid_parameter",
                    "the cursor does not fit this sort",
                ));
            }
        };
        let (beyond, id_after) = if desc {
            (key_col.lt(key.clone()), ob::Column::Id.lt(cur.id))
        } else {
            (key_col.gt(key.clone()), ob::Column::Id.gt(cur.id))
        };
        sel = sel.filter(
            Condition::any()
                .add(beyond)
                .add(Condition::all().add(key_col.eq(key)).add(id_after)),
        );
    }
    let keys: Vec<(Uuid, String, DateTime<Utc>, i64)> = sel
        .select_only()
        .columns([
            ob::Column::Id,
            ob::Column::ObjectNumber,
            ob::Column::UpdatedAt,
            ob::Column::SortYear,
        ])
        .order_by(key_col, order.clone())
        .order_by(ob::Column::Id, order)
        .limit(q.limit + 1)
        .into_tuple()
        .all(c)
        .await?;
    let more = keys.len() as u64 > q.limit;
    let keys: Vec<_> = keys.into_iter().take(q.limit as usize).collect();
    let next = match (more, keys.last()) {
        (true, Some((id, number, updated, year))) => Some(Cursor {
            sort: q.sort,
            id: *id,
            key: match q.sort {
                Sort::NumberAsc | Sort::NumberDesc => Key::Text(number.clone()),
                Sort::UpdatedAsc | Sort::UpdatedDesc => Key::Time(*updated),
                Sort::YearAsc | Sort::YearDesc => Key::Year(*year),
            },
        }),
        _ => None,
    };
    let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let mut rows: std::collections::HashMap<Uuid, ob::Model> = ob::Entity::find()
        .filter(ob::Column::Id.is_in(ids.iter().copied()))
        .all(c)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let items = ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|m| decode_object(m, false))
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total, next))
}

/// Live objects per department and status.
pub(crate) async fn count_objects(
    c: &impl ConnectionTrait,
) -> Result<Vec<(Department, ObjectStatus, u64)>> {
    let rows: Vec<(String, String, i64)> = ob::Entity::find()
        .select_only()
        .column(ob::Column::Department)
        .column(ob::Column::Status)
        .column_as(Expr::col(ob::Column::Id).count(), "n")
        .filter(ob::Column::DeletedAt.is_null())
        .group_by(ob::Column::Department)
        .group_by(ob::Column::Status)
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(d, s, n)| Some((Department::parse(&d)?, ObjectStatus::parse(&s)?, n as u64)))
        .collect())
}

// ---- authorities ----

/// A stored authority row, decoded.
pub(crate) struct StoredAuthority {
    pub id: Uuid,
    pub kind: Kind,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub data: AuthorityInput,
}

fn decode_authority(m: au::Model) -> Result<StoredAuthority> {
    Ok(StoredAuthority {
        id: m.id,
        kind: Kind::parse(&m.kind)
            .ok_or_else(|| Error::Internal(format!("unknown authority kind {}", m.kind)))?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        data: serde_json::from_value(m.data)?,
    })
}

fn authority_row(
    id: Uuid,
    kind: Kind,
    a: &AuthorityInput,
    version: i64,
    now: DateTime<Utc>,
) -> Result<au::ActiveModel> {
    Ok(au::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().to_owned()),
        vocabulary: Set(a.vocabulary.clone()),
        label: Set(serde_json::to_value(&a.label)?),
        parent_id: Set(a.parent_id),
        search_text: Set(a.search_text()),
        data: Set(serde_json::to_value(a)?),
        version: Set(version),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    })
}

/// Inserts new authorities.
pub(crate) async fn insert_authorities(
    c: &impl ConnectionTrait,
    rows: &[(Uuid, Kind, &AuthorityInput)],
) -> Result<()> {
    let now = Utc::now();
    for chunk in rows.chunks(500) {
        let models = chunk
            .iter()
            .map(|(id, k, a)| authority_row(*id, *k, a, 1, now))
            .collect::<Result<Vec<_>>>()?;
        au::Entity::insert_many(models)
            .exec_without_returning(c)
            .await?;
    }
    Ok(())
}

/// Replaces an authority if still at `expected` version.
pub(crate) async fn update_authority(
    c: &impl ConnectionTrait,
    id: Uuid,
    kind: Kind,
    expected: i64,
    a: &AuthorityInput,
) -> Result<bool> {
    let mut row = authority_row(id, kind, a, expected + 1, Utc::now())?;
    row.id = sea_orm::ActiveValue::NotSet;
    row.created_at = sea_orm::ActiveValue::NotSet;
    let res = au::Entity::update_many()
        .set(row)
        .filter(au::Column::Id.eq(id))
        .filter(au::Column::Kind.eq(kind.as_str()))
        .filter(au::Column::Version.eq(expected))
        .filter(au::Column::DeletedAt.is_null())
        .exec(c)
        .await?;
    Ok(res.rows_affected == 1)
}

/// One live authority of a kind.
pub(crate) async fn get_authority(
    c: &impl ConnectionTrait,
    kind: Kind,
    id: Uuid,
) -> Result<Option<StoredAuthority>> {
    let m = au::Entity::find_by_id(id)
        .filter(au::Column::Kind.eq(kind.as_str()))
        .filter(au::Column::DeletedAt.is_null())
        .one(c)
        .await?;
    m.map(decode_authority).transpose()
}

/// Kind and vocabulary of each live authority among `ids`.
pub(crate) async fn authority_kinds(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, (Kind, String)>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let rows: Vec<(Uuid, String, String)> = au::Entity::find()
        .select_only()
        .columns([au::Column::Id, au::Column::Kind, au::Column::Vocabulary])
        .filter(au::Column::Id.is_in(ids.iter().copied()))
        .filter(au::Column::DeletedAt.is_null())
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, k, v)| Some((id, (Kind::parse(&k)?, v))))
        .collect())
}

/// Labels of authorities by id (deleted ones too: old records still name them).
pub(crate) async fn labels(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<BTreeMap<Uuid, LangText>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, sea_orm::JsonValue)> = au::Entity::find()
            .select_only()
            .columns([au::Column::Id, au::Column::Label])
            .filter(au::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(c)
            .await?;
        for (id, label) in rows {
            out.insert(id, serde_json::from_value(label)?);
        }
    }
    Ok(out)
}

/// Live authorities of a kind matching the query, in order of their names; the page, how
/// many match in all, and where the next page starts.
pub(crate) async fn search_authorities(
    c: &impl ConnectionTrait,
    kind: Kind,
    q: &AuthorityQuery,
) -> Result<(Vec<StoredAuthority>, u64, Option<AuthorityCursor>)> {
    let mut cond = Condition::all()
        .add(au::Column::Kind.eq(kind.as_str()))
        .add(au::Column::DeletedAt.is_null());
    if let Some(v) = &q.vocabulary {
        cond = cond.add(au::Column::Vocabulary.eq(v.as_str()));
    }
    if let Some(t) = q.updated_since {
        cond = cond.add(au::Column::UpdatedAt.gte(t));
    }
    for word in q.q.split_whitespace().take(8) {
        let pat = format!("%{}%", like_escape(&word.to_lowercase()));
        cond = cond.add(Expr::col(au::Column::SearchText).like(LikeExpr::new(pat).escape('\\')));
    }
    let total = au::Entity::find().filter(cond.clone()).count(c).await?;
    if let Some(cur) = &q.cursor {
        cond = cond.add(
            Condition::any()
                .add(au::Column::SearchText.gt(cur.key.as_str()))
                .add(
                    Condition::all()
                        .add(au::Column::SearchText.eq(cur.key.as_str()))
                        .add(au::Column::Id.gt(cur.id)),
                ),
        );
    }
    let mut rows = au::Entity::find()
        .filter(cond)
        .order_by_asc(au::Column::SearchText)
        .order_by_asc(au::Column::Id)
        .limit(q.limit + 1)
        .all(c)
        .await?;
    let next = if rows.len() as u64 > q.limit {
        rows.truncate(q.limit as usize);
        rows.last().map(|r| AuthorityCursor {
            key: r.search_text.clone(),
            id: r.id,
        })
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(decode_authority)
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total, next))
}

/// Whether anything live still points at an authority (objects or narrower entries).
pub(crate) async fn authority_in_use(c: &impl ConnectionTrait, id: Uuid) -> Result<bool> {
    let children = au::Entity::find()
        .filter(au::Column::ParentId.eq(id))
        .filter(au::Column::DeletedAt.is_null())
        .count(c)
        .await?;
    if children > 0 {
        return Ok(true);
    }
    let objects = ob::Entity::find()
        .filter(ob::Column::DeletedAt.is_null())
        .filter(references(id))
        .count(c)
        .await?;
    Ok(objects > 0)
}

/// The current version of a live authority of a kind, if any.
pub(crate) async fn authority_version(
    c: &impl ConnectionTrait,
    kind: Kind,
    id: Uuid,
) -> Result<Option<i64>> {
    Ok(au::Entity::find_by_id(id)
        .select_only()
        .column(au::Column::Version)
        .filter(au::Column::Kind.eq(kind.as_str()))
        .filter(au::Column::DeletedAt.is_null())
        .into_tuple::<i64>()
        .one(c)
        .await?)
}

/// Every live authority.
pub(crate) async fn all_authorities(c: &impl ConnectionTrait) -> Result<Vec<StoredAuthority>> {
    au::Entity::find()
        .filter(au::Column::DeletedAt.is_null())
        .all(c)
        .await?
        .into_iter()
        .map(decode_authority)
        .collect()
}
