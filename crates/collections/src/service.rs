//! Use cases of the catalogue. Each one checks the caller's permission, validates, and
//! writes in one transaction together with its audit row and outbox event.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::audit::{self, Change, HistoryEntry, RecentChange};
use vitrine_kernel::error::Problems;
use vitrine_kernel::{Actor, Db, Error, LangText, Permission, Result};

use crate::authority::{Authority, AuthorityInput, AuthoritySummary, Kind};
use crate::labels::LabelCache;
use crate::model::{
    Department, NumberRule, ObjectInput, ObjectRecord, ObjectStatus, ObjectSummary,
};
use crate::projection::{PublicObject, redact_object_json};
use crate::query::{AuthorityQuery, ObjectQuery};
use crate::store::{self, StoredAuthority, StoredObject};

/// The collections service.
#[derive(Clone)]
pub struct Collections {
    db: Db,
    numbers: NumberRule,
    labels: LabelCache,
}

/// A page of an object list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectPage {
    /// Rows of this page.
    pub items: Vec<ObjectSummary>,
    /// How many records match in all.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A page of an authority list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuthorityPage {
    /// Rows of this page.
    pub items: Vec<AuthoritySummary>,
    /// How many entries match in all.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// What the staff dashboard shows.
#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    /// Live objects per department and status.
    pub counts: Vec<(Department, ObjectStatus, u64)>,
    /// Latest changes to the catalogue.
    pub recent: Vec<RecentChange>,
    /// Titles of the recently changed records, by id.
    pub titles: BTreeMap<Uuid, (String, LangText)>,
}

const OBJECT: &str = "object";

fn stale_or_missing(current: Option<i64>, what: &'static str) -> Error {
    match current {
        Some(v) => Error::VersionMismatch { current: v },
        None => Error::NotFound { what },
    }
}

