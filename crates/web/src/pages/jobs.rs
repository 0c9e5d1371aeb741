//! The Jobs page: background jobs with live progress (server-sent events), filters by
//! kind, state and person, cancel, retry, the result to download; and the maintenance
//! jobs administrators start from here.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_kernel::jobs::{Job, JobFilter, JobState, LogLine};
use vitrine_kernel::{Actor, Error, Permission};

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, attachment, parse_id, query_pairs};
use crate::i18n::Tr;
use crate::state::AppState;

/// The job kinds this program runs, for the kind filter and the labels.
pub const KINDS: [&str; 2] = [
    vitrine_search::REINDEX_JOB,
    vitrine_media::fixity::FIXITY_JOB,
];

/// One row of the list, with what the template shows already worked out.
pub struct JobRow {
    pub job: Job,
    pub kind_label: String,
    pub state_label: String,
    /// Percentage for the `<progress>` element, when the total is known.
    pub percent: Option<u32>,
    /// What the job is doing, in the page's language.
    pub step_label: String,
    /// "120/s · 2 min left", when running.
    pub pace: String,
    pub can_cancel: bool,
    pub can_retry: bool,
}

impl JobRow {
    fn new(job: Job, tr: Tr<'_>) -> Self {
        let pace = match (job.state, job.progress.rate, job.progress.eta_seconds) {
            (JobState::Running, Some(r), eta) => {
                let left = eta
                    .map(|s| format!(" · {}", left(tr, s)))
                    .unwrap_or_default();
                format!(
                    "{}{left}",
                    tr.t("jobs.rate").replace("{n}", &format!("{r:.0}"))
                )
            }
            _ => String::new(),
        };
        JobRow {
            kind_label: tr.code("jobs.kind", &job.kind).into_owned(),
            state_label: tr.code("jobs.state", job.state.code()).into_owned(),
            percent: job.progress.percent.map(|p| p.round() as u32),
            step_label: match (&job.progress.step, job.state) {
                (Some(s), JobState::Running) => tr.code("jobs.step", s).into_owned(),
                _ => String::new(),
            },
            pace,
            can_cancel: !job.state.finished() && !job.cancel_requested,
            can_retry: matches!(job.state, JobState::Failed | JobState::Cancelled),
            job,
        }
    }
}

fn left(tr: Tr<'_>, seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s < 90 {
        tr.t("jobs.left_s").replace("{n}", &s.to_string())
    } else {
        tr.t("jobs.left_min")
            .replace("{n}", &s.div_ceil(60).to_string())
    }
}

#[derive(Template)]
#[template(path = "staff/jobs.html")]
struct JobsPage<'a> {
    l: Layout<'a>,
    rows: Vec<JobRow>,
    /// (code, label, selected) for the filters.
    kinds: Vec<(&'static str, String, bool)>,
    states: Vec<(&'static str, String, bool)>,
    /// The query string of the filter, for the live stream.
    query: String,
    can_start: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/jobs_rows.html")]
struct JobsRows<'a> {
    l: Layout<'a>,
    rows: Vec<JobRow>,
}

#[derive(Template)]
#[template(path = "staff/job.html")]
struct JobPage<'a> {
    l: Layout<'a>,
    /// The job as a one-row list (the rows template is shared with the list page).
    rows: Vec<JobRow>,
    job: Job,
    kind_label: String,
    result: Vec<(String, String)>,
    log: Vec<LogLine>,
}

fn filter_of(uri: &Uri) -> Result<JobFilter, Error> {
    let pairs = query_pairs(uri.query()).map_err(Error::into_parameters)?;
    JobFilter::from_pairs(&pairs)
}

async fn rows(
    st: &AppState,
    actor: &Actor,
    tr: Tr<'_>,
    f: &JobFilter,
) -> Result<Vec<JobRow>, Error> {
    Ok(st
        .jobs
        .list(actor, f)
        .await?
        .into_iter()
        .map(|j| JobRow::new(j, tr))
        .collect())
}

async fn show_list(
    st: &AppState,
    Staff { actor, user }: &Staff,
    uri: &Uri,
    error: Option<String>,
) -> Response {
    let f = match filter_of(uri) {
        Ok(f) => f,
        Err(e) => return error_page(st, user, e),
    };
    let tr = st.i18n.tr(user.lang);
    let rows = match rows(st, actor, tr, &f).await {
        Ok(r) => r,
        Err(e) => return error_page(st, user, e),
    };
    render(&JobsPage {
        l: Layout::new(st, user, "jobs", tr.t("nav.jobs")),
        rows,
        kinds: KINDS
            .iter()
            .map(|k| {
                let label = tr.code("jobs.kind", k).into_owned();
                (*k, label, f.kind.as_deref() == Some(*k))
            })
            .collect(),
        states: JobState::ALL
            .iter()
            .map(|s| {
                let label = tr.code("jobs.state", s.code()).into_owned();
                (s.code(), label, f.state == Some(*s))
            })
            .collect(),
        query: uri.query().unwrap_or("").to_owned(),
        can_start: actor.can(Permission::SystemManage),
        error,
    })
}

/// `GET /staff/jobs`.
pub async fn list(State(st): State<AppState>, staff: Staff, uri: Uri) -> Response {
    show_list(&st, &staff, &uri, None).await
}

