//! Facet counts: for every matching record, each facet value it has is counted, so the
//! counts are exact for the filtered result (no sampling, no per-segment cut-off).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentReader};

use crate::facet_table::{BLOCK, FacetTables, SegmentTable, Tally};
use crate::facets::{Counts, FACETS};

/// Counts every facet's values over the matching documents, from the index's
/// [`FacetTables`].
pub struct FacetCounter {
    /// The tables of the index searched.
    pub tables: Arc<FacetTables>,
}

/// One segment's counting state: matches are gathered into blocks (see
/// [`SegmentTable::count`]).
pub struct SegmentCounter {
    table: Arc<SegmentTable>,
    tally: Tally,
    block: [DocId; BLOCK],
    held: usize,
}

impl SegmentCounter {
    fn flush(&mut self) {
        if let Some(docs) = self.block.get(..self.held) {
            self.table.count(docs, &mut self.tally);
        }
        self.held = 0;
    }
}

impl Collector for FacetCounter {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let table = self.tables.get(reader)?;
        let tally = table.tally();
        Ok(SegmentCounter {
            table,
            tally,
            block: [0; BLOCK],
            held: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentCounts>) -> tantivy::Result<Counts> {
        let mut out = vec![HashMap::new(); FACETS.len()];
        for f in fruits {
            f.table.add_named(&f.by_ordinal, &mut out);
        }
        Ok(out)
    }
}

/// One segment's counts by facet and ordinal, with the table that names them (values
/// are named once, when the segments' counts are added up).
pub struct SegmentCounts {
    table: Arc<SegmentTable>,
    by_ordinal: Vec<Vec<u32>>,
}

impl SegmentCollector for SegmentCounter {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(slot) = self.block.get_mut(self.held) {
            *slot = doc;
            self.held += 1;
        }
        if self.held == BLOCK {
            self.flush();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for &d in docs {
            self.collect(d, 0.0);
        }
    }

    fn harvest(mut self) -> SegmentCounts {
        self.flush();
        SegmentCounts {
            by_ordinal: self.table.by_ordinal(self.tally),
            table: self.table,
        }
    }
}
