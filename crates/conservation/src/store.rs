//! SQL of the sensor registry: sensors, placements, calibrations, targets, series ids and
//! ingest tokens.

use chrono::Utc;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;
use vitrine_kernel::Result;
use vitrine_kernel::migrate::Migration;

use crate::model::{
    Calibration, CalibrationInput, Placement, SensorInput, SensorStatus, TargetInput, ms_time,
};
use crate::rules::{Command, Op, Rule, RuleInput, State};
use vitrine_kernel::sql::{fetch_all, fetch_one, stmt};

/// This domain's schema steps.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        id: "conservation/0001_environment",
        sql: include_str!("../migrations/0001_environment.sql"),
    },
    Migration {
        id: "conservation/0002_control",
        sql: include_str!("../migrations/0002_control.sql"),
    },
];

/// A sensor row.
#[derive(Clone, Debug)]
pub struct SensorRow {
    pub id: Uuid,
    pub status: SensorStatus,
    pub space_hint: String,
    pub version: i64,
    pub data: SensorInput,
}

const SENSOR_COLS: &str =
    "id, code, model, metrics, interval_s, status, space_hint, notes, version";

/// A row of `env_sensors` as stored.
#[derive(FromQueryResult)]
struct SensorRecord {
    id: Uuid,
    code: String,
    model: String,
    metrics: serde_json::Value,
    interval_s: i64,
    status: String,
    space_hint: String,
    notes: String,
    version: i64,
}

impl From<SensorRecord> for SensorRow {
    fn from(r: SensorRecord) -> Self {
        let status = SensorStatus::parse(&r.status);
        SensorRow {
            id: r.id,
            status,
            space_hint: r.space_hint,
            version: r.version,
            data: SensorInput {
                code: r.code,
                model: r.model,
                metrics: serde_json::from_value(r.metrics).unwrap_or_default(),
                interval_s: r.interval_s.clamp(1, 86_400) as u32,
                notes: r.notes,
                retired: status == SensorStatus::Retired,
            },
        }
    }
}

/// Every sensor, by code.
pub async fn sensors(c: &impl ConnectionTrait) -> Result<Vec<SensorRow>> {
    let sql = format!("SELECT {SENSOR_COLS} FROM env_sensors ORDER BY code");
    let rows: Vec<SensorRecord> = fetch_all(c, &sql, vec![]).await?;
    Ok(rows.into_iter().map(SensorRow::from).collect())
}

