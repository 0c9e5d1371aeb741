//! The object list query: filters, sort and an opaque keyset cursor, parsed from a query
//! string. Unknown parameters and bad values are refused with the parameter's name.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use vitrine_kernel::Error;

use crate::model::{Department, ObjectStatus};

/// Largest page.
pub const MAX_LIMIT: u64 = 200;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 50;

/// Orders of an object list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// By object number, A→Z.
    #[default]
    NumberAsc,
    /// By object number, Z→A.
    NumberDesc,
    /// Most recently changed first.
    UpdatedDesc,
    /// Least recently changed first.
    UpdatedAsc,
    /// Oldest objects first (by earliest year; undated last).
    YearAsc,
    /// Youngest objects first.
    YearDesc,
}

impl Sort {
    /// Every sort with its query-string name.
    pub const NAMES: [(Sort, &'static str); 6] = [
        (Sort::NumberAsc, "object_number"),
        (Sort::NumberDesc, "-object_number"),
        (Sort::UpdatedDesc, "-updated_at"),
        (Sort::UpdatedAsc, "updated_at"),
        (Sort::YearAsc, "year"),
        (Sort::YearDesc, "-year"),
    ];
    /// Query-string name.
    pub fn name(self) -> &'static str {
        Sort::NAMES
            .iter()
            .find(|(s, _)| *s == self)
            .map(|(_, n)| *n)
            .unwrap_or("object_number")
    }
    /// Parses a query-string name.
    pub fn parse(s: &str) -> Option<Sort> {
        Sort::NAMES.iter().find(|(_, n)| *n == s).map(|(s, _)| *s)
    }
    /// True for descending orders.
    pub fn descending(self) -> bool {
        matches!(self, Sort::NumberDesc | Sort::UpdatedDesc | Sort::YearDesc)
    }
}

/// The sort key of the last row of a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Key {
    /// Object number.
    Text(String),
    /// Earliest year (undated sorts as `i64::MAX`).
    Year(i64),
    /// Time of last change.
    Time(DateTime<Utc>),
}

/// Where the next page starts: after this key and id, in this sort.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort the cursor belongs to.
    pub sort: Sort,
    /// Sort key of the last row.
    pub key: Key,
    /// Id of the last row (ties).
    pub id: Uuid,
}

/// A cursor as opaque URL-safe text (hex of its JSON), and back.
fn encode_cursor<T: Serialize>(c: &T) -> String {
    hex::encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode_cursor<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_slice(&hex::decode(s).ok()?).ok()
}

impl Cursor {
    /// Opaque text for a URL.
    pub fn encode(&self) -> String {
        encode_cursor(self)
    }
    /// Reads what `encode` wrote.
    pub fn decode(s: &str) -> Option<Cursor> {
        decode_cursor(s)
    }
}

/// A parsed object list query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectQuery {
    /// Only this department.
    pub department: Option<Department>,
    /// Only this status.
    pub status: Option<ObjectStatus>,
    /// Only records changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Object number prefix or words of the title (simple filter; full search is `/search`).
    pub q: Option<String>,
    /// Order.
    pub sort: Sort,
    /// Rows per page.
    pub limit: u64,
    /// Continue after this row.
    pub cursor: Option<Cursor>,
}

fn bad(param: &str, msg: impl Into<String>) -> Error {
    Error::invalid(param, "invalid_parameter", msg)
}

/// An instant parameter (RFC 3339 or milliseconds, as every parameter reads them).
fn parse_time(param: &str, v: &str) -> Result<DateTime<Utc>, Error> {
    vitrine_kernel::time::parse_instant(param, v).map_err(|e| Error::Invalid(vec![e]))
}

/// A page size parameter.
fn parse_limit(param: &str, v: &str) -> Result<u64, Error> {
    v.parse::<u64>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| bad(param, format!("a whole number from 1 to {MAX_LIMIT}")))
}

