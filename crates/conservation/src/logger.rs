//! Files from standalone data loggers (Meaco, Tinytag, Hanwell, and the `;`-separated,
//! decimal-comma exports many loggers write): find the header, the delimiter, the time
//! column and its format, map columns to metrics, then read every row — reporting each
//! row that cannot be read instead of giving up on the file.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use vitrine_kernel::excerpt::excerpt;

use crate::ingest::{LineError, MAX_LISTED_ERRORS};

/// How to read a file; everything left out is detected.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Field separator: `,`, `;` or `tab`.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Decimal comma (`20,5`).
    #[serde(default)]
    pub decimal_comma: Option<bool>,
    /// Row number (from 1) of the column names.
    #[serde(default)]
    pub header_row: Option<usize>,
    /// Column holding the time (name or number from 1).
    #[serde(default)]
    pub time_column: Option<String>,
    /// chrono format of the time, e.g. `%d-%m-%Y %H:%M`.
    #[serde(default)]
    pub time_format: Option<String>,
    /// Columns to read and their metric: `[["TEMPERATURE", "temperature"], ...]`.
    #[serde(default)]
    pub columns: Vec<(String, String)>,
    /// Offset of the logger's clock from UTC in minutes (default the museum's).
    #[serde(default)]
    pub utc_offset_minutes: Option<i32>,
}

/// What was found in a file and the first rows read with it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Preview {
    /// The mapping in force (detected and given), to adjust and send back.
    pub mapping: Mapping,
    /// Recognised format, if any: meaco, tinytag, hanwell, semicolon, generic.
    pub format: String,
    /// Column names.
    pub headers: Vec<String>,
    /// Data rows in the file.
    pub rows: usize,
    /// The first rows read: time (RFC 3339) and values by metric.
    pub sample: Vec<SampleRow>,
    /// Rows that could not be read (the first 100).
    pub errors: Vec<LineError>,
    /// Rows that could not be read, all of them.
    pub rejected: usize,
    /// Readings the file holds.
    pub readings: usize,
}

/// A row as read.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SampleRow {
    /// Line in the file (from 1).
    pub line: usize,
    /// Time.
    pub time: String,
    /// `(metric, value)`.
    pub values: Vec<(String, f64)>,
}

/// A reading read from a file: line, time (ms, UTC), metric, value.
pub type FileReading = (usize, i64, String, f64);

const TIME_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%H:%M %d/%b/%Y",
    "%d/%b/%Y %H:%M",
    "%d/%b/%Y %H:%M:%S",
    "%d %b %Y %H:%M",
];

fn time_header(h: &str) -> bool {
    let h = h.to_lowercase();
    ["date", "time", "datum", "zeit", "时间", "日期", "timestamp"]
        .iter()
        .any(|k| h.contains(k))
}

/// The metric a column name stands for, if any.
pub fn metric_of_header(h: &str) -> Option<&'static str> {
    let h = h.to_lowercase();
    let has = |k: &str| h.contains(k);
    if has("dew") || has("露点") {
        None
    } else if has("temp") || has("°c") || has("温度") || h.trim() == "t" {
        Some("temperature")
    } else if has("hum") || has("rh") || has("feuchte") || has("湿度") {
        Some("rh")
    } else if has("lux") || has("light") || has("照度") {
        Some("lux")
    } else if has("uv") || has("紫外") {
        Some("uv")
    } else if has("co2") {
        Some("co2")
    } else {
        None
    }
}

fn split(line: &str, delim: char) -> Vec<&str> {
    line.split(delim)
        .map(|c| c.trim().trim_matches('"').trim())
        .collect()
}

/// A number from a cell: `20.5`, `20,5` (decimal comma), `20.5 °C`, `50.2 %RH`.
fn number(cell: &str, decimal_comma: bool) -> Option<f64> {
    let end = cell
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',' | 'e' | 'E'))
        .last()
        .map(|(i, c)| i + c.len_utf8())?;
    let num = &cell[..end];
    let num = if decimal_comma {
        num.replace('.', "").replace(',', ".")
    } else {
        num.replace(',', "")
    };
    num.parse::<f64>().ok().filter(|v| v.is_finite())
}

struct Layout {
    format: String,
    delim: char,
    decimal_comma: bool,
    header_row: usize,
    headers: Vec<String>,
    /// The time column; none when times come from the preamble's start and interval.
    time_col: Option<usize>,
    time_format: String,
    columns: Vec<(usize, String)>,
    /// Start and interval (ms) from a Hanwell-style preamble, for rows without times.
    clock: Option<(NaiveDateTime, i64)>,
}

