//! The authorities (makers, places, vocabulary terms) as a small index of their own.
//!
//! A record's index document holds the ids of the authorities it refers to, not their
//! names: a word of a query that matches an authority's names (any language, variant
//! or pinyin, analysed as records are) matches every record that refers to it, and a
//! place also the records of every place inside it. Names were more than a third of
//! every record's terms, repeated in each record; here they are indexed once, and a
//! renamed artist is found under the new name without touching a single record.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::collector::DocSetCollector;
use tantivy::query::Query;
use tantivy::schema::Value;
use tantivy::{Index, Searcher, TantivyDocument};
use uuid::Uuid;
use vitrine_collections::authority::Kind;

use crate::analysis::{self, Analyzer};
use crate::document::{self, Authorities};
use crate::plan::Planner;
use crate::query::Term;
use crate::schema::{self, Fields};
use crate::scope::Scope;
use crate::store::err;

/// Memory the one-off writer of the authority index may use.
const WRITER_MEMORY: usize = 15 * 1024 * 1024;
/// Levels of places inside a place that a match reaches (as deep as records were).
const PLACE_DEPTH: usize = 6;

/// The authority index and the place hierarchy, rebuilt when an authority changes.
#[derive(Clone)]
pub struct AuthorityIndex {
    /// Never changes: a change of authorities builds a new index.
    searcher: Searcher,
    /// Places directly inside each place.
    children: HashMap<Uuid, Vec<Uuid>>,
}

impl AuthorityIndex {
    /// Indexes every authority a record can refer to (the museum's own locations are
    /// never searched by name: they are text of restricted fields).
    pub fn new(an: &Arc<Analyzer>, auth: &Authorities) -> vitrine_kernel::Result<Self> {
        let (schema, f) = schema::build();
        let index = Index::create_in_ram(schema);
        analysis::register(&index, an);
        let mut w = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(err)?;
        let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for (id, a) in auth {
            if let Some(doc) = document::authority(&f, *id, a) {
                w.add_document(doc).map_err(err)?;
            }
            if a.kind == Kind::Place
                && let Some(p) = a.parent_id
            {
                children.entry(p).or_default().push(*id);
            }
        }
        w.commit().map_err(err)?;
        let reader = index.reader().map_err(err)?;
        reader.reload().map_err(err)?;
        Ok(AuthorityIndex {
            searcher: reader.searcher(),
            children,
        })
    }

    /// An index of no authorities (before the first load).
    pub fn empty(an: &Arc<Analyzer>) -> Self {
        Self::new(an, &Authorities::new()).expect("an empty index in memory")
    }

    /// The searcher over the authorities' names.
    pub fn searcher(&self) -> &Searcher {
        &self.searcher
    }

    /// Authorities whose names match `t` (in `scope`, or any), places with the places
    /// inside them. `records` is the record index, whose words are no typos either.
    pub fn matching(
        &self,
        an: &Analyzer,
        f: &Fields,
        records: &Searcher,
        t: &Term,
        scope: Option<Scope>,
    ) -> Vec<Uuid> {
        let searcher = &self.searcher;
        let planner = Planner {
            an,
            f,
            searcher,
            secret: false,
            authorities: None,
            known_in: Some(records),
        };
        let Some(q) = planner.words(t, scope) else {
            return Vec::new();
        };
        let mut found = ids(searcher, &*q, f);
        let mut seen: HashSet<Uuid> = found.iter().copied().collect();
        let mut level = found.clone();
        for _ in 0..PLACE_DEPTH {
            let next: Vec<Uuid> = level
                .iter()
                .flat_map(|p| self.children.get(p).into_iter().flatten())
                .filter(|c| seen.insert(**c))
                .copied()
                .collect();
            if next.is_empty() {
                break;
            }
            found.extend(&next);
            level = next;
        }
        found
    }
}

/// The authorities a query matches.
fn ids(searcher: &Searcher, q: &dyn Query, f: &Fields) -> Vec<Uuid> {
    let Ok(docs) = searcher.search(q, &DocSetCollector) else {
        return Vec::new();
    };
    let mut out: Vec<Uuid> = docs
        .into_iter()
        .filter_map(|d| searcher.doc::<TantivyDocument>(d).ok())
        .filter_map(|d| {
            d.get_first(f.id)
                .and_then(|v| v.as_str().and_then(|s| s.parse().ok()))
        })
        .collect();
    out.sort_unstable();
    out
}