/// `GET /staff/jobs/events`: the list's rows again (same filter) whenever a job moves,
/// and every two seconds for jobs other nodes run.
pub async fn events(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    uri: Uri,
) -> Response {
    // `?job=ID` follows one job (its page); otherwise the list's filter.
    let pairs = match query_pairs(uri.query()) {
        Ok(p) => p,
        Err(e) => return crate::problem::ApiError(e.into_parameters()).into_response(),
    };
    let one = match pairs.iter().find(|(k, _)| k == "job") {
        Some((_, v)) => match parse_id(v) {
            Ok(id) => Some(id),
            Err(e) => return crate::problem::ApiError(e).into_response(),
        },
        None => None,
    };
    let f = if one.is_some() {
        JobFilter::default()
    } else {
        match JobFilter::from_pairs(&pairs) {
            Ok(f) => f,
            Err(e) => return crate::problem::ApiError(e).into_response(),
        }
    };
    let rx = st.jobs.changes();
    let stream = futures_util::stream::unfold(
        (st, actor, user, (f, one), rx, true),
        |(st, actor, user, (f, one), mut rx, first)| async move {
            if !first {
                tokio::select! {
                    r = rx.changed() => if r.is_err() { return None },
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
                // At most one update a second however busy the workers are.
                tokio::time::sleep(Duration::from_secs(1)).await;
                rx.borrow_and_update();
            }
            let tr = st.i18n.tr(user.lang);
            let found = match one {
                Some(id) => st
                    .jobs
                    .get(&actor, id)
                    .await
                    .map(|j| vec![JobRow::new(j, tr)]),
                None => rows(&st, &actor, tr, &f).await,
            };
            let html = match found {
                Ok(rows) => JobsRows {
                    l: Layout::new(&st, &user, "jobs", ""),
                    rows,
                }
                .render()
                .unwrap_or_default(),
                Err(_) => return None,
            };
            Some((
                Ok::<_, Infallible>(Event::default().event("rows").data(html)),
                (st, actor, user, (f, one), rx, false),
            ))
        },
    );
    Sse::new(futures_util::StreamExt::fuse(stream))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `GET /staff/jobs/{id}`: one job with its result and log.
pub async fn show(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let tr = st.i18n.tr(user.lang);
    let found = match parse_id(&id) {
        Ok(id) => st.jobs.get(&actor, id).await,
        Err(e) => Err(e),
    };
    let job = match found {
        Ok(j) => j,
        Err(e) => return error_page(&st, &user, e),
    };
    let log = match st.jobs.log(&actor, job.id, 0, 1_000).await {
        Ok(l) => l,
        Err(e) => return error_page(&st, &user, e),
    };
    let result = match &job.result {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (tr.code("jobs.result", k).into_owned(), v)
            })
            .collect(),
        _ => Vec::new(),
    };
    let title = format!("{} · {}", tr.code("jobs.kind", &job.kind), tr.t("nav.jobs"));
    let row = JobRow::new(job.clone(), tr);
    render(&JobPage {
        l: Layout::new(&st, &user, "jobs", title),
        kind_label: row.kind_label.clone(),
        rows: vec![row],
        job,
        result,
        log,
    })
}

/// `POST /staff/jobs/start`: an administrator starts a maintenance job.
pub async fn start(State(st): State<AppState>, staff: Staff, form: FormPairs) -> Response {
    let kind = form.get("kind");
    let started = match kind.as_str() {
        vitrine_search::REINDEX_JOB => {
            st.search
                .start_rebuild(&staff.actor, &st.jobs, &st.cfg.node)
                .await
        }
        vitrine_media::fixity::FIXITY_JOB => st.media.start_fixity(&staff.actor, &st.jobs).await,
        _ => Err(Error::invalid(
            "kind",
            "unknown_value",
            "no such maintenance job",
        )),
    };
    match started {
        Ok(j) => Redirect::to(&format!("/staff/jobs/{}", j.id)).into_response(),
        Err(e @ (Error::Conflict { .. } | Error::Invalid(_))) => {
            let uri: Uri = "/staff/jobs".parse().unwrap_or_default();
            show_list(&st, &staff, &uri, Some(e.to_string())).await
        }
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// `POST /staff/jobs/{id}/cancel` and `/retry`.
pub async fn act(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&st, &user, e),
    };
    let done = match action.as_str() {
        "cancel" => st.jobs.cancel(&actor, id).await,
        "retry" => st.jobs.retry(&actor, id).await,
        _ => Err(Error::NotFound { what: "page" }),
    };
    match done {
        Ok(_) | Err(Error::Conflict { .. }) => {
            Redirect::to(&format!("/staff/jobs/{id}")).into_response()
        }
        Err(e) => error_page(&st, &user, e),
    }
}

/// `GET /staff/jobs/{id}/result`: the job's file, for a signed-in browser.
pub async fn result(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let file = match parse_id(&id) {
        Ok(id) => st.jobs.file(&actor, id).await,
        Err(e) => Err(e),
    };
    match file {
        Ok(f) => attachment(f.body, &f.content_type, &f.name),
        Err(e) => error_page(&st, &user, e),
    }
}