/// `key:,value` lines before the data (Hanwell): keys lower-cased without the colon.
fn preamble(lines: &[&str], delim: char) -> Vec<(String, String)> {
    lines
        .iter()
        .take(40)
        .filter_map(|l| {
            let cells = split(l, delim);
            let key = cells.first()?.strip_suffix(':')?.trim().to_lowercase();
            Some((key, cells[1..].join(" ").trim().to_owned()))
        })
        .collect()
}

/// An interval such as `00:15`, `00:15:00`, `15 min`, `900 s` or `1 h`, in ms.
fn interval_ms(v: &str) -> Option<i64> {
    let v = v.trim().to_lowercase();
    let parts: Vec<&str> = v.split(':').collect();
    // Checked: the numbers come from a file.
    let ms = if parts.len() >= 2 {
        let n: Vec<i64> = parts
            .iter()
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        match n.as_slice() {
            [h, m] => h.checked_mul(60)?.checked_add(*m)?.checked_mul(60_000)?,
            [h, m, s] => h
                .checked_mul(3600)?
                .checked_add(m.checked_mul(60)?)?
                .checked_add(*s)?
                .checked_mul(1000)?,
            _ => return None,
        }
    } else {
        let digits: String = v.chars().take_while(|c| c.is_ascii_digit()).collect();
        let n: i64 = digits.parse().ok()?;
        let unit = match v[digits.len()..].trim() {
            "s" | "sec" | "secs" | "seconds" => 1000,
            "" | "m" | "min" | "mins" | "minutes" => 60_000,
            "h" | "hr" | "hours" => 3_600_000,
            _ => return None,
        };
        n.checked_mul(unit)?
    };
    // At most a day between readings: anything longer is not a logger interval.
    (ms > 0 && ms <= 86_400_000).then_some(ms)
}

fn detect(text: &str, m: &Mapping) -> Result<Layout, String> {
    let lines: Vec<&str> = text.lines().collect();
    let delim = match m.delimiter.as_deref() {
        Some(";") => ';',
        Some("tab") | Some("\t") => '\t',
        Some(",") => ',',
        Some(other) => {
            return Err(format!(
                "delimiter `{}`: use `,`, `;` or `tab`",
                excerpt(other)
            ));
        }
        None => {
            let sample: String = lines
                .iter()
                .take(30)
                .copied()
                .collect::<Vec<_>>()
                .join("\n");
            let count = |c: char| sample.matches(c).count();
            if count('\t') > count(';') && count('\t') > count(',') {
                '\t'
            } else if count(';') > count(',') / 2 {
                ';'
            } else {
                ','
            }
        }
    };
    let pre = preamble(&lines, delim);
    let get = |k: &str| {
        pre.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let clock = match (get("data starts"), get("interval").and_then(interval_ms)) {
        (Some(start), Some(every)) => TIME_FORMATS
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(start, f).ok())
            .map(|t| (t, every)),
        _ => None,
    };
    let header_row = match m.header_row {
        Some(r) if r >= 1 && r <= lines.len() => r,
        Some(r) => return Err(format!("header_row {r} is beyond the file ({} lines)", lines.len())),
        None => lines
            .iter()
            .take(60)
            .position(|l| {
                let cells = split(l, delim);
                let metrics = cells.iter().any(|c| metric_of_header(c).is_some());
                // With a start and an interval in the preamble, rows need no time column.
                (cells.len() >= 2 && cells.iter().any(|c| time_header(c)) && metrics)
                    || (clock.is_some() && metrics && !cells.iter().any(|c| c.ends_with(':')))
            })
            .map(|i| i + 1)
            .ok_or("no header row with a time column and a temperature or humidity column: give header_row and columns")?,
    };
    let headers: Vec<String> = split(lines[header_row - 1], delim)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let find = |name: &str| -> Option<usize> {
        name.parse::<usize>()
            .ok()
            .filter(|n| *n >= 1 && *n <= headers.len())
            .map(|n| n - 1)
            .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let time_col = match &m.time_column {
        Some(c) => {
            Some(find(c).ok_or_else(|| format!("time_column `{}` is not a column", excerpt(c)))?)
        }
        None => match headers.iter().position(|h| time_header(h)) {
            Some(i) => Some(i),
            None if clock.is_some() => None,
            None => return Err("no time column".into()),
        },
    };
    let columns: Vec<(usize, String)> = if m.columns.is_empty() {
        headers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != time_col)
            .filter_map(|(i, h)| metric_of_header(h).map(|m| (i, m.to_owned())))
            .collect()
    } else {
        m.columns
            .iter()
            .map(|(c, metric)| {
                if !crate::metric::valid_code(metric) {
                    return Err(format!("`{}` is not a metric name", excerpt(metric)));
                }
                find(c)
                    .map(|i| (i, metric.clone()))
                    .ok_or_else(|| format!("column `{}` is not in the header", excerpt(c)))
            })
            .collect::<Result<_, _>>()?
    };
    if columns.is_empty() {
        return Err("no column to read: map columns to metrics".into());
    }
    let first_data = lines.iter().skip(header_row).find(|l| !l.trim().is_empty());
    let decimal_comma = m.decimal_comma.unwrap_or_else(|| {
        delim != ','
            && first_data.is_some_and(|l| {
                split(l, delim)
                    .iter()
                    .any(|c| c.contains(',') && number(c, true).is_some())
            })
    });
    let time_format = match (&m.time_format, time_col) {
        (Some(f), _) => f.clone(),
        (None, None) => String::new(),
        (None, Some(time_col)) => {
            let cell = first_data
                .map(|l| split(l, delim))
                .and_then(|c| c.get(time_col).map(|s| s.to_string()))
                .unwrap_or_default();
            TIME_FORMATS
                .iter()
                .find(|f| NaiveDateTime::parse_from_str(&cell, f).is_ok())
                .map(|f| (*f).to_owned())
                .ok_or_else(|| format!("cannot tell the time format of `{}`: give time_format (e.g. %d-%m-%Y %H:%M)", excerpt(&cell)))?
        }
    };
    let lower: Vec<String> = headers.iter().map(|h| h.to_lowercase()).collect();
    let first = lines.first().map(|l| l.to_lowercase()).unwrap_or_default();
    let format =
        if lower.iter().any(|h| h == "receiver") && lower.iter().any(|h| h == "transmitter") {
            "meaco"
        } else if first.starts_with("s/n")
            || lines
                .iter()
                .take(header_row)
                .any(|l| l.to_lowercase().starts_with("property"))
        {
            "tinytag"
        } else if lines
            .iter()
            .take(header_row)
            .any(|l| l.to_lowercase().starts_with("data starts"))
        {
            "hanwell"
        } else if delim == ';' {
            "semicolon"
        } else {
            "generic"
        };
    Ok(Layout {
        format: format.into(),
        delim,
        decimal_comma,
        header_row,
        headers,
        time_col,
        time_format,
        columns,
        clock,
    })
}

