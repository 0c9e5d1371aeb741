//! What the staff and public search pages show, built once for both: the box, the facet
//! sidebar with links that add or remove a value, the hits and the next-page link.

use vitrine_kernel::{Actor, Error};
use vitrine_search::engine::{Hit, SearchResults};
use vitrine_search::facets::FACETS;
use vitrine_search::request::{SearchRequest, Sort};

use crate::i18n::Tr;

/// One facet value as a link.
pub struct FacetLink {
    /// What to show.
    pub label: String,
    /// Matching records.
    pub count: u64,
    /// The search with this value toggled.
    pub href: String,
    /// Whether the value is selected.
    pub on: bool,
}

/// One facet of the sidebar.
pub struct FacetView {
    /// Its heading.
    pub title: String,
    /// Its values, most frequent first.
    pub values: Vec<FacetLink>,
}

/// The page's search, ready for a template.
pub struct SearchView {
    /// `/staff/search` or `/search`.
    pub base: &'static str,
    /// What is in the box.
    pub q: String,
    /// Matching records (when the search ran).
    pub total: u64,
    /// This page of hits.
    pub hits: Vec<Hit>,
    /// The sidebar.
    pub facets: Vec<FacetView>,
    /// The sort in effect and every choice with its label.
    pub sort: &'static str,
    /// Sort choices: (value, label).
    pub sorts: Vec<(&'static str, String)>,
    /// Year range as typed.
    pub year_from: String,
    /// Year range as typed.
    pub year_to: String,
    /// Link to the next page.
    pub next_href: Option<String>,
    /// The query string of this search (no cursor), for export and saving.
    pub qs: String,
    /// Facet filters to keep as hidden fields when the form is sent again.
    pub hidden: Vec<(String, String)>,
    /// What was wrong with the request, shown above the results.
    pub error: Option<String>,
    /// Whether any filter is set (offers "clear").
    pub filtered: bool,
    /// The primary image of hits that have one the caller may see.
    pub thumbs: std::collections::HashMap<uuid::Uuid, vitrine_media::Thumb>,
}

fn encode(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

impl SearchView {
    /// The view of a request and its results (or the error that stopped it).
    pub fn new(
        base: &'static str,
        tr: Tr<'_>,
        req: &SearchRequest,
        result: Result<SearchResults, Error>,
    ) -> SearchView {
        let pairs = req.to_pairs();
        let qs = encode(&pairs);
        let (mut results, error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(message(e))),
        };
        if let Some(r) = results.as_mut() {
            crate::api::search::label_codes(r, tr);
        }
        let mut facets = Vec::new();
        if let Some(r) = &results {
            for (name, _) in FACETS {
                let values = r.facets.get(*name).map(Vec::as_slice).unwrap_or_default();
                let chosen = req.filters.facets.get(*name);
                let is_on = |v: &str| chosen.is_some_and(|c| c.iter().any(|x| x == v));
                let links: Vec<FacetLink> = values
                    .iter()
                    .take(12)
                    .map(|v| {
                        let on = is_on(&v.value);
                        let mut p: Vec<(String, String)> = pairs
                            .iter()
                            .filter(|(k, val)| !(k == name && *val == v.value))
                            .cloned()
                            .collect();
                        if !on {
                            p.push(((*name).to_owned(), v.value.clone()));
                        }
                        FacetLink {
                            label: v.label.clone(),
                            count: v.count,
                            href: format!("{base}?{}", encode(&p)),
                            on,
                        }
                    })
                    .collect();
                if !links.is_empty() {
                    facets.push(FacetView {
                        title: tr.code("search.facet", name).into_owned(),
                        values: links,
                    });
                }
            }
        }
        let next_href = results
            .as_ref()
            .and_then(|r| r.next_cursor.as_ref())
            .map(|c| {
                let sep = if qs.is_empty() { "" } else { "&" };
                format!("{base}?{qs}{sep}cursor={c}")
            });
        let hidden = req
            .filters
            .facets
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
            .collect();
        let (total, hits) = results.map_or((0, Vec::new()), |r| (r.total, r.hits));
        SearchView {
            base,
            q: req.q.clone().unwrap_or_default(),
            total,
            hits,
            facets,
            sort: req.effective_sort().as_str(),
            sorts: Sort::ALL
                .iter()
                .map(|(_, n)| (*n, tr.code("search.sort", n).into_owned()))
                .collect(),
            year_from: req
                .filters
                .year_from
                .map(|y| y.to_string())
                .unwrap_or_default(),
            year_to: req
                .filters
                .year_to
                .map(|y| y.to_string())
                .unwrap_or_default(),
            next_href,
            qs,
            hidden,
            error,
            filtered: !req.filters.facets.is_empty()
                || req.filters.year_from.is_some()
                || req.filters.year_to.is_some(),
            thumbs: Default::default(),
        }
    }

    /// Adds the thumbnails of the hits the caller may see (none if the library cannot
    /// answer: the hits still show).
    pub async fn with_thumbs(mut self, media: &vitrine_media::Media, actor: &Actor) -> SearchView {
        let ids: Vec<uuid::Uuid> = self.hits.iter().map(|h| h.id).collect();
        match media.thumbnails(actor, &ids).await {
            Ok(t) => self.thumbs = t,
            Err(e) => tracing::warn!(error = %e, "thumbnails of search hits"),
        }
        self
    }

    /// The view of a request that could not be read at all.
    pub fn refused(base: &'static str, tr: Tr<'_>, e: Error) -> SearchView {
        SearchView::new(base, tr, &SearchRequest::default(), Err(e))
    }
}

/// A person-readable sentence for an error of the search.
fn message(e: Error) -> String {
    match e {
        Error::InvalidParameters(v) | Error::Invalid(v) => v
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        e => crate::problem::Problem::from(e).detail,
    }
}
