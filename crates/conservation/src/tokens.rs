//! Gateway ingest tokens: made with a secret shown once, stored as its hash, revoked.

use uuid::Uuid;
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::model::IngestToken;
use crate::service::{Conservation, hash_token};
use crate::store;

impl Conservation {
    /// Makes a gateway token; returns it with its secret (shown once).
    pub async fn create_ingest_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(IngestToken, String)> {
        actor.require(Permission::EnvironmentEdit)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "invalid_name", "1–100 characters"));
        }
        let mut bytes = [0u8; 24];
        rand::fill(&mut bytes);
        let secret = format!("vti_{}", hex::encode(bytes));
        let id = Uuid::now_v7();
        let txn = self.db.begin_write().await?;
        store::insert_ingest_token(&*txn, id, name, &hash_token(&secret), &actor.name()).await?;
        txn.commit().await?;
        let token = store::ingest_tokens(self.db.conn())
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| Error::Internal("token vanished".into()))?;
        Ok((token, secret))
    }

    /// Gateway tokens.
    pub async fn ingest_tokens(&self, actor: &Actor) -> Result<Vec<IngestToken>> {
        actor.require(Permission::EnvironmentEdit)?;
        store::ingest_tokens(self.db.conn()).await
    }

    /// Revokes a gateway token.
    pub async fn revoke_ingest_token(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::EnvironmentEdit)?;
        let txn = self.db.begin_write().await?;
        if !store::revoke_ingest_token(&*txn, id).await? {
            return Err(Error::NotFound {
                what: "ingest token",
            });
        }
        txn.commit().await
    }
}
