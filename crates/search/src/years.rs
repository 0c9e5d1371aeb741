//! Records whose dates overlap a year range, in one pass over the year columns.
//!
//! A range is two conditions (latest year ≥ from, earliest ≤ to), and as two range
//! queries each scanned a million values and the two long results were intersected
//! (`year_from=-500&year_to=0`: half of every record matches one side). Here one column
//! is scanned for the records of one side and the other column is read only for those.
//! Undated records hold years no range reaches (see `document`), so every record has a
//! value in both columns.

use std::ops::RangeInclusive;
use std::sync::Arc;

use tantivy::columnar::{Column, ColumnValues};
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

/// Records scanned at a time.
const CHUNK: u32 = 4096;

/// A year column of a segment (`earliest` or `latest`), read by record; a record without
/// a value (none has one in indexes of this schema) reads as `missing`.
pub(crate) fn year_column(
    reader: &SegmentReader,
    name: &str,
    missing: i64,
) -> tantivy::Result<Arc<dyn ColumnValues<i64>>> {
    Ok(reader
        .fast_fields()
        .i64(name)?
        .first_or_default_col(missing))
}

/// Records whose latest year is at least `from` and earliest at most `to`.
#[derive(Clone, Debug)]
pub struct YearsQuery {
    from: Option<i64>,
    to: Option<i64>,
}

impl YearsQuery {
    /// The range; `None` without either bound.
    pub fn new(from: Option<i64>, to: Option<i64>) -> Option<YearsQuery> {
        (from.is_some() || to.is_some()).then_some(YearsQuery { from, to })
    }
}

impl Query for YearsQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl YearsQuery {
    fn years_scorer(&self, reader: &SegmentReader) -> tantivy::Result<YearsScorer> {
        let column = |name: &str| reader.fast_fields().i64(name);
        // The earliest year leads when there is an upper bound, else the latest; the
        // other column is read only for the records the first lets through.
        let (driver, least, most, check) = match (self.from, self.to) {
            (from, Some(to)) => (
                column("earliest")?,
                None,
                Some(to),
                match from {
                    Some(f) => Some((year_column(reader, "latest", i64::MIN)?, f)),
                    None => None,
                },
            ),
            (from, None) => (column("latest")?, from, None, None),
        };
        // An open end is the column's own bound: the codecs take a range of the values
        // they hold (i64::MIN overflowed their offset and matched wrong records).
        let (lo, hi) = (driver.min_value(), driver.max_value());
        let range = least.map_or(lo, |l| l.max(lo))..=most.map_or(hi, |m| m.min(hi));
        let max_doc = reader.max_doc();
        let mut s = YearsScorer {
            // A range outside every value of the segment: nothing to scan.
            next: if range.is_empty() { max_doc } else { 0 },
            driver,
            range,
            check,
            max_doc,
            buf: Vec::with_capacity(CHUNK as usize),
            at: 0,
        };
        s.refill();
        Ok(s)
    }
}

impl Weight for YearsQuery {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(self.years_scorer(reader)?))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut s = self.years_scorer(reader)?;
        if s.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is outside the years"
            )));
        }
        Ok(Explanation::new("dates overlap the years", 1.0))
    }
}

/// Walks one segment's records in the range.
struct YearsScorer {
    /// The column scanned, and the values it must hold.
    driver: Column<i64>,
    range: RangeInclusive<i64>,
    /// The other column and the least year it must hold.
    check: Option<(Arc<dyn ColumnValues<i64>>, i64)>,
    max_doc: DocId,
    /// The first record not scanned yet.
    next: DocId,
    /// Matches of the chunk scanned last, and the current one's place among them.
    buf: Vec<DocId>,
    at: usize,
}

impl YearsScorer {
    /// Scans chunks from `next` until one has matches; the buffer is empty at the end.
    fn refill(&mut self) {
        self.buf.clear();
        self.at = 0;
        while self.buf.is_empty() && self.next < self.max_doc {
            let end = self.next.saturating_add(CHUNK).min(self.max_doc);
            self.driver.get_docids_for_value_range(
                self.range.clone(),
                self.next..end,
                &mut self.buf,
            );
            self.next = end;
            if let Some((col, least)) = &self.check {
                self.buf.retain(|&d| col.get_val(d) >= *least);
            }
        }
    }
}

impl DocSet for YearsScorer {
    fn advance(&mut self) -> DocId {
        self.at += 1;
        if self.at >= self.buf.len() {
            self.refill();
        }
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() >= target {
            return self.doc();
        }
        if self.buf.last().is_some_and(|&l| l >= target) {
            let rest = self.buf.get(self.at..).unwrap_or_default();
            self.at += rest.partition_point(|&d| d < target);
            return self.doc();
        }
        // Past this chunk: scanning goes on from the target.
        self.next = self.next.max(target);
        self.refill();
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.buf.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        self.max_doc
    }
}

impl Scorer for YearsScorer {
    fn score(&mut self) -> Score {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::Count;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{TantivyDocument, Term};

    use super::YearsQuery;
    use crate::testing::{numbers, ram_index};

    #[test]
    fn finds_the_records_whose_dates_overlap() -> tantivy::Result<()> {
        let (index, f, _) = ram_index();
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        let mut random = numbers(11);
        let mut next = |n: u64| random(n) as i64;
        // Several chunks a segment, years from 3000 BCE, one record in three even.
        let mut records = Vec::new();
        for id in 0..10_000i64 {
            let earliest = next(5000) - 3000;
            let latest = earliest + next(300);
            let mut doc = TantivyDocument::default();
            doc.add_i64(f.earliest, earliest);
            doc.add_i64(f.latest, latest);
            doc.add_text(f.department, if id % 3 == 0 { "even" } else { "odd" });
            w.add_document(doc)?;
            records.push((earliest, latest, id % 3 == 0));
            if id % 4000 == 3999 {
                w.commit()?;
            }
        }
        w.commit()?;
        let searcher = index.reader()?.searcher();
        let even = || -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.department, "even"),
                IndexRecordOption::Basic,
            ))
        };
        for (from, to) in [
            (Some(-500), Some(0)),
            (Some(1900), None),
            (None, Some(-2500)),
            (Some(-300), Some(-100)),
            (Some(5000), None),
            (None, Some(-9000)),
            (Some(100), Some(50)),
        ] {
            let inside = |e: i64, l: i64| from.is_none_or(|y| l >= y) && to.is_none_or(|y| e <= y);
            let want = records.iter().filter(|(e, l, _)| inside(*e, *l)).count();
            let q = YearsQuery::new(from, to).ok_or(tantivy::TantivyError::Poisoned)?;
            assert_eq!(searcher.search(&q, &Count)?, want, "{from:?}..{to:?}");
            // With a list that leads the walk, the range is sought, not walked.
            let both = BooleanQuery::new(vec![
                (Occur::Must, even()),
                (Occur::Must, Box::new(q.clone()) as Box<dyn Query>),
            ]);
            let want = records
                .iter()
                .filter(|(e, l, even)| *even && inside(*e, *l))
                .count();
            assert_eq!(
                searcher.search(&both, &Count)?,
                want,
                "even {from:?}..{to:?}"
            );
        }
        assert!(YearsQuery::new(None, None).is_none());
        Ok(())
    }
}
