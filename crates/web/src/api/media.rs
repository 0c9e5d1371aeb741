//! `/api/v1/media`: the media library over HTTP. Uploads stream to a temporary file in
//! the library (multipart with one or more `file` parts, or the raw bytes with `?name=`),
//! are checked and stored, and answer before the pyramid is ready.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;
use vitrine_media::{Asset, Description, Filter};

use crate::extract::{ApiJson, Caller, IfMatch, etag, parse_id, query_pairs, str_pairs};
use crate::problem::ApiResult;
use crate::state::AppState;

fn with_etag(status: StatusCode, a: Asset) -> Response {
    let tag = etag(a.version);
    let mut r = (status, Json(a)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// `GET /api/v1/media?q=&status=&kind=&linked=&offset=&limit=`.
pub async fn list(
    State(st): State<AppState>,
    Caller(actor): Caller,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let pairs = query_pairs(uri.query())?;
    let f = Filter::from_pairs(str_pairs(&pairs))?;
    Ok(Json(st.media.list(&actor, &f).await?).into_response())
}

/// `GET /api/v1/media/{id}`.
pub async fn get(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    Ok(with_etag(StatusCode::OK, st.media.get(&actor, id).await?))
}

/// `PUT /api/v1/media/{id}` with If-Match: description, rights and access.
pub async fn put(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    im: IfMatch,
    ApiJson(d): ApiJson<Description>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let m = &st.media;
    let version = im
        .or_current(async { Ok(m.get(&actor, id).await?.version) })
        .await?;
    Ok(with_etag(
        StatusCode::OK,
        st.media.describe(&actor, id, version, d).await?,
    ))
}

/// Body of a link request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The object (id or object number).
    pub object: String,
}

/// `POST /api/v1/media/{id}/objects`: show the image with an object.
pub async fn link(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let object = crate::upload::object_id(&st, &actor, &input.object).await?;
    Ok(with_etag(
        StatusCode::OK,
        st.media.link(&actor, id, object).await?,
    ))
}

/// `DELETE /api/v1/media/{id}/objects/{object id}`.
pub async fn unlink(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path((id, object)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let object = parse_id(&object)?;
    Ok(with_etag(
        StatusCode::OK,
        st.media.unlink(&actor, id, object).await?,
    ))
}

/// Body of an arrangement: the object's images in order and the primary one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrangement {
    /// Every image of the object, in order.
    pub order: Vec<Uuid>,
    /// The primary image (default: the first).
    #[serde(default)]
    pub primary: Option<Uuid>,
}

/// `GET /api/v1/objects/{id}/media`: the object's images in order.
pub async fn object_media(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    Ok(Json(st.media.object_images(&actor, id).await?).into_response())
}

/// `PUT /api/v1/objects/{id}/media`: order and primary image.
pub async fn arrange(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Arrangement>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    st.media.arrange(&actor, id, &a.order, a.primary).await?;
    Ok(Json(st.media.object_images(&actor, id).await?).into_response())
}

/// Body of a reprocess request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReprocessInput {
    /// Images to remake; empty remakes every image.
    #[serde(default)]
    pub ids: Vec<Uuid>,
}

/// `POST /api/v1/media/reprocess`: remake pyramids in the background.
pub async fn reprocess(
    State(st): State<AppState>,
    Caller(actor): Caller,
    ApiJson(input): ApiJson<ReprocessInput>,
) -> ApiResult<Response> {
    let n = st.media.reprocess(&actor, &input.ids).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({"queued": n}))).into_response())
}

/// `POST /api/v1/media`: multipart (`file` parts, plus `object`, `identifier`, `caption_zh`,
/// `caption_en`, `photographer`, `taken`, `view`, `rights`, `credit_zh`, `credit_en`, `access`)
/// or the raw image bytes with the same fields as query parameters and `name`.
pub async fn upload(
    State(st): State<AppState>,
    Caller(actor): Caller,
    req: Request,
) -> ApiResult<Response> {
    let results = crate::upload::receive(&st, &actor, req).await?;
    let status = if results.iter().all(|r| r.duplicate) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(results)).into_response())
}
