//! The JSON API under `/api/v1` (staff: token or session) and `/api/public/v1` (anyone).

pub mod authorities;
pub mod document;
pub mod environment;
pub mod events;
pub mod iiif;
pub mod ingest;
pub mod jobs;
pub mod media;
pub mod objects;
pub mod openapi;
pub mod public;
pub mod routes;
pub mod search;
pub mod session;
pub mod webhooks;
