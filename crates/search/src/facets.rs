//! Facet counts: for every matching record, each facet value it has is counted, so the
//! counts are exact for the filtered result (no sampling, no per-segment cut-off).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentReader};

use crate::facet_table::{FacetTables, SegmentTable, Tally};
use crate::schema::Fields;

/// The facets, in display order: (name in the API, whether values are authority ids).
pub const FACETS: &[(&str, bool)] = &[
    ("department", false),
    ("type", true),
    ("material", true),
    ("period", true),
    ("place", true),
    ("status", false),
    ("has_image", false),
    ("on_display", false),
];

/// What a single-valued facet holds for a record without a value (never shown, never a
/// filter: facet filters are ids or known codes).
pub const NO_VALUE: &str = "-";

/// The index field of a facet.
pub fn field(f: &Fields, name: &str) -> Option<Field> {
    Some(match name {
        "department" => f.department,
        "type" => f.object_type,
        "material" => f.material,
        "period" => f.period,
        "place" => f.place,
        "status" => f.status,
        "has_image" => f.has_image,
        "on_display" => f.on_display,
        _ => return None,
    })
}

/// The fast-field column of a facet.
pub(crate) fn column_name(name: &str) -> &str {
    match name {
        "type" => "object_type",
        n => n,
    }
}

/// Counts every facet's values over the matching documents, from the index's
/// [`FacetTables`].
pub struct FacetCounter {
    /// The tables of the index searched.
    pub tables: Arc<FacetTables>,
}

/// Counts per facet: value → count.
pub type Counts = Vec<HashMap<String, u64>>;

/// One segment's counting state.
pub struct SegmentCounter {
    table: Arc<SegmentTable>,
    tally: Tally,
}

impl Collector for FacetCounter {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let table = self.tables.get(reader)?;
        let tally = table.tally();
        Ok(SegmentCounter { table, tally })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        Ok(merge(&fruits))
    }
}

/// Segments' counts added together.
pub fn merge<C: std::borrow::Borrow<Counts>>(parts: &[C]) -> Counts {
    let mut out: Counts = vec![HashMap::new(); FACETS.len()];
    for part in parts {
        for (i, m) in part.borrow().iter().enumerate() {
            if let Some(o) = out.get_mut(i) {
                for (k, v) in m {
                    *o.entry(k.clone()).or_default() += v;
                }
            }
        }
    }
    out
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.table.count(doc, &mut self.tally);
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for &d in docs {
            self.table.count(d, &mut self.tally);
        }
    }

    fn harvest(self) -> Counts {
        self.table.named(self.tally)
    }
}
