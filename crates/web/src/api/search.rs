//! Search over HTTP: staff and public search, suggestions, CSV export, saved searches,
//! and the index's state and rebuild for administrators.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;
use vitrine_collections::model::ObjectRecord;
use vitrine_kernel::csv::{Cell, CsvWriter};
use vitrine_kernel::jobs::Job;
use vitrine_kernel::{Error, Lang, Permission};
use vitrine_search::engine::SearchResults;
use vitrine_search::request::SearchRequest;
use vitrine_search::suggest::Suggestion;
use vitrine_search::{IndexStatus, SavedSearch};

use crate::api::public::cacheable;
use crate::extract::{ApiJson, Staff, parse_id, query_pairs, search_request};
use crate::i18n::Tr;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Labels the code facets (departments, statuses, yes/no) in the request's language;
/// authority facets come labelled from the index.
pub fn label_codes(r: &mut SearchResults, tr: Tr<'_>) {
    for (name, values) in r.facets.iter_mut() {
        for v in values {
            v.label = match name.as_str() {
                "department" | "status" => tr.code(name, &v.value).into_owned(),
                "has_image" | "on_display" => tr.code("search.bool", &v.value).into_owned(),
                _ => continue,
            };
        }
    }
}

/// Searches every record the caller may see.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(("q" = Option<String>, Query, description = "words, \"phrases\", -exclude, field:value, OR"),
           ("department" = Option<String>, Query), ("type" = Option<String>, Query), ("material" = Option<String>, Query),
           ("period" = Option<String>, Query), ("place" = Option<String>, Query), ("status" = Option<String>, Query),
           ("has_image" = Option<bool>, Query), ("on_display" = Option<bool>, Query),
           ("year_from" = Option<i64>, Query), ("year_to" = Option<i64>, Query),
           ("sort" = Option<String>, Query, description = "relevance, number, -number, date, -date, changed"),
           ("cursor" = Option<String>, Query), ("limit" = Option<u32>, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 503, body = Problem)),
    security(("bearer" = [])))]
pub async fn search(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Json<SearchResults>> {
    let req = search_request(&uri, false)?;
    let mut r = st.search.search(&actor, &req).await?;
    label_codes(&mut r, st.i18n.tr(req.lang));
    Ok(Json(r))
}

/// Searches published records (public fields only).
#[utoipa::path(get, path = "/api/public/v1/search", tag = "public",
    params(("q" = Option<String>, Query), ("department" = Option<String>, Query), ("type" = Option<String>, Query),
           ("material" = Option<String>, Query), ("period" = Option<String>, Query), ("place" = Option<String>, Query),
           ("year_from" = Option<i64>, Query), ("year_to" = Option<i64>, Query), ("sort" = Option<String>, Query),
           ("cursor" = Option<String>, Query), ("limit" = Option<u32>, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 503, body = Problem)))]
pub async fn public_search(State(st): State<AppState>, uri: Uri) -> ApiResult<Response> {
    let req = search_request(&uri, false)?;
    let mut r = st.search.search_public(&req).await?;
    label_codes(&mut r, st.i18n.tr(req.lang));
    Ok(cacheable(Json(r)))
}

fn suggest_params(uri: &Uri) -> Result<(String, Lang), Error> {
    let mut q = String::new();
    let mut lang = Lang::En;
    for (k, v) in query_pairs(uri.query()).map_err(Error::into_parameters)? {
        match k.as_str() {
            "q" => q = v,
            "lang" => {
                lang = Lang::parse(&v).ok_or_else(|| {
                    Error::invalid("lang", "invalid_lang", "zh or en").into_parameters()
                })?
            }
            other => {
                return Err(
                    Error::invalid(other, "unknown_parameter", "use q and lang").into_parameters()
                );
            }
        }
    }
    Ok((q, lang))
}

/// Suggestions as you type: objects, makers, terms and places.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "search",
    params(("q" = String, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, body = Vec<Suggestion>), (status = 400, body = Problem)),
    security(("bearer" = [])))]
pub async fn suggest(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Json<Vec<Suggestion>>> {
    let (q, lang) = suggest_params(&uri)?;
    Ok(Json(st.search.suggest(Some(&actor), &q, lang).await?))
}

/// Suggestions for the public site (published records only).
#[utoipa::path(get, path = "/api/public/v1/search/suggest", tag = "public",
    params(("q" = String, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, body = Vec<Suggestion>), (status = 400, body = Problem)))]
pub async fn public_suggest(State(st): State<AppState>, uri: Uri) -> ApiResult<Response> {
    let (q, lang) = suggest_params(&uri)?;
    Ok(cacheable(Json(st.search.suggest(None, &q, lang).await?)))
}

/// Rows of the export, per record.
const CSV_HEADER: [&str; 13] = [
    "object_number",
    "title_zh",
    "title_en",
    "object_name",
    "department",
    "status",
    "date",
    "period",
    "makers",
    "materials",
    "place",
    "public",
    "current_location",
];

