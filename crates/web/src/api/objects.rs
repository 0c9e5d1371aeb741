//! `/api/v1/objects`: the catalogue for staff and scripts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use vitrine_collections::ObjectPage;
use vitrine_collections::model::{ObjectInput, ObjectRecord};
use vitrine_kernel::audit::HistoryEntry;

use crate::extract::{ApiJson, IfMatch, ListQuery, Staff, etag, parse_etag, parse_id};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

fn with_etag(status: StatusCode, rec: ObjectRecord) -> Response {
    let tag = etag(rec.version);
    let mut r = (status, Json(rec)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// Lists live objects.
#[utoipa::path(get, path = "/api/v1/objects", tag = "objects",
    params(
        ("department" = Option<String>, Query, description = "history, fine_arts or natural_history"),
        ("status" = Option<String>, Query, description = "in_collection, on_display, on_loan, in_conservation, deaccessioned"),
        ("updated_since" = Option<String>, Query, description = "RFC 3339 instant"),
        ("q" = Option<String>, Query, description = "object number or title words"),
        ("sort" = Option<String>, Query, description = "object_number, -object_number, updated_at, -updated_at, year, -year"),
        ("limit" = Option<u64>, Query, description = "1–200, default 50"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = ObjectPage), (status = 422, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ListQuery(q): ListQuery,
) -> ApiResult<Json<ObjectPage>> {
    Ok(Json(st.collections.list_objects(&actor, &q).await?))
}

/// Catalogues a new object.
#[utoipa::path(post, path = "/api/v1/objects", tag = "objects", request_body = ObjectInput,
    responses((status = 201, body = ObjectRecord, headers(("ETag" = String), ("Location" = String))),
              (status = 400, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<ObjectInput>,
) -> ApiResult<Response> {
    let rec = st.collections.create_object(&actor, input).await?;
    let loc = format!("/api/v1/objects/{}", rec.id);
    let mut r = with_etag(StatusCode::CREATED, rec);
    if let Ok(v) = HeaderValue::from_str(&loc) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// Reads one object (with `ETag`; answers 304 to a matching `If-None-Match`).
#[utoipa::path(get, path = "/api/v1/objects/{id}", tag = "objects",
    params(("id" = uuid::Uuid, Path, description = "record id")),
    responses((status = 200, body = ObjectRecord, headers(("ETag" = String))), (status = 304), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let rec = st.collections.get_object(&actor, parse_id(&id)?).await?;
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_etag);
    if inm == Some(rec.version) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag(rec.version))],
        )
            .into_response());
    }
    Ok(with_etag(StatusCode::OK, rec))
}

/// The version an object write expects (`If-Match: *` takes the current one).
async fn object_version(
    st: &AppState,
    actor: &vitrine_kernel::Actor,
    id: uuid::Uuid,
    im: IfMatch,
) -> Result<i64, vitrine_kernel::Error> {
    let c = &st.collections;
    im.or_current(async { Ok(c.get_object(actor, id).await?.version) })
        .await
}

/// Replaces an object's fields; `If-Match` must name the version you read.
#[utoipa::path(put, path = "/api/v1/objects/{id}", tag = "objects", request_body = ObjectInput,
    params(("id" = uuid::Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version you edited")),
    responses((status = 200, body = ObjectRecord), (status = 412, body = Problem), (status = 428, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn put(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(input): ApiJson<ObjectInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let v = object_version(&st, &actor, id, im).await?;
    Ok(with_etag(
        StatusCode::OK,
        st.collections.update_object(&actor, id, v, input).await?,
    ))
}

/// Changes some fields with a JSON merge patch (RFC 7396); `If-Match` required.
#[utoipa::path(patch, path = "/api/v1/objects/{id}", tag = "objects", request_body(content = Object, content_type = "application/merge-patch+json"),
    params(("id" = uuid::Uuid, Path), ("If-Match" = String, Header)),
    responses((status = 200, body = ObjectRecord), (status = 412, body = Problem), (status = 428, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(p): ApiJson<Value>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let v = object_version(&st, &actor, id, im).await?;
    Ok(with_etag(
        StatusCode::OK,
        st.collections.patch_object(&actor, id, v, &p).await?,
    ))
}

/// Withdraws an object (kept in history); `If-Match` required.
#[utoipa::path(delete, path = "/api/v1/objects/{id}", tag = "objects",
    params(("id" = uuid::Uuid, Path), ("If-Match" = String, Header)),
    responses((status = 204), (status = 412, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    im: IfMatch,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    let v = object_version(&st, &actor, id, im).await?;
    st.collections.delete_object(&actor, id, v).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every change to an object, newest first, with before/after per field.
#[utoipa::path(get, path = "/api/v1/objects/{id}/history", tag = "objects",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn history(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        st.collections
            .object_history(&actor, parse_id(&id)?)
            .await?,
    ))
}
