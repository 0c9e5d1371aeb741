//! The service bus: every change announced in the outbox, as events integrators read.
//!
//! This crate holds the event catalogue (which types exist, who may read each) and the
//! event pages and streams (`GET /api/v1/events`, `/api/v1/events/stream`). It reads the
//! outbox the domains write in the transaction of each change; it never calls a domain.
//! Webhooks and broker publishing will read the same events.

pub mod catalogue;
pub mod events;

pub use catalogue::{CATALOGUE, EventType};
pub use events::{Bus, EventPage, EventQuery, PublicEvent};
