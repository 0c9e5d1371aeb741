//! The query language of the search box, parsed before anything touches the index.
//!
//! ```text
//! 青花 梅瓶                 all words (AND)
//! "blue and white"          a phrase
//! 青花 -碗                  exclude a word
//! maker:齐白石  title:"…"   a word or phrase in one field
//! 青花 OR 粉彩 瓶            OR binds tighter than AND: (青花 OR 粉彩) AND 瓶
//! ```
//!
//! Every mistake is reported with what was wrong and where (a character position), so
//! the API answers 400 with a message a person can act on.

use std::fmt;

use crate::scope::Scope;
use vitrine_collections::model::{Department, ObjectStatus};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words and phrases in one query.
pub const MAX_TERMS: usize = 32;

/// Which field a term names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRef {
    /// A group of texts.
    Scope(Scope),
    /// The object number (exact or prefix).
    Number,
    /// A department code.
    Department(Department),
    /// A status code.
    Status(ObjectStatus),
}

/// One word or phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The field it is limited to, if any.
    pub field: Option<FieldRef>,
    /// The text, without quotes.
    pub text: String,
    /// Written in quotes.
    pub phrase: bool,
}

/// A parsed query: every group must match (each group is one term or several joined by
/// OR); no excluded term may match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Groups that must match.
    pub must: Vec<Vec<Term>>,
    /// Terms that must not match.
    pub exclude: Vec<Term>,
}

/// What is wrong with a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    /// Character position (0-based) where the problem is.
    pub at: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.at + 1)
    }
}

impl std::error::Error for QueryError {}

fn err(at: usize, message: impl Into<String>) -> QueryError {
    QueryError {
        at,
        message: message.into(),
    }
}

/// A lexical piece of the query.
#[derive(Debug)]
struct Piece {
    at: usize,
    negated: bool,
    field: Option<(String, usize)>,
    text: String,
    phrase: bool,
    or: bool,
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}'
}
fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '「' | '”')
}
fn closing(c: char) -> &'static [char] {
    match c {
        '“' => &['”', '"'],
        '「' => &['」'],
        _ => &['"', '”'],
    }
}

fn lex(q: &str) -> Result<Vec<Piece>, QueryError> {
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        if is_space(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut negated = false;
        if chars[i] == '-' {
            negated = true;
            i += 1;
            if i >= chars.len() || is_space(chars[i]) {
                return Err(err(
                    start,
                    "`-` must be followed by the word to exclude, as in -碗",
                ));
            }
        }
        // A field name: letters (any script) up to `:` or `：`, not a number like 2016:12.
        let mut field = None;
        let mut j = i;
        while j < chars.len() && chars[j].is_alphabetic() {
            j += 1;
        }
        if j > i && j < chars.len() && (chars[j] == ':' || chars[j] == '：') {
            let name: String = chars[i..j].iter().collect();
            field = Some((name, i));
            i = j + 1;
            if i >= chars.len() || is_space(chars[i]) {
                return Err(err(
                    start,
                    format!(
                        "`{}:` needs a value right after the colon, as in maker:齐白石",
                        field.map(|f| f.0).unwrap_or_default()
                    ),
                ));
            }
        }
        let (text, phrase) = if is_open_quote(chars[i]) {
            let open = i;
            let close = closing(chars[i]);
            i += 1;
            let s = i;
            while i < chars.len() && !close.contains(&chars[i]) {
                i += 1;
            }
            if i >= chars.len() {
                return Err(err(
                    open,
                    "this quote is never closed: end the phrase with another quote",
                ));
            }
            let t: String = chars[s..i].iter().collect();
            i += 1;
            if t.trim().is_empty() {
                return Err(err(open, "empty phrase: put words between the quotes"));
            }
            (t.trim().to_owned(), true)
        } else {
            let s = i;
            while i < chars.len() && !is_space(chars[i]) {
                if is_open_quote(chars[i]) {
                    return Err(err(
                        i,
                        "a quote inside a word: put a space before the phrase, or remove the quote",
                    ));
                }
                i += 1;
            }
            (chars[s..i].iter().collect::<String>(), false)
        };
        let or = !negated && field.is_none() && !phrase && text == "OR";
        out.push(Piece {
            at: start,
            negated,
            field,
            text,
            phrase,
            or,
        });
    }
    Ok(out)
}

/// Every field name a query may use, for messages.
pub fn field_names(staff: bool) -> String {
    let mut names = vec!["number", "department", "status"];
    for (s, n) in Scope::NAMES {
        if staff || *s != Scope::Location {
            names.push(n[0]);
        }
    }
    names.join(", ")
}

fn resolve_field(name: &str, at: usize, value: &str, staff: bool) -> Result<FieldRef, QueryError> {
    let n = name.to_lowercase();
    let f = match n.as_str() {
        "number" | "no" | "编号" => FieldRef::Number,
        "department" | "dept" | "部门" => {
            FieldRef::Department(Department::parse(&value.to_lowercase()).ok_or_else(|| {
                err(
                    at,
                    format!(
                        "unknown department `{value}`: use one of {}",
                        Department::choices()
                    ),
                )
            })?)
        }
        "status" | "状态" => {
            FieldRef::Status(ObjectStatus::parse(&value.to_lowercase()).ok_or_else(|| {
                err(
                    at,
                    format!(
                        "unknown status `{value}`: use one of {}",
                        ObjectStatus::choices()
                    ),
                )
            })?)
        }
        _ => match Scope::parse(&n) {
            Some(Scope::Location) if !staff => {
                return Err(err(
                    at,
                    format!("unknown field `{name}`: use one of {}", field_names(false)),
                ));
            }
            Some(s) => FieldRef::Scope(s),
            None => {
                return Err(err(
                    at,
                    format!(
                        "unknown field `{name}`: use one of {} (to search for text with a colon, put it in quotes)",
                        field_names(staff)
                    ),
                ));
            }
        },
    };
    Ok(f)
}

