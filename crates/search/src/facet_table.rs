//! Each segment's facet values laid out for counting, built once per segment (segments
//! never change) when a reader first sees it.
//!
//! Counting reads the facets of every matching record, often hundreds of thousands per
//! query. Read from tantivy's columns that is eight bit-packed, monotonic or optional
//! lookups a record (perf: two fifths of all search time). Here a record's facets are
//! one word of the table: facets with few values share one code (a department, a
//! status, yes/no for images and display, a period: one count for all of them), and a
//! multi-valued facet is the code of the record's set of values (materials: the sets
//! a segment's records hold are few). A facet with too many codes keeps a flat list.
//!
//! A sparse match reads a new cache line of the table for nearly every record, so the
//! table is kept narrow: 32 bits a record when the codes fit (they do for the facets
//! we have), else 64.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::columnar::{Cardinality, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

use crate::facets::{Counts, FACETS, NO_VALUE, column_name, merge};

/// Most codes one group of facets may have: its counts stay in the L1 cache and are
/// cheap to read back.
const MAX_GROUP_CODES: usize = 4096;

/// Records counted together (see [`SegmentTable::count`]).
pub const BLOCK: usize = 64;

/// Counts a group keeps per code, records taken in turn (see
/// [`SegmentTable::count_in`]).
const LANES: usize = 4;

