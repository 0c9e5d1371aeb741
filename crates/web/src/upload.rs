//! Uploads of images, shared by the API (`POST /api/v1/media`) and the staff media page: the
//! request's files (multipart parts or the raw body) are streamed to temporary files in the
//! library, checked and stored one after another, with the form's fields as description.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;
use vitrine_kernel::{Actor, Error, FieldError};
use vitrine_media::{Asset, Description, ImportOptions, Source};

use crate::extract::query_pairs;
use crate::state::AppState;

/// One uploaded file's outcome.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Uploaded {
    /// The image (the existing one when the file was already in the library).
    pub asset: Asset,
    /// True when the same master was already in the library.
    pub duplicate: bool,
}

/// The object a person named by id or by object number.
pub async fn object_id(st: &AppState, actor: &Actor, s: &str) -> Result<Uuid, Error> {
    match s.parse::<Uuid>() {
        Ok(id) => Ok(id),
        Err(_) => st.collections.find_object_by_number(actor, s.trim()).await,
    }
}

/// What an upload says about the files besides their bytes.
#[derive(Default)]
pub struct UploadFields {
    object: Option<String>,
    identifier: Option<String>,
    description: Description,
}

impl UploadFields {
    /// Takes one field of the form; unknown names are refused.
    pub fn set(&mut self, k: &str, v: String) -> Result<(), Error> {
        let v = v.trim().to_owned();
        match k {
            "object" if !v.is_empty() => self.object = Some(v),
            "identifier" if !v.is_empty() => self.identifier = Some(v),
            "object" | "identifier" | "name" | "lang" | "back" => {}
            other => {
                if !self.description.set_field(other, &v)? {
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
