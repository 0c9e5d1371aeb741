//! Facet filters checked on the facet table while collecting, instead of intersecting
//! the query with the filter's postings; year ranges likewise, on the year columns.
//!
//! A broad word and a broad filter (`瓷` in the history department: a fifth of the
//! collection each) made tantivy walk one and seek the other for every match, and a
//! seek into a union of several lists is dearer than reading the union through. Every
//! match's table word is read anyway to count the facets, so checking the filter there
//! costs almost nothing. Filters never change the ranking, so the answer is the same.
//! A narrow filter (few records) stays in the query, where it leads the walk. A year
//! range was two range scans of a million values intersected with the words; read
//! from the columns for each match it is two look-ups.

use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocId, Score, Searcher, SegmentReader, Term};

use crate::facet_table::{FacetTables, SegmentFilter};
use crate::facets::FACETS;
use crate::plan::Filters;
use crate::schema::Fields;
use crate::years::year_column;

/// A filter whose records are at least this share of the index (1/n) is checked while
/// collecting; a narrower one leads the query's walk.
const BROAD: u64 = 16;

/// Per filtered facet (index in [`FACETS`]): the accepted values.
pub type Wanted = Vec<(usize, Vec<String>)>;

/// What is checked while collecting.
#[derive(Clone, Debug, Default)]
pub struct Checks {
    /// Facet filters.
    pub facets: Wanted,
    /// Records whose latest year is at least this.
    pub year_from: Option<i64>,
    /// Records whose earliest year is at most this.
    pub year_to: Option<i64>,
}

impl Checks {
    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        self.facets.is_empty() && self.year_from.is_none() && self.year_to.is_none()
    }
}

/// Splits `filters` into those the query keeps and those checked while collecting:
/// broad facet filters and year ranges. Only a query with words to walk checks any:
/// without words, the filters' postings and ranges are the walk.
pub fn split(searcher: &Searcher, f: &Fields, filters: &Filters, words: bool) -> (Filters, Checks) {
    if !words {
        return (filters.clone(), Checks::default());
    }
    let broad = searcher.num_docs() / BROAD;
    let mut kept = Filters::default();
    let mut checks = Checks {
        facets: Vec::new(),
        year_from: filters.year_from,
        year_to: filters.year_to,
    };
    for (name, values) in &filters.facets {
        let (Some(i), Some(field)) = (
            FACETS.iter().position(|(n, _)| n == name),
            crate::facets::field(f, name),
        ) else {
            kept.facets.insert(name.clone(), values.clone());
            continue;
        };
        let records: u64 = values
            .iter()
            .map(|v| {
                searcher
                    .doc_freq(&Term::from_field_text(field, v))
                    .unwrap_or(0)
            })
            .sum();
        if records >= broad {
            checks.facets.push((i, values.clone()));
        } else {
            kept.facets.insert(name.clone(), values.clone());
        }
    }
    (kept, checks)
}

/// A collector that hands on only the records passing `checks` (see the module doc).
pub struct Checked<C> {
    /// The tables of the index searched.
    pub tables: Arc<FacetTables>,
    /// What is checked.
    pub checks: Arc<Checks>,
    /// What collects the records that pass.
    pub inner: C,
}

/// [`Checked`] on one segment.
pub struct CheckedSegment<S> {
    facets: Option<SegmentFilter>,
    /// Column and bound of each year check.
    from: Option<(Arc<dyn ColumnValues<i64>>, i64)>,
    to: Option<(Arc<dyn ColumnValues<i64>>, i64)>,
    inner: S,
}

impl<C: Collector> Collector for Checked<C> {
    type Fruit = C::Fruit;
    type Child = CheckedSegment<C::Child>;

    fn for_segment(&self, ord: u32, reader: &SegmentReader) -> tantivy::Result<Self::Child> {
        let facets = match self.checks.facets.is_empty() {
            true => None,
            false => Some(self.tables.get(reader)?.filter(&self.checks.facets)),
        };
        let from = match self.checks.year_from {
            Some(y) => Some((year_column(reader, "latest", i64::MIN)?, y)),
            None => None,
        };
        let to = match self.checks.year_to {
            Some(y) => Some((year_column(reader, "earliest", i64::MAX)?, y)),
            None => None,
        };
        Ok(CheckedSegment {
            facets,
            from,
            to,
            inner: self.inner.for_segment(ord, reader)?,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<Self::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        self.inner.merge_fruits(fruits)
    }
}

impl<S: SegmentCollector> SegmentCollector for CheckedSegment<S> {
    type Fruit = S::Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let pass = self.from.as_ref().is_none_or(|(c, y)| c.get_val(doc) >= *y)
            && self.to.as_ref().is_none_or(|(c, y)| c.get_val(doc) <= *y)
            && self.facets.as_ref().is_none_or(|f| f.pass(doc));
        if pass {
            self.inner.collect(doc, score);
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.inner.harvest()
    }
}
