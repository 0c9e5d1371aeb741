//! The webhook tables in SQL (hand-written, as the jobs tables: leases and cursors are
//! conditional updates).

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;
use vitrine_kernel::Result;
use vitrine_kernel::sql::{fetch_all, fetch_one, stmt};
use vitrine_kernel::time::ms_time;

use super::model::{Delivery, DeliveryState, Webhook};

const COLUMNS: &str = "id, url, events, secret, previous_secret, previous_until, enabled, \
    disabled_reason, created_by_name, created_at, cursor, retry_at, head_attempts, head_since, \
    dead_in_a_row, lease_owner, lease_until";

/// A row of `webhooks`.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Row {
    pub id: Uuid,
    pub url: String,
    pub events: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_by_name: String,
    pub created_at: i64,
    pub cursor: i64,
    pub retry_at: Option<i64>,
    pub head_attempts: i32,
    pub head_since: Option<i64>,
    pub dead_in_a_row: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
}

impl Row {
    pub fn events(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }

    pub fn webhook(&self) -> Webhook {
        Webhook {
            id: self.id,
            url: self.url.clone(),
            events: self.events(),
            enabled: self.enabled,
            disabled_reason: self.disabled_reason.clone(),
            created_by_name: self.created_by_name.clone(),
            created_at: ms_time(self.created_at),
            cursor: self.cursor,
            head_attempts: self.head_attempts,
            retry_at: self.retry_at.map(ms_time),
            previous_secret_until: self.previous_until.map(ms_time),
        }
    }

    /// The secrets deliveries are signed with now.
    pub fn secrets(&self, now: i64) -> Vec<&str> {
        let mut v = vec![self.secret.as_str()];
        if let (Some(p), Some(until)) = (&self.previous_secret, self.previous_until)
            && until > now
        {
            v.push(p);
        }
        v
    }
}

/// A new subscription.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert(
    c: &impl ConnectionTrait,
    id: Uuid,
    url: &str,
    events: &[String],
    secret: &str,
    created_by: Option<Uuid>,
    created_by_name: &str,
    now: i64,
    cursor: i64,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO webhooks (id, url, events, secret, enabled, created_by, created_by_name, \
         created_at, cursor, head_attempts, dead_in_a_row) VALUES (?, ?, ?, ?, TRUE, ?, ?, ?, ?, 0, 0)",
        vec![
            id.into(),
            url.into(),
            serde_json::to_string(events).unwrap_or_default().into(),
            secret.into(),
            created_by.into(),
            created_by_name.into(),
            now.into(),
            cursor.into(),
        ],
    ))
    .await?;
    Ok(())
}

pub(crate) async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Row>> {
    Ok(fetch_one(
        c,
        &format!("SELECT {COLUMNS} FROM webhooks WHERE id = ?"),
        vec![id.into()],
    )
    .await?)
}

pub(crate) async fn list(c: &impl ConnectionTrait) -> Result<Vec<Row>> {
    Ok(fetch_all(
        c,
        &format!("SELECT {COLUMNS} FROM webhooks ORDER BY created_at"),
        vec![],
    )
    .await?)
}