/// Facets counted by one code a record: each code stands for a (facet, ordinal) list.
struct Group {
    /// Per code: the (facet index, ordinal) pairs it counts for.
    decode: Vec<Vec<(usize, usize)>>,
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

/// Per record, its groups' codes side by side.
enum Words {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

/// One segment's facets.
pub struct SegmentTable {
    /// Per facet and ordinal: the value (`None`: the no-value marker).
    names: Vec<Vec<Option<String>>>,
    groups: Vec<Group>,
    words: Words,
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
/// within `max` codes (a facet with more is a group of its own).
fn group(mut single: Vec<(usize, usize)>, max: usize) -> Vec<Vec<(usize, usize)>> {
    single.sort_by_key(|&(i, n)| (n, i));
    let mut out: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut codes = 0;
    for (i, n) in single {
        let n = n.max(1);
        match out.last_mut() {
            Some(g) if codes * n <= max => {
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

/// A group being built: its decode table and every record's code.
struct Coded {
    decode: Vec<Vec<(usize, usize)>>,
    codes: Vec<u32>,
}

/// Single-valued facets' ordinals in mixed radix (`ord0 + n0 * (ord1 + n1 * ...)`).
fn mixed_radix(members: &[(usize, usize)], cols: &[Option<StrColumn>], max_doc: u32) -> Coded {
    let total: usize = members.iter().map(|(_, n)| n).product();
    let decode = (0..total)
        .map(|code| {
            let mut rest = code;
            members
                .iter()
                .map(|&(i, n)| {
                    let o = rest % n;
                    rest /= n;
                    (i, o)
                })
                .collect()
        })
        .collect();
    let mut codes = vec![0u32; max_doc as usize];
    let mut radix = 1u32;
    for &(i, n) in members {
        if let Some(ords) = cols.get(i).and_then(|c| c.as_ref()).map(|c| c.ords()) {
            for (d, c) in codes.iter_mut().enumerate() {
                *c += ords.values.get_val(d as DocId) as u32 * radix;
            }
        }
        radix *= n as u32;
    }
    Coded { decode, codes }
}

/// A multi-valued facet as the code of each record's set of values, when its records
/// hold at most `max` different sets.
fn value_sets(l: &List, max: usize) -> Option<Coded> {
    let mut seen: HashMap<&[u32], u32> = HashMap::new();
    let mut decode = Vec::new();
    let mut codes = Vec::with_capacity(l.starts.len());
    for w in l.starts.windows(2) {
        let &[a, b] = w else { continue };
        let set = l.ords.get(a as usize..b as usize)?;
        let code = match seen.get(set) {
            Some(&c) => c,
            None => {
                if decode.len() == max {
                    return None;
                }
                let c = decode.len() as u32;
                decode.push(set.iter().map(|&o| (l.facet, o as usize)).collect());
                seen.insert(set, c);
                c
            }
        };
        codes.push(code);
    }
    Some(Coded { decode, codes })
}

impl SegmentTable {
    /// Reads every facet column of a segment into groups of at most `max` codes.
    fn build_within(reader: &SegmentReader, max: usize) -> tantivy::Result<SegmentTable> {
        let max_doc = reader.max_doc();
        let mut cols = Vec::with_capacity(FACETS.len());
        let mut single = Vec::new();
        let mut multi = Vec::new();
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
                    multi.push(List {
                        facet: i,
                        starts,
                        ords: list,
                    });
                }
            }
            cols.push(col);
        }
        let mut coded: Vec<Coded> = group(single, max)
            .iter()
            .map(|m| mixed_radix(m, &cols, max_doc))
            .collect();
        let mut lists = Vec::new();
        for l in multi {
            match value_sets(&l, max) {
                Some(c) => coded.push(c),
                None => lists.push(l),
            }
        }
        let bits: Vec<u32> = coded
            .iter()
            .map(|c| bits_for(c.decode.len()).max(1))
            .collect();
        let used: u32 = bits.iter().sum();
        if used > 64 {
            // More facets than a word holds (never with the facets we have).
            return Err(tantivy::TantivyError::InvalidArgument(
                "facet codes do not fit in 64 bits".into(),
            ));
        }
        let mut wide = vec![0u64; max_doc as usize];
        let mut groups = Vec::with_capacity(coded.len());
        let mut shift = 0u32;
        for (c, b) in coded.into_iter().zip(bits) {
            for (w, &code) in wide.iter_mut().zip(&c.codes) {
                *w |= u64::from(code) << shift;
            }
            groups.push(Group {
                decode: c.decode,
                shift,
                mask: (1u64 << b) - 1,
            });
            shift += b;
        }
        let words = if used <= 32 {
            Words::Narrow(wide.into_iter().map(|w| w as u32).collect())
        } else {
            Words::Wide(wide)
        };
        let names = cols
            .iter()
            .map(|c| {
                let Some(col) = c else { return Vec::new() };
                let mut s = String::new();
                (0..col.num_terms())
                    .map(|o| {
                        (col.ord_to_str(o as u64, &mut s).unwrap_or(false) && s != NO_VALUE)
                            .then(|| s.clone())
                    })
                    .collect()
            })
            .collect();
        Ok(SegmentTable {
            names,
            groups,
            words,
            lists,
            whole: Mutex::new(None),
        })
    }

    /// Zero counts for this segment.
    pub fn tally(&self) -> Tally {
        Tally {
            groups: self
                .groups
                .iter()
                .map(|g| vec![0; g.decode.len() * LANES])
                .collect(),
            lists: self
                .lists
                .iter()
                .map(|l| vec![0; self.names.get(l.facet).map_or(0, Vec::len)])
                .collect(),
        }
    }

    /// Adds records' values to the tally; `docs` ascending, at most [`BLOCK`].
    pub fn count(&self, docs: &[DocId], t: &mut Tally) {
        match &self.words {
            Words::Narrow(w) => self.count_in(w, docs, t),
            Words::Wide(w) => self.count_in(w, docs, t),
        }
        for (l, counts) in self.lists.iter().zip(t.lists.iter_mut()) {
            for &d in docs {
                let (Some(&a), Some(&b)) = (l.starts.get(d as usize), l.starts.get(d as usize + 1))
                else {
                    continue;
                };
                for &o in l.ords.get(a as usize..b as usize).unwrap_or_default() {
                    if let Some(c) = counts.get_mut(o as usize) {
                        *c += 1;
                    }
                }
            }
        }
    }

    /// The words are read first, all of them, and counted after: a sparse match touches
    /// a new cache line of the table per record, and loads with nothing between them are
    /// in flight together, where a load followed by its counting waits for each miss in
    /// turn (perf: three quarters of counting was that one load). Then each group
    /// counts the block in a loop of its own, its shift, mask and counts held in
    /// registers (callgrind, the query set: 60 → 37 instructions a record). Records
    /// next to each other often share a code, and adding to one count again and again
    /// waits for each addition to be stored before the next (perf: half the cycles of
    /// counting on those additions), so four records in turn add to four counts of
    /// their code, summed when the counts are read.
    #[inline]
    fn count_in<W: Copy + Into<u64>>(&self, table: &[W], docs: &[DocId], t: &mut Tally) {
        let mut words = [0u64; BLOCK];
        let mut n = 0;
        for (slot, &d) in words.iter_mut().zip(docs) {
            if let Some(&w) = table.get(d as usize) {
                *slot = w.into();
                n += 1;
            }
        }
        let words = words.get(..n).unwrap_or_default();
        for (g, counts) in self.groups.iter().zip(t.groups.iter_mut()) {
            let (shift, mask) = (g.shift, g.mask);
            let counts = counts.as_mut_slice();
            let mut add = |w: u64, lane: usize| {
                if let Some(c) = counts.get_mut(((w >> shift) & mask) as usize * LANES + lane) {
                    *c += 1;
                }
            };
            let mut quads = words.chunks_exact(LANES);
            for q in &mut quads {
                for (lane, &w) in q.iter().enumerate() {
                    add(w, lane);
                }
            }
            for &w in quads.remainder() {
                add(w, 0);
            }
        }
    }

    /// Which records pass facet filters: `wanted` holds, per filtered facet (index in
    /// [`FACETS`]), the values accepted; a record passes when it has an accepted value of
    /// every filtered facet.
    pub fn filter(self: &Arc<Self>, wanted: &[(usize, Vec<String>)]) -> SegmentFilter {
        let accepted: Vec<(usize, Vec<bool>)> = wanted
            .iter()
            .map(|(facet, values)| {
                let names = self.names.get(*facet).map_or(&[][..], Vec::as_slice);
                let ok = names
                    .iter()
                    .map(|n| n.as_ref().is_some_and(|n| values.contains(n)))
                    .collect();
                (*facet, ok)
            })
            .collect();
        let takes = |pairs: &[(usize, usize)], facet: usize, ok: &[bool]| {
            pairs
                .iter()
                .any(|&(i, o)| i == facet && ok.get(o).copied().unwrap_or(false))
        };
        let mut groups = Vec::new();
        let mut lists = Vec::new();
        let mut nowhere = false;
        for (facet, ok) in &accepted {
            if let Some(g) = self
                .groups
                .iter()
                .position(|g| g.decode.iter().flatten().any(|&(i, _)| i == *facet))
            {
                groups.push((g, *facet, ok.clone()));
            } else if let Some(l) = self.lists.iter().position(|l| l.facet == *facet) {
                lists.push((l, ok.clone()));
            } else {
                // No record of this segment has a value of the facet.
                nowhere = true;
            }
        }
        // One table of accepted codes per group, every filtered facet of it checked.
        let mut by_group: Vec<(u32, u64, Vec<bool>)> = Vec::new();
        for (gi, g) in self.groups.iter().enumerate() {
            let mine: Vec<_> = groups.iter().filter(|(i, _, _)| *i == gi).collect();
            if mine.is_empty() {
                continue;
            }
            let pass = g
                .decode
                .iter()
                .map(|pairs| mine.iter().all(|(_, f, ok)| takes(pairs, *f, ok)))
                .collect();
            by_group.push((g.shift, g.mask, pass));
        }
        SegmentFilter {
            table: self.clone(),
            nowhere,
            groups: by_group,
            lists,
        }
    }

    /// A tally's counts by facet and value (records without a value left out).
    pub fn named(&self, t: Tally) -> Counts {
        let mut out = vec![HashMap::new(); FACETS.len()];
        self.add_named(&self.by_ordinal(t), &mut out);
        out
    }

    /// Adds counts by facet and ordinal (see [`SegmentTable::by_ordinal`]) to counts by
    /// facet and value; a value's name is copied only the first time it is seen.
    pub fn add_named(&self, by_ordinal: &[Vec<u32>], out: &mut Counts) {
        for ((names, counts), o) in self.names.iter().zip(by_ordinal).zip(out.iter_mut()) {
            for (name, &n) in names.iter().zip(counts) {
                let Some(name) = name.as_deref().filter(|_| n > 0) else {
                    continue;
                };
                match o.get_mut(name) {
                    Some(c) => *c += u64::from(n),
                    None => {
                        o.insert(name.to_owned(), u64::from(n));
                    }
                }
            }
        }
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
        let alive: Vec<DocId> = reader.doc_ids_alive().collect();
        for block in alive.chunks(BLOCK) {
            self.count(block, &mut t);
        }
        let counts = Arc::new(self.named(t));
        if let Ok(mut w) = self.whole.lock() {
            *w = Some((deleted, counts.clone()));
        }
        counts
    }

    /// A tally as counts per facet and ordinal.
    pub fn by_ordinal(&self, t: Tally) -> Vec<Vec<u32>> {
        let mut out: Vec<Vec<u32>> = self.names.iter().map(|n| vec![0; n.len()]).collect();
        for (g, counts) in self.groups.iter().zip(&t.groups) {
            for (pairs, lanes) in g.decode.iter().zip(counts.chunks_exact(LANES)) {
                let n: u32 = lanes.iter().sum();
                if n == 0 {
                    continue;
                }
                for &(i, o) in pairs {
                    if let Some(c) = out.get_mut(i).and_then(|v| v.get_mut(o)) {
                        *c += n;
                    }
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
        let words = match &self.words {
            Words::Narrow(w) => w.len() * 4,
            Words::Wide(w) => w.len() * 8,
        };
        words
            + self
                .lists
                .iter()
                .map(|l| (l.starts.len() + l.ords.len()) * 4)
                .sum::<usize>()
    }
}

/// Which records of a segment pass facet filters (see [`SegmentTable::filter`]).
pub struct SegmentFilter {
    table: Arc<SegmentTable>,
    /// A filtered facet no record of the segment has: none passes.
    nowhere: bool,
    /// Per group with a filtered facet: its shift, mask and accepted codes.
    groups: Vec<(u32, u64, Vec<bool>)>,
    /// Per list with a filtered facet: its index and accepted ordinals.
    lists: Vec<(usize, Vec<bool>)>,
}

impl SegmentFilter {
    /// Whether record `doc` passes.
    #[inline]
    pub fn pass(&self, doc: DocId) -> bool {
        if self.nowhere {
            return false;
        }
        let word = match &self.table.words {
            Words::Narrow(w) => w.get(doc as usize).map(|&w| u64::from(w)),
            Words::Wide(w) => w.get(doc as usize).copied(),
        };
        let Some(word) = word else { return false };
        let groups = self.groups.iter().all(|(shift, mask, ok)| {
            ok.get(((word >> shift) & mask) as usize)
                .copied()
                .unwrap_or(false)
        });
        groups
            && self.lists.iter().all(|(li, ok)| {
                let Some(l) = self.table.lists.get(*li) else {
                    return false;
                };
                let (Some(&a), Some(&b)) =
                    (l.starts.get(doc as usize), l.starts.get(doc as usize + 1))
                else {
                    return false;
                };
                l.ords
                    .get(a as usize..b as usize)
                    .unwrap_or_default()
                    .iter()
                    .any(|&o| ok.get(o as usize).copied().unwrap_or(false))
            })
    }
}

/// The tables of an index's segments, kept up to date by the index reader: a new
/// segment's table is built when a reload first shows it, a merged-away one is dropped.
pub struct FacetTables {
    by_segment: RwLock<HashMap<SegmentId, Arc<SegmentTable>>>,
    /// Most codes of a group (see [`MAX_GROUP_CODES`]; tests take fewer).
    max_codes: usize,
}

impl Default for FacetTables {
    fn default() -> Self {
        FacetTables {
            by_segment: RwLock::default(),
            max_codes: MAX_GROUP_CODES,
        }
    }
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
        let t = Arc::new(SegmentTable::build_within(reader, self.max_codes)?);
        tracing::debug!(
            segment = %id.short_uuid_string(),
            records = reader.max_doc(),
            bytes = t.heap_bytes(),
            codes = ?t.groups.iter().map(|g| g.decode.len()).collect::<Vec<_>>(),
            lists = t.lists.len(),
            "facet table"
        );
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
    use tantivy::{IndexReader, IndexWriter, TantivyDocument, TantivyError, Term, Warmer};

    use super::{FacetTables, MAX_GROUP_CODES, Words, bits_for, group};
    use crate::facet_counter::FacetCounter;
    use crate::facet_filter::{Checked as FacetChecked, Checks};
    use crate::facets::{Counts, FACETS, NO_VALUE, field};
    use crate::schema;
    use crate::testing::{numbers, ram_index};

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

    /// How a test's segments laid their facets out.
    #[derive(Debug, PartialEq)]
    struct Layout {
        narrow: bool,
        lists: bool,
    }

    #[test]
    fn counts_match_the_records_across_segments_and_deletes() -> tantivy::Result<()> {
        // Value counts chosen so that some facets share a code and one (place) does not;
        // the codes then need more than 32 bits a record.
        let large = [4usize, 70, 40, 30, 300, 5, 2, 2];
        let wide = Layout {
            narrow: false,
            lists: false,
        };
        counts_match(3, large, MAX_GROUP_CODES, wide)?;
        // Sizes like the demo museum's: 32 bits a record.
        let demo = [3usize, 40, 30, 20, 23, 6, 2, 2];
        let narrow = Layout {
            narrow: true,
            lists: false,
        };
        counts_match(3, demo, MAX_GROUP_CODES, narrow)?;
        // More material sets than a group may have codes: a list (the rest fits 32 bits).
        let listed = Layout {
            narrow: true,
            lists: true,
        };
        counts_match(20, large, 64, listed)
    }

    fn counts_match(
        most_materials: usize,
        sizes: [usize; 8],
        max_codes: usize,
        layout: Layout,
    ) -> tantivy::Result<()> {
        let (index, f, _) = ram_index();
        let tables = Arc::new(FacetTables {
            max_codes,
            ..FacetTables::default()
        });
        let warmer: Arc<dyn Warmer> = tables.clone();
        let reader = index
            .reader_builder()
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        let mut random = numbers(7);
        let mut next = |n: usize| random(n as u64) as usize;
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
        // Filters checked on the table while collecting (see `facet_filter`): a
        // department, materials (several a record) and places, values OR'd within one.
        let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let wanted = vec![
            (0, strings(&["department1", "department2"])),
            (2, strings(&["m1", "m3"])),
            (4, strings(&["place3", "place7", "place9", "place11"])),
        ];
        let keep = |v: &Values| {
            wanted
                .iter()
                .all(|(i, ok)| v[*i].iter().any(|x| ok.contains(x)))
        };
        let checked = |facets: Vec<(usize, Vec<String>)>| FacetChecked {
            tables: tables.clone(),
            checks: Arc::new(Checks {
                facets,
                ..Checks::default()
            }),
            inner: (
                Count,
                FacetCounter {
                    tables: tables.clone(),
                },
            ),
        };
        let (n, got) = searcher.search(&AllQuery, &checked(wanted.clone()))?;
        assert!(n > 0, "some records pass");
        assert_eq!(n, records.iter().filter(|(_, v)| keep(v)).count());
        assert_eq!(got, expected(&records, keep));
        let (n, _) = searcher.search(&AllQuery, &checked(vec![(0, strings(&["nowhere"]))]))?;
        assert_eq!(n, 0, "a value no record has");
        assert!(tables.heap_bytes() > 0);
        let segments = tables
            .by_segment
            .read()
            .map_err(|_| TantivyError::Poisoned)?;
        for t in segments.values() {
            let seen = Layout {
                narrow: matches!(t.words, Words::Narrow(_)),
                lists: !t.lists.is_empty(),
            };
            assert_eq!(seen, layout);
        }
        drop(segments);
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
        let g = group(
            vec![(0, 4), (1, 60), (3, 20), (4, 300), (5, 5), (6, 2), (7, 2)],
            MAX_GROUP_CODES,
        );
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
        assert_eq!(
            group(vec![(2, 10_000)], MAX_GROUP_CODES),
            vec![vec![(2, 10_000)]]
        );
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