/// Names the row of a bulk import in each field error (`[12].title`).
fn in_row(i: usize, e: Error) -> Error {
    match e {
        Error::Invalid(mut v) => {
            for f in &mut v {
                f.field = format!("[{i}].{}", f.field);
            }
            Error::Invalid(v)
        }
        e => e,
    }
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Some(t) = target.as_object_mut() {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

impl Collections {
    /// The service over a database, with the default object-number rule.
    pub fn new(db: Db) -> Self {
        Collections {
            db,
            numbers: NumberRule::default(),
            labels: LabelCache::default(),
        }
    }

    /// Uses another object-number rule (from configuration).
    pub fn with_number_rule(mut self, rule: NumberRule) -> Self {
        self.numbers = rule;
        self
    }

    /// The database (for the binary's wiring).
    pub fn db(&self) -> &Db {
        &self.db
    }

    // ---------- objects ----------

    fn prepare(&self, actor: &Actor, input: &mut ObjectInput) -> Result<()> {
        input.normalize();
        if input.confidential.is_some() && !actor.can(Permission::ConfidentialRead) {
            return Err(Error::Forbidden(
                "your role may not set valuation, insurance or private contacts".into(),
            ));
        }
        input.validate(&self.numbers)
    }

    async fn check_references(
        &self,
        c: &impl sea_orm::ConnectionTrait,
        input: &ObjectInput,
    ) -> Result<()> {
        let refs = input.references();
        let ids: Vec<Uuid> = refs.iter().map(|(_, id, _)| *id).collect();
        let found = store::authority_kinds(c, &ids).await?;
        let mut p = Problems::default();
        for (field, id, expect) in refs {
            match found.get(&id) {
                None => p.add(
                    field,
                    "unknown_reference",
                    format!("no {} has id {id}", expect.describe()),
                ),
                Some((k, v)) if !expect.accepts(*k, v) => p.add(
                    field,
                    "wrong_reference",
                    format!("must be {}, not a `{v}` {}", expect.describe(), k.as_str()),
                ),
                _ => {}
            }
        }
        p.finish()
    }

    async fn record(&self, actor: &Actor, s: StoredObject) -> Result<ObjectRecord> {
        let ids: Vec<Uuid> = s
            .data
            .references()
            .into_iter()
            .map(|(_, id, _)| id)
            .collect();
        let labels = self.labels.get(self.db.conn(), &ids).await?;
        let mut data = s.data;
        if !actor.can(Permission::ConfidentialRead) {
            data.confidential = None;
        }
        Ok(ObjectRecord {
            id: s.id,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            data,
            labels,
        })
    }

    /// Catalogues a new object.
    pub async fn create_object(
        &self,
        actor: &Actor,
        mut input: ObjectInput,
    ) -> Result<ObjectRecord> {
        actor.require(Permission::CatalogueEdit)?;
        self.prepare(actor, &mut input)?;
        let id = vitrine_kernel::ids::new_id();
        let txn = self.db.begin_write().await?;
        self.check_references(&*txn, &input).await?;
        store::insert_objects(&*txn, &[(id, &input)]).await?;
        let entry = Change::created(OBJECT, id, 1, &input)?;
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await?;
        self.get_object(actor, id).await
    }

    /// Catalogues many objects at once (imports, the demo museum): all or nothing.
    pub async fn import_objects(
        &self,
        actor: &Actor,
        inputs: Vec<ObjectInput>,
    ) -> Result<Vec<Uuid>> {
        actor.require(Permission::CatalogueEdit)?;
        let mut inputs = inputs;
        for (i, input) in inputs.iter_mut().enumerate() {
            self.prepare(actor, input).map_err(|e| in_row(i, e))?;
        }
        let ids: Vec<Uuid> = inputs
            .iter()
            .map(|_| vitrine_kernel::ids::new_id())
            .collect();
        let txn = self.db.begin_write().await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut refs: Vec<Uuid> = Vec::new();
        for input in &inputs {
            for (_, id, _) in input.references() {
                if seen.insert(id) {
                    refs.push(id);
                }
            }
        }
        let found = store::authority_kinds(&*txn, &refs).await?;
        for (i, input) in inputs.iter().enumerate() {
            for (field, id, expect) in input.references() {
                if !found.get(&id).is_some_and(|(k, v)| expect.accepts(*k, v)) {
                    return Err(Error::invalid(
                        format!("[{i}].{field}"),
                        "unknown_reference",
                        format!("no {} has id {id}", expect.describe()),
                    ));
                }
            }
        }
        let rows: Vec<(Uuid, &ObjectInput)> = ids.iter().copied().zip(inputs.iter()).collect();
        store::insert_objects(&*txn, &rows).await?;
        let changes = rows
            .iter()
            .map(|(id, input)| Change::created(OBJECT, *id, 1, input))
            .collect::<Result<Vec<_>>>()?;
        audit::record_many(&*txn, actor, changes).await?;
        txn.commit().await?;
        Ok(ids)
    }

    /// One record as staff see it (confidential fields only for those allowed).
    pub async fn get_object(&self, actor: &Actor, id: Uuid) -> Result<ObjectRecord> {
        actor.require(Permission::CatalogueRead)?;
        let s = store::get_object(self.db.conn(), id, actor.can(Permission::ConfidentialRead))
            .await?
            .ok_or(Error::NotFound { what: "object" })?;
        self.record(actor, s).await
    }

    /// Several records as staff see them, in the order of `ids` (exports); ids of
    /// deleted or unknown records are skipped.
    pub async fn get_objects(&self, actor: &Actor, ids: &[Uuid]) -> Result<Vec<ObjectRecord>> {
        actor.require(Permission::CatalogueRead)?;
        let mut rows: std::collections::HashMap<Uuid, store::StoredObject> =
            store::live_objects(self.db.conn(), ids, actor.can(Permission::ConfidentialRead))
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
        let mut out = Vec::with_capacity(rows.len());
        for id in ids {
            if let Some(s) = rows.remove(id) {
                out.push(self.record(actor, s).await?);
            }
        }
        Ok(out)
    }

    /// The id of a live record by its object number.
    pub async fn find_object_by_number(&self, actor: &Actor, number: &str) -> Result<Uuid> {
        actor.require(Permission::CatalogueRead)?;
        store::find_object_by_number(self.db.conn(), number.trim())
            .await?
            .ok_or(Error::NotFound { what: "object" })
    }

    /// A published record with public fields only; unpublished records do not exist here.
    pub async fn get_public_object(&self, id: Uuid) -> Result<PublicObject> {
        let s = store::get_object(self.db.conn(), id, false)
            .await?
            .filter(|s| s.data.public);
        let s = s.ok_or(Error::NotFound { what: "object" })?;
        Ok(self.record(&Actor::Anonymous, s).await?.into())
    }

    /// Replaces a record's fields, if it is still at `expected_version`.
    pub async fn update_object(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: ObjectInput,
    ) -> Result<ObjectRecord> {
        actor.require(Permission::CatalogueEdit)?;
        let current = store::get_object(self.db.conn(), id, true)
            .await?
            .ok_or(Error::NotFound { what: "object" })?;
        self.replace(actor, current, expected_version, input).await
    }

    /// Writes `input` over `current` (read with confidential fields) if the record is
    /// still at `expected_version`. The reads happen before the write transaction: the
    /// version condition of the UPDATE is what guarantees nobody wrote in between, so the
    /// transaction (and SQLite's single writer) is held only for the writes.
    async fn replace(
        &self,
        actor: &Actor,
        current: StoredObject,
        expected_version: i64,
        mut input: ObjectInput,
    ) -> Result<ObjectRecord> {
        self.prepare(actor, &mut input)?;
        if current.version != expected_version {
            return Err(Error::VersionMismatch {
                current: current.version,
            });
        }
        if !actor.can(Permission::ConfidentialRead) {
            input.confidential = current.data.confidential.clone();
        }
        self.check_references(self.db.conn(), &input).await?;
        let id = current.id;
        let now = chrono::Utc::now();
        let entry = Change::updated(
            OBJECT,
            id,
            expected_version + 1,
            Some(&current.data),
            &input,
        )?;
        if entry.is_noop() {
            return self.record(actor, current).await;
        }
        let txn = self.db.begin_write().await?;
        if !store::update_object(&*txn, id, expected_version, &input, current.created_at, now)
            .await?
        {
            return Err(stale_or_missing(
                store::object_version(&*txn, id).await?,
                "object",
            ));
        }
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await?;
        // Answer from what was written; reading it back would only repeat it.
        let written = StoredObject {
            id,
            version: expected_version + 1,
            created_at: current.created_at,
            updated_at: now,
            data: input,
        };
        self.record(actor, written).await
    }

    /// Applies a JSON merge patch (RFC 7396) to the record as this caller sees it.
    pub async fn patch_object(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        patch: &Value,
    ) -> Result<ObjectRecord> {
        actor.require(Permission::CatalogueEdit)?;
        if !patch.is_object() {
            return Err(Error::BadRequest(
                "a merge patch must be a JSON object".into(),
            ));
        }
        let current = store::get_object(self.db.conn(), id, true)
            .await?
            .ok_or(Error::NotFound { what: "object" })?;
        if current.version != expected_version {
            return Err(Error::VersionMismatch {
                current: current.version,
            });
        }
        // The patch applies to the record as this caller sees it.
        let mut seen = current.data.clone();
        if !actor.can(Permission::ConfidentialRead) {
            seen.confidential = None;
        }
        let mut doc = serde_json::to_value(&seen)?;
        merge_patch(&mut doc, patch);
        let input: ObjectInput = serde_json::from_value(doc)
            .map_err(|e| Error::BadRequest(format!("after the patch: {e}")))?;
        self.replace(actor, current, expected_version, input).await
    }

    /// Withdraws a record (soft delete, audited), if still at `expected_version`.
    pub async fn delete_object(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
    ) -> Result<()> {
        actor.require(Permission::CatalogueDelete)?;
        let txn = self.db.begin_write().await?;
        let current = store::get_object(&*txn, id, true)
            .await?
            .ok_or(Error::NotFound { what: "object" })?;
        if !store::soft_delete(&*txn, "objects", id, expected_version).await? {
            return Err(Error::VersionMismatch {
                current: current.version,
            });
        }
        let entry = Change::deleted(OBJECT, id, expected_version + 1, &current.data)?;
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await
    }

    async fn page(&self, q: &ObjectQuery, public_only: bool) -> Result<ObjectPage> {
        let (rows, total, next) = store::list_objects(self.db.conn(), q, public_only).await?;
        let name_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.data.object_name_id).collect();
        let labels = self.labels.get(self.db.conn(), &name_ids).await?;
        let items = rows
            .into_iter()
            .map(|r| ObjectSummary {
                id: r.id,
                object_name: r.data.object_name_id.and_then(|i| labels.get(&i).cloned()),
                object_number: r.data.object_number,
                title: r.data.title,
                department: r.data.department,
                status: r.data.status,
                date_display: r.data.production.date_display,
                public: r.data.public,
                updated_at: r.updated_at,
            })
            .collect();
        Ok(ObjectPage {
            items,
            total,
            next_cursor: next.map(|c| c.encode()),
        })
    }

    /// A page of live records for staff.
    pub async fn list_objects(&self, actor: &Actor, q: &ObjectQuery) -> Result<ObjectPage> {
        actor.require(Permission::CatalogueRead)?;
        self.page(q, false).await
    }

    /// A page of published records.
    pub async fn list_public_objects(&self, q: &ObjectQuery) -> Result<ObjectPage> {
        self.page(q, true).await
    }

    /// A record's history, newest first, redacted for this caller.
    pub async fn object_history(&self, actor: &Actor, id: Uuid) -> Result<Vec<HistoryEntry>> {
        actor.require(Permission::AuditRead)?;
        let h = audit::history(self.db.conn(), OBJECT, id, &redact_object_json(actor)).await?;
        if h.is_empty() {
            return Err(Error::NotFound { what: "object" });
        }
        Ok(h)
    }

    /// Counts and recent changes for the staff dashboard.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard> {
        actor.require(Permission::CatalogueRead)?;
        let counts = store::count_objects(self.db.conn()).await?;
        let recent = audit::recent(self.db.conn(), &[OBJECT], 12).await?;
        let mut titles = BTreeMap::new();
        for r in &recent {
            if let Some(s) = store::get_object(self.db.conn(), r.entity_id, false).await? {
                titles.insert(r.entity_id, (s.data.object_number, s.data.title));
            }
        }
        Ok(Dashboard {
            counts,
            recent,
            titles,
        })
    }

    /// Labels of authorities by id, for showing references (forms, pickers).
    pub async fn labels(&self, actor: &Actor, ids: &[Uuid]) -> Result<BTreeMap<Uuid, LangText>> {
        actor.require(Permission::CatalogueRead)?;
        self.labels.get(self.db.conn(), ids).await
    }

    // ---------- authorities ----------

    fn authority_read(actor: &Actor, kind: Kind) -> Result<()> {
        let _ = kind;
        actor.require(Permission::CatalogueRead)
    }

    async fn check_parent(
        &self,
        c: &impl sea_orm::ConnectionTrait,
        kind: Kind,
        id: Option<Uuid>,
        input: &AuthorityInput,
    ) -> Result<()> {
        let Some(mut parent) = input.parent_id else {
            return Ok(());
        };
        for _ in 0..32 {
            if Some(parent) == id {
                return Err(Error::invalid(
                    "parent_id",
                    "cycle",
                    "an entry cannot be narrower than itself",
                ));
            }
            match store::get_authority(c, kind, parent).await? {
                None => {
                    return Err(Error::invalid(
                        "parent_id",
                        "unknown_reference",
                        format!("no live {} authority has id {parent}", kind.as_str()),
                    ));
                }
                Some(p) => match p.data.parent_id {
                    Some(next) => parent = next,
                    None => return Ok(()),
                },
            }
        }
        Err(Error::invalid(
            "parent_id",
            "too_deep",
            "hierarchies are at most 32 levels deep",
        ))
    }

    async fn authority(&self, s: StoredAuthority) -> Result<Authority> {
        let parent_label = match s.data.parent_id {
            Some(p) => self.labels.get(self.db.conn(), &[p]).await?.remove(&p),
            None => None,
        };
        Ok(Authority {
            id: s.id,
            kind: s.kind,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
            data: s.data,
            parent_label,
        })
    }

    /// Creates a person, place, term or location.
    pub async fn create_authority(
        &self,
        actor: &Actor,
        kind: Kind,
        mut input: AuthorityInput,
    ) -> Result<Authority> {
        actor.require(Permission::AuthorityEdit)?;
        input.normalize();
        input.validate(kind)?;
        let id = vitrine_kernel::ids::new_id();
        let txn = self.db.begin_write().await?;
        self.check_parent(&*txn, kind, Some(id), &input).await?;
        store::insert_authorities(&*txn, &[(id, kind, &input)]).await?;
        let entry = Change::created(kind.as_str(), id, 1, &input)?;
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await?;
        self.get_authority(actor, kind, id).await
    }

    /// Creates many authorities at once, parents before children (imports, demo).
    pub async fn import_authorities(
        &self,
        actor: &Actor,
        items: Vec<(Uuid, Kind, AuthorityInput)>,
    ) -> Result<()> {
        actor.require(Permission::AuthorityEdit)?;
        let mut items = items;
        for (i, (_, kind, input)) in items.iter_mut().enumerate() {
            input.normalize();
            input.validate(*kind).map_err(|e| in_row(i, e))?;
        }
        let txn = self.db.begin_write().await?;
        let rows: Vec<(Uuid, Kind, &AuthorityInput)> =
            items.iter().map(|(id, k, a)| (*id, *k, a)).collect();
        store::insert_authorities(&*txn, &rows).await?;
        let changes = rows
            .iter()
            .map(|(id, k, a)| Change::created(k.as_str(), *id, 1, a))
            .collect::<Result<Vec<_>>>()?;
        audit::record_many(&*txn, actor, changes).await?;
        txn.commit().await
    }

    /// One authority.
    pub async fn get_authority(&self, actor: &Actor, kind: Kind, id: Uuid) -> Result<Authority> {
        Self::authority_read(actor, kind)?;
        let s = store::get_authority(self.db.conn(), kind, id)
            .await?
            .ok_or(Error::NotFound { what: "authority" })?;
        self.authority(s).await
    }

    /// Replaces an authority's fields, if still at `expected_version`.
    pub async fn update_authority(
        &self,
        actor: &Actor,
        kind: Kind,
        id: Uuid,
        expected_version: i64,
        mut input: AuthorityInput,
    ) -> Result<Authority> {
        actor.require(Permission::AuthorityEdit)?;
        input.normalize();
        input.validate(kind)?;
        let txn = self.db.begin_write().await?;
        let current = store::get_authority(&*txn, kind, id)
            .await?
            .ok_or(Error::NotFound { what: "authority" })?;
        if current.version != expected_version {
            return Err(Error::VersionMismatch {
                current: current.version,
            });
        }
        self.check_parent(&*txn, kind, Some(id), &input).await?;
        let entry = Change::updated(
            kind.as_str(),
            id,
            expected_version + 1,
            Some(&current.data),
            &input,
        )?;
        if entry.is_noop() {
            drop(txn);
            return self.get_authority(actor, kind, id).await;
        }
        if !store::update_authority(&*txn, id, kind, expected_version, &input).await? {
            return Err(stale_or_missing(
                store::authority_version(&*txn, kind, id).await?,
                "authority",
            ));
        }
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await?;
        self.labels.forget(id);
        self.get_authority(actor, kind, id).await
    }

    /// Forgets the cached label of an authority another node changed (the outbox says
    /// which).
    pub fn forget_label(&self, id: Uuid) {
        self.labels.forget(id);
    }

    /// Withdraws an authority nothing live refers to.
    pub async fn delete_authority(
        &self,
        actor: &Actor,
        kind: Kind,
        id: Uuid,
        expected_version: i64,
    ) -> Result<()> {
        actor.require(Permission::AuthorityEdit)?;
        let txn = self.db.begin_write().await?;
        let current = store::get_authority(&*txn, kind, id)
            .await?
            .ok_or(Error::NotFound { what: "authority" })?;
        if store::authority_in_use(&*txn, id).await? {
            return Err(Error::Conflict {
                field: None,
                message: "records or narrower entries still refer to this entry".into(),
            });
        }
        if !store::soft_delete(&*txn, "authorities", id, expected_version).await? {
            return Err(Error::VersionMismatch {
                current: current.version,
            });
        }
        let entry = Change::deleted(kind.as_str(), id, expected_version + 1, &current.data)?;
        audit::record(&*txn, actor, entry).await?;
        txn.commit().await?;
        self.labels.forget(id);
        Ok(())
    }

    /// Entries of a kind matching a query (pickers, authority lists, the API).
    pub async fn search_authorities(
        &self,
        actor: &Actor,
        kind: Kind,
        q: &AuthorityQuery,
    ) -> Result<AuthorityPage> {
        Self::authority_read(actor, kind)?;
        if let Some(v) = &q.vocabulary {
            let mut p = Problems::default();
            crate::authority::check_vocabulary(kind, v, &mut p);
            p.finish()?;
        }
        let (rows, total, next) = store::search_authorities(self.db.conn(), kind, q).await?;
        let items = rows
            .into_iter()
            .map(|s| AuthoritySummary {
                id: s.id,
                kind: s.kind,
                vocabulary: s.data.vocabulary,
                label: s.data.label,
                parent_id: s.data.parent_id,
            })
            .collect();
        Ok(AuthorityPage {
            items,
            total,
            next_cursor: next.map(|c| c.encode()),
        })
    }

    /// An authority's history, newest first.
    pub async fn authority_history(
        &self,
        actor: &Actor,
        kind: Kind,
        id: Uuid,
    ) -> Result<Vec<HistoryEntry>> {
        actor.require(Permission::AuditRead)?;
        let h = audit::history(self.db.conn(), kind.as_str(), id, &|_| {}).await?;
        if h.is_empty() {
            return Err(Error::NotFound { what: "authority" });
        }
        Ok(h)
    }
}
