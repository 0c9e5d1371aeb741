//! Digital resources: the media library (masters kept untouched with their SHA-256,
//! technical and descriptive metadata, rights, links to objects), tiled pyramids made in
//! the background, and a IIIF Image API 3.0 (level 2) and Presentation 3.0 server.

pub mod derivatives;
pub mod filter;
pub mod fixity;
pub mod iiif;
pub mod intake;
pub mod library;
pub mod manifest;
pub mod master;
pub mod model;
pub mod pyramid;
pub mod raster;
pub mod render;
pub mod serve;
pub mod service;
pub mod serving;
pub mod store;

pub use filter::Filter;
pub use model::{Access, Asset, Description, Status, Thumb};
pub use service::{ImportOptions, Ingested, Media, Settings, Source};
pub use store::MIGRATIONS;
