//! Saved searches: a staff member names a search (its query and filters) to run it again
//! from the search page. Each person sees and deletes only their own.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::audit::{self, Change};
use vitrine_kernel::migrate::Migration;
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::request::SearchRequest;
use crate::service::Search;

/// This domain's schema steps.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "search/0001_saved_searches",
    sql: include_str!("../migrations/0001_saved_searches.sql"),
}];

/// Most saved searches per person.
const MAX_PER_USER: u64 = 100;
/// The audit log's name of a saved search.
const SAVED: &str = "saved_search";

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "saved_searches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub name: String,
        pub query: String,
        pub created_at: ChronoDateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A saved search.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SavedSearch {
    /// Id.
    pub id: Uuid,
    /// The name its owner gave it.
    pub name: String,
    /// Query parameters (`q=...&department=...`) for the search API or page.
    pub query: String,
    /// When saved.
    pub created_at: DateTime<Utc>,
}

fn owner(actor: &Actor) -> Result<Uuid> {
    actor.require(Permission::CatalogueRead)?;
    actor.user_id().ok_or(Error::Unauthenticated)
}

fn saved(m: entity::Model) -> SavedSearch {
    SavedSearch {
        id: m.id,
        name: m.name,
        query: m.query,
        created_at: m.created_at,
    }
}

impl Search {
    /// The caller's saved searches, newest first.
    pub async fn saved_searches(&self, actor: &Actor) -> Result<Vec<SavedSearch>> {
        let user = owner(actor)?;
        Ok(entity::Entity::find()
            .filter(entity::Column::UserId.eq(user))
            .order_by_desc(entity::Column::CreatedAt)
            .all(self.inner.collections.db().conn())
            .await?
            .into_iter()
            .map(saved)
            .collect())
    }

    /// Saves a search under a name.
    pub async fn save_search(
        &self,
        actor: &Actor,
        name: &str,
        req: &SearchRequest,
    ) -> Result<SavedSearch> {
        let user = owner(actor)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "invalid_name",
                "a name of 1 to 100 characters",
            ));
        }
        let query = serde_urlencoded::to_string(req.to_pairs())
            .map_err(|e| Error::Internal(e.to_string()))?;
        let db = self.inner.collections.db();
        let count = entity::Entity::find()
            .filter(entity::Column::UserId.eq(user))
            .count(db.conn())
            .await?;
        if count >= MAX_PER_USER {
            return Err(Error::Conflict {
                field: Some("name".into()),
                message: format!("at most {MAX_PER_USER} saved searches each; delete one first"),
            });
        }
        let row = entity::Model {
            id: vitrine_kernel::ids::new_id(),
            user_id: user,
            name: name.to_owned(),
            query,
            created_at: Utc::now(),
        };
        let txn = db.begin_write().await?;
        entity::Entity::insert(entity::ActiveModel {
            id: Set(row.id),
            user_id: Set(row.user_id),
            name: Set(row.name.clone()),
            query: Set(row.query.clone()),
            created_at: Set(row.created_at),
        })
        .exec_without_returning(&*txn)
        .await?;
        let after = json!({"name": row.name, "query": row.query});
        audit::record(&*txn, actor, Change::created(SAVED, row.id, 1, &after)?).await?;
        txn.commit().await?;
        Ok(saved(row))
    }

    /// Deletes one of the caller's saved searches.
    pub async fn delete_saved_search(&self, actor: &Actor, id: Uuid) -> Result<()> {
        let user = owner(actor)?;
        let db = self.inner.collections.db();
        let txn = db.begin_write().await?;
        let Some(row) = entity::Entity::find_by_id(id)
            .filter(entity::Column::UserId.eq(user))
            .one(&*txn)
            .await?
        else {
            return Err(Error::NotFound {
                what: "saved search",
            });
        };
        entity::Entity::delete_by_id(id).exec(&*txn).await?;
        let before = json!({"name": row.name, "query": row.query});
        audit::record(&*txn, actor, Change::deleted(SAVED, id, 1, &before)?).await?;
        txn.commit().await?;
        Ok(())
    }
}
