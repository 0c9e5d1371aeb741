//! Facet counts: for every matching record, each facet value it has is counted, so the
//! counts are exact for the filtered result (no sampling, no per-segment cut-off).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, StrColumn};
use tantivy::schema::Field;
use tantivy::{DocId, Score, SegmentReader};

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

fn column_name(name: &str) -> &str {
    match name {
        "type" => "object_type",
        n => n,
    }
}

/// Counts every facet's values over the matching documents.
pub struct FacetCounter;

/// Counts per facet: value → count.
pub type Counts = Vec<HashMap<String, u64>>;

/// One facet's column in a segment: its dictionary, its term ordinals, a count per ordinal.
type FacetColumn = (StrColumn, Column<u64>, Vec<u32>);

/// One segment's counting state.
pub struct SegmentCounter {
    columns: Vec<Option<FacetColumn>>,
}

impl Collector for FacetCounter {
    type Fruit = Counts;
    type Child = SegmentCounter;

    fn for_segment(&self, _: u32, reader: &SegmentReader) -> tantivy::Result<SegmentCounter> {
        let mut columns = Vec::with_capacity(FACETS.len());
        for (name, _) in FACETS {
            columns.push(reader.fast_fields().str(column_name(name))?.map(|c| {
                let ords = c.ords().clone();
                let n = c.num_terms();
                (c, ords, vec![0u32; n])
            }));
        }
        Ok(SegmentCounter { columns })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut out: Counts = vec![HashMap::new(); FACETS.len()];
        for f in fruits {
            for (i, m) in f.into_iter().enumerate() {
                if let Some(o) = out.get_mut(i) {
                    for (k, v) in m {
                        *o.entry(k).or_default() += v;
                    }
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (_, ords, counts) in self.columns.iter_mut().flatten() {
            // Most facets have one value per record: read it directly, without the
            // iterator a multi-valued column needs.
            let mut add = |o: u64| {
                if let Some(c) = counts.get_mut(o as usize) {
                    *c += 1;
                }
            };
            match ords.get_cardinality() {
                Cardinality::Full => add(ords.values.get_val(doc)),
                Cardinality::Optional => {
                    if let Some(o) = ords.first(doc) {
                        add(o);
                    }
                }
                Cardinality::Multivalued => ords.values_for_doc(doc).for_each(add),
            }
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        let mut vals = vec![0u64; docs.len()];
        for (_, ords, counts) in self.columns.iter_mut().flatten() {
            if ords.get_cardinality() == Cardinality::Full {
                ords.values.get_vals(docs, &mut vals);
                for o in &vals {
                    if let Some(c) = counts.get_mut(*o as usize) {
                        *c += 1;
                    }
                }
            } else {
                for d in docs {
                    for o in ords.values_for_doc(*d) {
                        if let Some(c) = counts.get_mut(o as usize) {
                            *c += 1;
                        }
                    }
                }
            }
        }
    }

    fn harvest(self) -> Counts {
        self.columns
            .into_iter()
            .map(|c| {
                let mut m = HashMap::new();
                if let Some((col, _, counts)) = c {
                    let mut s = String::new();
                    for (ord, n) in counts.into_iter().enumerate() {
                        if n > 0
                            && col.ord_to_str(ord as u64, &mut s).unwrap_or(false)
                            && s != NO_VALUE
                        {
                            m.insert(s.clone(), u64::from(n));
                        }
                    }
                }
                m
            })
            .collect()
    }
}