/// One sensor.
pub async fn sensor(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<SensorRow>> {
    let sql = format!("SELECT {SENSOR_COLS} FROM env_sensors WHERE id = ?");
    let row: Option<SensorRecord> = fetch_one(c, &sql, vec![id.into()]).await?;
    Ok(row.map(SensorRow::from))
}

/// One sensor by code.
pub async fn sensor_by_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<SensorRow>> {
    let sql = format!("SELECT {SENSOR_COLS} FROM env_sensors WHERE code = ?");
    let row: Option<SensorRecord> = fetch_one(c, &sql, vec![code.into()]).await?;
    Ok(row.map(SensorRow::from))
}

/// Inserts a sensor; false when the code is taken.
pub async fn insert_sensor(c: &impl ConnectionTrait, row: &SensorRow) -> Result<bool> {
    let now = Utc::now();
    let res = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "INSERT INTO env_sensors (id, code, model, metrics, interval_s, status, space_hint, notes, version, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
            vec![
                row.id.into(),
                row.data.code.clone().into(),
                row.data.model.clone().into(),
                serde_json::json!(row.data.metrics).into(),
                i64::from(row.data.interval_s).into(),
                row.status.as_str().into(),
                row.space_hint.clone().into(),
                row.data.notes.clone().into(),
                row.version.into(),
                now.into(),
                now.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Rewrites a sensor if still at `expected`; false when it moved on.
pub async fn update_sensor(
    c: &impl ConnectionTrait,
    row: &SensorRow,
    expected: i64,
) -> Result<bool> {
    let res = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE env_sensors SET code = ?, model = ?, metrics = ?, interval_s = ?, status = ?, notes = ?, \
             version = ?, updated_at = ? WHERE id = ? AND version = ?",
            vec![
                row.data.code.clone().into(),
                row.data.model.clone().into(),
                serde_json::json!(row.data.metrics).into(),
                i64::from(row.data.interval_s).into(),
                row.status.as_str().into(),
                row.data.notes.clone().into(),
                row.version.into(),
                Utc::now().into(),
                row.id.into(),
                expected.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// A row of `env_placements` as stored.
#[derive(FromQueryResult)]
struct PlacementRecord {
    id: Uuid,
    sensor_id: Uuid,
    location_id: Uuid,
    from_ms: i64,
    to_ms: Option<i64>,
    note: String,
}

impl From<PlacementRecord> for Placement {
    fn from(r: PlacementRecord) -> Self {
        Placement {
            id: r.id,
            sensor_id: r.sensor_id,
            location_id: r.location_id,
            location_label: None,
            from: ms_time(r.from_ms),
            to: r.to_ms.map(ms_time),
            note: r.note,
        }
    }
}

/// Every placement, oldest first (optionally of one sensor or one location).
pub async fn placements(
    c: &impl ConnectionTrait,
    sensor: Option<Uuid>,
    location: Option<Uuid>,
) -> Result<Vec<Placement>> {
    let mut sql =
        "SELECT id, sensor_id, location_id, from_ms, to_ms, note FROM env_placements WHERE 1 = 1"
            .to_owned();
    let mut values: Vec<Value> = Vec::new();
    if let Some(s) = sensor {
        sql.push_str(" AND sensor_id = ?");
        values.push(s.into());
    }
    if let Some(l) = location {
        sql.push_str(" AND location_id = ?");
        values.push(l.into());
    }
    sql.push_str(" ORDER BY from_ms, id");
    let rows: Vec<PlacementRecord> = fetch_all(c, &sql, values).await?;
    Ok(rows.into_iter().map(Placement::from).collect())
}

/// Ends a sensor's open placement at `at`, and opens one in `location` from `at`.
pub async fn move_sensor(
    c: &impl ConnectionTrait,
    sensor: Uuid,
    location: Uuid,
    at: i64,
    note: &str,
) -> Result<Uuid> {
    let b = c.get_database_backend();
    c.execute_raw(stmt(
        b,
        "UPDATE env_placements SET to_ms = ? WHERE sensor_id = ? AND to_ms IS NULL",
        vec![at.into(), sensor.into()],
    ))
    .await?;
    let id = Uuid::now_v7();
    c.execute_raw(stmt(
        b,
        "INSERT INTO env_placements (id, sensor_id, location_id, from_ms, to_ms, note) VALUES (?, ?, ?, ?, NULL, ?)",
        vec![id.into(), sensor.into(), location.into(), at.into(), note.into()],
    ))
    .await?;
    Ok(id)
}

/// A row of `env_calibrations` as stored.
#[derive(FromQueryResult)]
struct CalibrationRecord {
    id: Uuid,
    sensor_id: Uuid,
    metric: String,
    cal_offset: f64,
    cal_scale: f64,
    valid_from_ms: i64,
    note: String,
    created_by: String,
}

/// Every calibration, oldest first.
pub async fn calibrations(
    c: &impl ConnectionTrait,
    sensor: Option<Uuid>,
) -> Result<Vec<(Uuid, Calibration)>> {
    let mut sql = "SELECT id, sensor_id, metric, cal_offset, cal_scale, valid_from_ms, note, created_by FROM env_calibrations".to_owned();
    let mut values: Vec<Value> = Vec::new();
    if let Some(s) = sensor {
        sql.push_str(" WHERE sensor_id = ?");
        values.push(s.into());
    }
    sql.push_str(" ORDER BY valid_from_ms, id");
    let rows: Vec<CalibrationRecord> = fetch_all(c, &sql, values).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let cal = Calibration {
                id: r.id,
                created_by: r.created_by,
                data: CalibrationInput {
                    metric: r.metric,
                    offset: r.cal_offset,
                    scale: r.cal_scale,
                    valid_from: Some(ms_time(r.valid_from_ms)),
                    note: r.note,
                },
            };
            (r.sensor_id, cal)
        })
        .collect())
}

/// Adds a calibration.
pub async fn insert_calibration(
    c: &impl ConnectionTrait,
    sensor: Uuid,
    cal: &Calibration,
) -> Result<()> {
    let from = cal
        .data
        .valid_from
        .map(|t| t.timestamp_millis())
        .unwrap_or_default();
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO env_calibrations (id, sensor_id, metric, cal_offset, cal_scale, valid_from_ms, note, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            cal.id.into(),
            sensor.into(),
            cal.data.metric.clone().into(),
            cal.data.offset.into(),
            cal.data.scale.into(),
            from.into(),
            cal.data.note.clone().into(),
            cal.created_by.clone().into(),
            Utc::now().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Every space's target: `(location, target, version)`.
pub async fn targets(c: &impl ConnectionTrait) -> Result<Vec<(Uuid, TargetInput, i64)>> {
    /// A row of `env_targets` as stored.
    #[derive(FromQueryResult)]
    struct TargetRecord {
        location_id: Uuid,
        profile: String,
        ranges: serde_json::Value,
        version: i64,
    }
    let sql = "SELECT location_id, profile, ranges, version FROM env_targets";
    let rows: Vec<TargetRecord> = fetch_all(c, sql, vec![]).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let t = TargetInput {
                profile: r.profile,
                ranges: serde_json::from_value(r.ranges).unwrap_or_default(),
            };
            (r.location_id, t, r.version)
        })
        .collect())
}

/// One number a statement returns (a version, an id).
#[derive(FromQueryResult)]
struct Number {
    n: i64,
}

/// Sets a space's target; returns its new version.
pub async fn put_target(c: &impl ConnectionTrait, location: Uuid, t: &TargetInput) -> Result<i64> {
    let row: Option<Number> = fetch_one(
        c,
        "INSERT INTO env_targets (location_id, profile, ranges, version, updated_at) VALUES (?, ?, ?, 1, ?) \
         ON CONFLICT (location_id) DO UPDATE SET profile = excluded.profile, ranges = excluded.ranges, \
         version = env_targets.version + 1, updated_at = excluded.updated_at RETURNING version AS n",
        vec![
            location.into(),
            t.profile.clone().into(),
            serde_json::json!(t.ranges).into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(row.map_or(1, |r| r.n))
}

/// Every series: `(id, sensor, metric)`.
pub async fn series(c: &impl ConnectionTrait) -> Result<Vec<(i64, Uuid, String)>> {
    /// A row of `env_series`.
    #[derive(FromQueryResult)]
    struct SeriesRecord {
        id: i64,
        sensor_id: Uuid,
        metric: String,
    }
    let sql = "SELECT id, sensor_id, metric FROM env_series";
    let rows: Vec<SeriesRecord> = fetch_all(c, sql, vec![]).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.sensor_id, r.metric))
        .collect())
}

