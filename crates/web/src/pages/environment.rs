//! The environment pages: the overview of every space (live by server-sent events), a
//! space's charts, the sensor list (with the unassigned ones to place) and a sensor's page.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_collections::authority::Kind;
use vitrine_collections::query::AuthorityQuery;
use vitrine_conservation::model::{Placement, PlacementInput, Sensor, SensorInput, SensorStatus};
use vitrine_conservation::overview::SpaceNow;
use vitrine_kernel::{Actor, Error, LangText, Permission};

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id, query_pairs};
use crate::state::AppState;

/// A metric offered on chart pages: code, unit, name in the page language.
pub struct MetricChoice {
    code: String,
    unit: String,
    name: String,
}

fn metric_choices(lang: vitrine_kernel::Lang) -> Vec<MetricChoice> {
    vitrine_conservation::metric::BUILT_IN
        .iter()
        .map(|m| MetricChoice {
            code: m.code.to_owned(),
            unit: m.unit.to_owned(),
            name: if lang == vitrine_kernel::Lang::ZhHans {
                m.zh
            } else {
                m.en
            }
            .to_owned(),
        })
        .collect()
}

fn label(l: &Option<LangText>, lang: vitrine_kernel::Lang) -> String {
    l.as_ref()
        .map(|t| t.best(lang).to_owned())
        .unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "staff/environment.html")]
struct OverviewPage<'a> {
    l: Layout<'a>,
    spaces: Vec<SpaceNow>,
    unassigned: usize,
}

/// Every space with current values.
pub async fn overview(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    let spaces = match st.conservation.overview(&actor, chrono::Utc::now()).await {
        Ok(s) => s,
        Err(e) => return error_page(&st, &user, e),
    };
    let unassigned = match st.conservation.list_sensors(&actor).await {
        Ok(s) => s
            .iter()
            .filter(|s| s.status == SensorStatus::Unassigned)
            .count(),
        Err(e) => return error_page(&st, &user, e),
    };
    let tr = st.i18n.tr(user.lang);
    render(&OverviewPage {
        l: Layout::new(&st, &user, "environment", tr.t("env.title")),
        spaces,
        unassigned,
    })
}

