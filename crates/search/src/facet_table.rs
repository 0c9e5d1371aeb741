//! Each segment's facet values laid out for counting, built once per segment (segments
//! never change) when a reader first sees it.
//!
//! Counting reads the facets of every matching record, often hundreds of thousands per
//! query. Read from tantivy's columns that is eight bit-packed, monotonic or optional
//! lookups a record (perf: two fifths of all search time). Here the single-valued
//! facets of a record are one `u64`, and facets with few values share one code (a
//! department, a status, yes/no for images and display, a period: one count for all
//! of them); a multi-valued facet takes a slot of the word per value when its records
//! hold few (materials), else a slice of a flat list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::columnar::{Cardinality, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

use crate::facets::{Counts, FACETS, NO_VALUE, column_name, merge};

/// Most codes one group of facets may have: its counts stay in the L1 cache and are
/// cheap to read back.
const MAX_GROUP_CODES: usize = 4096;

/// Single-valued facets counted together: a record's code is its ordinals in mixed
/// radix (`ord0 + n0 * (ord1 + n1 * ...)`).
struct Group {
    /// (facet index, number of values) of each member, in radix order.
    members: Vec<(usize, usize)>,
    /// Codes the group has (the product of its members' value counts).
    codes: usize,
    shift: u32,
    mask: u64,
}

/// A facet some records hold several values (or none) of.
struct List {
    facet: usize,
    /// Record `d`'s ordinals are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
}

/// One segment's facets.
pub struct SegmentTable {
    /// Per facet: the segment's dictionary, to name ordinals (`None`: no record has one).
    pub dicts: Vec<Option<StrColumn>>,
    /// Per facet: how many distinct values it has in this segment.
    pub num_terms: Vec<usize>,
    groups: Vec<Group>,
    /// Per record: its groups' codes.
    words: Vec<u64>,
    lists: Vec<List>,
    /// Counts over every live record, with the number of deleted records they saw.
    whole: Mutex<Option<(u32, Arc<Counts>)>>,
}

/// Counts of one segment's matches, by group code and list ordinal.
pub struct Tally {
    groups: Vec<Vec<u32>>,
    lists: Vec<Vec<u32>>,
}

