//! Shared plumbing for every Vitrine domain: the database handle and migrations, errors,
//! ids, bilingual text, accounts and permissions, the audit log with its outbox, and the
//! background jobs table.
//!
//! Domains depend on this crate, never the other way round.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod csv;
pub mod db;
mod entities;
pub mod error;
pub mod excerpt;
pub mod ids;
pub mod jobs;
pub mod langtext;
pub mod leader;
pub mod migrate;
pub mod outbox;
pub mod sql;
pub mod time;

pub use auth::{Actor, Permission, Principal, Role};
pub use db::Db;
pub use error::{Error, FieldError, Result};
pub use langtext::{Lang, LangText};
