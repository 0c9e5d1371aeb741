//! Webhook subscriptions and deliveries as callers see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A subscription.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Webhook {
    /// Its id.
    pub id: Uuid,
    /// Where deliveries go.
    pub url: String,
    /// Event types (and `entity.*`) it receives.
    pub events: Vec<String>,
    /// Delivering; off after it kept failing (see `disabled_reason`) or when turned off.
    pub enabled: bool,
    /// Why it was turned off.
    pub disabled_reason: Option<String>,
    /// Who made it.
    pub created_by_name: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The outbox position delivered up to.
    pub cursor: i64,
    /// Attempts at the event now waiting (0 when none waits).
    pub head_attempts: i32,
    /// When the waiting event is tried again.
    pub retry_at: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation is still signed with.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// A new subscription, as the API takes it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An http or https URL.
    pub url: String,
    /// Event types from the catalogue, or `entity.*`; at least one.
    pub events: Vec<String>,
}

/// A subscription just made, with its secret (shown this once).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`): keep it, it is not shown again.
    pub secret: String,
}

/// What became of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed and will be tried again.
    Failed,
    /// It failed for a day: kept as a dead letter to replay.
    Dead,
    /// A dead letter delivered later by a replay.
    Replayed,
}

impl DeliveryState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
            DeliveryState::Dead => "dead",
            DeliveryState::Replayed => "replayed",
        }
    }

    /// The state stored as `code`.
    pub fn from_code(code: &str) -> DeliveryState {
        match code {
            "delivered" => DeliveryState::Delivered,
            "dead" => DeliveryState::Dead,
            "replayed" => DeliveryState::Replayed,
            _ => DeliveryState::Failed,
        }
    }
}

/// One attempt to deliver one event.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    /// Its id.
    pub id: i64,
    /// The event's outbox position.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The `webhook-id` sent (the same on every attempt at this event).
    pub msg_id: String,
    /// Which attempt.
    pub attempt: i32,
    /// What became of it.
    pub state: DeliveryState,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// Milliseconds until the answer (or the failure).
    pub latency_ms: i64,
    /// The start of the receiver's answer.
    pub response: Option<String>,
    /// Why it failed (timeout, refused connection, status).
    pub error: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}