/// Makes sure a series exists; returns its id.
pub async fn ensure_series(c: &impl ConnectionTrait, sensor: Uuid, metric: &str) -> Result<i64> {
    let b = c.get_database_backend();
    c.execute_raw(stmt(
        b,
        "INSERT INTO env_series (sensor_id, metric) VALUES (?, ?) ON CONFLICT (sensor_id, metric) DO NOTHING",
        vec![sensor.into(), metric.into()],
    ))
    .await?;
    let row: Option<Number> = fetch_one(
        c,
        "SELECT id AS n FROM env_series WHERE sensor_id = ? AND metric = ?",
        vec![sensor.into(), metric.into()],
    )
    .await?;
    row.map(|r| r.n)
        .ok_or_else(|| vitrine_kernel::Error::Internal("series vanished".into()))
}

/// The live gateway token with this hash: `(id, name)`.
pub async fn ingest_token(c: &impl ConnectionTrait, hash: &str) -> Result<Option<(Uuid, String)>> {
    /// The id and name of a token.
    #[derive(FromQueryResult)]
    struct Named {
        id: Uuid,
        name: String,
    }
    let sql = "SELECT id, name FROM env_ingest_tokens WHERE token_hash = ? AND revoked_at IS NULL";
    let row: Option<Named> = fetch_one(c, sql, vec![hash.into()]).await?;
    Ok(row.map(|r| (r.id, r.name)))
}

/// Stores a gateway token's hash.
pub async fn insert_ingest_token(
    c: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    hash: &str,
    by: &str,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO env_ingest_tokens (id, name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        vec![id.into(), name.into(), hash.into(), by.into(), Utc::now().into()],
    ))
    .await?;
    Ok(())
}

/// Gateway tokens, oldest first.
pub async fn ingest_tokens(c: &impl ConnectionTrait) -> Result<Vec<crate::model::IngestToken>> {
    let sql = "SELECT id, name, created_by, created_at, revoked_at FROM env_ingest_tokens ORDER BY created_at";
    Ok(fetch_all(c, sql, vec![]).await?)
}