/// A cursor parameter this server gave out.
fn parse_cursor<T: serde::de::DeserializeOwned>(param: &str, v: &str) -> Result<T, Error> {
    decode_cursor(v).ok_or_else(|| bad(param, "not a cursor this server gave out"))
}

impl ObjectQuery {
    /// Parses `key=value` pairs (already percent-decoded). Empty values count as absent,
    /// as an HTML form sends them.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ObjectQuery, Error> {
        let mut q = ObjectQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        let mut cursor: Option<Cursor> = None;
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k {
                "department" => {
                    q.department = Some(
                        Department::parse(v)
                            .ok_or_else(|| bad(k, format!("one of {}", Department::choices())))?,
                    )
                }
                "status" => {
                    q.status = Some(
                        ObjectStatus::parse(v)
                            .ok_or_else(|| bad(k, format!("one of {}", ObjectStatus::choices())))?,
                    )
                }
                "updated_since" => q.updated_since = Some(parse_time(k, v)?),
                "q" => {
                    if v.chars().count() > 200 {
                        return Err(bad(k, "at most 200 characters"));
                    }
                    q.q = Some(v.to_owned())
                }
                "sort" => {
                    q.sort = Sort::parse(v).ok_or_else(|| {
                        bad(
                            k,
                            format!(
                                "one of {}",
                                Sort::NAMES
                                    .iter()
                                    .map(|(_, n)| *n)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?
                }
                "limit" => q.limit = parse_limit(k, v)?,
                "cursor" => cursor = Some(parse_cursor(k, v)?),
                other => return Err(bad(other, "unknown parameter")),
            }
        }
        if let Some(c) = &cursor
            && c.sort != q.sort
        {
            return Err(bad(
                "cursor",
                "the cursor belongs to another sort order; start again without it",
            ));
        }
        q.cursor = cursor;
        Ok(q)
    }

    /// The query string that asks for the same list (without cursor), for links.
    pub fn to_query_string(&self) -> String {
        let mut s = Vec::new();
        if let Some(d) = self.department {
            s.push(format!("department={}", d.as_str()));
        }
        if let Some(st) = self.status {
            s.push(format!("status={}", st.as_str()));
        }
        if let Some(t) = self.updated_since {
            s.push(format!(
                "updated_since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if let Some(q) = &self.q {
            s.push(format!("q={}", percent(q)));
        }
        if self.sort != Sort::default() {
            s.push(format!("sort={}", self.sort.name()));
        }
        if self.limit != DEFAULT_LIMIT {
            s.push(format!("limit={}", self.limit));
        }
        s.join("&")
    }
}

/// Where the next page of an authority list starts: after this label key and id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthorityCursor {
    /// Search text of the last row (the list's order).
    pub key: String,
    /// Id of the last row (ties).
    pub id: Uuid,
}

impl AuthorityCursor {
    /// Opaque text for a URL.
    pub fn encode(&self) -> String {
        encode_cursor(self)
    }
}

/// A parsed authority list query: words of a name, vocabulary, changed-since, page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthorityQuery {
    /// Only entries of this vocabulary (or type).
    pub vocabulary: Option<String>,
    /// Words every entry's names must contain.
    pub q: String,
    /// Only entries changed at or after this instant.
    pub updated_since: Option<DateTime<Utc>>,
    /// Rows per page.
    pub limit: u64,
    /// Continue after this row.
    pub cursor: Option<AuthorityCursor>,
}

impl AuthorityQuery {
    /// A first page of `limit` entries matching `q`.
    pub fn words(q: &str, vocabulary: Option<&str>, limit: u64) -> Self {
        AuthorityQuery {
            q: q.to_owned(),
            vocabulary: vocabulary.map(str::to_owned),
            limit,
            ..Default::default()
        }
    }

    /// Parses `key=value` pairs; unknown parameters and bad values name themselves.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AuthorityQuery, Error> {
        let mut q = AuthorityQuery {
            limit: DEFAULT_LIMIT,
            ..Default::default()
        };
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k {
                "q" if v.chars().count() > 200 => return Err(bad(k, "at most 200 characters")),
                "q" => q.q = v.to_owned(),
                "vocabulary" => q.vocabulary = Some(v.to_owned()),
                "updated_since" => q.updated_since = Some(parse_time(k, v)?),
                "limit" => q.limit = parse_limit(k, v)?,
                "cursor" => q.cursor = Some(parse_cursor(k, v)?),
                other => return Err(bad(other, "unknown parameter")),
            }
        }
        Ok(q)
    }

