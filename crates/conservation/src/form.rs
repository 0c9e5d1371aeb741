//! The staff pages' forms read into inputs: a space's target ranges and a calibration, with
//! decimal commas (`20,5`) and times in the museum's local time as a person types them.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use vitrine_kernel::{Error, Result};

use crate::model::{CalibrationInput, Range, TargetInput};

/// Metrics a target form offers a range for.
pub const TARGET_METRICS: [&str; 5] = ["temperature", "rh", "lux", "uv", "co2"];

/// The first value of a form field, or empty.
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A number as typed (decimal point or comma); empty is `None`. Errors name `name`.
fn number(form: &[(String, String)], key: &str, name: &str) -> Result<Option<f64>> {
    let v = field(form, key).trim().replace(',', ".");
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| Error::invalid(name, "not_a_number", format!("`{v}` is not a number")))
}

impl TargetInput {
    /// The target form: `profile`, and `{metric}_min` / `{metric}_max` for each of
    /// [`TARGET_METRICS`]; a metric with neither bound keeps the profile's range.
    pub fn from_form(form: &[(String, String)]) -> Result<TargetInput> {
        let mut ranges = BTreeMap::new();
        for m in TARGET_METRICS {
            let name = format!("ranges.{m}");
            let min = number(form, &format!("{m}_min"), &name)?;
            let max = number(form, &format!("{m}_max"), &name)?;
            if min.is_some() || max.is_some() {
                ranges.insert(m.to_owned(), Range { min, max });
            }
        }
        Ok(TargetInput {
            profile: field(form, "profile").to_owned(),
            ranges,
        })
    }
}

impl CalibrationInput {
    /// The calibration form: `metric`, `offset` (default 0), `scale` (default 1), `note`,
    /// and `valid_from` as the museum's local time (`2026-11-25T08:00`, UTC + `utc_offset_ms`);
    /// left empty, the calibration applies from now.
    pub fn from_form(form: &[(String, String)], utc_offset_ms: i64) -> Result<CalibrationInput> {
        let from = field(form, "valid_from").trim();
        let valid_from = if from.is_empty() {
            None
        } else {
            let t = NaiveDateTime::parse_from_str(from, "%Y-%m-%dT%H:%M")
                .map_err(|_| Error::invalid("valid_from", "invalid_time", "a date and time"))?;
            Some(t.and_utc() - chrono::Duration::milliseconds(utc_offset_ms))
        };
        Ok(CalibrationInput {
            metric: field(form, "metric").to_owned(),
            offset: number(form, "offset", "offset")?.unwrap_or(0.0),
            scale: number(form, "scale", "scale")?.unwrap_or(1.0),
            valid_from,
            note: field(form, "note").to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn target_from_form_reads_decimal_commas_and_skips_empty_metrics() {
        let t = TargetInput::from_form(&form(&[
            ("profile", "paper"),
            ("rh_min", "45,5"),
            ("rh_max", "55"),
            ("lux_max", ""),
        ]))
        .unwrap();
        assert_eq!(t.profile, "paper");
        assert_eq!(
            t.ranges.get("rh"),
            Some(&Range {
                min: Some(45.5),
                max: Some(55.0)
            })
        );
        assert_eq!(t.ranges.len(), 1);
    }

    #[test]
    fn target_from_form_names_the_metric_of_a_bad_number() {
        let e = TargetInput::from_form(&form(&[("temperature_max", "warm")])).unwrap_err();
        assert!(matches!(e, Error::Invalid(f) if f[0].field == "ranges.temperature"));
    }

    #[test]
    fn calibration_from_form_defaults_offset_and_scale() {
        let c = CalibrationInput::from_form(&form(&[("metric", "rh")]), 0).unwrap();
        assert_eq!((c.offset, c.scale, c.valid_from), (0.0, 1.0, None));
    }

    #[test]
    fn calibration_from_form_reads_local_time() {
        let c = CalibrationInput::from_form(
            &form(&[("metric", "rh"), ("valid_from", "2026-11-25T08:00")]),
            8 * 3_600_000,
        )
        .unwrap();
        assert_eq!(
            c.valid_from.unwrap().to_rfc3339(),
            "2026-11-25T00:00:00+00:00"
        );
    }
}
