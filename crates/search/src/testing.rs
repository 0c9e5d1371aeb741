//! Helpers of the unit tests: an empty index in memory and repeatable pseudo-random numbers.

use std::sync::Arc;

use tantivy::Index;

use crate::analysis::{self, Analyzer};
use crate::schema::{self, Fields};

/// An empty index of the search schema in memory, with its fields and the analyzer
/// registered for it.
pub fn ram_index() -> (Index, Fields, Arc<Analyzer>) {
    let (sch, f) = schema::build();
    let index = Index::create_in_ram(sch);
    let an = Arc::new(Analyzer::new());
    analysis::register(&index, &an);
    (index, f, an)
}

/// Numbers below `n`, the same for the same seed (a linear congruential generator).
pub fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    }
}
