//! `/api/v1/media`: the media library over HTTP. Uploads stream to a temporary file in
//! the library (multipart with one or more `file` parts, or the raw bytes with `?name=`),
//! are checked and stored, and answer before the pyramid is ready.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;
use vitrine_kernel::{Actor, Error, FieldError};
use vitrine_media::model::Access;
use vitrine_media::store::Filter;
use vitrine_media::{Asset, Description, ImportOptions, Source, Status};

use crate::api::parse_id;
use crate::extract::{ApiJson, Caller, IfMatch, etag, query_pairs};
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

/// One uploaded file's outcome.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    /// The image (the existing one when the file was already in the library).
    pub asset: Asset,
    /// True when the same master was already in the library.
    pub duplicate: bool,
}

/// `GET /api/v1/media?q=&status=&kind=&linked=&offset=&limit=`.
pub async fn list(
    State(st): State<AppState>,
    Caller(actor): Caller,
    uri: axum::http::Uri,
) -> ApiResult<Response> {
    let f = filter(uri.query())?;
    Ok(Json(st.media.list(&actor, &f).await?).into_response())
}

/// Reads the browser's filter from query parameters.
pub fn filter(query: Option<&str>) -> Result<Filter, Error> {
    let mut f = Filter {
        limit: 48,
        ..Filter::default()
    };
    let mut errors = Vec::new();
    for (k, v) in query_pairs(query)? {
        match k.as_str() {
            "q" => f.q = v.chars().take(200).collect(),
            "status" if v.is_empty() => {}
            "status" => match v.as_str() {
                "pending" => f.status = Some(Status::Pending),
                "processing" => f.status = Some(Status::Processing),
                "ready" => f.status = Some(Status::Ready),
                "failed" => f.status = Some(Status::Failed),
                _ => errors.push(FieldError::new(
                    "status",
                    "unknown",
                    "status is pending, processing, ready or failed",
                )),
            },
            "kind" if v.is_empty() => {}
            "kind" => match vitrine_media::master::Kind::parse(&v) {
                Some(k) => f.kind = Some(k),
                None => errors.push(FieldError::new(
                    "kind",
                    "unknown",
                    "kind is jpeg, png, tiff or webp",
                )),
            },
            "linked" if v.is_empty() => {}
            "linked" => match v.as_str() {
                "yes" | "true" => f.linked = Some(true),
                "no" | "false" => f.linked = Some(false),
                _ => errors.push(FieldError::new("linked", "unknown", "linked is yes or no")),
            },
            "offset" => match v.parse::<u64>() {
                Ok(n) if n <= 1_000_000 => f.offset = n,
                _ => errors.push(FieldError::new(
                    "offset",
                    "bad_number",
                    "offset is a whole number up to 1000000",
                )),
            },
            "limit" => match v.parse::<u64>() {
                Ok(n) if (1..=200).contains(&n) => f.limit = n,
                _ => errors.push(FieldError::new("limit", "bad_number", "limit is 1 to 200")),
            },
            "lang" => {}
            other => errors.push(FieldError::new(
                other,
                "unknown_parameter",
                "unknown parameter",
            )),
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(Error::InvalidParameters(errors))
    }
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
    IfMatch(version): IfMatch,
    ApiJson(d): ApiJson<Description>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
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

/// The object a person named by id or by object number.
pub async fn object_id(st: &AppState, actor: &Actor, s: &str) -> Result<Uuid, Error> {
    match s.parse::<Uuid>() {
        Ok(id) => Ok(id),
        Err(_) => st.collections.find_object_by_number(actor, s.trim()).await,
    }
}

/// `POST /api/v1/media/{id}/objects`: show the image with an object.
pub async fn link(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LinkInput>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let object = object_id(&st, &actor, &input.object).await?;
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

/// What an upload says about the files besides their bytes.
#[derive(Default)]
struct UploadFields {
    object: Option<String>,
    identifier: Option<String>,
    description: Description,
}

impl UploadFields {
    fn set(&mut self, k: &str, v: String) -> Result<(), Error> {
        let v = v.trim().to_owned();
        match k {
            "object" if !v.is_empty() => self.object = Some(v),
            "identifier" if !v.is_empty() => self.identifier = Some(v),
            "object" | "identifier" | "name" | "lang" | "back" => {}
            other => {
                if !describe_field(&mut self.description, other, &v)? {
                    return Err(Error::InvalidParameters(vec![FieldError::new(
                        other,
                        "unknown_parameter",
                        "unknown field",
                    )]));
                }
            }
        }
        Ok(())
    }
}

/// Sets one field of a description from a form or query field (`caption_zh`, `caption_en`,
/// `credit_zh`, `credit_en`, `photographer`, `taken`, `view`, `rights`, `access`); false
/// when the name is none of these. Uploads and the image page read descriptions this way.
pub fn describe_field(d: &mut Description, k: &str, v: &str) -> Result<bool, Error> {
    let v = v.trim();
    match k {
        "caption_zh" => d.caption.set("zh-Hans", v),
        "caption_en" => d.caption.set("en", v),
        "credit_zh" => d.credit.set("zh-Hans", v),
        "credit_en" => d.credit.set("en", v),
        "photographer" => d.photographer = v.to_owned(),
        "taken" => d.taken = v.to_owned(),
        "view" => d.view = v.to_owned(),
        "rights" => d.rights = v.to_owned(),
        "access" if v.is_empty() => d.access = None,
        "access" => {
            d.access = Some(Access::parse(v).ok_or_else(|| {
                Error::InvalidParameters(vec![FieldError::new(
                    "access",
                    "unknown",
                    "access is open, thumbnail or closed",
                )])
            })?)
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `POST /api/v1/media`: multipart (`file` parts, plus `object`, `identifier`, `caption_zh`,
/// `caption_en`, `photographer`, `taken`, `view`, `rights`, `credit_zh`, `credit_en`, `access`)
/// or the raw image bytes with the same fields as query parameters and `name`.
pub async fn upload(
    State(st): State<AppState>,
    Caller(actor): Caller,
    req: Request,
) -> ApiResult<Response> {
    let results = receive(&st, &actor, req).await?;
    let status = if results.iter().all(|r| r.duplicate) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(results)).into_response())
}

/// Takes in every file of an upload request (multipart or raw bytes), each checked and
/// stored before the next is read; the pyramids are made in the background.
pub async fn receive(st: &AppState, actor: &Actor, req: Request) -> Result<Vec<Uploaded>, Error> {
    actor.require(vitrine_kernel::Permission::MediaEdit)?;
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut fields = UploadFields::default();
    let mut results = Vec::new();
    if ctype.starts_with("multipart/form-data") {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| Error::BadRequest(format!("multipart body: {e}")))?;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| Error::BadRequest(format!("multipart body: {e}")))?
        {
            let name = field.name().unwrap_or("").to_owned();
            if name == "file" {
                let file_name = field.file_name().unwrap_or("upload").to_owned();
                // A browser sends an empty part when no file was chosen.
                if file_name.is_empty() {
                    continue;
                }
                let tmp = st.media.temp_file()?;
                let path = write_stream(tmp, field.map(|c| c.map_err(|e| e.to_string()))).await?;
                results.push(ingest(st, actor, path, file_name, &fields).await?);
            } else {
                let v = field
                    .text()
                    .await
                    .map_err(|e| Error::BadRequest(format!("multipart field {name}: {e}")))?;
                fields.set(&name, v)?;
            }
        }
        if results.is_empty() {
            return Err(Error::InvalidParameters(vec![FieldError::new(
                "file",
                "required",
                "send at least one file part named “file”",
            )]));
        }
    } else {
        let mut name = "upload".to_owned();
        for (k, v) in query_pairs(req.uri().query())? {
            if k == "name" {
                name = v.chars().take(255).collect();
            }
            fields.set(&k, v)?;
        }
        let tmp = st.media.temp_file()?;
        let body = req
            .into_body()
            .into_data_stream()
            .map(|c| c.map_err(|e| e.to_string()));
        let path = write_stream(tmp, body).await?;
        results.push(ingest(st, actor, path, name, &fields).await?);
    }
    Ok(results)
}

/// Writes a body stream into a temporary file; the file is removed if anything fails.
async fn write_stream<S>(
    tmp: tempfile::NamedTempFile,
    mut body: S,
) -> Result<tempfile::TempPath, Error>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, String>> + Unpin,
{
    let (file, path) = tmp.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            if e.contains("length limit") {
                Error::TooLarge("the upload is larger than this server accepts".into())
            } else {
                Error::BadRequest(format!("the upload stopped: {e}"))
            }
        })?;
        file.write_all(&chunk)
            .await
            .map_err(|e| vitrine_media::service::io_error("the upload", e))?;
    }
    file.flush()
        .await
        .map_err(|e| vitrine_media::service::io_error("the upload", e))?;
    Ok(path)
}

async fn ingest(
    st: &AppState,
    actor: &Actor,
    path: tempfile::TempPath,
    name: String,
    fields: &UploadFields,
) -> Result<Uploaded, Error> {
    let object = match &fields.object {
        Some(o) => Some(object_id(st, actor, o).await?),
        None => None,
    };
    let opts = ImportOptions {
        identifier: fields.identifier.clone(),
        object,
        description: fields.description.clone(),
    };
    let source = Source {
        path: path.to_path_buf(),
        name,
        consume: true,
    };
    // `path` deletes the temporary file when dropped, whatever happened to it.
    let ingested = st.media.ingest(actor, source, opts).await;
    drop(path);
    let ingested = ingested?;
    let asset = ingested.asset.clone();
    let duplicate = ingested.duplicate;
    st.media.derive_later(ingested);
    Ok(Uploaded { asset, duplicate })
}
