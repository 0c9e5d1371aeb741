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

use crate::extract::{ApiJson, Caller, IfMatch, Staff, etag, parse_id, query_pairs, str_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

fn with_etag(status: StatusCode, a: Asset) -> Response {
    let tag = etag(a.version);
    let mut r = (status, Json(a)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// Lists the media library.
#[utoipa::path(get, path = "/api/v1/media", tag = "media",
    params(("q" = Option<String>, Query, description = "file name, caption or object number words"),
           ("status" = Option<String>, Query, description = "processing, ready or failed"),
           ("kind" = Option<String>, Query, description = "image kind"),
           ("linked" = Option<bool>, Query, description = "only images linked (true) or not linked (false) to an object"),
           ("offset" = Option<u64>, Query), ("limit" = Option<u64>, Query, description = "1–200")),
    responses((status = 200, body = vitrine_media::service::AssetPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let pairs = query_pairs(uri.query())?;
    let f = Filter::from_pairs(str_pairs(&pairs))?;
    Ok(Json(st.media.list(&actor, &f).await?).into_response())
}

/// Reads one image's record (with `ETag`).
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = uuid::Uuid, Path, description = "image id")),
    responses((status = 200, body = Asset, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    Ok(with_etag(StatusCode::OK, st.media.get(&actor, id).await?))
}

/// Describes an image: caption, photographer, date, view, rights and access (`If-Match`).
#[utoipa::path(put, path = "/api/v1/media/{id}", tag = "media", request_body = Description,
    params(("id" = uuid::Uuid, Path, description = "image id"),
           ("If-Match" = String, Header, description = "the ETag you read, or `*`")),
    responses((status = 200, body = Asset, headers(("ETag" = String))), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 412, body = Problem), (status = 415, body = Problem),
              (status = 422, body = Problem), (status = 428, body = Problem)),
    security(("bearer" = [])))]
pub async fn put(
    State(st): State<AppState>,
    Staff(actor): Staff,
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

/// Shows the image with an object.
#[utoipa::path(post, path = "/api/v1/media/{id}/objects", tag = "media", request_body = LinkInput,
    params(("id" = uuid::Uuid, Path, description = "image id")),
    responses((status = 200, body = Asset, headers(("ETag" = String))), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn link(
    State(st): State<AppState>,
    Staff(actor): Staff,
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

/// Stops showing the image with an object.
#[utoipa::path(delete, path = "/api/v1/media/{id}/objects/{object}", tag = "media",
    params(("id" = uuid::Uuid, Path, description = "image id"), ("object" = uuid::Uuid, Path, description = "object id")),
    responses((status = 200, body = Asset, headers(("ETag" = String))), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn unlink(
    State(st): State<AppState>,
    Staff(actor): Staff,
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

/// The object's images in order.
#[utoipa::path(get, path = "/api/v1/objects/{id}/media", tag = "media",
    params(("id" = uuid::Uuid, Path, description = "object id")),
    responses((status = 200, body = Vec<Asset>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    // Anonymous callers see a public object's published images (redacted).
    security((), ("bearer" = [])))]
pub async fn object_media(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    Ok(Json(st.media.object_images(&actor, id).await?).into_response())
}

/// Orders the object's images and picks the primary one.
#[utoipa::path(put, path = "/api/v1/objects/{id}/media", tag = "media", request_body = Arrangement,
    params(("id" = uuid::Uuid, Path, description = "object id")),
    responses((status = 200, body = Vec<Asset>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn arrange(
    State(st): State<AppState>,
    Staff(actor): Staff,
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

/// How many images were queued for reprocessing.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Queued {
    /// Images queued.
    pub queued: u64,
}

/// Remakes image pyramids in the background.
#[utoipa::path(post, path = "/api/v1/media/reprocess", tag = "media", request_body = ReprocessInput,
    responses((status = 202, body = Queued), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn reprocess(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<ReprocessInput>,
) -> ApiResult<Response> {
    let queued = st.media.reprocess(&actor, &input.ids).await?;
    Ok((StatusCode::ACCEPTED, Json(Queued { queued })).into_response())
}

/// Uploads images.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content = Vec<u8>, content_type = "multipart/form-data", description = "`file` parts and the fields below, or the raw image with the fields as query parameters and `name`"),
    responses((status = 200, body = Vec<crate::upload::Uploaded>, description = "every file was already in the library"),
              (status = 201, body = Vec<crate::upload::Uploaded>), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
/// `POST /api/v1/media`: multipart (`file` parts, plus `object`, `identifier`, `caption_zh`,
/// `caption_en`, `photographer`, `taken`, `view`, `rights`, `credit_zh`, `credit_en`, `access`)
/// or the raw image bytes with the same fields as query parameters and `name`.
pub async fn upload(
    State(st): State<AppState>,
    Staff(actor): Staff,
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
