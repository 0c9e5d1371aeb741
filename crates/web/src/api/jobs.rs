//! Background jobs over HTTP: list and follow them, cancel and retry them, read their
//! log and download their result; and the maintenance jobs administrators start.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vitrine_kernel::Error;
use vitrine_kernel::jobs::{Job, JobFilter, LogLine};

use crate::extract::{Staff, attachment, parse_id, query_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A page of jobs, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct JobList {
    /// The jobs.
    pub items: Vec<Job>,
}

/// A job's log lines.
#[derive(Serialize, utoipa::ToSchema)]
pub struct JobLog {
    /// Lines, oldest first.
    pub lines: Vec<LogLine>,
}

/// A 202 answer for a job just queued, pointing at it.
pub fn accepted(job: Job) -> Response {
    let location = format!("/api/v1/jobs/{}", job.id);
    let mut r = (StatusCode::ACCEPTED, Json(job)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Jobs the caller may see: their own, or every job for administrators.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    params(("kind" = Option<String>, Query, description = "search.reindex, media.fixity, ..."),
           ("state" = Option<String>, Query, description = "queued, running, succeeded, failed, cancelled"),
           ("user" = Option<uuid::Uuid>, Query, description = "started by this account"),
           ("limit" = Option<u32>, Query, description = "1 to 500, default 50")),
    responses((status = 200, body = JobList), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Json<JobList>> {
    let pairs = query_pairs(uri.query()).map_err(Error::into_parameters)?;
    let filter = JobFilter::from_pairs(&pairs)?;
    Ok(Json(JobList {
        items: st.jobs.list(&actor, &filter).await?,
    }))
}

/// One job, with its progress (done, total, rate, ETA, step).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Job), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    Ok(Json(st.jobs.get(&actor, parse_id(&id)?).await?))
}

/// Cancels a queued job, or asks a running one to stop at its next safe point.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Job), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    Ok(Json(st.jobs.cancel(&actor, parse_id(&id)?).await?))
}

/// Queues a failed or cancelled job again; it resumes from its last checkpoint.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Job), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn retry(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    Ok(Json(st.jobs.retry(&actor, parse_id(&id)?).await?))
}

/// A job's log lines after `after` (the `seq` of the last line read).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/log", tag = "jobs",
    params(("id" = uuid::Uuid, Path), ("after" = Option<i64>, Query), ("limit" = Option<u32>, Query, description = "1 to 1000")),
    responses((status = 200, body = JobLog), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn log(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<JobLog>> {
    let id = parse_id(&id)?;
    let (mut after, mut limit) = (0i64, 200u64);
    for (k, v) in query_pairs(uri.query()).map_err(Error::into_parameters)? {
        match k.as_str() {
            "after" => {
                after = v.trim().parse().map_err(|_| {
                    Error::invalid("after", "not_a_number", "after must be a whole number")
                        .into_parameters()
                })?
            }
            "limit" => {
                limit = v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=1_000).contains(n))
                    .ok_or_else(|| {
                        Error::invalid("limit", "out_of_range", "limit must be 1 to 1000")
                            .into_parameters()
                    })?
            }
            other => {
                return Err(Error::invalid(
                    vitrine_kernel::excerpt::excerpt(other),
                    "unknown_parameter",
                    "unknown parameter: use after or limit",
                )
                .into_parameters()
                .into());
            }
        }
    }
    Ok(Json(JobLog {
        lines: st.jobs.log(&actor, id, after, limit).await?,
    }))
}

/// The file a job produced (a report, an export).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/result", tag = "jobs", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "the file, as the job made it (a CSV report, ...)",
                content((String = "text/csv"), (Vec<u8> = "application/octet-stream"))),
              (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn result(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let f = st.jobs.file(&actor, parse_id(&id)?).await?;
    Ok(attachment(f.body, &f.content_type, &f.name))
}

/// Checks every media master against its SHA-256 as a background job (administrators);
/// the job's result is a CSV of what is missing or changed.
#[utoipa::path(post, path = "/api/v1/media/fixity", tag = "media",
    responses((status = 202, body = Job, headers(("Location" = String))), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn fixity(State(st): State<AppState>, Staff(actor): Staff) -> ApiResult<Response> {
    Ok(accepted(st.media.start_fixity(&actor, &st.jobs).await?))
}
