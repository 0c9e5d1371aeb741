//! `/api/public/v1`: published records, public fields only, for anyone.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vitrine_collections::ObjectPage;
use vitrine_collections::projection::PublicObject;

use crate::extract::{ListQuery, parse_id};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// A public answer any cache may keep for a minute.
pub(crate) fn cacheable(body: impl IntoResponse) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    r
}

/// Lists published objects (same filters as the staff list).
#[utoipa::path(get, path = "/api/public/v1/objects", tag = "public",
    params(("department" = Option<String>, Query), ("q" = Option<String>, Query), ("sort" = Option<String>, Query),
           ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ObjectPage), (status = 422, body = Problem)))]
pub async fn list(State(st): State<AppState>, ListQuery(q): ListQuery) -> ApiResult<Response> {
    Ok(cacheable(Json(
        st.collections.list_public_objects(&q).await?,
    )))
}

/// One published object.
#[utoipa::path(get, path = "/api/public/v1/objects/{id}", tag = "public",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = PublicObject), (status = 404, body = Problem)))]
pub async fn get(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(cacheable(Json(
        st.collections.get_public_object(parse_id(&id)?).await?,
    )))
}
