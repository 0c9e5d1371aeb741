//! Control rules at work: their storage, the use cases (with permission checks, audit and
//! outbox), the evaluation after every batch of readings, and the commands it publishes to
//! actuators over MQTT — each one logged with why it was sent.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::model::ms_time;
use crate::rules::{self, Op, Rule, RuleInput, State};
use crate::service::Conservation;
use crate::sql::stmt;
use crate::store;

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

/// A manual override: hold the device on or off for a while, or clear the override.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideInput {
    /// `on`, `off`, or null to hand control back to the rule.
    pub state: Option<State>,
    /// How long, in minutes (1 to 10,080).
    #[serde(default = "hour")]
    pub minutes: u32,
}

fn hour() -> u32 {
    60
}

const COLS: &str = "id, name, location_id, metric, op, threshold, hysteresis, duration_s, topic, on_payload, off_payload, \
                    enabled, state, since_ms, override_state, override_until_ms, version";

fn rule_row(r: &QueryResult) -> Result<Rule> {
    Ok(Rule {
        id: r.try_get("", "id")?,
        version: r.try_get("", "version")?,
        state: State::parse(&r.try_get::<String>("", "state")?),
        since_ms: r.try_get("", "since_ms")?,
        override_state: r
            .try_get::<Option<String>>("", "override_state")?
            .map(|s| State::parse(&s)),
        override_until: r
            .try_get::<Option<i64>>("", "override_until_ms")?
            .map(ms_time),
        data: RuleInput {
            name: r.try_get("", "name")?,
            location_id: r.try_get("", "location_id")?,
            metric: r.try_get("", "metric")?,
            op: Op::parse(&r.try_get::<String>("", "op")?),
            threshold: r.try_get("", "threshold")?,
            hysteresis: r.try_get("", "hysteresis")?,
            duration_s: r
                .try_get::<i64>("", "duration_s")?
                .clamp(0, i64::from(u32::MAX)) as u32,
            topic: r.try_get("", "topic")?,
            on_payload: r.try_get("", "on_payload")?,
            off_payload: r.try_get("", "off_payload")?,
            enabled: r.try_get("", "enabled")?,
        },
    })
}

async fn rules_in(c: &impl ConnectionTrait, id: Option<Uuid>) -> Result<Vec<Rule>> {
    let (sql, values) = match id {
        Some(id) => (
            format!("SELECT {COLS} FROM env_rules WHERE id = ?"),
            vec![id.into()],
        ),
        None => (
            format!("SELECT {COLS} FROM env_rules ORDER BY name, id"),
            vec![],
        ),
    };
    c.query_all_raw(stmt(c.get_database_backend(), &sql, values))
        .await?
        .iter()
        .map(rule_row)
        .collect()
}

async fn save_state(c: &impl ConnectionTrait, r: &Rule) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "UPDATE env_rules SET state = ?, since_ms = ?, override_state = ?, override_until_ms = ? WHERE id = ?",
        vec![
            r.state.as_str().into(),
            r.since_ms.into(),
            r.override_state.map(|s| s.as_str().to_owned()).into(),
            r.override_until.map(|t| t.timestamp_millis()).into(),
            r.id.into(),
        ],
    ))
    .await?;
    Ok(())
}

fn not_found() -> Error {
    Error::NotFound { what: "rule" }
}

/// The written fields of a rule, in the column order of the statements below.
fn rule_values(input: &RuleInput) -> Vec<sea_orm::Value> {
    vec![
        input.name.trim().into(),
        input.location_id.into(),
        input.metric.clone().into(),
        input.op.as_str().into(),
        input.threshold.into(),
        input.hysteresis.into(),
        i64::from(input.duration_s).into(),
        input.topic.clone().into(),
        input.on_payload.clone().into(),
        input.off_payload.clone().into(),
        input.enabled.into(),
    ]
}

async fn record(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
    action: Action,
    version: i64,
    after: Option<serde_json::Value>,
) -> Result<()> {
    audit::record(
        txn,
        actor,
        Change {
            entity_type: "control_rule",
            entity_id: id,
            action,
            version,
            before: None,
            after,
        },
    )
    .await
}

impl Conservation {
    /// Every control rule with its state.
    pub async fn list_rules(&self, actor: &Actor) -> Result<Vec<Rule>> {
        actor.require(Permission::EnvironmentRead)?;
        rules_in(self.db.conn(), None).await
    }

    /// One rule.
    pub async fn get_rule(&self, actor: &Actor, id: Uuid) -> Result<Rule> {
        actor.require(Permission::EnvironmentRead)?;
        rules_in(self.db.conn(), Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)
    }

