//! The database handle: SQLite (embedded default) or PostgreSQL, chosen by URL, behind
//! one sea-orm connection so every store has a single code path.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};

/// A connection pool plus what the stores need to know about the engine.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite allows one writer at a time. Taking this lock before `BEGIN` queues our own
    /// writers instead of letting a deferred transaction fail with SQLITE_BUSY when it
    /// upgrades from read to write. PostgreSQL needs no such lock.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// The SQLite URL for a data directory (`DATA/vitrine.db`, created when missing).
pub fn sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("vitrine.db").display()
    )
}

impl Db {
    /// Opens a pool. `sqlite://...` gets WAL, foreign keys, a busy timeout and
    /// `synchronous=NORMAL` (durable in WAL mode); `postgres://...` gets a larger pool.
    pub async fn connect(url: &str) -> Result<Db> {
        let backend = if url.starts_with("sqlite:") {
            DbBackend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbBackend::Postgres
        } else {
            return Err(Error::BadRequest(format!(
                "unsupported database URL `{url}`: use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        let mut opt = ConnectOptions::new(url.to_owned());
        opt.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10));
        match backend {
            DbBackend::Sqlite => {
                let cores = std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2) as u32;
                opt.max_connections((cores * 4).max(8)).min_connections(1);
                opt.map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(10))
                        .synchronous(SqliteSynchronous::Normal)
                        .create_if_missing(true)
                });
            }
            _ => {
                opt.max_connections(32).min_connections(2);
            }
        }
        let conn = Database::connect(opt)
            .await
            .map_err(|e| Error::Internal(format!("cannot open database {}: {e}", redact(url))))?;
        let write_lock = (backend == DbBackend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db { conn, write_lock })
    }

    /// The pool, for reads.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Which engine this is.
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction (queued behind other writers on SQLite).
    pub async fn begin_write(&self) -> Result<WriteTxn> {
        let guard = self.write_turn().await;
        let txn = self.conn.begin().await?;
        Ok(WriteTxn { txn, _guard: guard })
    }

    /// The writer's turn for one statement outside a transaction: on SQLite it queues
    /// behind our other writers (as [`Db::begin_write`] does); on PostgreSQL there is no
    /// turn to wait for, and a lone statement commits by itself, saving the BEGIN and
    /// COMMIT round trips. Hold the guard while the statement runs on [`Db::conn`].
    pub async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        }
    }

    /// Refreshes the query planners' statistics; run after bulk imports so both engines
    /// choose the indexes the data calls for. On PostgreSQL this also vacuums, which sets
    /// the visibility map that index-only scans need (autovacuum would, but later).
    pub async fn analyze(&self) -> Result<()> {
        use sea_orm::ConnectionTrait;
        let sql = match self.backend() {
            DbBackend::Postgres => "VACUUM (ANALYZE)",
            _ => "ANALYZE",
        };
        self.conn.execute_unprepared(sql).await?;
        Ok(())
    }

    /// Closes the pool (checkpointing SQLite's WAL).
    pub async fn close(self) -> Result<()> {
        self.conn.close().await?;
        Ok(())
    }
}

/// A write transaction; dropping it without `commit` rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    /// Commits every statement at once.
    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Hides a password in a URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// True when a database error is a unique-constraint violation (both engines).
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_password_only() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