fn bits_for(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// Groups facets (index, number of values) with the fewest values first, each group
/// within [`MAX_GROUP_CODES`] codes (a facet with more is a group of its own).
fn group(mut single: Vec<(usize, usize)>) -> Vec<Vec<(usize, usize)>> {
    single.sort_by_key(|&(i, n)| (n, i));
    let mut out: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut codes = 0;
    for (i, n) in single {
        let n = n.max(1);
        match out.last_mut() {
            Some(g) if codes * n <= MAX_GROUP_CODES => {
                g.push((i, n));
                codes *= n;
            }
            _ => {
                out.push(vec![(i, n)]);
                codes = n;
            }
        }
    }
    out
}

impl SegmentTable {
    /// Reads every facet column of a segment.
    pub fn build(reader: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let max_doc = reader.max_doc();
        let mut dicts = Vec::with_capacity(FACETS.len());
        let mut single = Vec::new();
        let mut lists = Vec::new();
        for (i, (name, _)) in FACETS.iter().enumerate() {
            let col = reader.fast_fields().str(column_name(name))?;
            if let Some(c) = &col {
                if c.ords().get_cardinality() == Cardinality::Full {
                    single.push((i, c.num_terms()));
                } else {
                    let ords = c.ords();
                    let mut starts = Vec::with_capacity(max_doc as usize + 1);
                    let mut list = Vec::new();
                    for d in 0..max_doc {
                        starts.push(list.len() as u32);
                        list.extend(ords.values_for_doc(d).map(|o| o as u32));
                    }
                    starts.push(list.len() as u32);
                    lists.push(List {
                        facet: i,
                        starts,
                        ords: list,
                    });
                }
            }
            dicts.push(col);
        }
        let num_terms: Vec<usize> = dicts
            .iter()
            .map(|d| d.as_ref().map_or(0, |c| c.num_terms()))
            .collect();
        let mut words = vec![0u64; max_doc as usize];
        let mut groups = Vec::new();
        let mut used_bits = 0u32;
        let mut code = vec![0u64; max_doc as usize];
        for members in group(single) {
            let codes: usize = members.iter().map(|(_, n)| n).product();
            let bits = bits_for(codes).max(1);
            if used_bits + bits > 64 {
                // More facets than a word holds (never with the facets we have).
                return Err(tantivy::TantivyError::InvalidArgument(
                    "facet codes do not fit in 64 bits".into(),
                ));
            }
            code.iter_mut().for_each(|c| *c = 0);
            let mut radix = 1u64;
            for &(i, n) in &members {
                let Some(ords) = dicts.get(i).and_then(|d| d.as_ref()).map(|c| c.ords()) else {
                    continue;
                };
                for (d, c) in code.iter_mut().enumerate() {
                    *c += ords.values.get_val(d as DocId) * radix;
                }
                radix *= n as u64;
            }
            for (w, c) in words.iter_mut().zip(&code) {
                *w |= c << used_bits;
            }
            groups.push(Group {
                members,
                codes,
                shift: used_bits,
                mask: (1u64 << bits) - 1,
            });
            used_bits += bits;
        }
        // A multi-valued facet whose records hold few values (materials: one to three)
        // goes into the word too, one slot per value: reading a record's list costs two
        // more memory reads, most of the counting time. An empty slot holds the code
        // after the last value, which names no value and is never reported.
        let mut kept = Vec::new();
        for l in lists {
            let n = num_terms.get(l.facet).copied().unwrap_or(0);
            let most = l
                .starts
                .windows(2)
                .map(|w| match w {
                    [a, b] => b.saturating_sub(*a),
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            let bits = bits_for(n + 1).max(1);
            if most == 0 || used_bits + most * bits > 64 {
                kept.push(l);
                continue;
            }
            for slot in 0..most as usize {
                for (w, ends) in words.iter_mut().zip(l.starts.windows(2)) {
                    let &[a, b] = ends else { continue };
                    let (a, b) = (a as usize, b as usize);
                    let code = match l.ords.get(a + slot) {
                        Some(&o) if a + slot < b => u64::from(o),
                        _ => n as u64,
                    };
                    *w |= code << used_bits;
                }
                groups.push(Group {
                    members: vec![(l.facet, n + 1)],
                    codes: n + 1,
                    shift: used_bits,
                    mask: (1u64 << bits) - 1,
                });
                used_bits += bits;
            }
        }
        let lists = kept;
        Ok(SegmentTable {
            dicts,
            num_terms,
            groups,
            words,
            lists,
            whole: Mutex::new(None),
        })
    }

    /// Zero counts for this segment.
    pub fn tally(&self) -> Tally {
        Tally {
            groups: self.groups.iter().map(|g| vec![0; g.codes]).collect(),
            lists: self
                .lists
                .iter()
                .map(|l| vec![0; self.num_terms.get(l.facet).copied().unwrap_or(0)])
                .collect(),
        }
    }

    /// Adds one record's values to the tally.
    #[inline]
    pub fn count(&self, doc: DocId, t: &mut Tally) {
        if let Some(&w) = self.words.get(doc as usize) {
            for (g, counts) in self.groups.iter().zip(t.groups.iter_mut()) {
                if let Some(c) = counts.get_mut(((w >> g.shift) & g.mask) as usize) {
                    *c += 1;
                }
            }
        }
        for (l, counts) in self.lists.iter().zip(t.lists.iter_mut()) {
            let (Some(&a), Some(&b)) = (l.starts.get(doc as usize), l.starts.get(doc as usize + 1))
            else {
                continue;
            };
            for &o in l.ords.get(a as usize..b as usize).unwrap_or_default() {
                if let Some(n) = counts.get_mut(o as usize) {
                    *n += 1;
                }
            }
        }
    }

    /// A tally's counts by facet and value (records without a value left out).
    pub fn named(&self, t: Tally) -> Counts {
        self.dicts
            .iter()
            .zip(self.by_ordinal(t))
            .map(|(dict, counts)| {
                let mut m = HashMap::new();
                if let Some(col) = dict {
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

    /// Counts over every live record of the segment (browsing the whole collection),
    /// kept until its deletes change.
    pub fn whole(&self, reader: &SegmentReader) -> Arc<Counts> {
        let deleted = reader.num_deleted_docs();
        if let Ok(w) = self.whole.lock()
            && let Some((d, c)) = &*w
            && *d == deleted
        {
            return c.clone();
        }
        let mut t = self.tally();
        for doc in reader.doc_ids_alive() {
            self.count(doc, &mut t);
        }
        let counts = Arc::new(self.named(t));
        if let Ok(mut w) = self.whole.lock() {
            *w = Some((deleted, counts.clone()));
        }
        counts
    }

    /// A tally as counts per facet and ordinal.
    fn by_ordinal(&self, t: Tally) -> Vec<Vec<u32>> {
        let mut out: Vec<Vec<u32>> = self.num_terms.iter().map(|&n| vec![0; n]).collect();
        for (g, counts) in self.groups.iter().zip(&t.groups) {
            for (code, &n) in counts.iter().enumerate() {
                if n == 0 {
                    continue;
                }
                let mut rest = code;
                for &(i, radix) in &g.members {
                    if let Some(c) = out.get_mut(i).and_then(|o| o.get_mut(rest % radix)) {
                        *c += n;
                    }
                    rest /= radix;
                }
            }
        }
        for (l, counts) in self.lists.iter().zip(t.lists) {
            if let Some(o) = out.get_mut(l.facet) {
                *o = counts;
            }
        }
        out
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.words.len() * 8
            + self
                .lists
                .iter()
                .map(|l| (l.starts.len() + l.ords.len()) * 4)
                .sum::<usize>()
    }
}

/// The tables of an index's segments, kept up to date by the index reader: a new
/// segment's table is built when a reload first shows it, a merged-away one is dropped.
#[derive(Default)]
pub struct FacetTables {
    by_segment: RwLock<HashMap<SegmentId, Arc<SegmentTable>>>,
}

impl FacetTables {
    /// The table of a segment, built now if the reader has not warmed it yet.
    pub fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<SegmentTable>> {
        let id = reader.segment_id();
        if let Some(t) = self
            .by_segment
            .read()
            .ok()
            .and_then(|m| m.get(&id).cloned())
        {
            return Ok(t);
        }
        let t = Arc::new(SegmentTable::build(reader)?);
        if let Ok(mut m) = self.by_segment.write() {
            m.insert(id, t.clone());
        }
        Ok(t)
    }

    /// Counts over every live record of the searcher's segments (see
    /// [`SegmentTable::whole`]).
    pub fn whole(&self, searcher: &Searcher) -> tantivy::Result<Counts> {
        let mut parts = Vec::with_capacity(searcher.segment_readers().len());
        for r in searcher.segment_readers() {
            parts.push(self.get(r)?.whole(r));
        }
        Ok(merge(&parts))
    }

    /// Bytes held by every table.
    pub fn heap_bytes(&self) -> usize {
        self.by_segment
            .read()
            .map_or(0, |m| m.values().map(|t| t.heap_bytes()).sum())
    }
}

impl Warmer for FacetTables {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for r in searcher.segment_readers() {
            self.get(r)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live: &[&SearcherGeneration]) {
        if let Ok(mut m) = self.by_segment.write() {
            m.retain(|id, _| live.iter().any(|g| g.segments().contains_key(id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use tantivy::collector::Count;
    use tantivy::query::{AllQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, TantivyError, Term, Warmer};

    use super::{FacetTables, MAX_GROUP_CODES, bits_for, group};
    use crate::facets::{Counts, FACETS, FacetCounter, NO_VALUE, field};
    use crate::schema;

    /// A record's facet values, in [`FACETS`] order.
    type Values = Vec<Vec<String>>;

    fn expected(records: &[(u32, Values)], keep: impl Fn(&Values) -> bool) -> Counts {
        let mut out: Counts = vec![HashMap::new(); FACETS.len()];
        for (_, v) in records.iter().filter(|(_, v)| keep(v)) {
            for (i, vals) in v.iter().enumerate() {
                for val in vals.iter().filter(|x| *x != NO_VALUE) {
                    *out[i].entry(val.clone()).or_default() += 1;
                }
            }
        }
        out
    }

    /// Deletes the records whose id is `first` plus a multiple of `step`, and shows it.
    fn delete_every(
        w: &mut IndexWriter,
        reader: &IndexReader,
        records: &mut Vec<(u32, Values)>,
        first: u32,
        step: u32,
    ) -> tantivy::Result<()> {
        let (_, f) = schema::build();
        for id in (first..900).step_by(step as usize) {
            w.delete_term(Term::from_field_text(f.id, &id.to_string()));
        }
        w.commit()?;
        reader.reload()?;
        records.retain(|(id, _)| id % step != first);
        Ok(())
    }

    #[test]
    fn counts_match_the_records_across_segments_and_deletes() -> tantivy::Result<()> {
        // Up to 3 materials a record fit in the word's slots; up to 20 do not (a list).
        counts_match(3)?;
        counts_match(20)
    }

    fn counts_match(most_materials: usize) -> tantivy::Result<()> {
        let (sch, f) = schema::build();
        let index = Index::create_in_ram(sch);
        crate::analysis::register(&index, &Arc::new(crate::analysis::Analyzer::new()));
        let tables = Arc::new(FacetTables::default());
        let warmer: Arc<dyn Warmer> = tables.clone();
        let reader = index
            .reader_builder()
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        // Value counts chosen so that some facets share a code and one (place) does not.
        let sizes = [4usize, 70, 40, 30, 300, 5, 2, 2];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        let mut records: Vec<(u32, Values)> = Vec::new();
        for id in 0..900u32 {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.id, id.to_string());
            let mut values = Vec::new();
            for (i, (name, _)) in FACETS.iter().enumerate() {
                let fld = field(&f, name)
                    .ok_or_else(|| TantivyError::InvalidArgument(format!("no field {name}")))?;
                let vals: Vec<String> = if *name == "material" {
                    let mut m: Vec<String> = (0..next(most_materials + 1))
                        .map(|_| format!("m{}", next(sizes[i])))
                        .collect();
                    m.sort();
                    m.dedup();
                    m
                } else if next(10) == 0 && ["type", "period", "place"].contains(name) {
                    vec![NO_VALUE.to_owned()]
                } else {
                    vec![format!("{name}{}", next(sizes[i]))]
                };
                for v in &vals {
                    doc.add_text(fld, v);
                }
                values.push(vals);
            }
            w.add_document(doc)?;
            records.push((id, values));
            if id % 300 == 299 {
                w.commit()?;
            }
        }
        delete_every(&mut w, &reader, &mut records, 0, 7)?;
        let searcher = reader.searcher();
        assert!(searcher.segment_readers().len() >= 3);
        let count = |q: &dyn Query| {
            let c = FacetCounter {
                tables: tables.clone(),
            };
            searcher.search(q, &(Count, c))
        };
        let (n, got) = count(&AllQuery)?;
        assert_eq!(n, records.len());
        assert_eq!(got, expected(&records, |_| true));
        assert_eq!(
            tables.whole(&searcher)?,
            got,
            "kept whole-collection counts"
        );
        let dept1 = TermQuery::new(
            Term::from_field_text(f.department, "department1"),
            IndexRecordOption::Basic,
        );
        let (n, got) = count(&dept1)?;
        let want = expected(&records, |v| v[0] == ["department1"]);
        assert_eq!(n as u64, want[0]["department1"]);
        assert_eq!(got, want);
        assert!(tables.heap_bytes() > 0);
        let lists: usize = tables
            .by_segment
            .read()
            .map_err(|_| TantivyError::Poisoned)?
            .values()
            .map(|t| t.lists.len())
            .sum();
        assert_eq!(lists > 0, most_materials > 3, "materials in slots or lists");
        // More deletes in the same segments: the kept whole-collection counts follow.
        delete_every(&mut w, &reader, &mut records, 1, 5)?;
        let searcher = reader.searcher();
        assert_eq!(
            tables.whole(&searcher)?,
            expected(&records, |_| true),
            "after more deletes"
        );
        Ok(())
    }

    #[test]
    fn small_facets_share_a_code() {
        // department 4, type 60, period 20, place 300, status 5, has_image 2, on_display 2
        let g = group(vec![
            (0, 4),
            (1, 60),
            (3, 20),
            (4, 300),
            (5, 5),
            (6, 2),
            (7, 2),
        ]);
        assert_eq!(
            g,
            vec![
                vec![(6, 2), (7, 2), (0, 4), (5, 5), (3, 20)],
                vec![(1, 60)],
                vec![(4, 300)]
            ]
        );
        for members in &g {
            let codes: usize = members.iter().map(|m| m.1).product();
            assert!(codes <= MAX_GROUP_CODES || members.len() == 1);
        }
        assert_eq!(group(vec![(2, 10_000)]), vec![vec![(2, 10_000)]]);
    }

    #[test]
    fn bits_hold_every_ordinal() {
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(1), 0);
        assert_eq!(bits_for(2), 1);
        assert_eq!(bits_for(3), 2);
        assert_eq!(bits_for(4), 2);
        assert_eq!(bits_for(5), 3);
        assert_eq!(bits_for(256), 8);
        assert_eq!(bits_for(257), 9);
    }
}
