//! What the media browser asks for, read from the query string of the API or the staff page.

use vitrine_kernel::{Error, FieldError, Result};

use crate::master::Kind;
use crate::model::Status;

/// Images a page of the browser shows unless told otherwise.
pub const PAGE_SIZE: u64 = 48;
/// Most images one page may ask for.
pub const MAX_PAGE_SIZE: u64 = 200;
/// Characters of the words searched (the rest is cut).
pub const MAX_QUERY_CHARS: usize = 200;

/// What the media browser asks for.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Words in caption, photographer, file name or identifier.
    pub q: String,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this format.
    pub kind: Option<Kind>,
    /// `linked` / `unlinked` to objects.
    pub linked: Option<bool>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

impl Filter {
    /// Reads `q`, `status`, `kind`, `linked` (yes/no), `offset`, `limit` (and ignores
    /// `lang`, which the pages send); an empty value is no filter. Every bad parameter is
    /// named.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Filter> {
        let mut f = Filter {
            limit: PAGE_SIZE,
            ..Filter::default()
        };
        let mut errors = Vec::new();
        for (k, v) in pairs {
            match k {
                "q" => f.q = v.chars().take(MAX_QUERY_CHARS).collect(),
                "status" if v.is_empty() => {}
                "status" => match v {
                    "pending" => f.status = Some(Status::Pending),
                    "processing" => f.status = Some(Status::Processing),
                    "ready" => f.status = Some(Status::Ready),
                    "failed" => f.status = Some(Status::Failed),
                    _ => errors.push(FieldError::new(
                        "status",
                        "unknown",
                        "status is pending, processing, ready or failed",
                    )),
                },
                "kind" if v.is_empty() => {}
                "kind" => match Kind::parse(v) {
                    Some(k) => f.kind = Some(k),
                    None => errors.push(FieldError::new(
                        "kind",
                        "unknown",
                        "kind is jpeg, png, tiff or webp",
                    )),
                },
                "linked" if v.is_empty() => {}
                "linked" => match v {
                    "yes" | "true" => f.linked = Some(true),
                    "no" | "false" => f.linked = Some(false),
                    _ => errors.push(FieldError::new("linked", "unknown", "linked is yes or no")),
                },
                "offset" => match v.parse::<u64>() {
                    Ok(n) if n <= 1_000_000 => f.offset = n,
                    _ => errors.push(FieldError::new(
                        "offset",
                        "bad_number",
                        "offset is a whole number up to 1000000",
                    )),
                },
                "limit" => match v.parse::<u64>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => f.limit = n,
                    _ => errors.push(FieldError::new("limit", "bad_number", "limit is 1 to 200")),
                },
                "lang" => {}
                other => errors.push(FieldError::new(
                    other,
                    "unknown_parameter",
                    "unknown parameter",
                )),
            }
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(Error::InvalidParameters(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_from_pairs_defaults_to_a_page_of_48() {
        let f = Filter::from_pairs([("status", ""), ("lang", "en")]).unwrap();
        assert_eq!((f.limit, f.offset, f.status), (PAGE_SIZE, 0, None));
    }

    #[test]
    fn filter_from_pairs_cuts_long_words() {
        let long = "青".repeat(300);
        let f = Filter::from_pairs([("q", long.as_str())]).unwrap();
        assert_eq!(f.q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn filter_from_pairs_reads_every_filter() {
        let f = Filter::from_pairs([
            ("status", "ready"),
            ("kind", "tiff"),
            ("linked", "no"),
            ("limit", "200"),
        ])
        .unwrap();
        assert_eq!(f.status, Some(Status::Ready));
        assert_eq!(f.kind, Some(Kind::Tiff));
        assert_eq!((f.linked, f.limit), (Some(false), 200));
    }

    #[test]
    fn filter_from_pairs_names_every_bad_parameter() {
        let r = Filter::from_pairs([("limit", "201"), ("kind", "gif"), ("sort", "x")]);
        match r {
            Err(Error::InvalidParameters(e)) => {
                let f: Vec<_> = e.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(f, ["limit", "kind", "sort"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