    async fn check_location(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.collections
            .get_authority(actor, vitrine_collections::authority::Kind::Location, id)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                Error::NotFound { .. } => {
                    Error::invalid("location_id", "unknown_location", "no such location")
                }
                other => other,
            })
    }

    /// Adds a rule.
    pub async fn create_rule(&self, actor: &Actor, input: RuleInput) -> Result<Uuid> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        self.check_location(actor, input.location_id).await?;
        let id = Uuid::now_v7();
        let now = Utc::now();
        let txn = self.db.begin_write().await?;
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "INSERT INTO env_rules (id, name, location_id, metric, op, threshold, hysteresis, duration_s, topic, on_payload, \
             off_payload, enabled, state, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'off', 1, ?, ?)",
            [vec![id.into()], rule_values(&input), vec![now.into(), now.into()]].concat(),
        ))
        .await?;
        record(
            &*txn,
            actor,
            id,
            Action::Created,
            1,
            serde_json::to_value(&input).ok(),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Changes a rule, if still at `expected_version`; its state starts over.
    pub async fn update_rule(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: RuleInput,
    ) -> Result<i64> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        self.check_location(actor, input.location_id).await?;
        let txn = self.db.begin_write().await?;
        let before = rules_in(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        if before.version != expected_version {
            return Err(Error::VersionMismatch {
                current: before.version,
            });
        }
        txn.execute_raw(stmt(
            txn.get_database_backend(),
            "UPDATE env_rules SET name = ?, location_id = ?, metric = ?, op = ?, threshold = ?, hysteresis = ?, duration_s = ?, \
             topic = ?, on_payload = ?, off_payload = ?, enabled = ?, since_ms = NULL, version = ?, updated_at = ? WHERE id = ?",
            [
                rule_values(&input),
                vec![(expected_version + 1).into(), Utc::now().into(), id.into()],
            ]
            .concat(),
        ))
        .await?;
        record(
            &*txn,
            actor,
            id,
            Action::Updated,
            expected_version + 1,
            serde_json::to_value(&input).ok(),
        )
        .await?;
        txn.commit().await?;
        Ok(expected_version + 1)
    }

    /// Deletes a rule and its command log.
    pub async fn delete_rule(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::EnvironmentEdit)?;
        let txn = self.db.begin_write().await?;
        let before = rules_in(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        let b = txn.get_database_backend();
        txn.execute_raw(stmt(
            b,
            "DELETE FROM env_commands WHERE rule_id = ?",
            vec![id.into()],
        ))
        .await?;
        txn.execute_raw(stmt(
            b,
            "DELETE FROM env_rules WHERE id = ?",
            vec![id.into()],
        ))
        .await?;
        record(&*txn, actor, id, Action::Deleted, before.version, None).await?;
        txn.commit().await
    }

    /// Holds a rule's device on or off for a while (or clears the hold); acts at once.
    pub async fn override_rule(
        &self,
        actor: &Actor,
        id: Uuid,
        input: OverrideInput,
    ) -> Result<Rule> {
        actor.require(Permission::EnvironmentEdit)?;
        if !(1..=10_080).contains(&input.minutes) {
            return Err(Error::invalid(
                "minutes",
                "out_of_range",
                "1 to 10080 minutes (a week)",
            ));
        }
        let txn = self.db.begin_write().await?;
        let mut r = rules_in(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        r.override_state = input.state;
        r.override_until = input
            .state
            .map(|_| Utc::now() + chrono::Duration::minutes(i64::from(input.minutes)));
        save_state(&*txn, &r).await?;
        let after = serde_json::json!({"override": input.state, "until": r.override_until});
        record(&*txn, actor, id, Action::Updated, r.version, Some(after)).await?;
        txn.commit().await?;
        self.evaluate_rules(Utc::now().timestamp_millis()).await?;
        self.get_rule(actor, id).await
    }

    /// The command log, newest first (of one rule, or all).
    pub async fn commands(
        &self,
        actor: &Actor,
        rule: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Command>> {
        actor.require(Permission::EnvironmentRead)?;
        let mut sql =
            "SELECT id, rule_id, at_ms, topic, payload, reason, sent, error FROM env_commands"
                .to_owned();
        let mut values = Vec::new();
        if let Some(r) = rule {
            sql.push_str(" WHERE rule_id = ?");
            values.push(r.into());
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit.clamp(1, 1000)));
        let c = self.db.conn();
        c.query_all_raw(stmt(c.get_database_backend(), &sql, values))
            .await?
            .iter()
            .map(|r| {
                Ok(Command {
                    id: r.try_get("", "id")?,
                    rule_id: r.try_get("", "rule_id")?,
                    at: ms_time(r.try_get("", "at_ms")?),
                    topic: r.try_get("", "topic")?,
                    payload: r.try_get("", "payload")?,
                    reason: r.try_get("", "reason")?,
                    sent: r.try_get("", "sent")?,
                    error: r.try_get("", "error")?,
                })
            })
            .collect()
    }

    /// The current value of a metric in a space: the mean of the latest readings of the
    /// sensors placed there that are not silent, with the newest reading's time.
    async fn space_value(
        &self,
        location: Uuid,
        metric: &str,
        now: i64,
    ) -> Result<Option<(f64, i64)>> {
        let conn = self.db.conn();
        let placed: Vec<Uuid> = store::placements(conn, None, Some(location))
            .await?
            .into_iter()
            .filter(|p| p.to.is_none())
            .map(|p| p.sensor_id)
            .collect();
        if placed.is_empty() {
            return Ok(None);
        }
        let sensors = store::sensors(conn).await?;
        let last = self.last.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut vals = Vec::new();
        let mut newest = i64::MIN;
        for s in sensors.iter().filter(|s| placed.contains(&s.id)) {
            let Some(series) = self.series_of(&s.data.code).get(metric).copied() else {
                continue;
            };
            let Some(&(t, v)) = last.get(&series) else {
                continue;
            };
            if now - t <= i64::from(s.data.interval_s) * 3000 {
                vals.push(v);
                newest = newest.max(t);
            }
        }
        if vals.is_empty() {
            return Ok(None);
        }
        Ok(Some((vals.iter().sum::<f64>() / vals.len() as f64, newest)))
    }

    /// Steps every enabled rule with its space's current value; sends and logs commands.
    /// Returns the number of commands.
    pub async fn evaluate_rules(&self, now: i64) -> Result<usize> {
        let all = rules_in(self.db.conn(), None).await?;
        let mut sent = 0;
        for mut r in all.into_iter().filter(|r| r.data.enabled) {
            let before = (r.state, r.since_ms, r.override_state);
            let decision = match self
                .space_value(r.data.location_id, &r.data.metric, now)
                .await?
            {
                Some((v, t)) => rules::step(&mut r, v, t),
                None => match (r.override_state, r.override_until) {
                    // An override acts even without readings.
                    (Some(_), Some(_)) => rules::step(&mut r, f64::NAN, now),
                    _ => None,
                },
            };
            if let Some(d) = decision {
                let payload = if d.state == State::On {
                    &r.data.on_payload
                } else {
                    &r.data.off_payload
                };
                let (ok, error) = self.publish(&r.data.topic, payload).await;
                let txn = self.db.begin_write().await?;
                txn.execute_raw(stmt(
                    txn.get_database_backend(),
                    "INSERT INTO env_commands (rule_id, at_ms, topic, payload, reason, sent, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    vec![r.id.into(), now.into(), r.data.topic.clone().into(), payload.clone().into(), d.reason.into(), ok.into(), error.into()],
                ))
                .await?;
                save_state(&*txn, &r).await?;
                txn.commit().await?;
                sent += 1;
            } else if before != (r.state, r.since_ms, r.override_state) {
                let txn = self.db.begin_write().await?;
                save_state(&*txn, &r).await?;
                txn.commit().await?;
            }
        }
        Ok(sent)
    }

    async fn publish(&self, topic: &str, payload: &str) -> (bool, String) {
        let client = self
            .publisher
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match client {
            None => (false, "no MQTT broker configured (mqtt_url)".into()),
            Some(c) => match c
                .publish(
                    topic,
                    rumqttc::QoS::AtLeastOnce,
                    false,
                    payload.as_bytes().to_vec(),
                )
                .await
            {
                Ok(()) => (true, String::new()),
                Err(e) => (false, e.to_string()),
            },
        }
    }

    /// Uses this MQTT client to send actuator commands.
    pub fn set_publisher(&self, client: rumqttc::AsyncClient) {
        *self.publisher.write().unwrap_or_else(|p| p.into_inner()) = Some(client);
    }

    /// Evaluates the rules after every batch of readings, and every 30 s for overrides
    /// that expire.
    pub fn spawn_controller(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let mut rx = self.changes();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(Duration::from_secs(30), rx.changed()).await;
                if let Err(e) = me.evaluate_rules(Utc::now().timestamp_millis()).await {
                    tracing::warn!(error = %e, "control rules: evaluation failed");
                }
                // At most one evaluation a second, however fast readings come.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

/// Shared slot for the MQTT client commands go out on.
pub type Publisher = Arc<std::sync::RwLock<Option<rumqttc::AsyncClient>>>;