/// Reads a file: the readings, the layout found, and the rows refused.
pub fn read(
    bytes: &[u8],
    m: &Mapping,
    default_offset_minutes: i32,
) -> Result<(Vec<FileReading>, Preview), String> {
    let text = decode_text(bytes);
    let layout = detect(&text, m)?;
    let offset_ms = i64::from(m.utc_offset_minutes.unwrap_or(default_offset_minutes)) * 60_000;
    let mut readings = Vec::new();
    let mut errors = Vec::new();
    let (mut rejected, mut rows) = (0usize, 0usize);
    let mut sample = Vec::new();
    for (i, line) in text.lines().enumerate().skip(layout.header_row) {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        rows += 1;
        let cells = split(line, layout.delim);
        let fail = |errors: &mut Vec<LineError>, reason: String| {
            if errors.len() < MAX_LISTED_ERRORS {
                errors.push(LineError { line: n, reason });
            }
        };
        let local = match (layout.time_col, layout.clock) {
            (Some(col), _) => {
                let Some(tcell) = cells.get(col) else {
                    rejected += 1;
                    fail(&mut errors, "no time in this row".into());
                    continue;
                };
                match NaiveDateTime::parse_from_str(tcell, &layout.time_format) {
                    Ok(t) => t.and_utc().timestamp_millis(),
                    Err(_) => {
                        rejected += 1;
                        let reason = format!(
                            "time `{}` does not match {}",
                            excerpt(tcell),
                            excerpt(&layout.time_format)
                        );
                        fail(&mut errors, reason);
                        continue;
                    }
                }
            }
            // Row n of the data is `start + (n - 1) × interval`.
            (None, Some((start, every))) => {
                start.and_utc().timestamp_millis() + (rows as i64 - 1) * every
            }
            (None, None) => {
                rejected += 1;
                fail(&mut errors, "no time for this row".into());
                continue;
            }
        };
        let t = local - offset_ms;
        let mut values = Vec::new();
        let mut bad = None;
        for (col, metric) in &layout.columns {
            match cells.get(*col).map(|c| c.trim()) {
                None | Some("") | Some("-") | Some("---") => {}
                Some(c) => match number(c, layout.decimal_comma) {
                    Some(v) => values.push((metric.clone(), v)),
                    None => {
                        bad = Some(format!(
                            "`{}` in column {} is not a number",
                            excerpt(c),
                            excerpt(layout.headers.get(*col).map_or("?", |h| h.as_str()))
                        ));
                        break;
                    }
                },
            }
        }
        if let Some(reason) = bad {
            rejected += 1;
            fail(&mut errors, reason);
            continue;
        }
        if let Err(e) = crate::ingest::check_time(t, chrono::Utc::now().timestamp_millis()) {
            rejected += 1;
            fail(&mut errors, e);
            continue;
        }
        if sample.len() < 20 {
            sample.push(SampleRow {
                line: n,
                time: crate::model::ms_time(t).to_rfc3339(),
                values: values.clone(),
            });
        }
        readings.extend(values.into_iter().map(|(m, v)| (n, t, m, v)));
    }
    let mapping = Mapping {
        delimiter: Some(
            match layout.delim {
                ';' => ";",
                '\t' => "tab",
                _ => ",",
            }
            .into(),
        ),
        decimal_comma: Some(layout.decimal_comma),
        header_row: Some(layout.header_row),
        time_column: layout.time_col.and_then(|c| layout.headers.get(c).cloned()),
        time_format: (!layout.time_format.is_empty()).then(|| layout.time_format.clone()),
        columns: layout
            .columns
            .iter()
            .map(|(i, m)| {
                (
                    layout.headers.get(*i).cloned().unwrap_or_default(),
                    m.clone(),
                )
            })
            .collect(),
        utc_offset_minutes: Some(m.utc_offset_minutes.unwrap_or(default_offset_minutes)),
    };
    let preview = Preview {
        mapping,
        format: layout.format,
        headers: layout.headers,
        rows,
        sample,
        errors,
        rejected,
        readings: readings.len(),
    };
    Ok((readings, preview))
}