    /// The query string of the same list (without cursor), for links.
    pub fn to_query_string(&self) -> String {
        let mut s = Vec::new();
        if !self.q.is_empty() {
            s.push(format!("q={}", percent(&self.q)));
        }
        if let Some(v) = &self.vocabulary {
            s.push(format!("vocabulary={}", percent(v)));
        }
        if let Some(t) = self.updated_since {
            s.push(format!(
                "updated_since={}",
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
        if self.limit != DEFAULT_LIMIT {
            s.push(format!("limit={}", self.limit));
        }
        s.join("&")
    }
}

/// Percent-encodes a query value.
pub fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_filters_and_names_bad_parameters() {
        let q = ObjectQuery::from_pairs([
            ("department", "fine_arts"),
            ("sort", "-year"),
            ("limit", "20"),
        ])
        .unwrap();
        assert_eq!(q.department, Some(Department::FineArts));
        assert_eq!(q.sort, Sort::YearDesc);
        for (k, v) in [
            ("limit", "0"),
            ("limit", "201"),
            ("status", "lost"),
            ("colour", "red"),
            ("cursor", "zz"),
        ] {
            let Err(Error::Invalid(e)) = ObjectQuery::from_pairs([(k, v)]) else {
                panic!("{k}={v} accepted")
            };
            assert_eq!(e[0].field, k);
        }
    }

    #[test]
    fn cursor_round_trips_and_must_match_sort() {
        let c = Cursor {
            sort: Sort::YearAsc,
            key: Key::Year(-1200),
            id: Uuid::nil(),
        };
        let enc = c.encode();
        assert_eq!(Cursor::decode(&enc), Some(c));
        assert!(ObjectQuery::from_pairs([("cursor", enc.as_str()), ("sort", "year")]).is_ok());
        assert!(ObjectQuery::from_pairs([("cursor", enc.as_str())]).is_err());
    }

    #[test]
    fn query_string_round_trips() {
        let q = ObjectQuery::from_pairs([
            ("q", "青花 瓶"),
            ("status", "on_display"),
            ("sort", "-updated_at"),
        ])
        .unwrap();
        let s = q.to_query_string();
        let pairs: Vec<(String, String)> = s
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), decode(v))
            })
            .collect();
        let again =
            ObjectQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        assert_eq!(again, q);
    }

    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn authority_queries_parse_and_name_bad_parameters() {
        let c = AuthorityCursor {
            key: "guangdong 广东".into(),
            id: Uuid::nil(),
        }
        .encode();
        let q = AuthorityQuery::from_pairs([
            ("q", "广"),
            ("vocabulary", "province"),
            ("cursor", c.as_str()),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(
            (q.q.as_str(), q.limit, q.cursor.unwrap().key.as_str()),
            ("广", 5, "guangdong 广东")
        );
        for (k, v) in [
            ("limit", "0"),
            ("cursor", "zz"),
            ("offset", "3"),
            ("updated_since", "today"),
        ] {
            let Err(Error::Invalid(e)) = AuthorityQuery::from_pairs([(k, v)]) else {
                panic!("{k}={v} accepted")
            };
            assert_eq!(e[0].field, k);
        }
    }

    proptest! {
        // Whatever a client sends, parsing answers Ok or a named Invalid: never a panic.
        #[test]
        fn parsing_is_total(pairs in proptest::collection::vec(("[a-z_]{0,14}", ".{0,40}"), 0..6)) {
            match ObjectQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Ok(q) => prop_assert!((1..=MAX_LIMIT).contains(&q.limit)),
                Err(Error::Invalid(e)) => prop_assert!(!e.is_empty()),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
