//! One node at a time: work that must not run twice across the nodes on one database
//! (control rules acting on actuators, the MQTT subscription) runs on the node holding a
//! named lease. The holder renews it every third of its length; when it dies or loses
//! the database, another node takes the lease once it has run out and starts the work.

use std::time::Duration;

use sea_orm::ConnectionTrait;

use crate::sql::stmt;
use crate::{Db, Result};

/// How long a lease lasts unless renewed.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);

/// A named lease this node competes for.
#[derive(Clone)]
pub struct Leader {
    db: Db,
    name: String,
    holder: String,
    ttl: Duration,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Leader {
    /// Competes for `name` as `node` (made unique per process, so two processes given the
    /// same node name still never both hold it).
    pub fn new(db: Db, name: &str, node: &str, ttl: Duration) -> Self {
        let tail = uuid::Uuid::now_v7().simple().to_string();
        Leader {
            db,
            name: name.to_owned(),
            holder: format!("{node}/{}", tail.get(20..).unwrap_or("0")),
            ttl,
        }
    }

    /// Who this process is in `leader_leases.holder`.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes or renews the lease; true while this process holds it.
    pub async fn try_hold(&self) -> Result<bool> {
        let now = now_ms();
        let until = now + self.ttl.as_millis() as i64;
        let c = self.db.conn();
        let b = c.get_database_backend();
        let _turn = self.db.write_turn().await;
        let r = c
            .execute_raw(stmt(
                b,
                "UPDATE leader_leases SET holder = ?, until_ms = ? WHERE name = ? AND (holder = ? OR until_ms < ?)",
                vec![
                    self.holder.clone().into(),
                    until.into(),
                    self.name.clone().into(),
                    self.holder.clone().into(),
                    now.into(),
                ],
            ))
            .await?;
        if r.rows_affected() == 1 {
            return Ok(true);
        }
        let r = c
            .execute_raw(stmt(
                b,
                "INSERT INTO leader_leases (name, holder, until_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                vec![self.name.clone().into(), self.holder.clone().into(), until.into()],
            ))
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives the lease up now (a clean shutdown), so another node need not wait it out.
    pub async fn release(&self) -> Result<()> {
        let c = self.db.conn();
        let _turn = self.db.write_turn().await;
        c.execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE leader_leases SET until_ms = 0 WHERE name = ? AND holder = ?",
            vec![self.name.clone().into(), self.holder.clone().into()],
        ))
        .await?;
        Ok(())
    }

    /// Runs the task `start` makes while this process holds the lease: started when the
    /// lease is won, stopped when it is lost (or, when the database cannot be reached,
    /// before the lease could have run out). Stopping the returned task stops the work.
    pub fn spawn_while_leader<F>(self, start: F) -> tokio::task::JoinHandle<()>
    where
        F: Fn() -> tokio::task::JoinHandle<()> + Send + 'static,
    {
        tokio::spawn(async move {
            let mut work = Work(None);
            let mut held_until: Option<tokio::time::Instant> = None;
            let renew = self.ttl / 3;
            loop {
                let asked = tokio::time::Instant::now();
                match self.try_hold().await {
                    Ok(true) => held_until = Some(asked + self.ttl),
                    Ok(false) => held_until = None,
                    Err(e) => {
                        tracing::warn!(lease = %self.name, error = %e, "cannot renew the lease")
                    }
                }
                // Keep a margin: stop a third of a lease before it could be taken over.
                let holds = held_until.is_some_and(|t| tokio::time::Instant::now() + renew < t);
                match (&work.0, holds) {
                    (None, true) => {
                        tracing::info!(lease = %self.name, holder = %self.holder, "this node leads");
                        work.0 = Some(start());
                    }
                    (Some(_), false) => {
                        tracing::info!(lease = %self.name, "this node no longer leads");
                        work.stop();
                    }
                    _ => {}
                }
                tokio::time::sleep(renew).await;
            }
        })
    }
}

/// The work running under a lease; stopped when the lease task is.
struct Work(Option<tokio::task::JoinHandle<()>>);

impl Work {
    fn stop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        self.stop();
    }
}
