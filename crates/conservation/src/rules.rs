//! Control rules: when a space's metric stays beyond a threshold for a while, send an
//! actuator a command (a showcase humidity module on, a gallery dimmer down), and send the
//! opposite once the value is back past the threshold by the hysteresis margin — so a value
//! hovering at the threshold does not switch the device on and off. A manual override holds
//! the device in a state until a time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::Result;
use vitrine_kernel::error::Problems;

/// Which side of the threshold triggers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Trigger while the value is below the threshold (a showcase drying out).
    Below,
    /// Trigger while the value is above the threshold (too much light).
    Above,
}

impl Op {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Below => "below",
            Op::Above => "above",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Op {
        if s == "above" { Op::Above } else { Op::Below }
    }
}

/// A rule as staff write it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// Name, e.g. "Case 3 humidifier".
    pub name: String,
    /// The space (location) whose readings decide.
    pub location_id: Uuid,
    /// Metric, e.g. `rh`.
    pub metric: String,
    /// Below or above.
    pub op: Op,
    /// Threshold in the metric's unit.
    pub threshold: f64,
    /// How far back past the threshold the value must go to switch off (≥ 0).
    #[serde(default)]
    pub hysteresis: f64,
    /// How long the condition must hold before switching on, in seconds.
    #[serde(default)]
    pub duration_s: u32,
    /// MQTT topic of the actuator.
    pub topic: String,
    /// Message that switches it on (or sets the level).
    pub on_payload: String,
    /// Message that switches it off (or back).
    pub off_payload: String,
    /// Whether the rule acts.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

impl RuleInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        let name = self.name.trim().chars().count();
        if name == 0 || name > 100 {
            p.add("name", "invalid_name", "1–100 characters");
        }
        if !crate::metric::valid_code(&self.metric) {
            p.add("metric", "invalid_metric", "a metric name");
        }
        if !self.threshold.is_finite() {
            p.add("threshold", "not_finite", "a number");
        }
        if !self.hysteresis.is_finite() || self.hysteresis < 0.0 {
            p.add("hysteresis", "out_of_range", "zero or more");
        }
        if self.duration_s > 7 * 86_400 {
            p.add("duration_s", "out_of_range", "at most 7 days");
        }
        let t = &self.topic;
        if t.is_empty() || t.len() > 200 || t.contains(['+', '#']) || t.starts_with('/') {
            p.add(
                "topic",
                "invalid_topic",
                "an MQTT topic without wildcards, e.g. vitrine/actuators/case-3/set",
            );
        }
        for (f, v) in [
            ("on_payload", &self.on_payload),
            ("off_payload", &self.off_payload),
        ] {
            if v.len() > 1000 {
                p.add(f, "too_long", "at most 1000 bytes");
            }
        }
        p.finish()
    }
}

/// What the device was last told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Off (or never switched).
    Off,
    /// Switched on by the rule or an override.
    On,
}

impl State {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Off => "off",
            State::On => "on",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> State {
        if s == "on" { State::On } else { State::Off }
    }
}

/// A stored rule with its state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Rule {
    /// Id.
    pub id: Uuid,
    /// Version; send back in `If-Match`.
    pub version: i64,
    /// What the device was last told.
    pub state: State,
    /// Since when the condition has held (while waiting out `duration_s`), ms.
    pub since_ms: Option<i64>,
    /// A manual override in force: the state and until when.
    pub override_state: Option<State>,
    /// Until when the override holds.
    pub override_until: Option<DateTime<Utc>>,
    /// Fields.
    #[serde(flatten)]
    pub data: RuleInput,
}

/// A command sent (or that could not be sent) to an actuator.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Command {
    /// Sequence.
    pub id: i64,
    /// The rule.
    pub rule_id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Topic.
    pub topic: String,
    /// Message.
    pub payload: String,
    /// Why.
    pub reason: String,
    /// Whether the broker took it.
    pub sent: bool,
    /// What went wrong, if it was not sent.
    pub error: String,
}

/// A command the evaluation decided to send.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The new state.
    pub state: State,
    /// Why, for the log.
    pub reason: String,
}

