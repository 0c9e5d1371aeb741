//! `/api/v1/sensors`, `/api/v1/spaces`, `/api/v1/ingest-tokens`: the sensor registry,
//! space targets, chart series (JSON and CSV) and the environment overview.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vitrine_conservation::logger::Mapping;
use vitrine_conservation::model::{
    CalibrationInput, IngestToken, Placement, PlacementInput, Sensor, SensorInput, TargetInput,
};
use vitrine_conservation::overview::SpaceNow;
use vitrine_conservation::profiles::PROFILES;
use vitrine_conservation::{SeriesData, SeriesQuery};
use vitrine_kernel::csv::{Cell, CsvWriter};
use vitrine_kernel::time::ms_time;
use vitrine_kernel::{Error, FieldError};

use crate::extract::{
    ApiJson, IfMatch, Staff, csv_attachment, etag, parse_id, query_pairs, str_pairs,
};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

fn with_etag(status: StatusCode, s: Sensor) -> Response {
    let tag = etag(s.version);
    let mut r = (status, Json(s)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// The version a sensor write expects (`If-Match: *` takes the current one).
async fn sensor_version(
    st: &AppState,
    actor: &vitrine_kernel::Actor,
    id: uuid::Uuid,
    im: IfMatch,
) -> Result<i64, Error> {
    let c = &st.conservation;
    im.or_current(async { Ok(c.get_sensor(actor, id).await?.0.version) })
        .await
}

/// A sensor as the answer to a write, with its ETag.
async fn sensor_reply(
    st: &AppState,
    actor: &vitrine_kernel::Actor,
    id: uuid::Uuid,
    status: StatusCode,
) -> ApiResult<Response> {
    Ok(with_etag(
        status,
        st.conservation.get_sensor(actor, id).await?.0,
    ))
}

/// A sensor and where it has been.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SensorDetail {
    /// The sensor.
    pub sensor: Sensor,
    /// Every placement, oldest first.
    pub placements: Vec<Placement>,
}

/// Every sensor, unassigned ones included.
#[utoipa::path(get, path = "/api/v1/sensors", tag = "environment",
    responses((status = 200, body = Vec<Sensor>), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn list_sensors(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<Sensor>>> {
    Ok(Json(st.conservation.list_sensors(&actor).await?))
}

/// Registers a sensor.
#[utoipa::path(post, path = "/api/v1/sensors", tag = "environment", request_body = SensorInput,
    responses((status = 201, body = Sensor), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_sensor(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<SensorInput>,
) -> ApiResult<Response> {
    let id = st.conservation.create_sensor(&actor, input).await?;
    let (s, _) = st.conservation.get_sensor(&actor, id).await?;
    Ok(with_etag(StatusCode::CREATED, s))
}

/// One sensor with its placement history.
#[utoipa::path(get, path = "/api/v1/sensors/{id}", tag = "environment", params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you edited")),
    responses((status = 200, body = SensorDetail), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_sensor(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (sensor, placements) = st.conservation.get_sensor(&actor, parse_id(&id)?).await?;
    let tag = etag(sensor.version);
    let mut r = Json(SensorDetail { sensor, placements }).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}

/// Changes a sensor's description (`If-Match` required).
#[utoipa::path(put, path = "/api/v1/sensors/{id}", tag = "environment", params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you edited")), request_body = SensorInput,
    responses((status = 200, body = Sensor), (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_sensor(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(input): ApiJson<SensorInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let v = sensor_version(&st, &actor, id, im).await?;
    st.conservation.update_sensor(&actor, id, v, input).await?;
    sensor_reply(&st, &actor, id, StatusCode::OK).await
}

/// Places or moves a sensor (`If-Match` required); its past readings stay with the space they measured.
#[utoipa::path(post, path = "/api/v1/sensors/{id}/placements", tag = "environment", params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you edited")), request_body = PlacementInput,
    responses((status = 200, body = Sensor), (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn place_sensor(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(input): ApiJson<PlacementInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let v = sensor_version(&st, &actor, id, im).await?;
    st.conservation.place_sensor(&actor, id, v, input).await?;
    sensor_reply(&st, &actor, id, StatusCode::OK).await
}

/// Adds a calibration to a sensor.
#[utoipa::path(post, path = "/api/v1/sensors/{id}/calibrations", tag = "environment", params(("id" = Uuid, Path)), request_body = CalibrationInput,
    responses((status = 201, body = Sensor), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn add_calibration(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CalibrationInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    st.conservation.add_calibration(&actor, id, input).await?;
    sensor_reply(&st, &actor, id, StatusCode::CREATED).await
}

/// The series parameters of a request (`metric`, `from`, `to`), read by the domain.
fn series_params(uri: &Uri) -> Result<SeriesQuery, Error> {
    let pairs = query_pairs(uri.query())?;
    SeriesQuery::from_pairs(str_pairs(&pairs), chrono::Utc::now().timestamp_millis())
}

/// A sensor's series of one metric, at the resolution that keeps it under 2,000 points.
#[utoipa::path(get, path = "/api/v1/sensors/{id}/series", tag = "environment",
    params(("id" = Uuid, Path), ("metric" = String, Query), ("from" = Option<String>, Query, description = "RFC 3339 or ms; default 24 h before `to`"), ("to" = Option<String>, Query, description = "default now")),
    responses((status = 200, body = SeriesData), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn sensor_series(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let q = series_params(&uri)?;
    let t0 = std::time::Instant::now();
    let s = st
        .conservation
        .sensor_series(&actor, id, &q.metric, q.from, q.to)
        .await?;
    Ok(timed(t0, Json(s).into_response()))
}

/// Adds `Server-Timing: app;dur=…` (milliseconds of work for the answer, JSON included), so
/// clients and benchmarks can tell server time from network time.
fn timed(t0: std::time::Instant, mut r: Response) -> Response {
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        r.headers_mut()
            .insert(HeaderName::from_static("server-timing"), v);
    }
    r
}

/// The series of every sensor that was in a space, each for the time it was there.
#[utoipa::path(get, path = "/api/v1/spaces/{id}/series", tag = "environment",
    params(("id" = Uuid, Path, description = "a location"), ("metric" = String, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Vec<SeriesData>), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn space_series(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let q = series_params(&uri)?;
    let t0 = std::time::Instant::now();
    let s = st
        .conservation
        .space_series(&actor, id, &q.metric, q.from, q.to)
        .await?;
    Ok(timed(t0, Json(s).into_response()))
}

/// The same series as CSV (one row per point: sensor, time, value, min, max, count).
#[utoipa::path(get, path = "/api/v1/spaces/{id}/series.csv", tag = "environment",
    params(("id" = Uuid, Path), ("metric" = String, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn space_series_csv(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let q = series_params(&uri)?;
    let series = st
        .conservation
        .space_series(&actor, id, &q.metric, q.from, q.to)
        .await?;
    csv_response(&series, &format!("space-{id}-{}.csv", q.metric))
}

/// A sensor's series as CSV.
#[utoipa::path(get, path = "/api/v1/sensors/{id}/series.csv", tag = "environment",
    params(("id" = Uuid, Path), ("metric" = String, Query), ("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn sensor_series_csv(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let q = series_params(&uri)?;
    let s = st
        .conservation
        .sensor_series(&actor, id, &q.metric, q.from, q.to)
        .await?;
    csv_response(
        std::slice::from_ref(&s),
        &format!("sensor-{}-{}.csv", s.sensor_code, q.metric),
    )
}

fn csv_response(series: &[SeriesData], filename: &str) -> ApiResult<Response> {
    let mut w = CsvWriter::new();
    w.header(&[
        "sensor",
        "metric",
        "unit",
        "resolution",
        "time",
        "value",
        "min",
        "max",
        "count",
    ])?;
    for s in series {
        let c = &s.chart;
        for i in 0..c.t.len() {
            let time = ms_time(c.t[i]).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            w.row(&[
                Cell::Text(&s.sensor_code),
                Cell::Text(&s.metric),
                Cell::Text(&s.unit),
                Cell::Text(&c.resolution),
                Cell::Text(&time),
                Cell::Number(c.v[i]),
                Cell::Number(c.min[i]),
                Cell::Number(c.max[i]),
                Cell::Int(i64::try_from(c.n[i]).unwrap_or(i64::MAX)),
            ])?;
        }
    }
    Ok(csv_attachment(w.finish()?, filename))
}

/// Every space with sensors or a target: latest values against the target, silent and
/// low-battery sensors flagged.
#[utoipa::path(get, path = "/api/v1/spaces", tag = "environment",
    responses((status = 200, body = Vec<SpaceNow>)), security(("bearer" = [])))]
pub async fn spaces(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<SpaceNow>>> {
    Ok(Json(
        st.conservation.overview(&actor, chrono::Utc::now()).await?,
    ))
}

/// Sets a space's target environment (a profile and/or ranges per metric).
#[utoipa::path(put, path = "/api/v1/spaces/{id}/target", tag = "environment", params(("id" = Uuid, Path)), request_body = TargetInput,
    responses((status = 200, body = TargetInput), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_target(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TargetInput>,
) -> ApiResult<Json<TargetInput>> {
    st.conservation
        .set_target(&actor, parse_id(&id)?, input.clone())
        .await?;
    Ok(Json(input))
}

/// A named target profile.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProfileInfo {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    ranges: std::collections::BTreeMap<&'static str, vitrine_conservation::model::Range>,
}

/// The named target profiles.
#[utoipa::path(get, path = "/api/v1/environment/profiles", tag = "environment",
    responses((status = 200, body = Vec<ProfileInfo>)), security(("bearer" = [])))]
pub async fn profiles(Staff(actor): Staff) -> ApiResult<Json<Vec<ProfileInfo>>> {
    actor.require(vitrine_kernel::Permission::EnvironmentRead)?;
    Ok(Json(
        PROFILES
            .iter()
            .map(|p| ProfileInfo {
                code: p.code,
                zh: p.zh,
                en: p.en,
                ranges: p.ranges.iter().copied().collect(),
            })
            .collect(),
    ))
}

/// A new ingest token: the secret is shown only now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NewIngestToken {
    /// The token.
    #[serde(flatten)]
    pub token: IngestToken,
    /// Send as `Authorization: Token <secret>`.
    pub secret: String,
}

/// Name of a new ingest token.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IngestTokenInput {
    /// The gateway or logger it is for.
    pub name: String,
}

/// Gateway ingest tokens.
#[utoipa::path(get, path = "/api/v1/ingest-tokens", tag = "environment",
    responses((status = 200, body = Vec<IngestToken>)), security(("bearer" = [])))]
pub async fn list_tokens(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<IngestToken>>> {
    Ok(Json(st.conservation.ingest_tokens(&actor).await?))
}

/// Makes a gateway ingest token.
#[utoipa::path(post, path = "/api/v1/ingest-tokens", tag = "environment", request_body = IngestTokenInput,
    responses((status = 201, body = NewIngestToken), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_token(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<IngestTokenInput>,
) -> ApiResult<Response> {
    let (token, secret) = st
        .conservation
        .create_ingest_token(&actor, &input.name)
        .await?;
    Ok((StatusCode::CREATED, Json(NewIngestToken { token, secret })).into_response())
}

/// Revokes a gateway ingest token.
#[utoipa::path(delete, path = "/api/v1/ingest-tokens/{id}", tag = "environment", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.conservation
        .revoke_ingest_token(&actor, parse_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a logger import answers: what was found, and how many readings were stored.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoggerImport {
    /// Layout found, first rows read, rows refused with reasons.
    pub preview: vitrine_conservation::logger::Preview,
    /// Readings stored (0 for a preview).
    pub stored: usize,
}

/// Imports a data logger's file (Meaco, Tinytag, Hanwell, `;`-separated with decimal
/// commas, or any CSV with a mapping) into a sensor's readings. `preview=true` only reads.
#[utoipa::path(post, path = "/api/v1/sensors/{id}/logger-import", tag = "environment",
    params(("id" = Uuid, Path), ("preview" = Option<bool>, Query), ("delimiter" = Option<String>, Query, description = ", ; or tab"),
           ("decimal_comma" = Option<bool>, Query), ("header_row" = Option<usize>, Query), ("time_column" = Option<String>, Query),
           ("time_format" = Option<String>, Query, description = "chrono format, e.g. %d-%m-%Y %H:%M"),
           ("columns" = Option<String>, Query, description = "COLUMN:metric,..."), ("utc_offset_minutes" = Option<i32>, Query)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = LoggerImport), (status = 400, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn logger_import(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
    body: axum::body::Bytes,
) -> ApiResult<Json<LoggerImport>> {
    let id = parse_id(&id)?;
    let pairs = query_pairs(uri.query())?;
    let (mapping, preview) = Mapping::from_pairs(str_pairs(&pairs))?;
    let (preview, stored) = st
        .conservation
        .import_logger(&actor, id, &body, &mapping, preview)
        .await?;
    Ok(Json(LoggerImport { preview, stored }))
}

/// Control rules with their state.
#[utoipa::path(get, path = "/api/v1/rules", tag = "environment",
    responses((status = 200, body = Vec<vitrine_conservation::rules::Rule>)), security(("bearer" = [])))]
pub async fn list_rules(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<vitrine_conservation::rules::Rule>>> {
    Ok(Json(st.conservation.list_rules(&actor).await?))
}

fn rule_reply(status: StatusCode, r: vitrine_conservation::rules::Rule) -> Response {
    let tag = etag(r.version);
    let mut resp = (status, Json(r)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// Adds a control rule.
#[utoipa::path(post, path = "/api/v1/rules", tag = "environment", request_body = vitrine_conservation::rules::RuleInput,
    responses((status = 201, body = vitrine_conservation::rules::Rule), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_rule(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<vitrine_conservation::rules::RuleInput>,
) -> ApiResult<Response> {
    let id = st.conservation.create_rule(&actor, input).await?;
    Ok(rule_reply(
        StatusCode::CREATED,
        st.conservation.get_rule(&actor, id).await?,
    ))
}

/// One rule.
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "environment", params(("id" = Uuid, Path)),
    responses((status = 200, body = vitrine_conservation::rules::Rule), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn get_rule(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(rule_reply(
        StatusCode::OK,
        st.conservation.get_rule(&actor, parse_id(&id)?).await?,
    ))
}

/// Changes a rule (`If-Match` required).
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "environment", params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you edited")), request_body = vitrine_conservation::rules::RuleInput,
    responses((status = 200, body = vitrine_conservation::rules::Rule), (status = 412, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn put_rule(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(input): ApiJson<vitrine_conservation::rules::RuleInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let c = &st.conservation;
    let v = im
        .or_current(async { Ok(c.get_rule(&actor, id).await?.version) })
        .await?;
    st.conservation.update_rule(&actor, id, v, input).await?;
    Ok(rule_reply(
        StatusCode::OK,
        st.conservation.get_rule(&actor, id).await?,
    ))
}

/// Deletes a rule and its command log.
#[utoipa::path(delete, path = "/api/v1/rules/{id}", tag = "environment", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn delete_rule(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.conservation.delete_rule(&actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Holds a rule's device on or off for some minutes (`{"state": null}` hands control back).
#[utoipa::path(post, path = "/api/v1/rules/{id}/override", tag = "environment", params(("id" = Uuid, Path)), request_body = vitrine_conservation::control::OverrideInput,
    responses((status = 200, body = vitrine_conservation::rules::Rule), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn override_rule(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<vitrine_conservation::control::OverrideInput>,
) -> ApiResult<Response> {
    let r = st
        .conservation
        .override_rule(&actor, parse_id(&id)?, input)
        .await?;
    Ok(rule_reply(StatusCode::OK, r))
}

/// The command log, newest first; `rule` narrows it to one rule.
#[utoipa::path(get, path = "/api/v1/commands", tag = "environment",
    params(("rule" = Option<Uuid>, Query), ("limit" = Option<u32>, Query, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<vitrine_conservation::rules::Command>), (status = 400, body = Problem)), security(("bearer" = [])))]
pub async fn commands(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Json<Vec<vitrine_conservation::rules::Command>>> {
    let mut rule = None;
    let mut limit = 100;
    for (k, v) in query_pairs(uri.query())? {
        match k.as_str() {
            "rule" => {
                rule = Some(parse_id(&v).map_err(|_| {
                    Error::InvalidParameters(vec![FieldError::new(
                        "rule",
                        "invalid_id",
                        "a rule id",
                    )])
                })?)
            }
            "limit" => {
                limit = v.parse().map_err(|_| {
                    Error::InvalidParameters(vec![FieldError::new(
                        "limit",
                        "not_a_number",
                        "1–1000",
                    )])
                })?
            }
            other => {
                return Err(Error::InvalidParameters(vec![FieldError::new(
                    other,
                    "unknown_parameter",
                    "use rule, limit",
                )])
                .into());
            }
        }
    }
    Ok(Json(st.conservation.commands(&actor, rule, limit).await?))
}
