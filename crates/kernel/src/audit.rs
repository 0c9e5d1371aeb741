//! The record of every change. `record` writes, inside the caller's transaction, an
//! append-only audit row (who, when, what, before/after) and an outbox event, so a change
//! is never stored without both. Nothing in Vitrine updates or deletes audit rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::auth::Actor;
use crate::entities::{audit_log, outbox};
use crate::error::Result;
use crate::ids::new_id;

/// What happened to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// First version.
    Created,
    /// A later version.
    Updated,
    /// Withdrawn (soft delete).
    Deleted,
}

impl Action {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Deleted => "deleted",
        }
    }
}

/// One change to one record.
pub struct Change {
    /// Kind of record (`object`, `person`, `place`, `term`).
    pub entity_type: &'static str,
    /// The record.
    pub entity_id: Uuid,
    /// What happened.
    pub action: Action,
    /// The record's version after the change.
    pub version: i64,
    /// The stored representation before (None on create).
    pub before: Option<Value>,
    /// The stored representation after (None on delete).
    pub after: Option<Value>,
}

impl Change {
    /// The change of one record, its before and after serialised as stored. Fails (rather
    /// than recording an empty value) when a representation cannot be serialised.
    pub fn new(
        entity_type: &'static str,
        entity_id: Uuid,
        action: Action,
        version: i64,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> Result<Change> {
        Ok(Change {
            entity_type,
            entity_id,
            action,
            version,
            before: before.map(serde_json::to_value).transpose()?,
            after: after.map(serde_json::to_value).transpose()?,
        })
    }

    /// A record's first version.
    pub fn created(
        entity_type: &'static str,
        entity_id: Uuid,
        version: i64,
        after: &impl Serialize,
    ) -> Result<Change> {
        Change::new(
            entity_type,
            entity_id,
            Action::Created,
            version,
            None::<&Value>,
            Some(after),
        )
    }

    /// A later version of a record; `before` is `None` when only the new part is recorded.
    pub fn updated(
        entity_type: &'static str,
        entity_id: Uuid,
        version: i64,
        before: Option<&impl Serialize>,
        after: &impl Serialize,
    ) -> Result<Change> {
        Change::new(
            entity_type,
            entity_id,
            Action::Updated,
            version,
            before,
            Some(after),
        )
    }

    /// True for an update that leaves the stored representation as it was: the caller
    /// writes nothing (no version, no audit row, no event) and answers with the record.
    pub fn is_noop(&self) -> bool {
        self.action == Action::Updated && self.before.is_some() && self.before == self.after
    }

    /// A record withdrawn or removed.
    pub fn deleted(
        entity_type: &'static str,
        entity_id: Uuid,
        version: i64,
        before: &impl Serialize,
    ) -> Result<Change> {
        Change::new(
            entity_type,
            entity_id,
            Action::Deleted,
            version,
            Some(before),
            None::<&Value>,
        )
    }
}

/// Writes the audit row and the outbox event for a change, in the caller's transaction.
pub async fn record(txn: &impl ConnectionTrait, actor: &Actor, change: Change) -> Result<()> {
    record_many(txn, actor, vec![change]).await
}

/// Writes audit rows and outbox events for many changes (bulk imports), a few hundred
/// rows per statement.
pub async fn record_many(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    changes: Vec<Change>,
) -> Result<()> {
    let now = Utc::now();
    let (actor_id, actor_name) = (actor.user_id(), actor.name());
    let mut audits = Vec::with_capacity(changes.len());
    let mut events = Vec::with_capacity(changes.len());
    for c in changes {
        events.push(outbox::ActiveModel {
            at: Set(now),
            topic: Set(format!("{}.{}", c.entity_type, c.action.as_str())),
            entity_type: Set(c.entity_type.to_owned()),
            entity_id: Set(Some(c.entity_id)),
            payload: Set(json!({"id": c.entity_id, "version": c.version, "actor": actor_name})),
            ..Default::default()
        });
        audits.push(audit_log::ActiveModel {
            id: Set(new_id()),
            at: Set(now),
            actor_id: Set(actor_id),
            actor_name: Set(actor_name.clone()),
            entity_type: Set(c.entity_type.to_owned()),
            entity_id: Set(c.entity_id),
            action: Set(c.action.as_str().to_owned()),
            version: Set(c.version),
            before_data: Set(c.before),
            after_data: Set(c.after),
        });
    }
    let mut events = events.into_iter().peekable();
    let mut audits = audits.into_iter().peekable();
    while audits.peek().is_some() {
        audit_log::Entity::insert_many(audits.by_ref().take(300))
            .exec_without_returning(txn)
            .await?;
    }
    while events.peek().is_some() {
        outbox::Entity::insert_many(events.by_ref().take(300))
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Writes an outbox event alone (for changes that are audited elsewhere, such as a
/// bulk import announced once).
pub async fn publish(
    txn: &impl ConnectionTrait,
    topic: &str,
    entity_type: &str,
    entity_id: Option<Uuid>,
    payload: Value,
) -> Result<()> {
    outbox::Entity::insert(outbox::ActiveModel {
        at: Set(Utc::now()),
        topic: Set(topic.to_owned()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        payload: Set(payload),
        ..Default::default()
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// One field that changed: its dotted path and the values on each side.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// Dotted path, e.g. `title.en`.
    pub field: String,
    /// Value before (null when added).
    pub before: Value,
    /// Value after (null when removed).
    pub after: Value,
}

/// One entry of a record's history.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Audit row id.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user name, or `system (...)`).
    pub actor: String,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    /// The record's version after this change.
    pub version: i64,
    /// What changed, field by field.
    pub changes: Vec<FieldChange>,
}

/// A record's history, newest first. `redact` removes from each stored representation
/// what this caller may not see, before the diff is made.
pub async fn history(
    conn: &impl ConnectionTrait,
    entity_type: &str,
    entity_id: Uuid,
    redact: &(dyn Fn(&mut Value) + Sync),
) -> Result<Vec<HistoryEntry>> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::EntityType.eq(entity_type))
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| entry(r, redact)).collect())
}

/// A recent change anywhere, for dashboards.
#[derive(Clone, Debug, Serialize)]
pub struct RecentChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Kind of record.
    pub entity_type: String,
    /// The record.
    pub entity_id: Uuid,
    /// What happened.
    pub action: String,
}

/// The latest changes of the given kinds of record, newest first.
pub async fn recent(
    conn: &impl ConnectionTrait,
    entity_types: &[&str],
    limit: u64,
) -> Result<Vec<RecentChange>> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::EntityType.is_in(entity_types.iter().copied()))
        .order_by_desc(audit_log::Column::At)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| RecentChange {
            at: r.at,
            actor: r.actor_name,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            action: r.action,
        })
        .collect())
}

