//! Search: a tantivy index of the catalogue (Chinese by jieba, English stems, pinyin),
//! with facets and two projections (staff and public), kept fresh from the outbox.
pub mod analysis;
pub mod authority_index;
pub mod band;
pub mod document;
pub mod engine;
pub mod facet_counter;
pub mod facet_filter;
pub mod facet_table;
pub mod facets;
mod follow;
pub mod plan;
pub mod query;
mod rebuild;
pub mod request;
pub mod saved;
pub mod schema;
pub mod scope;
mod service;
pub mod snippet;
pub mod store;
pub mod suggest;
#[cfg(test)]
mod testing;
pub mod years;

pub use rebuild::{REINDEX_JOB, RebuildReport};
pub use saved::{MIGRATIONS, SavedSearch};
pub use service::{ImageLookup, IndexStatus, MAX_EXPORT, Progress, Search};
