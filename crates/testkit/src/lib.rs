//! Test support: the databases every store test runs on.
//!
//! SQLite always; PostgreSQL at `VITRINE_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) when reachable. Under `CI=true` an
//! unreachable PostgreSQL fails the test instead of skipping it.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Statement};

use vitrine_kernel::db::{Db, sqlite_url};
use vitrine_kernel::migrate::{self, Migration};

/// A migrated database for one test; removes its SQLite files when dropped.
pub struct TestDb {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// The handle.
    pub db: Db,
    /// The URL (to open a second handle, as a second process would).
    pub url: String,
    dir: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// The PostgreSQL server URL tests use.
pub fn pg_admin_url() -> String {
    std::env::var("VITRINE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// True when running under CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh SQLite database in a temporary directory, migrated.
pub async fn sqlite(migrations: &[&[Migration]]) -> TestDb {
    let dir = std::env::temp_dir().join(format!("vitrine-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = sqlite_url(&dir);
    let db = Db::connect(&url).await.expect("open sqlite");
    for m in migrations {
        migrate::run(&db, m).await.expect("migrate sqlite");
    }
    TestDb {
        engine: "sqlite",
        db,
        url,
        dir: Some(dir),
    }
}

/// A fresh PostgreSQL database, migrated; `None` when the server is unreachable outside CI.
pub async fn postgres(migrations: &[&[Migration]]) -> Option<TestDb> {
    let admin_url = pg_admin_url();
    let admin = match Db::connect(&admin_url).await {
        Ok(db) => db,
        Err(e) if !in_ci() => {
            eprintln!(
                "PostgreSQL not reachable at {admin_url} ({e}); PostgreSQL half of this test skipped"
            );
            return None;
        }
        Err(e) => panic!("CI=true and PostgreSQL is not reachable at {admin_url}: {e}"),
    };
    let now = chrono::Utc::now().timestamp();
    drop_stale(&admin, now).await;
    let name = format!(
        "vt_test_{now}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    admin
        .conn()
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url);
    let url = format!("{base}/{name}");
    let db = Db::connect(&url).await.expect("open test database");
    for m in migrations {
        migrate::run(&db, m).await.expect("migrate postgres");
    }
    Some(TestDb {
        engine: "postgres",
        db,
        url,
        dir: None,
    })
}

/// Both engines (PostgreSQL only when reachable, always in CI).
pub async fn all_engines(migrations: &[&[Migration]]) -> Vec<TestDb> {
    let mut v = vec![sqlite(migrations).await];
    v.extend(postgres(migrations).await);
    v
}

/// Test databases are named `vt_test_<unix secs>_...`; drop those older than two hours,
/// left by runs that were killed.
async fn drop_stale(admin: &Db, now: i64) {
    let Ok(rows) = admin
        .conn()
        .query_all_raw(Statement::from_string(
            admin.backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'vt_test_%'",
        ))
        .await
    else {
        return;
    };
    for r in rows {
        let Ok(name) = r.try_get::<String>("", "datname") else {
            continue;
        };
        let born = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(now);
        if now - born > 7200 {
            let _ = admin
                .conn()
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

/// A signed-in staff member of a role (a fresh id each time), for service tests.
pub fn as_role(role: vitrine_kernel::Role) -> vitrine_kernel::Actor {
    vitrine_kernel::Actor::User(vitrine_kernel::Principal {
        user_id: uuid::Uuid::now_v7(),
        username: role.as_str().into(),
        display_name: "t".into(),
        role,
        lang: vitrine_kernel::Lang::En,
    })
}
