//! The JSON API under `/api/v1` (staff: token or session) and `/api/public/v1` (anyone).

pub mod authorities;
pub mod environment;
pub mod iiif;
pub mod ingest;
pub mod media;
pub mod objects;
pub mod openapi;
pub mod public;
pub mod search;
pub mod session;

use uuid::Uuid;
use vitrine_kernel::Error;

/// Parses a record id from the path, naming it when it is not a UUID.
pub fn parse_id(s: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(s).map_err(|_| {
        Error::invalid(
            "id",
            "invalid_id",
            format!("`{s}` is not a record id (a UUID)"),
        )
    })
}
