//! Running a search on one index: the query, the page of hits in the asked order, the
//! total and the facet counts in one pass over the matches.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{EnableScoring, Query};
use tantivy::schema::Value;
use tantivy::{DocAddress, Executor, Order, Searcher, TantivyDocument};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::{Lang, LangText, Result};

use crate::analysis::Analyzer;
use crate::authority_index::AuthorityIndex;
use crate::document::Authorities;
use crate::facet_counter::FacetCounter;
use crate::facet_filter::{self, Checked, Checks};
use crate::facet_table::FacetTables;
use crate::facets::FACETS;
use crate::plan::{Filters, Planner};
use crate::query::Parsed;
use crate::request::{MAX_WINDOW, SearchRequest, Sort, cursor};
use crate::schema::Fields;
use crate::snippet::Marks;
use crate::store::err;

/// Snippet length in characters.
const SNIPPET_CHARS: usize = 120;

/// One result.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Hit {
    /// Record id.
    pub id: Uuid,
    /// Object number.
    pub object_number: String,
    /// Title in the asked language (or the other when missing).
    pub title: String,
    /// A piece of the record's text with the matched words in `<mark>` (escaped HTML).
    pub snippet: Option<String>,
}

/// One facet value.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FacetValue {
    /// The value to filter by.
    pub value: String,
    /// What to show (authority label; codes are labelled by the interface).
    pub label: String,
    /// Matching records with this value.
    pub count: u64,
}

/// A page of results.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// Matching records in all.
    pub total: u64,
    /// This page.
    pub hits: Vec<Hit>,
    /// Facet name → values with counts, most frequent first.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// Cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// Everything a search needs from its surroundings.
pub struct Context<'a> {
    /// Analyzer.
    pub an: &'a Analyzer,
    /// Fields.
    pub f: &'a Fields,
    /// Authority labels for facet values.
    pub auth: &'a Authorities,
    /// Authorities searched by name.
    pub authorities: &'a AuthorityIndex,
    /// Whether confidential text is searched.
    pub secret: bool,
    /// The facet tables of the index searched.
    pub facets: &'a Arc<FacetTables>,
}

/// Document addresses of a page in the asked order, with the total and facet counts when
/// `facets` is given (else the total is just the number of addresses); records must
/// also pass `checked` (see `facet_filter`).
pub fn top(
    searcher: &Searcher,
    q: &dyn Query,
    sort: Sort,
    offset: usize,
    limit: usize,
    facets: Option<&Arc<FacetTables>>,
    checked: &Checks,
) -> Result<(usize, Vec<DocAddress>, Option<crate::facets::Counts>)> {
    let base = TopDocs::with_limit(limit.max(1)).and_offset(offset);
    macro_rules! run {
        ($c:expr) => {{
            if let Some(tables) = facets {
                let counter = FacetCounter {
                    tables: tables.clone(),
                };
                let (n, docs, f) = if checked.is_empty() {
                    search(searcher, q, &(Count, $c, counter))?
                } else {
                    let c = Checked {
                        tables: tables.clone(),
                        checks: Arc::new(checked.clone()),
                        inner: (Count, $c, counter),
                    };
                    search(searcher, q, &c)?
                };
                (n, docs.into_iter().map(|(_, d)| d).collect(), Some(f))
            } else {
                // No facets: no total either (suggestions, exports), which saves a pass.
                let docs = search(searcher, q, &$c)?;
                (docs.len(), docs.into_iter().map(|(_, d)| d).collect(), None)
            }
        }};
    }
    Ok(match sort {
        Sort::Relevance => run!(base.order_by_score()),
        Sort::Number => run!(base.order_by_string_fast_field("number", Order::Asc)),
        Sort::NumberDesc => run!(base.order_by_string_fast_field("number", Order::Desc)),
        Sort::Date => run!(base.order_by_fast_field::<i64>("year_asc", Order::Asc)),
        Sort::DateDesc => run!(base.order_by_fast_field::<i64>("year_desc", Order::Desc)),
        Sort::Changed => run!(base.order_by_fast_field::<i64>("updated", Order::Desc)),
    })
}

/// Runs a collector over every segment, the segments of an index of several on every
/// core at once: one query then takes about the time of its largest share, not of all.
fn search<C: Collector>(searcher: &Searcher, q: &dyn Query, c: &C) -> Result<C::Fruit> {
    let scoring = if c.requires_scoring() {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let executor = match searcher.segment_readers().len() {
        0 | 1 => &Executor::SingleThread,
        _ => search_pool(),
    };
    searcher
        .search_with_executor(q, c, executor, scoring)
        .map_err(err)
}

/// The threads searches share (one per core).
fn search_pool() -> &'static Executor {
    static POOL: OnceLock<Executor> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        if n < 2 {
            return Executor::SingleThread;
        }
        Executor::multi_thread(n, "vt-search-").unwrap_or(Executor::SingleThread)
    })
}

