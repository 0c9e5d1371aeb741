//! Control rules at work: their storage, the use cases (with permission checks, audit and
//! outbox), the evaluation after every batch of readings, and the commands it publishes to
//! actuators over MQTT — each one logged with why it was sent.

use std::time::Duration;

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::{Actor, Error, Permission, Result};

use crate::rules::{self, Command, Rule, RuleInput, State};
use crate::service::Conservation;
use crate::store;

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

/// The audit log's name of a control rule.
const RULE: &str = "control_rule";

fn not_found() -> Error {
    Error::NotFound { what: "rule" }
}

impl Conservation {
    /// Every control rule with its state.
    pub async fn list_rules(&self, actor: &Actor) -> Result<Vec<Rule>> {
        actor.require(Permission::EnvironmentRead)?;
        store::rules(self.db.conn(), None).await
    }

    /// One rule.
    pub async fn get_rule(&self, actor: &Actor, id: Uuid) -> Result<Rule> {
        actor.require(Permission::EnvironmentRead)?;
        store::rules(self.db.conn(), Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)
    }

    /// Adds a rule.
    pub async fn create_rule(&self, actor: &Actor, input: RuleInput) -> Result<Uuid> {
        actor.require(Permission::EnvironmentEdit)?;
        input.validate()?;
        self.check_location(actor, input.location_id).await?;
        let id = Uuid::now_v7();
        let now = Utc::now();
        let txn = self.db.begin_write().await?;
        store::insert_rule(&*txn, id, &input, now).await?;
        audit::record(&*txn, actor, Change::created(RULE, id, 1, &input)?).await?;
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
        let before = store::rules(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        if before.version != expected_version {
            return Err(Error::VersionMismatch {
                current: before.version,
            });
        }
        store::update_rule(&*txn, id, expected_version + 1, &input).await?;
        let change = Change::updated(RULE, id, expected_version + 1, None::<&()>, &input)?;
        audit::record(&*txn, actor, change).await?;
        txn.commit().await?;
        Ok(expected_version + 1)
    }

    /// Deletes a rule and its command log.
    pub async fn delete_rule(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::EnvironmentEdit)?;
        let txn = self.db.begin_write().await?;
        let before = store::rules(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        store::delete_rule(&*txn, id).await?;
        let change = Change::new(
            RULE,
            id,
            Action::Deleted,
            before.version,
            None::<&()>,
            None::<&()>,
        )?;
        audit::record(&*txn, actor, change).await?;
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
        let mut r = store::rules(&*txn, Some(id))
            .await?
            .pop()
            .ok_or_else(not_found)?;
        r.override_state = input.state;
        r.override_until = input
            .state
            .map(|_| Utc::now() + chrono::Duration::minutes(i64::from(input.minutes)));
        store::save_rule_state(&*txn, &r).await?;
        let after = serde_json::json!({"override": input.state, "until": r.override_until});
        let change = Change::updated(RULE, id, r.version, None::<&()>, &after)?;
        audit::record(&*txn, actor, change).await?;
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
        store::commands(self.db.conn(), rule, limit).await
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
        let all = store::rules(self.db.conn(), None).await?;
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
                let command = (
                    r.data.topic.as_str(),
                    payload.as_str(),
                    d.reason.as_str(),
                    ok,
                    error.as_str(),
                );
                store::insert_command(&*txn, r.id, now, command).await?;
                store::save_rule_state(&*txn, &r).await?;
                txn.commit().await?;
                sent += 1;
            } else if before != (r.state, r.since_ms, r.override_state) {
                let txn = self.db.begin_write().await?;
                store::save_rule_state(&*txn, &r).await?;
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
