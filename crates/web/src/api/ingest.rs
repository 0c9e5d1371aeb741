//! Readings in: InfluxDB line protocol at `POST /write` (1.x) and `POST /api/v2/write`
//! (2.x), so Telegraf and existing gateways work unchanged, and JSON batches at
//! `POST /api/v1/readings`. Good lines are stored; bad ones are listed with their numbers.

use std::io::Read;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use vitrine_conservation::Path;
use vitrine_conservation::Writer;
use vitrine_conservation::ingest::{
    IngestReport, JsonBatch, Precision, parse_json, parse_line_protocol,
};
use vitrine_kernel::{Actor, Error};

use crate::extract::{parse_json as parse_json_body, query_pairs, same_origin, session_secret};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

fn report_response(rep: IngestReport, ok: StatusCode) -> Response {
    if rep.rejected == 0 {
        return if ok == StatusCode::NO_CONTENT {
            StatusCode::NO_CONTENT.into_response()
        } else {
            (ok, axum::Json(rep)).into_response()
        };
    }
    let first = rep
        .errors
        .first()
        .map(|e| format!("; first at line {}: {}", e.line, e.reason))
        .unwrap_or_default();
    let detail = format!(
        "{} of {} lines refused, the other {} stored{first}",
        rep.rejected,
        rep.rejected + rep.accepted,
        rep.accepted
    );
    // The problem with the counts, and the `error` (1.x) and `message` (2.x) members
    // InfluxDB clients print.
    Problem::new(StatusCode::BAD_REQUEST, "invalid-lines", detail.clone())
        .field("body")
        .extension("message", &detail)
        .extension("error", &detail)
        .extension("accepted", rep.accepted)
        .extension("rejected", rep.rejected)
        .extension("values", rep.values)
        // `lines`, not `errors`: RFC 9457 `errors` here are field errors (FieldError).
        .extension("lines", &rep.errors)
        .into_response()
}

/// Who is writing: an ingest token or staff API token in `Authorization: Token …` or
/// `Bearer …` (or the 1.x `p` parameter), else a signed-in conservator's session.
async fn writer(
    st: &AppState,
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<Writer, Error> {
    let from_header = match headers.get(header::AUTHORIZATION) {
        Some(v) => {
            let v = v.to_str().unwrap_or_default();
            let token = v
                .strip_prefix("Token ")
                .or_else(|| v.strip_prefix("Bearer "))
                .map(str::trim);
            if token.is_none() {
                st.conservation.note_auth_failure();
                return Err(Error::BadRequest(
                    "Authorization must be `Token <token>` or `Bearer <token>`".into(),
                ));
            }
            token.map(str::to_owned)
        }
        None => None,
    };
    let secret =
        from_header.or_else(|| pairs.iter().find(|(k, _)| k == "p").map(|(_, v)| v.clone()));
    let staff = match &secret {
        Some(s) => st.accounts.resolve(s).await?.map(Actor::User),
        None => {
            let mut parts = axum::http::Request::new(()).into_parts().0;
            parts.headers = headers.clone();
            match session_secret(&parts) {
                Some(_) if !same_origin(&parts) => {
                    return Err(Error::Forbidden("cross-site request refused".into()));
                }
                Some(c) => st.accounts.resolve(&c).await?.map(Actor::User),
                None => None,
            }
        }
    };
    st.conservation
        .authorize_ingest(secret.as_deref(), staff)
        .await
}

/// The body, gunzipped when sent with `Content-Encoding: gzip`, within the size limit.
fn body_of(
    st: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<u8>, Problem> {
    let limit = st.cfg.max_ingest_bytes;
    let too_big = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            format!(
                "a batch may hold at most {limit} bytes (after decompression); send smaller batches"
            ),
        )
        .field("body")
    };
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_big(),
        s => Problem::new(s, "bad-body", e.body_text()).field("body"),
    })?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "identity" | "" => Ok(body.to_vec()),
        "gzip" | "x-gzip" => {
            let mut out = Vec::with_capacity(body.len() * 4);
            flate2::read::MultiGzDecoder::new(&body[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| {
                    Problem::new(
                        StatusCode::BAD_REQUEST,
                        "bad-gzip",
                        format!("the gzip body cannot be read: {e}"),
                    )
                    .field("Content-Encoding")
                })?;
            if out.len() > limit {
                return Err(too_big());
            }
            Ok(out)
        }
        other => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-encoding",
            format!("Content-Encoding `{other}` is not supported: send identity or gzip"),
        )
        .field("Content-Encoding")),
    }
}