/// A stored text field of a document (empty when absent).
pub(crate) fn text_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> String {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A stored `LangText` field of a document.
pub(crate) fn lang_of(doc: &TantivyDocument, field: tantivy::schema::Field) -> LangText {
    serde_json::from_str(&text_of(doc, field)).unwrap_or_default()
}

/// The 400 of a query with only punctuation in it.
pub(crate) fn nothing_to_search() -> vitrine_kernel::Error {
    vitrine_kernel::Error::invalid(
        "q",
        "nothing_to_search",
        "the query has only punctuation: type a word, a phrase or an object number",
    )
    .into_parameters()
}

/// Runs a checked request with its parsed query on one index.
pub fn run(
    cx: &Context,
    searcher: &Searcher,
    req: &SearchRequest,
    parsed: Option<&Parsed>,
) -> Result<SearchResults> {
    let planner = Planner::records(cx.an, cx.f, searcher, cx.secret, cx.authorities);
    let words = parsed.is_some_and(|p| !p.must.is_empty());
    let (filters, checked) = facet_filter::split(searcher, cx.f, &req.filters, words);
    let q = planner
        .query(parsed, &filters)
        .ok_or_else(nothing_to_search)?;
    // Browsing everything (the search page as it opens): the counts of the whole
    // collection are kept per segment, and the total is the number of live records.
    let browse = parsed.is_none() && req.filters == Filters::default();
    let (total, docs, counts) = if browse {
        let (_, docs, _) = top(
            searcher,
            &*q,
            req.effective_sort(),
            req.offset,
            req.limit,
            None,
            &Checks::default(),
        )?;
        let counts = cx.facets.whole(searcher).map_err(err)?;
        (searcher.num_docs() as usize, docs, Some(counts))
    } else {
        top(
            searcher,
            &*q,
            req.effective_sort(),
            req.offset,
            req.limit,
            Some(cx.facets),
            &checked,
        )?
    };
    let marks = Marks::of(cx.an, parsed);
    let mut hits = Vec::with_capacity(docs.len());
    for addr in docs {
        let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
        let Ok(id) = Uuid::parse_str(&text_of(&doc, cx.f.id)) else {
            continue;
        };
        let title = lang_of(&doc, cx.f.title_json);
        let desc = lang_of(&doc, cx.f.desc_json);
        hits.push(Hit {
            id,
            object_number: text_of(&doc, cx.f.number_shown),
            title: title.best(req.lang).to_owned(),
            snippet: snippet(cx.an, &marks, &title, &desc, req.lang),
        });
    }
    let next = req.offset + req.limit;
    Ok(SearchResults {
        total: total as u64,
        hits,
        facets: counts
            .map(|c| facet_values(cx.auth, c, req.lang))
            .unwrap_or_default(),
        next_cursor: (next < total && next <= MAX_WINDOW).then(|| cursor(next)),
    })
}

/// The description piece that matched, in the page's language first; else the start of
/// the description; a title that alone matched shows marked.
fn snippet(
    an: &Analyzer,
    m: &Marks,
    title: &LangText,
    desc: &LangText,
    lang: Lang,
) -> Option<String> {
    let order = [lang, lang.other()];
    for texts in [desc, title] {
        for l in order {
            if let Some(t) = texts.get(l.tag())
                && let Some(s) = m.matched(an, t, SNIPPET_CHARS)
            {
                return Some(s);
            }
        }
    }
    // Neither text matched (a record found through an authority it refers to).
    let d = desc.best(lang);
    match order.iter().any(|l| desc.get(l.tag()).is_some()) {
        true => crate::snippet::plain(d, SNIPPET_CHARS),
        false => m.snippet(an, d, SNIPPET_CHARS),
    }
}

fn facet_values(
    auth: &Authorities,
    counts: crate::facets::Counts,
    lang: Lang,
) -> BTreeMap<String, Vec<FacetValue>> {
    FACETS
        .iter()
        .zip(counts)
        .map(|((name, is_id), m)| {
            let mut v: Vec<FacetValue> = m
                .into_iter()
                .map(|(value, count)| {
                    let label = if *is_id {
                        Uuid::parse_str(&value)
                            .ok()
                            .and_then(|id| auth.get(&id))
                            .map_or_else(|| value.clone(), |a| a.label.best(lang).to_owned())
                    } else {
                        value.clone()
                    };
                    FacetValue {
                        value,
                        label,
                        count,
                    }
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
            ((*name).to_owned(), v)
        })
        .collect()
}
