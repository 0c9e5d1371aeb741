//! Leader leases on both engines: one holder at a time, taken over when not renewed or
//! given up, and the work running only while the lease is held.

use std::time::Duration;

use vitrine_kernel::Db;
use vitrine_kernel::leader::{DEFAULT_TTL, Leader};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;

async fn engines() -> Vec<vitrine_testkit::TestDb> {
    vitrine_testkit::all_engines(&[KERNEL_MIGRATIONS]).await
}

#[tokio::test]
async fn only_one_of_two_nodes_holds_a_lease() {
    for t in engines().await {
        let other = Db::connect(&t.url).await.unwrap();
        let a = Leader::new(t.db.clone(), "control", "a", DEFAULT_TTL);
        let b = Leader::new(other, "control", "b", DEFAULT_TTL);
        assert!(a.try_hold().await.unwrap(), "{}", t.engine);
        assert!(!b.try_hold().await.unwrap(), "{}", t.engine);
        assert!(
            a.try_hold().await.unwrap(),
            "{}: the holder renews",
            t.engine
        );
    }
}

#[tokio::test]
async fn a_lease_not_renewed_passes_to_another_node() {
    for t in engines().await {
        let a = Leader::new(t.db.clone(), "control", "a", Duration::from_millis(100));
        let b = Leader::new(t.db.clone(), "control", "b", Duration::from_millis(100));
        assert!(a.try_hold().await.unwrap());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(b.try_hold().await.unwrap(), "{}", t.engine);
        assert!(!a.try_hold().await.unwrap(), "{}", t.engine);
    }
}

#[tokio::test]
async fn a_released_lease_is_taken_at_once() {
    for t in engines().await {
        let a = Leader::new(t.db.clone(), "mqtt", "a", DEFAULT_TTL);
        let b = Leader::new(t.db.clone(), "mqtt", "b", DEFAULT_TTL);
        assert!(a.try_hold().await.unwrap());
        a.release().await.unwrap();
        assert!(b.try_hold().await.unwrap(), "{}", t.engine);
    }
}

#[tokio::test]
async fn the_work_runs_only_while_the_lease_is_held() {
    for t in engines().await {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let r = ran.clone();
        let a = Leader::new(t.db.clone(), "rules", "a", Duration::from_millis(300));
        let task = a.spawn_while_leader(move || {
            let r = r.clone();
            tokio::spawn(async move {
                loop {
                    r.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            ran.load(std::sync::atomic::Ordering::Relaxed) > 0,
            "{}",
            t.engine
        );
        task.abort();
        let _ = task.await;
        let stopped = ran.load(std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            ran.load(std::sync::atomic::Ordering::Relaxed),
            stopped,
            "{}: stopping the lease task stops the work",
            t.engine
        );
    }
}
