//! InfluxDB line protocol, as Telegraf and sensor gateways send it:
//! `measurement[,tag=value...] field=value[,...] [timestamp]`, with `\` escapes.
//! The parser borrows from the input and allocates only for escaped names.

use std::borrow::Cow;

use vitrine_kernel::excerpt::excerpt;

/// The longest measurement, tag key, tag value or field key taken, in bytes (InfluxDB's
/// own limit).
pub const MAX_NAME_BYTES: usize = 65_535;
/// The longest string field value taken, in bytes (InfluxDB's: 64 KiB).
pub const MAX_STRING_BYTES: usize = 65_536;

/// A field's value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// `21.5`, `3` (a float unless suffixed).
    Float(f64),
    /// `5i`
    Int(i64),
    /// `5u`
    UInt(u64),
    /// `t`, `true`, `F`, ...
    Bool(bool),
    /// `"text"`
    Str(Cow<'a, str>),
}

impl FieldValue<'_> {
    /// The value as a number, if it is one (booleans are 1 and 0: doors and leaks).
    pub fn number(&self) -> Option<f64> {
        match *self {
            FieldValue::Float(f) => Some(f),
            FieldValue::Int(i) => Some(i as f64),
            FieldValue::UInt(u) => Some(u as f64),
            FieldValue::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            FieldValue::Str(_) => None,
        }
    }
}

/// One parsed line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line<'a> {
    /// Measurement name.
    pub measurement: Cow<'a, str>,
    /// Tags in the order given.
    pub tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Fields in the order given (at least one).
    pub fields: Vec<(Cow<'a, str>, FieldValue<'a>)>,
    /// Timestamp in the request's precision, if given.
    pub timestamp: Option<i64>,
}

impl<'a> Line<'a> {
    /// The value of a tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// Iterates the lines of a body: `(line number from 1, parse result)`, skipping blank lines
/// and `#` comments.
pub fn lines(body: &[u8]) -> impl Iterator<Item = (usize, Result<Line<'_>, String>)> {
    body.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let start = raw.iter().position(|b| !b.is_ascii_whitespace())?;
            let raw = &raw[start..];
            if raw[0] == b'#' {
                return None;
            }
            Some((i + 1, parse_line(raw)))
        })
}

/// Parses one line (without its newline).
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, String> {
    let text = std::str::from_utf8(line).map_err(|_| "line is not valid UTF-8".to_owned())?;
    let b = text.as_bytes();
    let mut p = 0usize;
    let (measurement, end) = name(text, p, b", ")?;
    if measurement.is_empty() {
        return Err("missing measurement".into());
    }
    p = end;
    let mut tags = Vec::new();
    while p < b.len() && b[p] == b',' {
        let (k, end) = name(text, p + 1, b"=, ")?;
        if end >= b.len() || b[end] != b'=' {
            return Err(format!("tag `{}` has no `=value`", excerpt(&k)));
        }
        let (v, end2) = name(text, end + 1, b", =")?;
        if k.is_empty() {
            return Err("empty tag key".into());
        }
        if v.is_empty() {
            return Err(format!("tag `{}` has an empty value", excerpt(&k)));
        }
        if end2 < b.len() && b[end2] == b'=' {
            return Err(format!(
                "tag `{}` has an unescaped `=` in its value",
                excerpt(&k)
            ));
        }
        if tags.iter().any(|(seen, _)| *seen == k) {
            return Err(format!("tag `{}` is given twice", excerpt(&k)));
        }
        tags.push((k, v));
        p = end2;
    }
    if p >= b.len() || b[p] != b' ' {
        return Err("missing fields (expected a space then `field=value`)".into());
    }
    while p < b.len() && b[p] == b' ' {
        p += 1;
    }
    let mut fields = Vec::new();
    loop {
        let (k, end) = name(text, p, b"=, ")?;
        if k.is_empty() {
            return Err("missing field key".into());
        }
        if end >= b.len() || b[end] != b'=' {
            return Err(format!("field `{}` has no `=value`", excerpt(&k)));
        }
        let (v, end2) =
            field_value(text, end + 1).map_err(|e| format!("field `{}`: {e}", excerpt(&k)))?;
        fields.push((k, v));
        p = end2;
        if p < b.len() && b[p] == b',' {
            p += 1;
            continue;
        }
        break;
    }
    while p < b.len() && b[p] == b' ' {
        p += 1;
    }
    let timestamp = if p < b.len() {
        let rest = text[p..].trim_end();
        Some(
            rest.parse::<i64>()
                .map_err(|_| format!("timestamp `{}` is not an integer", excerpt(rest)))?,
        )
    } else {
        None
    };
    Ok(Line {
        measurement,
        tags,
        fields,
        timestamp,
    })
}

