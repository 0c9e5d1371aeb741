//! Caches on this node follow changes made on the others, read from the outbox: an
//! authority that changed has its label forgotten, and a sensor that changed (edited,
//! placed, calibrated, registered by a reading) has the registry read again. Accounts and
//! tokens follow the auth epoch instead (`Accounts::spawn_epoch_watch`).

use std::time::Duration;

use vitrine_collections::Collections;
use vitrine_conservation::Conservation;
use vitrine_kernel::outbox::{self, Selection};
use vitrine_kernel::{Db, Result};

/// How often the outbox is read.
const POLL: Duration = Duration::from_millis(250);

/// Outbox entity types whose changes empty a cache.
const LABELLED: [&str; 4] = ["agent", "place", "term", "location"];

/// Follows the outbox from its newest event on.
pub fn spawn_follower(
    db: Db,
    collections: Collections,
    conservation: Conservation,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut after = match outbox::last_seq(db.conn()).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "caches: cannot read the outbox; not following it");
                return;
            }
        };
        let mut failures = 0u32;
        loop {
            tokio::time::sleep(POLL).await;
            match follow(&db, &collections, &conservation, after).await {
                Ok(next) => {
                    after = next;
                    failures = 0;
                }
                Err(e) => {
                    failures += 1;
                    if failures.is_power_of_two() {
                        tracing::warn!(error = %e, "caches: cannot follow the outbox");
                    }
                }
            }
        }
    })
}

/// Applies the changes after `after`; returns the position read up to.
async fn follow(
    db: &Db,
    collections: &Collections,
    conservation: &Conservation,
    after: i64,
) -> Result<i64> {
    let c = db.conn();
    let until = outbox::horizon(c, after, vitrine_bus::events::GAP_PATIENCE).await?;
    let mut entity_types: Vec<String> = LABELLED.iter().map(|s| (*s).to_owned()).collect();
    entity_types.push("sensor".into());
    let sel = Selection {
        entity_types,
        until: Some(until),
        ..Selection::default()
    };
    let events = outbox::select(c, after, &sel, 1_000).await?;
    let mut sensors = false;
    for e in &events {
        if e.entity_type == "sensor" {
            sensors = true;
        } else if let Some(id) = e.entity_id {
            collections.forget_label(id);
        }
    }
    if sensors {
        conservation.reload().await?;
    }
    // Read up to the horizon even when nothing in it concerned a cache.
    Ok(if events.len() == 1_000 {
        events.last().map_or(until, |e| e.seq)
    } else {
        until
    })
}
