//! Instants as every Vitrine parameter reads them: RFC 3339 (any offset, any fraction of a
//! second) or whole milliseconds since 1970. One parser, so `updated_since` on the
//! catalogue and `from`/`to` on a chart accept the same text.

use chrono::{DateTime, Utc};

use crate::error::FieldError;

/// Parses an instant given as RFC 3339 (`2026-11-25T08:00:00Z`, `…+08:00`, `….250Z`) or
/// milliseconds since 1970 (`1764057600000`); the error names `field`.
pub fn parse_instant(field: &str, s: &str) -> Result<DateTime<Utc>, FieldError> {
    let s = s.trim();
    let bad = || {
        FieldError::new(
            field,
            "invalid_time",
            format!(
                "`{s}` is neither an RFC 3339 time (2026-11-25T08:00:00Z) nor milliseconds since 1970"
            ),
        )
    };
    if let Ok(ms) = s.parse::<i64>() {
        return DateTime::from_timestamp_millis(ms).ok_or_else(bad);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad())
}

/// [`parse_instant`] as milliseconds since 1970.
pub fn parse_instant_ms(field: &str, s: &str) -> Result<i64, FieldError> {
    parse_instant(field, s).map(|t| t.timestamp_millis())
}

/// Milliseconds since 1970 as a UTC time (clamped to chrono's range).
pub fn ms_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_instant_reads_rfc3339_with_offset_and_fraction() {
        let t = parse_instant("from", "2025-11-25T16:00:00.250+08:00").unwrap();
        assert_eq!(t.timestamp_millis(), 1_764_057_600_250);
    }

    #[test]
    fn parse_instant_reads_milliseconds() {
        assert_eq!(
            parse_instant_ms("to", "1764057600000").unwrap(),
            1_764_057_600_000
        );
    }

    #[test]
    fn parse_instant_names_the_field_of_bad_text() {
        let e = parse_instant("updated_since", "today").unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("updated_since", "invalid_time")
        );
    }

    #[test]
    fn parse_instant_refuses_milliseconds_out_of_range() {
        assert!(parse_instant("from", &i64::MAX.to_string()).is_err());
    }
}
