//! A logger import's parameters, as the API's query string or the staff form send them:
//! the [`Mapping`] of the file and whether only a preview is asked.

use vitrine_kernel::{Error, FieldError, Result};

use crate::logger::Mapping;

/// Offsets of a logger's clock from UTC, in minutes (UTC−14:00 to UTC+14:00).
pub const UTC_OFFSET_MINUTES: std::ops::RangeInclusive<i32> = -840..=840;

fn yes(v: &str) -> bool {
    matches!(v, "1" | "true" | "yes" | "on")
}

impl Mapping {
    /// Reads `delimiter`, `decimal_comma`, `header_row`, `time_column`, `time_format`,
    /// `columns` (`COLUMN:metric,…`), `utc_offset_minutes` and `preview`; empty values count
    /// as absent. Returns the mapping and whether only a preview is asked; every bad
    /// parameter is named.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(Mapping, bool)> {
        let mut m = Mapping::default();
        let mut preview = false;
        let mut bad = Vec::new();
        for (k, v) in pairs {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k {
                "preview" => preview = yes(v),
                "delimiter" => m.delimiter = Some(v.to_owned()),
                "decimal_comma" => m.decimal_comma = Some(yes(v)),
                "header_row" => match v.parse() {
                    Ok(n) => m.header_row = Some(n),
                    Err(_) => bad.push(FieldError::new(
                        "header_row",
                        "not_a_number",
                        "a row number from 1",
                    )),
                },
                "time_column" => m.time_column = Some(v.to_owned()),
                "time_format" => m.time_format = Some(v.to_owned()),
                "utc_offset_minutes" => match v.parse() {
                    Ok(n) if UTC_OFFSET_MINUTES.contains(&n) => m.utc_offset_minutes = Some(n),
                    _ => bad.push(FieldError::new(
                        "utc_offset_minutes",
                        "out_of_range",
                        "minutes between -840 and 840",
                    )),
                },
                "columns" => {
                    for pair in v.split(',') {
                        match pair.rsplit_once(':') {
                            Some((c, metric)) => m
                                .columns
                                .push((c.trim().to_owned(), metric.trim().to_owned())),
                            None => bad.push(FieldError::new(
                                "columns",
                                "invalid_columns",
                                "COLUMN:metric pairs separated by commas",
                            )),
                        }
                    }
                }
                other => bad.push(FieldError::new(
                    vitrine_kernel::excerpt::excerpt(other),
                    "unknown_parameter",
                    "use preview, delimiter, decimal_comma, header_row, time_column, time_format, columns, utc_offset_minutes",
                )),
            }
        }
        if bad.is_empty() {
            Ok((m, preview))
        } else {
            Err(Error::InvalidParameters(bad))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad_fields(r: Result<(Mapping, bool)>) -> Vec<String> {
        match r {
            Err(Error::InvalidParameters(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("expected invalid parameters, got {other:?}"),
        }
    }

    #[test]
    fn mapping_from_pairs_reads_columns_and_preview() {
        let (m, preview) = Mapping::from_pairs([
            ("preview", "true"),
            ("delimiter", ";"),
            ("decimal_comma", "1"),
            ("columns", "Temp °C:temperature, RH:rh"),
            ("time_column", ""),
        ])
        .unwrap();
        assert!(preview);
        assert_eq!(m.delimiter.as_deref(), Some(";"));
        assert_eq!(m.decimal_comma, Some(true));
        assert_eq!(m.time_column, None);
        assert_eq!(
            m.columns,
            [
                ("Temp °C".to_owned(), "temperature".to_owned()),
                ("RH".to_owned(), "rh".to_owned())
            ]
        );
    }

    #[test]
    fn mapping_from_pairs_refuses_offsets_beyond_fourteen_hours() {
        assert!(Mapping::from_pairs([("utc_offset_minutes", "840")]).is_ok());
        let r = Mapping::from_pairs([("utc_offset_minutes", "-841")]);
        assert_eq!(bad_fields(r), ["utc_offset_minutes"]);
    }

    #[test]
    fn mapping_from_pairs_names_every_bad_parameter() {
        let r = Mapping::from_pairs([("header_row", "x"), ("columns", "T"), ("sep", ";")]);
        assert_eq!(bad_fields(r), ["header_row", "columns", "sep"]);
    }
}
