//! The service bus: every change announced in the outbox, as events integrators read.
//!
//! This crate holds the event catalogue (which types exist, who may read each) and the
//! event pages and streams (`GET /api/v1/events`, `/api/v1/events/stream`). It reads the
//! outbox the domains write in the transaction of each change; it never calls a domain.
//! Webhooks read the same events (`webhooks`); broker publishing will too.

pub mod catalogue;
pub mod events;
pub mod webhooks;

pub use catalogue::{CATALOGUE, EventType};
pub use events::{Bus, EventPage, EventQuery, PublicEvent};

/// The bus's tables (webhook subscriptions and deliveries).
pub const MIGRATIONS: &[vitrine_kernel::migrate::Migration] =
    &[vitrine_kernel::migrate::Migration {
        id: "bus/0001_webhooks",
        sql: include_str!("../migrations/0001_webhooks.sql"),
    }];