/// Steps a rule with the space's value at time `t` (ms). Updates `since_ms`/`state` in the
/// rule and returns a command when the device must be told something.
pub fn step(rule: &mut Rule, value: f64, t: i64) -> Option<Decision> {
    if let (Some(st), Some(until)) = (rule.override_state, rule.override_until) {
        if until.timestamp_millis() > t {
            if rule.state != st {
                rule.state = st;
                return Some(Decision {
                    state: st,
                    reason: format!(
                        "manual override until {}",
                        until.format("%Y-%m-%d %H:%M UTC")
                    ),
                });
            }
            return None;
        }
        rule.override_state = None;
        rule.override_until = None;
    }
    let d = &rule.data;
    let beyond = match d.op {
        Op::Below => value < d.threshold,
        Op::Above => value > d.threshold,
    };
    let back = match d.op {
        Op::Below => value > d.threshold + d.hysteresis,
        Op::Above => value < d.threshold - d.hysteresis,
    };
    let unit = crate::metric::info(&d.metric)
        .map(|m| m.unit)
        .unwrap_or_default();
    match rule.state {
        State::Off if beyond => {
            let since = *rule.since_ms.get_or_insert(t);
            if t - since >= i64::from(d.duration_s) * 1000 {
                rule.state = State::On;
                rule.since_ms = None;
                return Some(Decision {
                    state: State::On,
                    reason: format!(
                        "{} {value:.2}{unit} {} {}{unit} for {} s",
                        d.metric,
                        d.op.as_str(),
                        d.threshold,
                        (t - since) / 1000
                    ),
                });
            }
            None
        }
        State::Off => {
            rule.since_ms = None;
            None
        }
        State::On if back => {
            rule.state = State::Off;
            let edge = match d.op {
                Op::Below => d.threshold + d.hysteresis,
                Op::Above => d.threshold - d.hysteresis,
            };
            Some(Decision {
                state: State::Off,
                reason: format!(
                    "{} {value:.2}{unit} back past {edge}{unit} (threshold {} ± hysteresis {})",
                    d.metric, d.threshold, d.hysteresis
                ),
            })
        }
        State::On => None,
    }
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    fn rule() -> Rule {
        Rule {
            id: Uuid::nil(),
            version: 1,
            state: State::Off,
            since_ms: None,
            override_state: None,
            override_until: None,
            data: RuleInput {
                name: "humidifier".into(),
                location_id: Uuid::nil(),
                metric: "rh".into(),
                op: Op::Below,
                threshold: 45.0,
                hysteresis: 3.0,
                duration_s: 600,
                topic: "vitrine/actuators/c3/set".into(),
                on_payload: "ON".into(),
                off_payload: "OFF".into(),
                enabled: true,
            },
        }
    }

    #[test]
    fn switches_on_after_the_duration_and_off_past_the_hysteresis() -> TestResult {
        let mut r = rule();
        let min = 60_000;
        assert_eq!(step(&mut r, 44.0, 0), None, "not yet: must hold 10 minutes");
        assert_eq!(
            step(&mut r, 46.0, 5 * min),
            None,
            "recovered: the clock restarts"
        );
        assert_eq!(r.since_ms, None);
        assert_eq!(step(&mut r, 44.0, 6 * min), None);
        let on = step(&mut r, 43.5, 16 * min).ok_or("on")?;
        assert_eq!(on.state, State::On);
        assert!(on.reason.contains("rh 43.50% below 45%"), "{}", on.reason);
        // Hovering just above the threshold does not switch off…
        assert_eq!(step(&mut r, 46.0, 17 * min), None);
        assert_eq!(step(&mut r, 47.9, 18 * min), None);
        // …past threshold + hysteresis does.
        assert_eq!(
            step(&mut r, 48.1, 19 * min).map(|d| d.state),
            Some(State::Off)
        );
        Ok(())
    }

    #[test]
    fn an_override_holds_until_its_time() {
        let mut r = rule();
        r.override_state = Some(State::On);
        r.override_until = DateTime::from_timestamp_millis(1_000_000);
        assert_eq!(step(&mut r, 60.0, 0).map(|d| d.state), Some(State::On));
        assert_eq!(
            step(&mut r, 60.0, 10),
            None,
            "held although the air is fine"
        );
        // Expired: the rule takes over again and switches off.
        assert_eq!(
            step(&mut r, 60.0, 2_000_000).map(|d| d.state),
            Some(State::Off)
        );
        assert_eq!(r.override_state, None);
    }

    #[test]
    fn bad_rules_are_refused_by_field() {
        let mut r = rule().data;
        r.topic = "a/+/b".into();
        r.hysteresis = -1.0;
        let e = r.validate().expect_err("invalid").to_string();
        assert!(e.contains("topic") && e.contains("hysteresis"), "{e}");
    }
}
