//! Fixity: every master checked against the SHA-256 it was stored under.

use vitrine_kernel::{Actor, Permission, Result};

use crate::store::{self};

use crate::intake::checksum;
use crate::service::*;

impl Media {
    /// Checks every master against its SHA-256; `progress(done, total)` after each.
    pub async fn verify(
        &self,
        actor: &Actor,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Vec<FixityProblem>> {
        actor.require(Permission::SystemManage)?;
        let list = store::fixity_list(self.inner.db.conn()).await?;
        let total = list.len() as u64;
        let mut problems = Vec::new();
        for (i, (id, identifier, rel, sha)) in list.into_iter().enumerate() {
            let path = self.inner.root.join(&rel);
            let found = blocking(move || Ok(checksum(&path))).await?;
            let problem = match found {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("missing"),
                Err(_) => Some("unreadable"),
                Ok((s, _)) if s != sha => Some("changed"),
                Ok(_) => None,
            };
            if let Some(p) = problem {
                problems.push(FixityProblem {
                    id,
                    identifier,
                    problem: p.into(),
                    path: format!("media/{rel}"),
                });
            }
            progress(i as u64 + 1, total);
        }
        Ok(problems)
    }
}
