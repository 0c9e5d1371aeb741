//! Schema migrations, written once for both engines.
//!
//! Each migration is plain SQL with a few type placeholders that differ between engines:
//! `{uuid}`, `{ts}`, `{json}`, `{serial_pk}`, `{bytes}`. Applied ids are kept in `schema_migrations`;
//! each migration runs in its own transaction (DDL is transactional on both engines).

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db::Db;
use crate::error::{Error, Result};

/// One schema step. `id` is `domain/NNNN_name` and never changes once released.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    /// Stable id, e.g. `kernel/0001_init`.
    pub id: &'static str,
    /// Statements separated by `;` on their own line ends.
    pub sql: &'static str,
}

/// The kernel's own tables: accounts, tokens, audit log, outbox, jobs.
pub const KERNEL_MIGRATIONS: &[Migration] = &[
    Migration {
        id: "kernel/0001_init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        id: "kernel/0002_jobs",
        sql: include_str!("../migrations/0002_jobs.sql"),
    },
    Migration {
        id: "kernel/0003_auth_epoch",
        sql: include_str!("../migrations/0003_auth_epoch.sql"),
    },
    Migration {
        id: "kernel/0004_leader",
        sql: include_str!("../migrations/0004_leader.sql"),
    },
];

/// Expands the type placeholders for an engine.
pub fn render(sql: &str, backend: DbBackend) -> String {
    let (uuid, ts, json, serial) = match backend {
        DbBackend::Postgres => (
            "UUID",
            "TIMESTAMPTZ",
            "JSONB",
            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        ),
        _ => ("BLOB", "TEXT", "TEXT", "INTEGER PRIMARY KEY AUTOINCREMENT"),
    };
    let bytes = match backend {
        DbBackend::Postgres => "BYTEA",
        _ => "BLOB",
    };
    sql.replace("{uuid}", uuid)
        .replace("{bytes}", bytes)
        .replace("{ts}", ts)
        .replace("{json}", json)
        .replace("{serial_pk}", serial)
}

/// Applies every migration not yet applied, in order. Returns the ids it applied.
pub async fn run(db: &Db, migrations: &[Migration]) -> Result<Vec<&'static str>> {
    let backend = db.backend();
    db.conn()
        .execute_unprepared(&render(
            "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at {ts} NOT NULL)",
            backend,
        ))
        .await?;
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id FROM schema_migrations",
        ))
        .await?;
    let applied: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String>("", "id").ok())
        .collect();
    let mut done = Vec::new();
    for m in migrations {
        if applied.iter().any(|a| a == m.id) {
            continue;
        }
        let txn = db.begin_write().await?;
        for stmt in render(m.sql, backend)
            .split(";\n")
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            txn.execute_unprepared(stmt)
                .await
                .map_err(|e| Error::Internal(format!("migration {} failed: {e}\n{stmt}", m.id)))?;
        }
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "INSERT INTO schema_migrations (id, applied_at) VALUES ($1, $2)"
                }
                _ => "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
            },
            [m.id.into(), chrono::Utc::now().into()],
        ))
        .await?;
        txn.commit().await?;
        tracing::info!(migration = m.id, "applied");
        done.push(m.id);
    }
    Ok(done)
}