/// UTF-8 (with or without BOM), else UTF-16 (Windows exports), else Latin-1.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), String>;

    fn go(text: &str) -> Result<(Vec<FileReading>, Preview), String> {
        read(text.as_bytes(), &Mapping::default(), 0)
    }

    #[test]
    fn meaco() -> TestResult {
        let (r, p) = go(
            "RECEIVER,TRANSMITTER,DATE,TEMPERATURE,HUMIDITY\n1,3,2025-11-21 00:00,20.5,51.2\n1,3,2025-11-21 00:15,20.4,oops\n1,3,2025-11-21 00:30,20.3,51.0\n",
        )?;
        assert_eq!(p.format, "meaco");
        assert_eq!((p.rows, p.rejected, r.len()), (3, 1, 4));
        assert_eq!(p.errors[0].line, 3);
        assert_eq!(r[0], (2, 1_763_683_200_000, "temperature".into(), 20.5));
        Ok(())
    }

    #[test]
    fn tinytag() -> TestResult {
        let text = "S/N,654321\nType,TGU-4500\nDescription,Gallery 3 case 2\nProperty,Temperature,Humidity\nNo.,Time,Temperature,Humidity\n1,21/11/2025 00:00:00,20.5 °C,51.2 %RH\n2,21/11/2025 00:10:00,20.6 °C,51.0 %RH\n";
        let (r, p) = go(text)?;
        assert_eq!(p.format, "tinytag");
        assert_eq!(p.mapping.header_row, Some(5));
        assert_eq!(r.len(), 4);
        assert_eq!(r[3].3, 51.0);
        Ok(())
    }

    #[test]
    fn hanwell() -> TestResult {
        let text = "Logger:,RL4000 #12\nData Starts:,00:00 21/Nov/2025\nInterval:,00:15\n\nTime,Temperature (C),Humidity (%RH)\n00:00 21/Nov/2025,19.8,49.9\n00:15 21/Nov/2025,19.9,50.1\n";
        let (r, p) = go(text)?;
        assert_eq!(p.format, "hanwell");
        assert_eq!(r.len(), 4);
        assert_eq!(r[2].1 - r[0].1, 15 * 60_000);
        Ok(())
    }

    #[test]
    fn hanwell_rows_timed_by_start_and_interval() -> TestResult {
        let text = "Logger:,RL4000 #7\nData Starts:,00:00 21/Nov/2025\nInterval:,00:15\nChannels:,2\n\nTemperature (C),Humidity (%RH)\n19.8,49.9\n19.9,50.1\n20.0,50.3\n";
        let (r, p) = go(text)?;
        assert_eq!(
            (p.format.as_str(), p.mapping.time_column.as_deref()),
            ("hanwell", None)
        );
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].1, 1_763_683_200_000);
        assert_eq!(r[4].1 - r[0].1, 30 * 60_000);
        assert_eq!(interval_ms("15 min"), Some(900_000));
        assert_eq!(interval_ms("00:00:30"), Some(30_000));
        assert_eq!(interval_ms("soon"), None);
        Ok(())
    }

    #[test]
    fn semicolons_and_decimal_commas_in_local_time() -> TestResult {
        let text = "Datum;Temperatur °C;rel. Feuchte %\n21-11-2025 08:00;20,5;51,2\n21-11-2025 08:10;20,6;51,0\n21-11-2025 08:20;;50,9\n";
        let (r, p) = read(text.as_bytes(), &Mapping::default(), 480)?;
        assert_eq!(
            (p.format.as_str(), p.mapping.decimal_comma),
            ("semicolon", Some(true))
        );
        // 08:00 in UTC+8 is midnight UTC; an empty cell is no reading, not an error.
        assert_eq!(r[0].1, 1_763_683_200_000);
        assert_eq!(r[1].3, 51.2);
        assert_eq!((r.len(), p.rejected), (5, 0));
        Ok(())
    }

    #[test]
    fn explicit_mapping_and_clear_refusals() -> TestResult {
        let text = "a,b,c\n2025-11-21 00:00,1,2\n";
        assert!(read(text.as_bytes(), &Mapping::default(), 0).is_err());
        let m = Mapping {
            header_row: Some(1),
            time_column: Some("a".into()),
            columns: vec![("c".into(), "co2".into())],
            ..Default::default()
        };
        let (r, _) = read(text.as_bytes(), &m, 0)?;
        assert_eq!(r[0].2, "co2");
        let bad = Mapping {
            columns: vec![("zz".into(), "co2".into())],
            ..m.clone()
        };
        assert!(read(text.as_bytes(), &bad, 0).unwrap_err().contains("zz"));
        let bad = Mapping {
            delimiter: Some("|".into()),
            ..m
        };
        assert!(read(text.as_bytes(), &bad, 0).is_err());
        Ok(())
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Lines of cells made of what logger files hold: dates, numbers, units, quotes,
        /// separators, Chinese text.
        fn file() -> impl Strategy<Value = String> {
            let cell = "[0-9:./ -]{0,20}|[a-zA-Z %°]{0,12}|\"[^\"]{0,10}\"|温度|湿度|[0-9]{1,3}[.,][0-9]{1,2}";
            proptest::collection::vec(
                proptest::collection::vec(cell, 0..8).prop_flat_map(|cells| {
                    prop::sample::select(vec![",", ";", "\t"]).prop_map(move |d| cells.join(d))
                }),
                0..40,
            )
            .prop_map(|lines| lines.join("\n"))
        }

        proptest! {
            #[test]
            fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
                let _ = read(&bytes, &Mapping::default(), 480);
            }

            #[test]
            fn logger_like_files_never_panic(text in file(), comma in any::<bool>()) {
                let m = Mapping { decimal_comma: Some(comma), ..Mapping::default() };
                let _ = read(text.as_bytes(), &Mapping::default(), 0);
                let _ = read(text.as_bytes(), &m, 0);
            }

            /// However many rows are bad and however long their cells, the answer lists at
            /// most MAX_LISTED_ERRORS of them, each reason short.
            #[test]
            fn refused_rows_stay_bounded(bad in 0usize..400, cell in "[a-z青]{100,3000}") {
                let mut text = String::from("DATE,TEMPERATURE\n2025-11-21 00:00,20.5\n");
                for _ in 0..bad {
                    text.push_str(&format!("2025-11-21 00:15,{cell}\n"));
                }
                if let Ok((_, p)) = read(text.as_bytes(), &Mapping::default(), 0) {
                    prop_assert!(p.errors.len() <= MAX_LISTED_ERRORS);
                    prop_assert_eq!(p.rejected, bad);
                    for e in &p.errors {
                        let n = e.reason.chars().count();
                        prop_assert!(n < 300, "{n} characters: {}", e.reason);
                    }
                }
            }

            /// Every refused import parameter is named by its own name (or an excerpt of it).
            #[test]
            fn bad_parameters_are_named(key in "[a-z_]{1,20}|[a-z]{200,400}", value in "\\PC{0,30}") {
                if let Err(vitrine_kernel::Error::InvalidParameters(errors)) =
                    Mapping::from_pairs([(key.as_str(), value.as_str())])
                {
                    for e in errors {
                        prop_assert!(e.field.chars().count() <= 160, "{}", e.field);
                        prop_assert!(key.starts_with(e.field.split('…').next().unwrap_or_default()), "{} for {key}", e.field);
                    }
                }
            }
        }
    }
}
