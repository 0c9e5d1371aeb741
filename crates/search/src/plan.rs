//! From a parsed query and filters to a tantivy query.
//!
//! A plain word is looked up as Chinese words (if it has Chinese characters), else as an
//! English stem (with typo tolerance when the exact stem is nowhere in the index), as
//! pinyin syllables, and, when it looks like one, as an object number or its prefix; the
//! same word in the names of authorities stands for the records referring to them (see
//! `authority_index`). Title matches weigh more; filters never change the ranking.

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, InvertedIndexRangeQuery,
    Occur, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term as TTerm};

use crate::analysis::{Analyzer, is_han};
use crate::authority_index::AuthorityIndex;
use crate::band::{BandQuery, Cover};
use crate::query::{FieldRef, Parsed, Term};
use crate::schema::Fields;
use crate::scope::Scope;
use crate::years::YearsQuery;

type Q = Box<dyn Query>;

/// Authorities matched by one word whose records are scored one by one; more (a word
/// every period has, "dynasty") are one unscored set.
const MAX_SCORED_REFS: usize = 32;

/// Numbers a prefix may begin for their postings to be read (see
/// [`Planner::number_prefix`]).
const FEW_NUMBERS: usize = 2_000;

/// Authorities matched by one word whose records a phrase of that word skips (they are
/// found by their reference; each costs the phrase a look-up per candidate record).
const MAX_SKIPPED_REFS: usize = 8;

/// Filters beside the text query: facet values (OR within a facet, AND across) and a
/// year range that a record's dates must overlap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// Facet name → accepted values.
    pub facets: BTreeMap<String, Vec<String>>,
    /// Records whose latest year is at least this.
    pub year_from: Option<i64>,
    /// Records whose earliest year is at most this.
    pub year_to: Option<i64>,
}

/// Builds queries against one index.
pub struct Planner<'a> {
    /// Analyzer shared with indexing.
    pub an: &'a Analyzer,
    /// Field handles.
    pub f: &'a Fields,
    /// For term statistics (typo tolerance only where the exact word is absent).
    pub searcher: &'a Searcher,
    /// Whether confidential text is searched (roles allowed to see it).
    pub secret: bool,
    /// The authorities searched by name, whose matches stand for the records referring
    /// to them (see `authority_index`); `None` when planning for that index itself.
    pub authorities: Option<&'a AuthorityIndex>,
    /// Another index whose words are not typos either (records and authorities know
    /// each other's words).
    pub known_in: Option<&'a Searcher>,
}

impl<'a> Planner<'a> {
    /// A planner for a record index, whose words also match by the authorities the
    /// records refer to.
    pub fn records(
        an: &'a Analyzer,
        f: &'a Fields,
        searcher: &'a Searcher,
        secret: bool,
        authorities: &'a AuthorityIndex,
    ) -> Self {
        Planner {
            an,
            f,
            searcher,
            secret,
            authorities: Some(authorities),
            known_in: Some(authorities.searcher()),
        }
    }
}

fn term(field: Field, text: &str) -> TTerm {
    TTerm::from_field_text(field, text)
}

fn tq(field: Field, text: &str) -> Q {
    Box::new(TermQuery::new(
        term(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boost(q: Q, by: f32) -> Q {
    Box::new(BoostQuery::new(q, by))
}

/// A phrase of terms on a field with positions (one term is a term query); phrases
/// are all band queries (see `band`), whose scorer can also skip records.
fn phrase(field: Field, terms: &[String]) -> Option<Q> {
    match terms {
        [] => None,
        [one] => Some(tq(field, one)),
        _ => BandQuery::phrase(field, terms).map(|q| Box::new(q) as Q),
    }
}

/// A phrase of terms whose first stands in a field's band (see `band`), in records
/// holding no group of `skip` whole (they are found some cheaper way).
fn in_band(field: Field, terms: &[String], scope: Scope, skip: &[Vec<TTerm>]) -> Option<Q> {
    BandQuery::new(field, terms, scope, skip.to_vec()).map(|q| Box::new(q) as Q)
}

/// Any of `qs`; unions among them are taken apart, so that the result is one union: a
/// union within a union would gather and add up the same records once per level.
fn any(qs: Vec<Q>) -> Option<Q> {
    let mut flat: Vec<Q> = Vec::with_capacity(qs.len());
    for q in qs {
        match q.downcast_ref::<BooleanQuery>() {
            Some(b) if b.clauses().iter().all(|(o, _)| *o == Occur::Should) => {
                flat.extend(b.clauses().iter().map(|(_, c)| c.box_clone()));
            }
            _ => flat.push(q),
        }
    }
    match flat.len() {
        0 => None,
        1 => flat.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::union(flat))),
    }
}

fn all(qs: Vec<Q>) -> Option<Q> {
    match qs.len() {
        0 => None,
        1 => qs.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::intersection(qs))),
    }
}

