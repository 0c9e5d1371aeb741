//! Periodic jobs: a cron expression per job kind, read in the museum's time zone. Every
//! node's worker looks at its schedules; an occurrence is queued under the unique key
//! `kind@time`, so it runs once however many nodes saw it.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

use crate::error::FieldError;

/// A job kind run on a cron schedule.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The job kind.
    pub kind: String,
    /// The expression as written (`0 3 1 * *`: 03:00 on the first of each month).
    pub expr: String,
    /// Parameters of each run.
    pub params: Value,
    cron: croner::Cron,
}

impl Schedule {
    /// Parses a cron expression: five fields (minute hour day month weekday), or six with
    /// seconds first; a bad one names `field`.
    pub fn parse(field: &str, kind: &str, expr: &str) -> Result<Schedule, FieldError> {
        let parser = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Optional)
            .build();
        let cron = parser.parse(expr.trim()).map_err(|e| {
            FieldError::new(
                field,
                "invalid_cron",
                format!(
                    "`{}` is not a cron expression (minute hour day month weekday, e.g. `0 3 1 * *`): {e}",
                    crate::excerpt::excerpt(expr)
                ),
            )
        })?;
        Ok(Schedule {
            kind: kind.to_owned(),
            expr: expr.trim().to_owned(),
            params: Value::Object(Default::default()),
            cron,
        })
    }

    /// The latest occurrence in `(after, until]`, reading the expression at `offset`.
    pub fn due(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        offset: FixedOffset,
    ) -> Option<DateTime<Utc>> {
        let local = until.with_timezone(&offset);
        let at = self.cron.find_previous_occurrence(&local, true).ok()?;
        let at = at.with_timezone(&Utc);
        (at > after).then_some(at)
    }

    /// The unique key of the run at `at`: `kind@2026-12-01T03:00:00+00:00`.
    pub fn key(&self, at: DateTime<Utc>) -> String {
        format!("{}@{}", self.kind, at.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_occurrence_is_read_in_the_museums_time_zone() {
        let s = Schedule::parse("schedules.media.fixity", "media.fixity", "0 3 1 * *").unwrap();
        let beijing = FixedOffset::east_opt(8 * 3600).unwrap();
        // 03:00 in Beijing on 1 December is 19:00 UTC on 30 November.
        let due = s.due(
            at("2026-11-30T18:00:00Z"),
            at("2026-11-30T19:00:30Z"),
            beijing,
        );
        assert_eq!(
            due,
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 19, 0, 0).unwrap())
        );
        assert_eq!(
            s.due(
                at("2026-11-30T19:00:30Z"),
                at("2026-11-30T19:01:00Z"),
                beijing
            ),
            None
        );
    }

    #[test]
    fn a_bad_expression_names_its_field() {
        for bad in ["every night", "61 * * * *", ""] {
            let e = Schedule::parse("schedules.media.fixity", "media.fixity", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("schedules.media.fixity", "invalid_cron"),
                "{bad}"
            );
        }
    }
}