/// Parses a query. `staff` allows the staff-only fields.
pub fn parse(q: &str, staff: bool) -> Result<Parsed, QueryError> {
    let count = q.chars().count();
    if count > MAX_QUERY_CHARS {
        return Err(err(
            MAX_QUERY_CHARS,
            format!("the query is {count} characters long; at most {MAX_QUERY_CHARS} are searched"),
        ));
    }
    if q.chars().all(is_space) {
        return Err(err(
            0,
            "the query is empty: type a word, a phrase or an object number",
        ));
    }
    let pieces = lex(q)?;
    let mut parsed = Parsed::default();
    let mut pending_or = false;
    let mut last_was_term = false;
    let mut terms = 0;
    for p in pieces {
        if p.or {
            if !last_was_term || pending_or {
                return Err(err(
                    p.at,
                    "OR needs a word on each side, as in 青花 OR 粉彩",
                ));
            }
            pending_or = true;
            continue;
        }
        if p.text == "AND" && p.field.is_none() && !p.phrase && !p.negated {
            continue;
        }
        terms += 1;
        if terms > MAX_TERMS {
            return Err(err(
                p.at,
                format!("at most {MAX_TERMS} words and phrases in one query"),
            ));
        }
        let field = match &p.field {
            // `GDM-2016:3` and similar are object numbers, not fields.
            Some((name, at)) => Some(resolve_field(name, *at, &p.text, staff)?),
            None => None,
        };
        let term = Term {
            field,
            text: p.text,
            phrase: p.phrase,
        };
        if p.negated {
            if pending_or {
                return Err(err(p.at, "an excluded word cannot be part of an OR"));
            }
            parsed.exclude.push(term);
            last_was_term = false;
            continue;
        }
        if pending_or {
            if let Some(g) = parsed.must.last_mut() {
                g.push(term);
            }
            pending_or = false;
        } else {
            parsed.must.push(vec![term]);
        }
        last_was_term = true;
    }
    if pending_or {
        return Err(err(
            count.saturating_sub(1),
            "OR needs a word on each side, as in 青花 OR 粉彩",
        ));
    }
    if parsed.must.is_empty() && parsed.exclude.is_empty() {
        return Err(err(0, "the query has no word to search for"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;
    use proptest::prelude::*;

    fn word(t: &str) -> Term {
        Term {
            field: None,
            text: t.into(),
            phrase: false,
        }
    }

    #[test]
    fn words_phrases_fields_or_and_exclusions() -> TestResult {
        let p = parse("青花 OR 粉彩 瓶 -碗 \"blue and white\" maker:齐白石", true)?;
        assert_eq!(p.must[0], vec![word("青花"), word("粉彩")]);
        assert_eq!(p.must[1], vec![word("瓶")]);
        assert_eq!(p.exclude, vec![word("碗")]);
        assert!(p.must[2][0].phrase && p.must[2][0].text == "blue and white");
        assert_eq!(p.must[3][0].field, Some(FieldRef::Scope(Scope::Maker)));
        let p = parse("GDM-2016-00 number:LNH-20", false)?;
        assert_eq!(p.must[0], vec![word("GDM-2016-00")]);
        assert_eq!(p.must[1][0].field, Some(FieldRef::Number));
        let p = parse("作者：齐白石 status:on_display", false)?;
        assert_eq!(p.must[0][0].field, Some(FieldRef::Scope(Scope::Maker)));
        assert_eq!(
            p.must[1][0].field,
            Some(FieldRef::Status(ObjectStatus::OnDisplay))
        );
        Ok(())
    }

    #[test]
    fn mistakes_say_what_and_where() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("\"blue and", "never closed"),
            ("colour:blue", "unknown field `colour`"),
            ("maker:", "needs a value"),
            ("OR 青花", "OR needs"),
            ("青花 OR", "OR needs"),
            ("青花 OR OR 粉彩", "OR needs"),
            ("青花 OR -碗", "cannot be part of an OR"),
            ("- 碗", "followed by"),
            ("\"\"", "empty phrase"),
            ("department:sculpture", "unknown department"),
            ("status:lost", "unknown status"),
            ("location:库房", "unknown field"),
            ("ab\"cd\"", "quote inside"),
        ];
        for (q, want) in cases {
            let e = parse(q, false).unwrap_err();
            assert!(e.message.contains(want), "{q}: {e}");
        }
        assert!(parse("location:库房", true).is_ok());
        let long = "青".repeat(MAX_QUERY_CHARS + 1);
        assert!(parse(&long, true).unwrap_err().message.contains("at most"));
        let many = vec!["a"; MAX_TERMS + 1].join(" ");
        assert!(parse(&many, true).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(q in "\\PC{0,80}") {
            let _ = parse(&q, true);
        }

        #[test]
        fn plain_words_always_parse(ws in proptest::collection::vec("[a-z\u{4e00}-\u{4e80}]{1,8}", 1..10)) {
            let q = ws.join(" ");
            let p = parse(&q, false).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(p.must.len(), ws.len());
        }
    }
}
