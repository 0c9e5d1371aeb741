//! The outbox as ordered readers see it on PostgreSQL, where a position is taken at
//! insert and seen at commit (SQLite has one writer: no holes).

use std::time::Duration;

use serde_json::json;
use vitrine_kernel::db::WriteTxn;
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Db, audit, outbox};
use vitrine_testkit::TestDb;

async fn announce(db: &Db) -> WriteTxn {
    let w = db.begin_write().await.unwrap();
    audit::publish(&*w, "object.updated", "object", None, json!({}))
        .await
        .unwrap();
    w
}

/// A hole: a slow writer holds position `before + 1` uncommitted while another commits
/// `before + 2`. Returns `before` and the slow writer's transaction.
async fn hole(t: &TestDb) -> (i64, WriteTxn) {
    let other = Db::connect(&t.url).await.unwrap();
    let before = outbox::last_seq(t.db.conn()).await.unwrap();
    let slow = announce(&t.db).await;
    announce(&other).await.commit().await.unwrap();
    (before, slow)
}

async fn reach(t: &TestDb, after: i64, patience: Duration) -> i64 {
    outbox::horizon(t.db.conn(), after, patience).await.unwrap()
}

#[tokio::test]
async fn an_event_committed_after_a_later_one_is_not_skipped() {
    let Some(t) = vitrine_testkit::postgres(&[KERNEL_MIGRATIONS]).await else {
        return;
    };
    let (before, slow) = hole(&t).await;
    let patience = Duration::from_secs(30);
    assert_eq!(
        reach(&t, before, patience).await,
        before,
        "read past a hole"
    );
    slow.commit().await.unwrap();
    assert_eq!(reach(&t, before, patience).await, before + 2);
}

#[tokio::test]
async fn a_hole_older_than_the_patience_is_a_rolled_back_write_and_passed() {
    let Some(t) = vitrine_testkit::postgres(&[KERNEL_MIGRATIONS]).await else {
        return;
    };
    let (before, slow) = hole(&t).await;
    drop(slow);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        reach(&t, before, Duration::from_millis(10)).await,
        before + 2
    );
}
