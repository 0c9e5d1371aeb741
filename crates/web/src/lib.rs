//! The HTTP adapter: JSON API (`/api`), staff pages (`/staff`), public pages (`/`) and
//! assets, all on one axum router. No business rules live here: handlers work out who
//! is calling and what they sent, call a service, and render the answer.

// Handlers return an early `Response` (a redirect, an error page) as their error, as axum
// intends; boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod assets;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod pages;
pub mod problem;
pub mod public;
pub mod search_view;
pub mod state;
pub mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api::openapi;
use crate::problem::Problem;
pub use crate::state::{AppState, WebConfig};

/// The whole site.
pub fn router(state: AppState) -> Router {
    let max_body = state.cfg.max_body_bytes;
    let (api, doc) = openapi::api(api::routes::Limits {
        ingest: state.cfg.max_ingest_bytes,
        upload: state.cfg.max_upload_bytes,
    });
    let api = api
        .route("/api/openapi.json", openapi::json(&doc))
        .route("/api/docs", get(openapi::docs));
    let uploads = Router::new()
        .route("/staff/media/upload", post(pages::media::upload))
        .layer(DefaultBodyLimit::max(state.cfg.max_upload_bytes));
    Router::new()
        .merge(api)
        .merge(uploads)
        .merge(iiif_routes())
        .route("/metrics", get(metrics::metrics))
        .merge(pages::routes())
        .merge(public::routes())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/assets/{name}", get(assets::serve))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
            ),
        ))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            tracing::error!("handler panicked");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; it has been logged").into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The IIIF endpoints: every answer (errors too) allows any origin.
fn iiif_routes() -> Router<AppState> {
    use api::iiif;
    Router::new()
        .route(
            "/iiif/3/manifest/{id}",
            get(iiif::manifest).options(iiif::preflight),
        )
        .route(
            "/iiif/3/collection/{dept}",
            get(iiif::collection).options(iiif::preflight),
        )
        .route(
            "/iiif/3/{identifier}",
            get(iiif::redirect).options(iiif::preflight),
        )
        .route(
            "/iiif/3/{identifier}/info.json",
            get(iiif::info).options(iiif::preflight),
        )
        .route(
            "/iiif/3/{identifier}/{region}/{size}/{rotation}/{quality}",
            get(iiif::image).options(iiif::preflight),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Link, ETag, Last-Modified"),
        ))
}

async fn healthz(State(st): State<AppState>) -> Response {
    match st.collections.db().conn().ping().await {
        Ok(()) => {
            axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
                .into_response()
        }
        Err(e) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database-unavailable",
            e.to_string(),
        )
        .into_response(),
    }
}

/// Whether this node can serve: the database answers and the search index is built (a
/// fresh node builds it first). A load balancer sends traffic only to nodes that say 200;
/// `/healthz` says only that the process is alive and reaches its database.
async fn readyz(State(st): State<AppState>) -> Response {
    let database = st.collections.db().conn().ping().await.is_ok();
    let search = match st.search.status().await {
        Ok(s) if s.state != "building" => "ready".to_owned(),
        Ok(s) => s.state,
        Err(_) => "unavailable".to_owned(),
    };
    let ready = database && search == "ready";
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": { "database": if database { "ok" } else { "unavailable" }, "search": search },
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}

async fn not_found(
    State(st): State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    caller: Result<extract::Caller, problem::ApiError>,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        return Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no route {}", uri.path()),
        )
        .into_response();
    }
    // Staff who mistype an address stay in the staff layout, in their language.
    if let Ok(extract::Caller(vitrine_kernel::Actor::User(user))) = &caller
        && uri.path().starts_with("/staff")
    {
        return pages::error_page(&st, user, vitrine_kernel::Error::NotFound { what: "route" });
    }
    pages::not_found_page(&st, &headers).await
}

async fn method_not_allowed(uri: Uri) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!("{} does not take this method", uri.path()),
    )
    .into_response()
}