/// Reads an escaped name from `p` up to the first unescaped stop byte.
fn name<'a>(text: &'a str, p: usize, stops: &[u8]) -> Result<(Cow<'a, str>, usize), String> {
    let b = text.as_bytes();
    let mut i = p;
    let mut escaped = false;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() => {
                escaped = true;
                i += 2;
            }
            c if stops.contains(&c) => break,
            _ => i += 1,
        }
    }
    let raw = &text[p..i];
    if raw.len() > MAX_NAME_BYTES {
        return Err(format!(
            "name `{}` is longer than {MAX_NAME_BYTES} bytes",
            excerpt(raw)
        ));
    }
    if !escaped {
        return Ok((Cow::Borrowed(raw), i));
    }
    let mut s = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&n)) if matches!(n, ',' | '=' | ' ' | '\\' | '"') => {
                s.push(n);
                chars.next();
            }
            _ => s.push(c),
        }
    }
    Ok((Cow::Owned(s), i))
}

fn field_value(text: &str, p: usize) -> Result<(FieldValue<'_>, usize), String> {
    let b = text.as_bytes();
    if p >= b.len() || b[p] == b' ' || b[p] == b',' {
        return Err("missing value".into());
    }
    if b[p] == b'"' {
        let mut i = p + 1;
        let mut escaped = false;
        while i < b.len() && b[i] != b'"' {
            if b[i] == b'\\' && i + 1 < b.len() {
                escaped = true;
                i += 1;
            }
            i += 1;
        }
        if i >= b.len() {
            return Err("unterminated string".into());
        }
        let raw = &text[p + 1..i];
        if raw.len() > MAX_STRING_BYTES {
            return Err(format!(
                "string of {} bytes is longer than {MAX_STRING_BYTES} bytes",
                raw.len()
            ));
        }
        let v = if escaped {
            Cow::Owned(raw.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else {
            Cow::Borrowed(raw)
        };
        return Ok((FieldValue::Str(v), i + 1));
    }
    let end = b[p..]
        .iter()
        .position(|&c| c == b',' || c == b' ')
        .map_or(b.len(), |n| p + n);
    let tok = &text[p..end];
    let v = match tok {
        "t" | "T" | "true" | "True" | "TRUE" => FieldValue::Bool(true),
        "f" | "F" | "false" | "False" | "FALSE" => FieldValue::Bool(false),
        _ if tok.ends_with('i') => FieldValue::Int(
            tok[..tok.len() - 1]
                .parse()
                .map_err(|_| format!("`{}` is not an integer", excerpt(tok)))?,
        ),
        _ if tok.ends_with('u') => FieldValue::UInt(
            tok[..tok.len() - 1]
                .parse()
                .map_err(|_| format!("`{}` is not an unsigned integer", excerpt(tok)))?,
        ),
        _ => {
            let f: f64 = tok
                .parse()
                .map_err(|_| format!("`{}` is not a number", excerpt(tok)))?;
            // Rust parses `nan` and `inf`; InfluxDB refuses them and so do we.
            if !f.is_finite()
                || tok
                    .bytes()
                    .any(|c| c.is_ascii_alphabetic() && c != b'e' && c != b'E')
            {
                return Err(format!("`{}` is not a finite number", excerpt(tok)));
            }
            FieldValue::Float(f)
        }
    };
    Ok((v, end))
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_spec_example_parses() -> TestResult {
        let l = parse_line(br#"gallery\ temp,room=Room\ 1\,Case note="say \"hi\"",n=5i,t=21.5"#)?;
        assert_eq!(l.measurement, "gallery temp");
        assert_eq!(l.tag("room"), Some("Room 1,Case"));
        assert_eq!(l.fields[0].1, FieldValue::Str("say \"hi\"".into()));
        assert_eq!(l.fields[1].1, FieldValue::Int(5));
        assert_eq!(l.fields[2].1, FieldValue::Float(21.5));
        assert_eq!(l.timestamp, None);
        Ok(())
    }

    #[test]
    fn the_benchmark_shape_parses() -> TestResult {
        let l = parse_line(
            b"env,sensor=S0001,space=G01 t=20.13,rh=48.07,lux=151.3,co2=431.9 1700000000000000000",
        )?;
        assert_eq!(l.tag("sensor"), Some("S0001"));
        assert_eq!(l.fields.len(), 4);
        assert_eq!(l.fields[3].1.number(), Some(431.9));
        assert_eq!(l.timestamp, Some(1_700_000_000_000_000_000));
        Ok(())
    }

    #[test]
    fn types_and_booleans() -> TestResult {
        let l = parse_line(b"m a=3,b=-5i,c=7u,d=T,e=false,f=1e3")?;
        let nums: Vec<_> = l.fields.iter().map(|(_, v)| v.number()).collect();
        assert_eq!(
            nums,
            [
                Some(3.0),
                Some(-5.0),
                Some(7.0),
                Some(1.0),
                Some(0.0),
                Some(1000.0)
            ]
        );
        Ok(())
    }

    #[test]
    fn mistakes_are_explained() {
        for (line, want) in [
            ("m", "missing fields"),
            ("m,t= a=1", "empty value"),
            ("m,t a=1", "no `=value`"),
            ("m a=", "missing value"),
            ("m a=NaN", "finite"),
            ("m a=inf", "finite"),
            ("m a=1x", "not a number"),
            ("m a=1i2", "not a number"),
            ("m a=\"open", "unterminated"),
            ("m a=1 12ab", "not an integer"),
            (",t=1 a=1", "missing measurement"),
        ] {
            let e = parse_line(line.as_bytes()).expect_err(line);
            assert!(e.contains(want), "{line}: {e}");
        }
    }

    #[test]
    fn test_duplicate_tag_keys_are_refused() {
        let e = parse_line(b"m,sensor=a,sensor=b v=1").unwrap_err();
        assert!(e.contains("`sensor` is given twice"), "{e}");
    }

    #[test]
    fn test_a_10_mb_string_field_is_refused_with_a_short_message() {
        let line = format!("m note=\"{}\"", "x".repeat(10 << 20));
        let e = parse_line(line.as_bytes()).unwrap_err();
        assert!(e.contains("longer than 65536 bytes"), "{e}");
        assert!(e.len() < 200, "{} bytes", e.len());
    }

    #[test]
    fn test_a_name_longer_than_the_limit_is_refused_with_an_excerpt() {
        let line = format!("m,{}=v f=1", "k".repeat(MAX_NAME_BYTES + 1));
        let e = parse_line(line.as_bytes()).unwrap_err();
        assert!(
            e.contains("longer than 65535 bytes") && e.contains("cut"),
            "{e}"
        );
        assert!(e.len() < 300, "{} bytes", e.len());
    }

    #[test]
    fn lines_skip_comments_and_blank_lines_and_count_from_one() {
        let body = b"# header\n\nm a=1\r\nm a=\n";
        let got: Vec<_> = lines(body).map(|(n, r)| (n, r.is_ok())).collect();
        assert_eq!(got, [(3, true), (4, false)]);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,80}") {
            let _ = parse_line(s.as_bytes());
        }

        /// Whatever the line, the message quotes only an excerpt of it.
        #[test]
        fn errors_stay_short(
            pre in "[a-z,= \"\\\\]{0,6}",
            token in "[a-zA-Z0-9=,\"é青\\\\ ]{200,2000}",
            post in "[a-z,= \"0-9]{0,6}",
        ) {
            let line = format!("{pre}{token}{post}");
            if let Err(e) = parse_line(line.as_bytes()) {
                prop_assert!(e.len() < 400, "{} bytes: {e}", e.len());
            }
        }

        #[test]
        fn escaped_names_round_trip(tag in "[a-z ,=]{1,12}", val in -1e9f64..1e9) {
            let esc = tag.replace(',', "\\,").replace('=', "\\=").replace(' ', "\\ ");
            let line = format!("m,k={esc} v={val} 5");
            let l = parse_line(line.as_bytes()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(l.tag("k"), Some(tag.as_str()));
            prop_assert_eq!(l.fields[0].1.number(), Some(val));
        }
    }
}