fn entry(r: audit_log::Model, redact: &(dyn Fn(&mut Value) + Sync)) -> HistoryEntry {
    let mut before = r.before_data.unwrap_or(Value::Null);
    let mut after = r.after_data.unwrap_or(Value::Null);
    redact(&mut before);
    redact(&mut after);
    HistoryEntry {
        id: r.id,
        at: r.at,
        actor: r.actor_name,
        action: r.action,
        version: r.version,
        changes: diff(&before, &after),
    }
}

/// The fields that differ between two JSON documents, objects flattened to dotted paths
/// (arrays compare whole: a list of materials is one field to a reader).
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    let empty = Map::new();
    match (a, b) {
        (Value::Object(_), _) | (_, Value::Object(_)) if is_obj_or_null(a) && is_obj_or_null(b) => {
            let (ma, mb) = (
                a.as_object().unwrap_or(&empty),
                b.as_object().unwrap_or(&empty),
            );
            let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(
                    &p,
                    ma.get(k).unwrap_or(&Value::Null),
                    mb.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a != b => out.push(FieldChange {
            field: path.to_owned(),
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}

fn is_obj_or_null(v: &Value) -> bool {
    v.is_object() || v.is_null()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_flattens_objects_and_keeps_arrays_whole() {
        let a = json!({"title": {"en": "Vase", "zh-Hans": "瓶"}, "materials": [1, 2], "n": 1});
        let b = json!({"title": {"en": "Jar", "zh-Hans": "瓶"}, "materials": [1, 3], "n": 1, "new": true});
        let fields: Vec<_> = diff(&a, &b).into_iter().map(|c| c.field).collect();
        assert_eq!(fields, ["materials", "new", "title.en"]);
    }

    #[test]
    fn diff_of_creation_lists_every_field() {
        let b = json!({"title": {"en": "Vase"}, "public": true});
        let changes = diff(&Value::Null, &b);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.before.is_null()));
    }
}
