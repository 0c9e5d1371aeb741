//! A search request as the API and the pages take it, checked field by field: every
//! mistake becomes a 400 naming the parameter, never a failed search.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use vitrine_collections::model::{Department, MAX_YEAR, MIN_YEAR, ObjectStatus};
use vitrine_kernel::error::Problems;
use vitrine_kernel::{Error, Lang, Result};

use crate::facets::FACETS;
use crate::plan::Filters;
use crate::query::MAX_QUERY_CHARS;

/// Deepest result a cursor may reach; an export goes further.
pub const MAX_WINDOW: usize = 10_000;
/// Default and largest page.
pub const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

/// Result order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Best match first (the default with a query).
    Relevance,
    /// Object number A→Z (the default without one).
    Number,
    /// Object number Z→A.
    NumberDesc,
    /// Oldest first (undated last).
    Date,
    /// Newest first (undated last).
    DateDesc,
    /// Most recently changed first.
    Changed,
}

impl Sort {
    /// Every sort with its parameter value.
    pub const ALL: &'static [(Sort, &'static str)] = &[
        (Sort::Relevance, "relevance"),
        (Sort::Number, "number"),
        (Sort::NumberDesc, "-number"),
        (Sort::Date, "date"),
        (Sort::DateDesc, "-date"),
        (Sort::Changed, "changed"),
    ];

    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        Sort::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("relevance", |(_, n)| n)
    }

    fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.iter().find(|(_, n)| *n == s).map(|(s, _)| *s)
    }
}

/// A checked request.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    /// The query text (`None`: browse everything the filters allow).
    pub q: Option<String>,
    /// Facet and year filters.
    pub filters: Filters,
    /// Order (`None`: relevance with a query, number without).
    pub sort: Option<Sort>,
    /// Results to skip (from the cursor).
    pub offset: usize,
    /// Page size.
    pub limit: usize,
    /// Language of titles, labels and snippets.
    pub lang: Lang,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            q: None,
            filters: Filters::default(),
            sort: None,
            offset: 0,
            limit: DEFAULT_LIMIT,
            lang: Lang::En,
        }
    }
}

/// The opaque cursor of the page after `offset`.
pub fn cursor(offset: usize) -> String {
    hex::encode(format!("o:{offset}"))
}

fn decode_cursor(c: &str) -> Option<usize> {
    let raw = hex::decode(c).ok()?;
    let s = String::from_utf8(raw).ok()?;
    s.strip_prefix("o:")?.parse().ok()
}

impl SearchRequest {
    /// The query text parsed (`staff` allows staff-only fields); a mistake is a 400 on `q`.
    pub fn parsed(&self, staff: bool) -> Result<Option<crate::query::Parsed>> {
        self.q
            .as_deref()
            .map(|q| crate::query::parse(q, staff))
            .transpose()
            .map_err(query_error)
    }

    /// The order in effect.
    pub fn effective_sort(&self) -> Sort {
        self.sort.unwrap_or(if self.q.is_some() {
            Sort::Relevance
        } else {
            Sort::Number
        })
    }

    /// Parses query parameters. `empty_q_is_browse` lets a form's empty fields mean
    /// "not given" (pages: an empty box browses); the API refuses an empty `q`.
    pub fn from_pairs(pairs: &[(String, String)], empty_q_is_browse: bool) -> Result<Self> {
        let mut r = SearchRequest::default();
        let mut p = Problems::default();
        let mut seen_single: Vec<&str> = Vec::new();
        for (k, v) in pairs {
            if empty_q_is_browse && v.trim().is_empty() {
                continue;
            }
            let single = [
                "q",
                "year_from",
                "year_to",
                "sort",
                "cursor",
                "limit",
                "lang",
            ];
            if let Some(s) = single.iter().find(|s| **s == k.as_str()) {
                if seen_single.contains(s) {
                    p.add(k, "repeated", "give this parameter once");
                    continue;
                }
                seen_single.push(s);
            }
            match k.as_str() {
                "q" => {
                    if v.chars().count() > MAX_QUERY_CHARS {
                        p.add(
                            "q",
                            "too_long",
                            format!("at most {MAX_QUERY_CHARS} characters are searched"),
                        );
                    } else if v.trim().is_empty() {
                        if !empty_q_is_browse {
                            p.add(
                                "q",
                                "empty",
                                "type a word, a phrase or an object number, or leave q out to browse",
                            );
                        }
                    } else {
                        r.q = Some(v.trim().to_owned());
                    }
                }
                "year_from" | "year_to" => match v.trim().parse::<i64>() {
                    Ok(y) if (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&y) => {
                        if k == "year_from" {
                            r.filters.year_from = Some(y);
                        } else {
                            r.filters.year_to = Some(y);
                        }
                    }
                    Ok(_) => p.add(
                        k,
                        "out_of_range",
                        format!("a year between {MIN_YEAR} and {MAX_YEAR} (BCE years are negative)"),
                    ),
                    Err(_) => p.add(
                        k,
                        "invalid_year",
                        "a whole year such as 1368, or -221 for 221 BCE",
                    ),
                },
                "sort" => match Sort::parse(v) {
                    Some(s) => r.sort = Some(s),
                    None => p.add(
                        "sort",
                        "invalid_sort",
                        format!(
                            "one of {}",
                            Sort::ALL.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    ),
                },
                "cursor" => match decode_cursor(v) {
                    Some(o) if o <= MAX_WINDOW => r.offset = o,
                    Some(_) => p.add(
                        "cursor",
                        "too_deep",
                        format!("pages reach the first {MAX_WINDOW} results; narrow the search or export it"),
                    ),
                    None => p.add(
                        "cursor",
                        "invalid_cursor",
                        "use the next_cursor of a previous answer as it was given",
                    ),
                },
                "limit" => match v.parse::<usize>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => r.limit = n,
                    _ => p.add("limit", "invalid_limit", format!("a number from 1 to {MAX_LIMIT}")),
                },
                "lang" => match Lang::parse(v) {
                    Some(l) => r.lang = l,
                    None => p.add("lang", "invalid_lang", "zh or en"),
                },
                name => match FACETS.iter().find(|(n, _)| *n == name) {
                    Some((_, is_id)) => {
                        if let Some(msg) = check_facet_value(name, *is_id, v) {
                            p.add(name, "invalid_value", msg);
                        } else {
                            r.filters
                                .facets
                                .entry(name.to_owned())
                                .or_default()
                                .push(v.trim().to_owned());
                        }
                    }
                    None => p.add(
                        name,
                        "unknown_parameter",
                        format!(
                            "not a search parameter; use q, {}, year_from, year_to, sort, cursor, limit or lang",
                            FACETS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                        ),
                    ),
                },
            }
        }
        if let (Some(a), Some(b)) = (r.filters.year_from, r.filters.year_to)
            && a > b
        {
            p.add(
                "year_to",
                "reversed_range",
                format!("year_to ({b}) is before year_from ({a})"),
            );
        }
        p.finish().map_err(Error::into_parameters)?;
        Ok(r)
    }