async fn line_protocol(
    st: AppState,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
    v2: bool,
) -> Response {
    let pairs = match query_pairs(uri.query()) {
        Ok(p) => p,
        Err(e) => return ApiError(e).into_response(),
    };
    let writer = match writer(&st, &headers, &pairs).await {
        Ok(w) => w,
        Err(e) => return ApiError(e).into_response(),
    };
    let precision = pairs
        .iter()
        .find(|(k, _)| k == "precision")
        .map(|(_, v)| v.as_str());
    let precision = match (precision, v2) {
        // 2.x spells only ns, us, ms, s.
        (Some("m" | "h" | "n" | "u"), true) => Precision::parse(Some("weeks")),
        (p, _) => Precision::parse(p),
    };
    let precision = match precision {
        Ok(p) => p,
        Err(e) => {
            st.conservation.note_refused();
            return ApiError(e).into_response();
        }
    };
    let bytes = match body_of(&st, &headers, body) {
        Ok(b) => b,
        Err(p) => {
            st.conservation.note_refused();
            return p.into_response();
        }
    };
    let now = chrono::Utc::now().timestamp_millis();
    let mut rep = IngestReport::default();
    let incoming = parse_line_protocol(
        &bytes,
        precision,
        now,
        st.conservation.aliases(),
        None,
        &mut rep,
    );
    if let Err(e) = st
        .conservation
        .ingest(&writer, Path::LineProtocol, incoming, &mut rep)
        .await
    {
        return ApiError(e).into_response();
    }
    report_response(rep, StatusCode::NO_CONTENT)
}

/// InfluxDB 1.x write: line protocol; `precision` (ns, u, ms, s, m, h), `db` accepted.
#[utoipa::path(post, path = "/write", tag = "readings",
    params(("precision" = Option<String>, Query, description = "ns (default), u/us, ms, s, m, h"),
           ("db" = Option<String>, Query, description = "accepted and ignored: one store"),
           ("p" = Option<String>, Query, description = "token, for clients that cannot send headers")),
    request_body(content = String, content_type = "text/plain", description = "line protocol, optionally gzip"),
    responses((status = 204, description = "all stored"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn write_v1(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    line_protocol(st, headers, uri, body, false).await
}

/// InfluxDB 2.x write: line protocol; `precision` (ns, us, ms, s), `bucket` and `org` accepted.
#[utoipa::path(post, path = "/api/v2/write", tag = "readings",
    params(("precision" = Option<String>, Query, description = "ns (default), us, ms, s"),
           ("bucket" = Option<String>, Query), ("org" = Option<String>, Query)),
    request_body(content = String, content_type = "text/plain", description = "line protocol, optionally gzip"),
    responses((status = 204, description = "all stored"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn write_v2(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    line_protocol(st, headers, uri, body, true).await
}

/// A JSON batch of readings: `{"readings": [{"sensor", "metric", "value", "time"?}]}`.
#[utoipa::path(post, path = "/api/v1/readings", tag = "readings", request_body = JsonBatch,
    responses((status = 200, body = IngestReport), (status = 400, body = Problem), (status = 401, body = Problem), (status = 413, body = Problem)),
    security(("bearer" = [])))]
pub async fn readings_json(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let run = async {
        let pairs = query_pairs(uri.query()).map_err(|e| ApiError(e).into_response())?;
        let writer = writer(&st, &headers, &pairs)
            .await
            .map_err(|e| ApiError(e).into_response())?;
        let refused = |p: Problem| {
            st.conservation.note_refused();
            p.into_response()
        };
        let bytes = body_of(&st, &headers, body).map_err(refused)?;
        let batch: JsonBatch = parse_json_body(&bytes).map_err(refused)?;
        let now = chrono::Utc::now().timestamp_millis();
        let mut rep = IngestReport::default();
        let incoming = parse_json(&batch, now, st.conservation.aliases(), &mut rep);
        st.conservation
            .ingest(&writer, Path::Json, incoming, &mut rep)
            .await
            .map_err(|e| ApiError(e).into_response())?;
        Ok::<_, Response>(report_response(rep, StatusCode::OK))
    };
    run.await.unwrap_or_else(|r| r)
}