pub(crate) async fn delete(c: &impl ConnectionTrait, id: Uuid) -> Result<bool> {
    let b = c.get_database_backend();
    c.execute_raw(stmt(
        b,
        "DELETE FROM webhook_deliveries WHERE webhook_id = ?",
        vec![id.into()],
    ))
    .await?;
    let r = c
        .execute_raw(stmt(
            b,
            "DELETE FROM webhooks WHERE id = ?",
            vec![id.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A new secret; the old one stays valid until `until`.
pub(crate) async fn rotate(
    c: &impl ConnectionTrait,
    id: Uuid,
    secret: &str,
    until: i64,
) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE webhooks SET previous_secret = secret, previous_until = ?, secret = ? WHERE id = ?",
            vec![until.into(), secret.into(), id.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Turns a subscription on (clearing its wait) or off with a reason.
pub(crate) async fn set_enabled(
    c: &impl ConnectionTrait,
    id: Uuid,
    on: bool,
    reason: Option<&str>,
) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE webhooks SET enabled = ?, disabled_reason = ?, retry_at = NULL, dead_in_a_row = 0 WHERE id = ?",
            vec![on.into(), reason.map(str::to_owned).into(), id.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes the delivery lease of a subscription for `owner` until `until` (or extends it).
pub(crate) async fn lease(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE webhooks SET lease_owner = ?, lease_until = ? WHERE id = ? AND enabled = TRUE \
             AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)",
            vec![
                owner.into(),
                until.into(),
                id.into(),
                now.into(),
                owner.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// After an attempt: where the cursor now stands and what waits.
pub(crate) struct Progress {
    pub cursor: i64,
    pub retry_at: Option<i64>,
    pub head_attempts: i32,
    pub head_since: Option<i64>,
    pub dead_in_a_row: i32,
}

/// Stores the progress, fenced by the lease.
pub(crate) async fn advance(
    c: &impl ConnectionTrait,
    id: Uuid,
    owner: &str,
    p: &Progress,
) -> Result<bool> {
    let r = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE webhooks SET cursor = ?, retry_at = ?, head_attempts = ?, head_since = ?, dead_in_a_row = ? \
             WHERE id = ? AND lease_owner = ?",
            vec![
                p.cursor.into(),
                p.retry_at.into(),
                p.head_attempts.into(),
                p.head_since.into(),
                p.dead_in_a_row.into(),
                id.into(),
                owner.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A delivery to record.
pub(crate) struct NewDelivery {
    pub webhook_id: Uuid,
    pub event_seq: i64,
    pub event_type: String,
    pub msg_id: String,
    pub attempt: i32,
    pub state: DeliveryState,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub response: Option<String>,
    pub error: Option<String>,
    pub at: i64,
}

/// Records attempts, in one statement (a batch of deliveries is one write).
pub(crate) async fn record(c: &impl ConnectionTrait, ds: Vec<NewDelivery>) -> Result<()> {
    if ds.is_empty() {
        return Ok(());
    }
    let mut values: Vec<Value> = Vec::with_capacity(ds.len() * 11);
    let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; ds.len()].join(", ");
    for d in ds {
        values.extend([
            d.webhook_id.into(),
            d.event_seq.into(),
            d.event_type.into(),
            d.msg_id.into(),
            d.attempt.into(),
            d.state.code().into(),
            d.status_code.into(),
            d.latency_ms.into(),
            d.response.into(),
            d.error.into(),
            d.at.into(),
        ]);
    }
    c.execute_raw(stmt(
        c.get_database_backend(),
        &format!(
            "INSERT INTO webhook_deliveries (webhook_id, event_seq, event_type, msg_id, attempt, state, \
             status_code, latency_ms, response, error, at) VALUES {rows}"
        ),
        values,
    ))
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct DeliveryRow {
    id: i64,
    event_seq: i64,
    event_type: String,
    msg_id: String,
    attempt: i32,
    state: String,
    status_code: Option<i32>,
    latency_ms: i64,
    response: Option<String>,
    error: Option<String>,
    at: i64,
}

fn delivery(r: DeliveryRow) -> Delivery {
    Delivery {
        id: r.id,
        event_id: r.event_seq.to_string(),
        event_type: r.event_type,
        msg_id: r.msg_id,
        attempt: r.attempt,
        state: DeliveryState::from_code(&r.state),
        status_code: r.status_code,
        latency_ms: r.latency_ms,
        response: r.response,
        error: r.error,
        at: ms_time(r.at),
    }
}

const DELIVERY_COLUMNS: &str = "id, event_seq, event_type, msg_id, attempt, state, status_code, latency_ms, response, error, at";

/// A subscription's deliveries, newest first (or only its dead letters, oldest first).
pub(crate) async fn deliveries(
    c: &impl ConnectionTrait,
    id: Uuid,
    dead_only: bool,
    limit: u64,
) -> Result<Vec<Delivery>> {
    let sql = if dead_only {
        format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? AND state = 'dead' ORDER BY id LIMIT ?"
        )
    } else {
        format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ?"
        )
    };
    let rows: Vec<DeliveryRow> = fetch_all(c, &sql, vec![id.into(), (limit as i64).into()]).await?;
    Ok(rows.into_iter().map(delivery).collect())
}

/// Marks a dead letter delivered by a replay.
pub(crate) async fn mark_replayed(c: &impl ConnectionTrait, delivery_id: i64) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "UPDATE webhook_deliveries SET state = 'replayed' WHERE id = ? AND state = 'dead'",
        vec![delivery_id.into()],
    ))
    .await?;
    Ok(())
}