fn filter(q: Q) -> Q {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

/// Whether a word looks like an object number or its beginning (`GDM-2016-00`).
pub fn looks_like_number(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_digit() || b == b'-')
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-./:".contains(&b))
}

impl Planner<'_> {
    /// The number itself first, then every number it begins. A prefix of many numbers
    /// (`LNH-20`) is a range of the numbers' column, whose sorted dictionary makes it
    /// one run of ordinals; a prefix of few (`LNH-2021-001`) reads their postings, as
    /// the column range scans every record's value.
    fn number_prefix(&self, w: &str) -> Q {
        let lower = w.to_lowercase();
        let (from, to) = (
            Bound::Included(term(self.f.number, &lower)),
            Bound::Excluded(term(self.f.number, &format!("{lower}\u{10FFFF}"))),
        );
        let range: Q = match self.few_numbers(&lower) {
            true => Box::new(InvertedIndexRangeQuery::new(from, to)),
            false => Box::new(RangeQuery::new(from, to)),
        };
        any(vec![boost(tq(self.f.number, &lower), 20.0), filter(range)]).unwrap_or(range_none())
    }

    /// Whether at most [`FEW_NUMBERS`] object numbers begin with `prefix`.
    fn few_numbers(&self, prefix: &str) -> bool {
        let upper = format!("{prefix}\u{10FFFF}");
        let mut n = 0;
        for seg in self.searcher.segment_readers() {
            let Ok(index) = seg.inverted_index(self.f.number) else {
                return false;
            };
            let Ok(mut terms) = index.terms().range().ge(prefix).lt(&upper).into_stream() else {
                return false;
            };
            while terms.advance() {
                n += 1;
                if n > FEW_NUMBERS {
                    return false;
                }
            }
        }
        true
    }

    /// Chinese `text`: its words (all required; anywhere only), or its runs of
    /// characters as phrases of character pairs, so a word jieba cut differently in a
    /// record's context is still found. Records holding the words are found by them, so
    /// the phrases skip those without reading their positions.
    fn chinese(&self, text: &str, scope: Option<Scope>, skip: &[Vec<TTerm>]) -> Option<Q> {
        let terms = match scope {
            None => self.an.zh_terms(text),
            Some(_) => Vec::new(),
        };
        if let Some(q) = self.chinese_gram(text, &terms) {
            return Some(q);
        }
        let mut alts: Vec<Q> = self.chinese_words(&terms).into_iter().collect();
        let mut unless = skip.to_vec();
        if !alts.is_empty() {
            unless.push(terms.iter().map(|t| term(self.f.all_zh, t)).collect());
        }
        let covered = self.covered(text, &terms);
        let mut runs = Vec::new();
        for run in text.split(|c: char| !is_han(c)).filter(|r| !r.is_empty()) {
            let grams = self.an.gram_terms(run);
            runs.push(match scope {
                None => Box::new(
                    BandQuery::phrase_unless(self.f.all_zhc, &grams, unless.clone())?
                        .covered_by(covered.clone()),
                ) as Q,
                Some(s) => in_band(self.f.all_zhc, &grams, s, skip)?,
            });
        }
        alts.extend(all(runs));
        any(alts)
    }

    /// The words of `text` (one run of Chinese characters, cut into `terms`) with their
    /// characters' terms, which every record holding the word holds too (see
    /// [`BandQuery::covered_by`]); nothing when the text is more than one run or a word
    /// is not all Chinese characters.
    fn covered(&self, text: &str, terms: &[String]) -> Vec<Cover> {
        if terms.is_empty() || !text.chars().all(is_han) {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(terms.len());
        for t in terms {
            if !t.chars().all(is_han) {
                return Vec::new();
            }
            out.push(Cover {
                word: term(self.f.all_zh, t),
                within: self
                    .an
                    .gram_terms(t)
                    .iter()
                    .map(|g| term(self.f.all_zhc, g))
                    .collect(),
            });
        }
        out
    }

    /// A word of one or two characters that jieba keeps whole (`青花`, `瓷`): every
    /// record holding the word holds it as a character or pair too, so the characters'
    /// field alone finds them all (with the records where jieba cut the text otherwise),
    /// scored by how often the characters stand there. One list instead of the word's,
    /// the pair's and a check of each pair record against the word's list.
    fn chinese_gram(&self, text: &str, terms: &[String]) -> Option<Q> {
        let [word] = terms else { return None };
        if !text.chars().all(is_han) {
            return None;
        }
        let [gram] = self.an.gram_terms(text).try_into().ok()?;
        if gram != *word {
            return None;
        }
        let mut alts = vec![
            tq(self.f.all_zhc, &gram),
            boost(tq(self.f.title_zh, &gram), 2.0),
        ];
        if self.secret {
            alts.push(tq(self.f.secret_zh, &gram));
        }
        any(alts)
    }

    /// Chinese words (all required), titles weighing more.
    fn chinese_words(&self, terms: &[String]) -> Option<Q> {
        let per_term = terms
            .iter()
            .map(|t| {
                let mut alts = vec![tq(self.f.all_zh, t), boost(tq(self.f.title_zh, t), 2.0)];
                if self.secret {
                    alts.push(tq(self.f.secret_zh, t));
                }
                any(alts)
            })
            .collect::<Option<Vec<_>>>()?;
        all(per_term)
    }

    /// English stems of `text`: a word (typo-tolerant when unscoped and unknown) or a
    /// phrase; phrases and words in a field's band skip the records of `skip`.
    fn english(
        &self,
        text: &str,
        scope: Option<Scope>,
        is_phrase: bool,
        skip: &[Vec<TTerm>],
    ) -> Option<Q> {
        let terms = self.an.en_terms(text);
        // The catch-all field holds each word with the pair it starts (see
        // `Analyzer::en_paired`): a phrase is its pairs, two words one term.
        let pairs = Analyzer::pair_terms(&terms);
        if let Some(s) = scope {
            return in_band(self.f.all_en, &pairs, s, skip);
        }
        let field = self.f.all_en;
        if is_phrase || terms.len() > 1 {
            let mut alts = vec![match pairs.len() {
                1 => phrase(field, &pairs)?,
                _ => Box::new(BandQuery::phrase_unless(field, &pairs, skip.to_vec())?) as Q,
            }];
            if self.secret {
                alts.extend(phrase(self.f.secret_en, &terms));
            }
            return any(alts);
        }
        let t = terms.first()?;
        let mut alts = vec![tq(field, t), boost(tq(self.f.title_en, t), 2.0)];
        if self.secret {
            alts.push(tq(self.f.secret_en, t));
        }
        let known = self.known_en(t);
        let chars = t.chars().count();
        // A word that reads as pinyin found in the index (`ping`, `chun`) is pinyin, not
        // a misspelt English word: its near spellings would only add noise (and many terms).
        if !known && chars >= 4 && t.chars().all(char::is_alphabetic) && !self.known_pinyin(text) {
            let distance = if chars >= 8 { 2 } else { 1 };
            alts.push(Box::new(FuzzyTermQuery::new(
                term(field, t),
                distance,
                true,
            )));
        }
        any(alts)
    }

    /// Pinyin syllables of `text` (words of Latin letters), as a phrase.
    fn pinyin(&self, text: &str, scope: Option<Scope>, skip: &[Vec<TTerm>]) -> Option<(Q, usize)> {
        if scope.is_some_and(|s| !s.has_pinyin()) {
            return None;
        }
        let mut syllables = Vec::new();
        for w in text.split_whitespace() {
            syllables.extend(self.an.split_pinyin(w)?);
        }
        let n = syllables.len();
        let grams = Analyzer::pair_terms(&syllables);
        let q = match scope {
            Some(Scope::Title) => phrase(self.f.title_py, &grams)?,
            Some(s) => in_band(self.f.all_py, &grams, s, skip)?,
            // Titles weigh three times as much (a lone syllable is searched only when
            // it is no English word).
            None => self.pinyin_anywhere(&grams, 3.0)?,
        };
        Some((q, n))
    }

    /// A pinyin phrase in makers or places, or in titles weighing `title` times as much.
    fn pinyin_anywhere(&self, grams: &[String], title: f32) -> Option<Q> {
        let in_title = phrase(self.f.title_py, grams).map(|q| boost(q, title));
        any(phrase(self.f.all_py, grams)
            .into_iter()
            .chain(in_title)
            .collect())
    }

    /// Whether a Latin word splits into pinyin syllables that this index holds.
    fn known_pinyin(&self, word: &str) -> bool {
        self.an.split_pinyin(word).is_some_and(|s| {
            Analyzer::pair_terms(&s).first().is_some_and(|g| {
                [self.f.all_py, self.f.title_py]
                    .iter()
                    .any(|&f| self.searcher.doc_freq(&term(f, g)).unwrap_or(0) > 0)
            })
        })
    }

    /// Whether an English stem is a word of this index or of [`Planner::known_in`].
    fn known_en(&self, stem: &str) -> bool {
        let t = term(self.f.all_en, stem);
        self.searcher.doc_freq(&t).unwrap_or(0) > 0
            || self
                .known_in
                .is_some_and(|s| s.doc_freq(&t).unwrap_or(0) > 0)
    }

    /// One word or phrase, anywhere or in its field.
    pub fn term(&self, t: &Term) -> Option<Q> {
        let scope = match t.field {
            Some(FieldRef::Number) => return Some(self.number_prefix(&t.text)),
            Some(FieldRef::Department(d)) => {
                return Some(filter(tq(self.f.department, d.as_str())));
            }
            Some(FieldRef::Status(s)) => return Some(filter(tq(self.f.status, s.as_str()))),
            Some(FieldRef::Scope(s)) => Some(s),
            None => None,
        };
        let refs = self.referring(t, scope);
        // Records referring to a matched authority are found by that reference.
        let skip: Vec<Vec<TTerm>> = match refs.len() {
            0..=MAX_SKIPPED_REFS => refs.iter().map(|r| vec![r.clone()]).collect(),
            _ => Vec::new(),
        };
        let mut alts: Vec<Q> = self.words_skipping(t, scope, &skip).into_iter().collect();
        alts.extend(refs_query(refs));
        if scope.is_none() && !t.phrase && looks_like_number(&t.text) {
            alts.push(self.number_prefix(&t.text));
        }
        if alts.is_empty()
            && scope.is_some_and(|s| !s.in_records())
            && t.text.chars().any(char::is_alphanumeric)
        {
            // No authority of that name: a valid question with no answer.
            return Some(range_none());
        }
        any(alts)
    }

    /// The reference terms of the authorities whose names match the word or phrase.
    fn referring(&self, t: &Term, scope: Option<Scope>) -> Vec<TTerm> {
        let Some(ai) = self.authorities else {
            return Vec::new();
        };
        if scope.is_some_and(|s| !s.has_authorities()) {
            return Vec::new();
        }
        ai.matching(self.an, self.f, self.searcher, t, scope)
            .iter()
            .map(|id| term(self.f.refs, &id.to_string()))
            .collect()
    }

    /// The word or phrase in the texts of this index (not as an object number).
    pub fn words(&self, t: &Term, scope: Option<Scope>) -> Option<Q> {
        self.words_skipping(t, scope, &[])
    }

    /// [`Planner::words`], whose phrases skip records holding a group of `skip` whole.
    fn words_skipping(&self, t: &Term, scope: Option<Scope>, skip: &[Vec<TTerm>]) -> Option<Q> {
        // A field records hold no text of (makers, materials...) is searched in the
        // authorities alone: looking in the records' bands would read positions for nothing.
        if self.authorities.is_some() && scope.is_some_and(|s| !s.in_records()) {
            return None;
        }
        if t.text.chars().any(is_han) {
            return self.chinese(&t.text, scope, skip);
        }
        let mut alts = Vec::new();
        let en = self.english(&t.text, scope, t.phrase, skip);
        let en_known = en.is_some()
            && self
                .an
                .en_terms(&t.text)
                .first()
                .is_some_and(|w| self.known_en(w));
        alts.extend(en);
        if let Some((py, syllables)) = self.pinyin(&t.text, scope, skip) {
            // A lone syllable that is also an English word in the index ("long", "fan")
            // means the English word.
            if syllables > 1 || !en_known || scope.is_some() {
                alts.push(py);
            }
        }
        any(alts)
    }

    /// Words typed one after another that read as pinyin (`qing hua`) lift records where
    /// the syllables stand together.
    fn pinyin_runs(&self, p: &Parsed) -> Vec<Q> {
        let mut out = Vec::new();
        let mut run: Vec<String> = Vec::new();
        let flush = |run: &mut Vec<String>, out: &mut Vec<Q>| {
            if run.len() > 1
                && let Some(q) = self.pinyin_anywhere(&Analyzer::pair_terms(run), 1.0)
            {
                out.push(boost(q, 3.0));
            }
            run.clear();
        };
        for g in &p.must {
            match g.as_slice() {
                [t] if t.field.is_none() && !t.phrase => match self.an.split_pinyin(&t.text) {
                    Some(s) => run.extend(s),
                    None => flush(&mut run, &mut out),
                },
                _ => flush(&mut run, &mut out),
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// The whole query. `None` when no word in it can be searched (only punctuation).
    pub fn query(&self, parsed: Option<&Parsed>, filters: &Filters) -> Option<Q> {
        let mut clauses: Vec<(Occur, Q)> = Vec::new();
        if let Some(p) = parsed {
            let mut searchable = 0;
            for g in &p.must {
                if let Some(q) = any(g.iter().filter_map(|t| self.term(t)).collect()) {
                    clauses.push((Occur::Must, q));
                    searchable += 1;
                }
            }
            for t in &p.exclude {
                if let Some(q) = self.term(t) {
                    clauses.push((Occur::MustNot, q));
                    searchable += 1;
                }
            }
            if searchable == 0 {
                return None;
            }
            for q in self.pinyin_runs(p) {
                clauses.push((Occur::Should, q));
            }
        }
        for q in self.filters(filters) {
            clauses.push((Occur::Must, q));
        }
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// The query of text still being typed (suggestions): the last word also matches
    /// as the beginning of an English word of a title.
    pub fn query_typed(&self, p: &Parsed) -> Option<Q> {
        let mut clauses: Vec<(Occur, Q)> = Vec::new();
        for (i, g) in p.must.iter().enumerate() {
            let mut alts: Vec<Q> = g.iter().filter_map(|t| self.term(t)).collect();
            if i + 1 == p.must.len()
                && let [t] = g.as_slice()
                && t.field.is_none()
                && !t.phrase
                && t.text.chars().count() >= 2
                && t.text.chars().all(char::is_alphabetic)
                && !t.text.chars().any(is_han)
            {
                // Titles only: a prefix over every word of a large museum is slow and
                // suggests little of use.
                let w = t.text.to_lowercase();
                let mut q = InvertedIndexRangeQuery::new(
                    Bound::Included(term(self.f.title_en, &w)),
                    Bound::Excluded(term(self.f.title_en, &format!("{w}\u{10FFFF}"))),
                );
                q.limit(64);
                alts.push(Box::new(q));
            }
            if let Some(q) = any(alts) {
                clauses.push((Occur::Must, q));
            }
        }
        for t in &p.exclude {
            if let Some(q) = self.term(t) {
                clauses.push((Occur::MustNot, q));
            }
        }
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            return None;
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    fn filters(&self, fl: &Filters) -> Vec<Q> {
        let mut out = Vec::new();
        for (name, values) in &fl.facets {
            if let Some(field) = crate::facets::field(self.f, name) {
                out.extend(any(values.iter().map(|v| tq(field, v)).collect()).map(filter));
            }
        }
        if let Some(q) = YearsQuery::new(fl.year_from, fl.year_to) {
            out.push(filter(Box::new(q)));
        }
        out
    }
}

/// Records referring to any of these authorities.
fn refs_query(refs: Vec<TTerm>) -> Option<Q> {
    match refs.len() {
        0 => None,
        // Each weighs by how rare it is among the records, as a word would.
        1..=MAX_SCORED_REFS => any(refs
            .into_iter()
            .map(|r| Box::new(TermQuery::new(r, IndexRecordOption::Basic)) as Q)
            .collect()),
        _ => Some(Box::new(TermSetQuery::new(refs))),
    }
}

fn range_none() -> Q {
    Box::new(tantivy::query::EmptyQuery)
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, Occur};
    use tantivy::schema::{STRING, Schema};

    use super::{Q, all, any, tq};

    #[test]
    fn number_prefixes_of_few_and_many_numbers() -> tantivy::Result<()> {
        use tantivy::TantivyDocument;
        use tantivy::collector::Count;

        let (index, f, an) = crate::testing::ram_index();
        let mut w = index.writer_with_num_threads(1, 15_000_000)?;
        let many = super::FEW_NUMBERS + 500;
        for (i, number) in (0..many)
            .map(|n| format!("lnh-2016-{n:05}"))
            .chain(["lna-2016-00001".to_owned()])
            .enumerate()
        {
            let mut doc = TantivyDocument::default();
            doc.add_text(f.number, &number);
            w.add_document(doc)?;
            if i % 1000 == 999 {
                w.commit()?;
            }
        }
        w.commit()?;
        let searcher = index.reader()?.searcher();
        let p = super::Planner {
            an: &an,
            f: &f,
            searcher: &searcher,
            secret: false,
            authorities: None,
            known_in: None,
        };
        // Many numbers: the column's range; few: their postings; the same answers.
        assert!(!p.few_numbers("lnh-2016"));
        assert_eq!(
            searcher.search(&*p.number_prefix("LNH-2016"), &Count)?,
            many
        );
        assert!(p.few_numbers("lnh-2016-001"));
        assert_eq!(
            searcher.search(&*p.number_prefix("LNH-2016-001"), &Count)?,
            100
        );
        assert_eq!(
            searcher.search(&*p.number_prefix("lnh-2016-00007"), &Count)?,
            1
        );
        assert_eq!(searcher.search(&*p.number_prefix("LNX"), &Count)?, 0);
        Ok(())
    }

    /// The occurrences of a boolean query's top clauses (`None`: not a boolean query).
    fn clauses(q: &Q) -> Option<Vec<Occur>> {
        q.downcast_ref::<BooleanQuery>()
            .map(|b| b.clauses().iter().map(|(o, _)| *o).collect())
    }

    #[test]
    fn unions_within_unions_are_one_union() {
        let mut s = Schema::builder();
        let f = s.add_text_field("f", STRING);
        let inner = any(vec![tq(f, "a"), tq(f, "b")]);
        let deeper = any(vec![
            tq(f, "c"),
            any(vec![tq(f, "d"), tq(f, "e")]).unwrap_or(tq(f, "x")),
        ]);
        let q = any(vec![
            inner.unwrap_or(tq(f, "x")),
            deeper.unwrap_or(tq(f, "x")),
            tq(f, "g"),
        ]);
        let q = q.unwrap_or(tq(f, "x"));
        assert_eq!(clauses(&q), Some(vec![Occur::Should; 6]));
        // An intersection inside a union is kept whole: its clauses are all required.
        let both = all(vec![tq(f, "a"), tq(f, "b")]).unwrap_or(tq(f, "x"));
        let q = any(vec![both, tq(f, "c")]).unwrap_or(tq(f, "x"));
        assert_eq!(clauses(&q), Some(vec![Occur::Should; 2]));
        let kept = q
            .downcast_ref::<BooleanQuery>()
            .and_then(|b| b.clauses().first())
            .and_then(|(_, c)| clauses(c));
        assert_eq!(kept, Some(vec![Occur::Must; 2]));
        // One alternative is itself; none is no query.
        assert!(clauses(&any(vec![tq(f, "a")]).unwrap_or(tq(f, "x"))).is_none());
        assert!(any(Vec::new()).is_none());
    }
}