/// Revokes a gateway token; false when there is no such live token.
pub async fn revoke_ingest_token(c: &impl ConnectionTrait, id: Uuid) -> Result<bool> {
    let res = c
        .execute_raw(stmt(
            c.get_database_backend(),
            "UPDATE env_ingest_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            vec![Utc::now().into(), id.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

// ---------- control rules ----------

const COLS: &str = "id, name, location_id, metric, op, threshold, hysteresis, duration_s, topic, on_payload, off_payload, \
                    enabled, state, since_ms, override_state, override_until_ms, version";

/// A row of `env_rules` as stored.
#[derive(FromQueryResult)]
struct RuleRecord {
    id: Uuid,
    name: String,
    location_id: Uuid,
    metric: String,
    op: String,
    threshold: f64,
    hysteresis: f64,
    duration_s: i64,
    topic: String,
    on_payload: String,
    off_payload: String,
    enabled: bool,
    state: String,
    since_ms: Option<i64>,
    override_state: Option<String>,
    override_until_ms: Option<i64>,
    version: i64,
}

impl From<RuleRecord> for Rule {
    fn from(r: RuleRecord) -> Self {
        Rule {
            id: r.id,
            version: r.version,
            state: State::parse(&r.state),
            since_ms: r.since_ms,
            override_state: r.override_state.map(|s| State::parse(&s)),
            override_until: r.override_until_ms.map(ms_time),
            data: RuleInput {
                name: r.name,
                location_id: r.location_id,
                metric: r.metric,
                op: Op::parse(&r.op),
                threshold: r.threshold,
                hysteresis: r.hysteresis,
                duration_s: r.duration_s.clamp(0, i64::from(u32::MAX)) as u32,
                topic: r.topic,
                on_payload: r.on_payload,
                off_payload: r.off_payload,
                enabled: r.enabled,
            },
        }
    }
}

/// Rules by name (or the one with `id`).
pub async fn rules(c: &impl ConnectionTrait, id: Option<Uuid>) -> Result<Vec<Rule>> {
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
    let rows: Vec<RuleRecord> = fetch_all(c, &sql, values).await?;
    Ok(rows.into_iter().map(Rule::from).collect())
}

/// Stores a rule's state, pending time and override.
pub async fn save_rule_state(c: &impl ConnectionTrait, r: &Rule) -> Result<()> {
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

/// Adds a rule (off, version 1).
pub async fn insert_rule(
    c: &impl ConnectionTrait,
    id: Uuid,
    input: &RuleInput,
    now: chrono::DateTime<Utc>,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO env_rules (id, name, location_id, metric, op, threshold, hysteresis, duration_s, topic, on_payload, \
         off_payload, enabled, state, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'off', 1, ?, ?)",
        [vec![id.into()], rule_values(input), vec![now.into(), now.into()]].concat(),
    ))
    .await?;
    Ok(())
}

/// Rewrites a rule's fields at `version`; its pending condition starts over.
pub async fn update_rule(
    c: &impl ConnectionTrait,
    id: Uuid,
    version: i64,
    input: &RuleInput,
) -> Result<()> {
    c.execute_raw(stmt(
        c.get_database_backend(),
        "UPDATE env_rules SET name = ?, location_id = ?, metric = ?, op = ?, threshold = ?, hysteresis = ?, duration_s = ?, \
         topic = ?, on_payload = ?, off_payload = ?, enabled = ?, since_ms = NULL, version = ?, updated_at = ? WHERE id = ?",
        [rule_values(input), vec![version.into(), Utc::now().into(), id.into()]].concat(),
    ))
    .await?;
    Ok(())
}

/// Deletes a rule and its command log.
pub async fn delete_rule(c: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    let b = c.get_database_backend();
    c.execute_raw(stmt(
        b,
        "DELETE FROM env_commands WHERE rule_id = ?",
        vec![id.into()],
    ))
    .await?;
    c.execute_raw(stmt(
        b,
        "DELETE FROM env_rules WHERE id = ?",
        vec![id.into()],
    ))
    .await?;
    Ok(())
}

/// Logs a command: `(topic, payload, reason, sent, error)`.
pub async fn insert_command(
    c: &impl ConnectionTrait,
    rule: Uuid,
    at_ms: i64,
    cmd: (&str, &str, &str, bool, &str),
) -> Result<()> {
    let (topic, payload, reason, sent, error) = cmd;
    c.execute_raw(stmt(
        c.get_database_backend(),
        "INSERT INTO env_commands (rule_id, at_ms, topic, payload, reason, sent, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![rule.into(), at_ms.into(), topic.into(), payload.into(), reason.into(), sent.into(), error.into()],
    ))
    .await?;
    Ok(())
}

/// The command log, newest first (of one rule, or all), at most `limit` (1–1000).
pub async fn commands(
    c: &impl ConnectionTrait,
    rule: Option<Uuid>,
    limit: u32,
) -> Result<Vec<Command>> {
    let mut sql =
        "SELECT id, rule_id, at_ms, topic, payload, reason, sent, error FROM env_commands"
            .to_owned();
    let mut values = Vec::new();
    if let Some(r) = rule {
        sql.push_str(" WHERE rule_id = ?");
        values.push(r.into());
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit.clamp(1, 1000)));
    /// A row of `env_commands` as stored.
    #[derive(FromQueryResult)]
    struct CommandRecord {
        id: i64,
        rule_id: Uuid,
        at_ms: i64,
        topic: String,
        payload: String,
        reason: String,
        sent: bool,
        error: String,
    }
    let rows: Vec<CommandRecord> = fetch_all(c, &sql, values).await?;
    Ok(rows
        .into_iter()
        .map(|r| Command {
            id: r.id,
            rule_id: r.rule_id,
            at: ms_time(r.at_ms),
            topic: r.topic,
            payload: r.payload,
            reason: r.reason,
            sent: r.sent,
            error: r.error,
        })
        .collect())
}