    /// The parameters that reproduce this request (links, saved searches), without cursor.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(q) = &self.q {
            out.push(("q".into(), q.clone()));
        }
        for (k, vs) in &self.filters.facets {
            for v in vs {
                out.push((k.clone(), v.clone()));
            }
        }
        if let Some(y) = self.filters.year_from {
            out.push(("year_from".into(), y.to_string()));
        }
        if let Some(y) = self.filters.year_to {
            out.push(("year_to".into(), y.to_string()));
        }
        if let Some(s) = self.sort {
            out.push(("sort".into(), s.as_str().into()));
        }
        out
    }

    /// Facet filters as a map (for pages).
    pub fn facet_filters(&self) -> &BTreeMap<String, Vec<String>> {
        &self.filters.facets
    }
}

fn check_facet_value(name: &str, is_id: bool, v: &str) -> Option<String> {
    let v = v.trim();
    let ok = match name {
        _ if is_id => Uuid::parse_str(v).is_ok(),
        "department" => Department::parse(v).is_some(),
        "status" => ObjectStatus::parse(v).is_some(),
        _ => v == "true" || v == "false",
    };
    if ok {
        return None;
    }
    Some(match name {
        _ if is_id => "an id from this facet's values".to_owned(),
        "department" => format!("one of {}", Department::choices()),
        "status" => format!("one of {}", ObjectStatus::choices()),
        _ => "true or false".to_owned(),
    })
}

/// Maps a query-language mistake to a 400 on `q`.
pub fn query_error(e: crate::query::QueryError) -> Error {
    Error::invalid("q", "invalid_query", e.to_string()).into_parameters()
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::InvalidParameters(v) => v[0].field.clone(),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn parses_filters_sort_and_cursor() -> TestResult {
        let r = SearchRequest::from_pairs(
            &pairs(&[
                ("q", "青花"),
                ("department", "history"),
                ("status", "on_display"),
                ("year_from", "-221"),
                ("year_to", "1644"),
                ("sort", "-date"),
                ("cursor", &cursor(40)),
                ("lang", "zh"),
            ]),
            false,
        )?;
        assert_eq!(r.q.as_deref(), Some("青花"));
        assert_eq!(r.filters.year_from, Some(-221));
        assert_eq!(r.offset, 40);
        assert_eq!(r.sort, Some(Sort::DateDesc));
        assert_eq!(r.lang, Lang::ZhHans);
        assert_eq!(r.to_pairs().len(), 6);
        Ok(())
    }

    #[test]
    fn bad_parameters_name_the_field() -> TestResult {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("q", "")], "q"),
            (&[("q", &"x".repeat(10_000))], "q"),
            (&[("colour", "blue")], "colour"),
            (&[("year_from", "1900"), ("year_to", "1800")], "year_to"),
            (&[("year_from", "abc")], "year_from"),
            (&[("year_from", "-99999999999")], "year_from"),
            (&[("cursor", "zz")], "cursor"),
            (&[("cursor", &cursor(MAX_WINDOW + 1))], "cursor"),
            (&[("sort", "price")], "sort"),
            (&[("type", "not-an-id")], "type"),
            (&[("department", "sculpture")], "department"),
            (&[("has_image", "yes")], "has_image"),
            (&[("limit", "0")], "limit"),
            (&[("q", "a"), ("q", "b")], "q"),
        ];
        for (p, field) in cases {
            let e = SearchRequest::from_pairs(&pairs(p), false).unwrap_err();
            assert_eq!(field_of(e), *field, "{p:?}");
        }
        assert!(
            SearchRequest::from_pairs(&pairs(&[("q", " ")]), true)?
                .q
                .is_none()
        );
        Ok(())
    }
}