/// Server-sent events: the overview again whenever readings arrive (at most every 2 s).
pub async fn events(State(st): State<AppState>, Staff { actor, .. }: Staff) -> Response {
    if let Err(e) = actor.require(Permission::EnvironmentRead) {
        return crate::problem::ApiError(e).into_response();
    }
    let rx = st.conservation.changes();
    let stream = futures_util::stream::unfold((st, actor, rx), |(st, actor, mut rx)| async move {
        if rx.changed().await.is_err() {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        rx.borrow_and_update();
        let data = match st.conservation.overview(&actor, chrono::Utc::now()).await {
            Ok(s) => serde_json::to_string(&s).unwrap_or_default(),
            Err(_) => return None,
        };
        Some((
            Ok::<_, Infallible>(Event::default().event("overview").data(data)),
            (st, actor, rx),
        ))
    });
    // Fused: a stream polled again after its end must not panic (see the CSV export).
    Sse::new(futures_util::StreamExt::fuse(stream))
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[derive(Template)]
#[template(path = "staff/environment_space.html")]
struct SpacePage<'a> {
    l: Layout<'a>,
    space: Option<SpaceNow>,
    name: String,
    series_url: String,
    metrics: Vec<MetricChoice>,
    target_json: String,
    history: Vec<Placement>,
    codes: std::collections::HashMap<uuid::Uuid, String>,
    space_id: String,
    /// The target as stored (profile and own ranges), for the form.
    own: vitrine_conservation::model::TargetInput,
    profiles: Vec<(&'static str, &'static str)>,
    /// Metrics the target form offers, with the stored own range.
    range_rows: Vec<(MetricChoice, String, String)>,
    can_edit: bool,
    error: Option<String>,
}

fn num_text(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// A space: its charts (every sensor that was there), its target, its sensors' history.
pub async fn space(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    space_page(&st, &actor, &user, &id, None).await
}

async fn space_page(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    id: &str,
    error: Option<String>,
) -> Response {
    let res: Result<Response, Error> = async {
        let loc = parse_id(id)?;
        let a = st
            .collections
            .get_authority(actor, Kind::Location, loc)
            .await?;
        let spaces = st.conservation.overview(actor, chrono::Utc::now()).await?;
        let space = spaces.into_iter().find(|s| s.location_id == loc);
        let history = st.conservation.placements_in(actor, loc).await?;
        let codes = st
            .conservation
            .list_sensors(actor)
            .await?
            .into_iter()
            .map(|s| (s.id, s.data.code))
            .collect();
        let own = st
            .conservation
            .targets(actor)
            .await?
            .remove(&loc)
            .unwrap_or_default();
        let target = own.effective();
        let tr = st.i18n.tr(user.lang);
        let name = a.data.label.best(user.lang).to_owned();
        let range_rows = metric_choices(user.lang)
            .into_iter()
            .filter(|m| vitrine_conservation::form::TARGET_METRICS.contains(&m.code.as_str()))
            .map(|m| {
                let r = own.ranges.get(&m.code);
                let (lo, hi) = (
                    num_text(r.and_then(|r| r.min)),
                    num_text(r.and_then(|r| r.max)),
                );
                (m, lo, hi)
            })
            .collect();
        let zh = user.lang == vitrine_kernel::Lang::ZhHans;
        Ok(render(&SpacePage {
            l: Layout::new(
                st,
                user,
                "environment",
                format!("{name} · {}", tr.t("env.title")),
            ),
            space,
            name,
            series_url: format!("/api/v1/spaces/{loc}/series"),
            space_id: loc.to_string(),
            metrics: metric_choices(user.lang),
            target_json: serde_json::to_string(&target).unwrap_or_else(|_| "{}".into()),
            history,
            codes,
            own,
            profiles: vitrine_conservation::profiles::PROFILES
                .iter()
                .map(|p| (p.code, if zh { p.zh } else { p.en }))
                .collect(),
            range_rows,
            can_edit: actor.can(Permission::EnvironmentEdit),
            error,
        }))
    }
    .await;
    res.unwrap_or_else(|e| error_page(st, user, e))
}

/// Sets a space's target from the form on its page.
pub async fn set_target(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = async {
        let loc = parse_id(&id)?;
        let input = vitrine_conservation::model::TargetInput::from_form(&form.0)?;
        st.conservation.set_target(&actor, loc, input).await
    }
    .await;
    match res {
        Ok(_) => Redirect::to(&format!("/staff/environment/spaces/{id}")).into_response(),
        Err(e) => space_page(&st, &actor, &user, &id, Some(e.to_string())).await,
    }
}

#[derive(Template)]
#[template(path = "staff/environment_sensors.html")]
struct SensorsPage<'a> {
    l: Layout<'a>,
    sensors: Vec<Sensor>,
    only_unassigned: bool,
    locations: Vec<(String, String)>,
    can_edit: bool,
    error: Option<String>,
}

/// The spaces sensors and rules can be placed in (galleries, showcases, storerooms,
/// cabinets), by name.
async fn locations(
    st: &AppState,
    actor: &Actor,
    lang: vitrine_kernel::Lang,
) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for v in ["gallery", "showcase", "storeroom", "cabinet"] {
        let pairs = [("limit", "200"), ("vocabulary", v)];
        let q = AuthorityQuery::from_pairs(pairs.iter().copied())?;
        let page = st
            .collections
            .search_authorities(actor, Kind::Location, &q)
            .await?;
        out.extend(
            page.items
                .into_iter()
                .map(|a| (a.id.to_string(), a.label.best(lang).to_owned())),
        );
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

async fn sensors_page(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    only_unassigned: bool,
    error: Option<String>,
) -> Response {
    let res: Result<Response, Error> = async {
        let mut sensors = st.conservation.list_sensors(actor).await?;
        if only_unassigned {
            sensors.retain(|s| s.status == SensorStatus::Unassigned);
        }
        let can_edit = actor.can(Permission::EnvironmentEdit);
        let locations = if can_edit {
            locations(st, actor, user.lang).await?
        } else {
            Vec::new()
        };
        let tr = st.i18n.tr(user.lang);
        let title = if only_unassigned {
            tr.t("env.unassigned")
        } else {
            tr.t("env.sensors")
        };
        Ok(render(&SensorsPage {
            l: Layout::new(st, user, "environment", title),
            sensors,
            only_unassigned,
            locations,
            can_edit,
            error,
        }))
    }
    .await;
    res.unwrap_or_else(|e| error_page(st, user, e))
}

/// Every sensor; `?status=unassigned` for those waiting to be placed.
pub async fn sensors(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    uri: Uri,
) -> Response {
    let only = query_pairs(uri.query())
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "status" && v == "unassigned");
    sensors_page(&st, &actor, &user, only, None).await
}

/// Places a sensor in the location a form chose, from now on.
async fn place_from_form(
    st: &AppState,
    actor: &Actor,
    id: &str,
    form: &FormPairs,
) -> Result<i64, Error> {
    let id = parse_id(id)?;
    let location_id = parse_id(&form.get("location_id"))
        .map_err(|_| Error::invalid("location_id", "required", "choose a space"))?;
    let version = form
        .get("version")
        .parse::<i64>()
        .map_err(|_| Error::BadRequest("missing version".into()))?;
    let input = PlacementInput {
        location_id,
        at: None,
        note: form.get("note"),
    };
    st.conservation
        .place_sensor(actor, id, version, input)
        .await
}

/// Places a sensor from the sensor list.
pub async fn place(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = place_from_form(&st, &actor, &id, &form).await;
    let back = if form.get("back") == "unassigned" {
        "/staff/environment/sensors?status=unassigned"
    } else {
        "/staff/environment/sensors"
    };
    match res {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => {
            sensors_page(
                &st,
                &actor,
                &user,
                form.get("back") == "unassigned",
                Some(e.to_string()),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "staff/environment_sensor.html")]
struct SensorPage<'a> {
    l: Layout<'a>,
    s: Sensor,
    history: Vec<Placement>,
    metrics: Vec<MetricChoice>,
    series_url: String,
    target_json: String,
    can_import: bool,
    can_edit: bool,
    locations: Vec<(String, String)>,
    all_metrics: Vec<MetricChoice>,
    error: Option<String>,
}

/// A sensor: description, placements, calibrations, charts.
pub async fn sensor(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    sensor_page(&st, &actor, &user, &id, None).await
}

async fn sensor_page(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    id: &str,
    error: Option<String>,
) -> Response {
    let res: Result<Response, Error> = async {
        let (s, history) = st.conservation.get_sensor(actor, parse_id(id)?).await?;
        let mut all = metric_choices(user.lang);
        let have = st.conservation.metrics_of(&s.data.code);
        let mut metrics: Vec<MetricChoice> = Vec::new();
        for m in have {
            match all.iter().position(|c| c.code == m) {
                Some(i) => metrics.push(all.swap_remove(i)),
                None => metrics.push(MetricChoice {
                    name: m.clone(),
                    code: m,
                    unit: String::new(),
                }),
            }
        }
        let can_edit = actor.can(Permission::EnvironmentEdit);
        let locations = if can_edit {
            locations(st, actor, user.lang).await?
        } else {
            Vec::new()
        };
        Ok(render(&SensorPage {
            l: Layout::new(st, user, "environment", s.data.code.clone()),
            series_url: format!("/api/v1/sensors/{}/series", s.id),
            target_json: "{}".into(),
            can_import: actor.can(Permission::ReadingsWrite),
            can_edit,
            locations,
            all_metrics: metric_choices(user.lang),
            error,
            s,
            history,
            metrics,
        }))
    }
    .await;
    res.unwrap_or_else(|e| error_page(st, user, e))
}

/// Back to a sensor's page, or the page again with what went wrong.
async fn back_to_sensor(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    id: &str,
    res: Result<(), Error>,
) -> Response {
    match res {
        Ok(()) => Redirect::to(&format!("/staff/environment/sensors/{id}")).into_response(),
        Err(e) => sensor_page(st, actor, user, id, Some(e.to_string())).await,
    }
}

/// Saves a sensor's description from its page.
pub async fn edit_sensor(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = async {
        let sid = parse_id(&id)?;
        let (s, _) = st.conservation.get_sensor(&actor, sid).await?;
        let version = form
            .get("version")
            .parse::<i64>()
            .map_err(|_| Error::BadRequest("missing version".into()))?;
        let interval = form
            .get("interval_s")
            .trim()
            .parse::<u32>()
            .map_err(|_| Error::invalid("interval_s", "not_a_number", "whole seconds"))?;
        let input = SensorInput {
            model: form.get("model"),
            interval_s: interval,
            notes: form.get("notes"),
            retired: form.get("retired") == "on",
            ..s.data
        };
        st.conservation
            .update_sensor(&actor, sid, version, input)
            .await
            .map(|_| ())
    }
    .await;
    back_to_sensor(&st, &actor, &user, &id, res).await
}

/// Adds a calibration from a sensor's page.
pub async fn add_calibration(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = async {
        let sid = parse_id(&id)?;
        let offset = st.conservation.readings().offset_ms();
        let input = vitrine_conservation::model::CalibrationInput::from_form(&form.0, offset)?;
        st.conservation
            .add_calibration(&actor, sid, input)
            .await
            .map(|_| ())
    }
    .await;
    back_to_sensor(&st, &actor, &user, &id, res).await
}

/// Moves a sensor from its page.
pub async fn move_sensor(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = place_from_form(&st, &actor, &id, &form).await.map(|_| ());
    back_to_sensor(&st, &actor, &user, &id, res).await
}

/// The location name of a placement, for templates.
pub fn place_name(p: &Placement, lang: vitrine_kernel::Lang) -> String {
    label(&p.location_label, lang)
}

#[derive(Template)]
#[template(path = "staff/environment_rules.html")]
struct RulesPage<'a> {
    l: Layout<'a>,
    rules: Vec<vitrine_conservation::rules::Rule>,
    names: std::collections::HashMap<uuid::Uuid, String>,
    commands: Vec<vitrine_conservation::rules::Command>,
    locations: Vec<(String, String)>,
    metrics: Vec<MetricChoice>,
    can_edit: bool,
    error: Option<String>,
}

async fn rules_page(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    error: Option<String>,
) -> Response {
    let res: Result<Response, Error> = async {
        let rules = st.conservation.list_rules(actor).await?;
        let commands = st.conservation.commands(actor, None, 50).await?;
        let can_edit = actor.can(Permission::EnvironmentEdit);
        let locations = locations(st, actor, user.lang).await?;
        let names = rules.iter().map(|r| (r.id, r.data.name.clone())).collect();
        let tr = st.i18n.tr(user.lang);
        Ok(render(&RulesPage {
            l: Layout::new(st, user, "environment", tr.t("env.rules")),
            rules,
            names,
            commands,
            locations,
            metrics: metric_choices(user.lang),
            can_edit,
            error,
        }))
    }
    .await;
    res.unwrap_or_else(|e| error_page(st, user, e))
}

/// Control rules, their state, overrides and the command log.
pub async fn rules(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    rules_page(&st, &actor, &user, None).await
}

/// Adds a rule from the form.
pub async fn create_rule(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    form: FormPairs,
) -> Response {
    let num = |k: &str| form.get(k).trim().replace(',', ".").parse::<f64>();
    let res = async {
        let input = vitrine_conservation::rules::RuleInput {
            name: form.get("name"),
            location_id: parse_id(&form.get("location_id"))
                .map_err(|_| Error::invalid("location_id", "required", "choose a space"))?,
            metric: form.get("metric"),
            op: if form.get("op") == "above" {
                vitrine_conservation::rules::Op::Above
            } else {
                vitrine_conservation::rules::Op::Below
            },
            threshold: num("threshold")
                .map_err(|_| Error::invalid("threshold", "not_a_number", "a number"))?,
            hysteresis: num("hysteresis").unwrap_or(0.0),
            duration_s: (num("duration_min").unwrap_or(0.0).max(0.0) * 60.0) as u32,
            topic: form.get("topic").trim().to_owned(),
            on_payload: form.get("on_payload"),
            off_payload: form.get("off_payload"),
            enabled: true,
        };
        st.conservation.create_rule(&actor, input).await
    }
    .await;
    back_to_rules(&st, &actor, &user, res.map(|_| ())).await
}

/// Sets or clears a manual override from the rules page.
pub async fn override_rule(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = async {
        let id = parse_id(&id)?;
        let state = match form.get("state").as_str() {
            "on" => Some(vitrine_conservation::rules::State::On),
            "off" => Some(vitrine_conservation::rules::State::Off),
            _ => None,
        };
        let minutes = form.get("minutes").parse().unwrap_or(60);
        st.conservation
            .override_rule(
                &actor,
                id,
                vitrine_conservation::control::OverrideInput { state, minutes },
            )
            .await
    }
    .await;
    back_to_rules(&st, &actor, &user, res.map(|_| ())).await
}

/// Back to the rules page, or the page again with what went wrong.
async fn back_to_rules(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    res: Result<(), Error>,
) -> Response {
    match res {
        Ok(()) => Redirect::to("/staff/environment/rules").into_response(),
        Err(e) => rules_page(st, actor, user, Some(e.to_string())).await,
    }
}

/// Deletes a rule from the rules page.
pub async fn delete_rule(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = match parse_id(&id) {
        Ok(id) => st.conservation.delete_rule(&actor, id).await,
        Err(e) => Err(e),
    };
    back_to_rules(&st, &actor, &user, res).await
}

#[derive(Template)]
#[template(path = "staff/environment_tokens.html")]
struct GatewayTokensPage<'a> {
    l: Layout<'a>,
    tokens: Vec<vitrine_conservation::model::IngestToken>,
    created: Option<String>,
    error: Option<String>,
}

