//! Collections: the catalogue (Spectrum cataloguing) and its authorities — people and
//! organisations, places, vocabulary terms and the museum's own locations.
//!
//! `Collections` is the service every interface calls; it checks the caller's permission,
//! validates, and writes each change in one transaction with its audit row and event.

pub mod authority;
mod code;
pub mod feed;
mod labels;
pub mod model;
pub mod projection;
pub mod query;
mod service;
mod store;

pub use service::{AuthorityPage, Collections, Dashboard, ObjectPage};
pub use store::MIGRATIONS;
