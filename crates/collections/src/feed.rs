//! What indexers (search, later Linked Art and OAI-PMH) read: whole records with their
//! confidential part, and every authority, outside any caller's view. Only the system
//! actor may read them; each indexer builds its own projections from them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vitrine_kernel::{Actor, Error, LangText, Result};

use crate::authority::Kind;
use crate::model::ObjectInput;
use crate::service::Collections;
use crate::store;

/// A live catalogue record, complete.
#[derive(Clone, Debug)]
pub struct FeedObject {
    /// Record id.
    pub id: Uuid,
    /// Version.
    pub version: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Every field, confidential ones included.
    pub data: ObjectInput,
}

/// An authority as an indexer needs it: its names in every form.
#[derive(Clone, Debug)]
pub struct FeedAuthority {
    /// Kind.
    pub kind: Kind,
    /// Vocabulary or type.
    pub vocabulary: String,
    /// Preferred label.
    pub label: LangText,
    /// Other names and spellings.
    pub variants: Vec<String>,
    /// Broader entry.
    pub parent_id: Option<Uuid>,
}

fn system_only(actor: &Actor) -> Result<()> {
    match actor {
        Actor::System(_) => Ok(()),
        _ => Err(Error::Forbidden(
            "only the system reads the index feed".into(),
        )),
    }
}

impl Collections {
    /// The live records among `ids`; an id missing from the answer was deleted or never was.
    pub async fn feed_objects(&self, actor: &Actor, ids: &[Uuid]) -> Result<Vec<FeedObject>> {
        system_only(actor)?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            out.extend(
                store::live_objects(self.db().conn(), chunk, true)
                    .await?
                    .into_iter()
                    .map(feed),
            );
        }
        Ok(out)
    }

    /// Live records in id order after `after`, `limit` at a time (full rebuilds).
    pub async fn feed_scan(
        &self,
        actor: &Actor,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<FeedObject>> {
        system_only(actor)?;
        Ok(store::scan_objects(self.db().conn(), after, limit)
            .await?
            .into_iter()
            .map(feed)
            .collect())
    }

    /// How many live records there are (progress of a rebuild).
    pub async fn feed_count(&self, actor: &Actor) -> Result<u64> {
        system_only(actor)?;
        store::count_live_objects(self.db().conn()).await
    }

    /// Every live authority by id.
    pub async fn feed_authorities(&self, actor: &Actor) -> Result<HashMap<Uuid, FeedAuthority>> {
        system_only(actor)?;
        Ok(store::all_authorities(self.db().conn())
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    FeedAuthority {
                        kind: a.kind,
                        vocabulary: a.data.vocabulary,
                        label: a.data.label,
                        variants: a.data.variants,
                        parent_id: a.data.parent_id,
                    },
                )
            })
            .collect())
    }
}

fn feed(s: store::StoredObject) -> FeedObject {
    FeedObject {
        id: s.id,
        version: s.version,
        updated_at: s.updated_at,
        data: s.data,
    }
}