async fn gateway_tokens_page(
    st: &AppState,
    actor: &Actor,
    user: &vitrine_kernel::Principal,
    created: Option<String>,
    error: Option<String>,
) -> Response {
    match st.conservation.ingest_tokens(actor).await {
        Ok(tokens) => {
            let tr = st.i18n.tr(user.lang);
            render(&GatewayTokensPage {
                l: Layout::new(st, user, "environment", tr.t("env.tokens")),
                tokens,
                created,
                error,
            })
        }
        Err(e) => error_page(st, user, e),
    }
}

/// Gateway ingest tokens: list, make, revoke.
pub async fn gateway_tokens(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    gateway_tokens_page(&st, &actor, &user, None, None).await
}

/// Makes a gateway token; shows its secret once.
pub async fn create_gateway_token(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    form: FormPairs,
) -> Response {
    match st
        .conservation
        .create_ingest_token(&actor, &form.get("name"))
        .await
    {
        Ok((_, secret)) => gateway_tokens_page(&st, &actor, &user, Some(secret), None).await,
        Err(e) => gateway_tokens_page(&st, &actor, &user, None, Some(e.to_string())).await,
    }
}

/// Revokes a gateway token.
pub async fn revoke_gateway_token(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = match parse_id(&id) {
        Ok(id) => st.conservation.revoke_ingest_token(&actor, id).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Redirect::to("/staff/environment/tokens").into_response(),
        Err(e) => gateway_tokens_page(&st, &actor, &user, None, Some(e.to_string())).await,
    }
}