fn csv_rows(records: &[ObjectRecord], tr: Tr<'_>) -> Result<Bytes, Error> {
    let lang = tr.lang;
    let mut w = CsvWriter::new();
    let label = |r: &ObjectRecord, id: &Option<Uuid>| {
        id.and_then(|i| r.labels.get(&i))
            .map(|l| l.best(lang).to_owned())
            .unwrap_or_default()
    };
    for r in records {
        let d = &r.data;
        let list = |ids: &mut dyn Iterator<Item = Uuid>| {
            ids.filter_map(|i| r.labels.get(&i).map(|l| l.best(lang).to_owned()))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let row = [
            d.object_number.clone(),
            d.title.get("zh-Hans").unwrap_or_default().to_owned(),
            d.title.get("en").unwrap_or_default().to_owned(),
            label(r, &d.object_name_id),
            tr.code("department", d.department.as_str()).into_owned(),
            tr.code("status", d.status.as_str()).into_owned(),
            d.production.date_display.best(lang).to_owned(),
            label(r, &d.production.period_id),
            list(&mut d.production.makers.iter().map(|m| m.agent_id)),
            list(&mut d.material_ids.iter().copied()),
            label(r, &d.production.place_id),
            d.public.to_string(),
            d.current_location.clone().unwrap_or_default(),
        ];
        let cells: Vec<Cell<'_>> = row.iter().map(|s| Cell::Text(s)).collect();
        w.row(&cells)?;
    }
    w.finish().map(Bytes::from)
}

/// Every match of a search as CSV (UTF-8 with BOM, so spreadsheets read Chinese).
#[utoipa::path(get, path = "/api/v1/search/export.csv", tag = "search",
    params(("q" = Option<String>, Query), ("sort" = Option<String>, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem)),
    security(("bearer" = [])))]
pub async fn export_csv(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Response> {
    let mut req = search_request(&uri, true)?;
    req.offset = 0;
    let ids = st.search.export_ids(&actor, &req).await?;
    let lang = req.lang;
    let mut head = CsvWriter::with_bom();
    head.header(&CSV_HEADER)?;
    let head = head.finish()?;
    // Rows are written batch by batch as the client reads, never all in memory.
    let chunks = ids.chunks(500).map(<[Uuid]>::to_vec).collect::<Vec<_>>();
    let stream = futures_util::stream::unfold(
        (Some(Bytes::from(head)), chunks.into_iter(), st, actor),
        move |(first, mut rest, st, actor)| async move {
            if let Some(b) = first {
                return Some((Ok::<_, std::io::Error>(b), (None, rest, st, actor)));
            }
            let batch = rest.next()?;
            let out = match st.collections.get_objects(&actor, &batch).await {
                Ok(recs) => csv_rows(&recs, st.i18n.tr(lang)),
                Err(e) => Err(e),
            };
            Some((out.map_err(std::io::Error::other), (None, rest, st, actor)))
        },
    );
    // Fused: the gzip encoder polls once more after the end, which an unfold may not take.
    let mut r = Response::new(Body::from_stream(futures_util::StreamExt::fuse(stream)));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"vitrine-search.csv\""),
    );
    Ok(r)
}

/// The search index's state (administrators).
#[utoipa::path(get, path = "/api/v1/search/status", tag = "search",
    responses((status = 200, body = IndexStatus), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn status(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<IndexStatus>> {
    actor.require(Permission::SystemManage)?;
    Ok(Json(st.search.status().await?))
}

/// Queues a full rebuild of this node's index as a background job; search answers from
/// the current index until the new one is complete. Follow the job at its `Location`
/// (or `/api/v1/search/status`).
#[utoipa::path(post, path = "/api/v1/search/reindex", tag = "search",
    responses((status = 202, body = Job, headers(("Location" = String))), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn reindex(State(st): State<AppState>, Staff(actor): Staff) -> ApiResult<Response> {
    let job = st
        .search
        .start_rebuild(&actor, &st.jobs, &st.cfg.node)
        .await?;
    Ok(crate::api::jobs::accepted(job))
}

/// The caller's saved searches.
#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "search",
    responses((status = 200, body = Vec<SavedSearch>)), security(("bearer" = [])))]
pub async fn saved_list(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<SavedSearch>>> {
    Ok(Json(st.search.saved_searches(&actor).await?))
}

/// A search to save: a name and the query parameters.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveInput {
    /// The name to list it under.
    pub name: String,
    /// Query parameters as in `/api/v1/search` (`q=青花&department=history`).
    pub query: String,
}

/// Saves a search.
#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "search", request_body = SaveInput,
    responses((status = 201, body = SavedSearch), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn saved_create(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<SaveInput>,
) -> ApiResult<Response> {
    let pairs = query_pairs(Some(input.query.trim_start_matches('?')))?;
    let req = SearchRequest::from_pairs(&pairs, true).map_err(|e| match e {
        Error::InvalidParameters(v) => Error::Invalid(
            v.into_iter()
                .map(|mut f| {
                    f.field = format!("query.{}", f.field);
                    f
                })
                .collect(),
        ),
        e => e,
    })?;
    let saved = st.search.save_search(&actor, &input.name, &req).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// Deletes one of the caller's saved searches.
#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "search",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn saved_delete(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.search
        .delete_saved_search(&actor, parse_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
