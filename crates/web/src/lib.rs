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
use axum::routing::{delete, get, post, put};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api::{authorities, objects, openapi, session};
use crate::problem::Problem;
pub use crate::state::{AppState, WebConfig};

/// The whole site.
pub fn router(state: AppState) -> Router {
    let max_body = state.cfg.max_body_bytes;
    let api = Router::new()
        .route("/api/v1/objects", get(objects::list).post(objects::create))
        .route(
            "/api/v1/objects/{id}",
            get(objects::get)
                .put(objects::put)
                .patch(objects::patch)
                .delete(objects::delete),
        )
        .route("/api/v1/objects/{id}/history", get(objects::history))
        .route(
            "/api/v1/session",
            post(session::login).delete(session::logout),
        )
        .route(
            "/api/v1/tokens",
            get(session::list_tokens).post(session::create_token),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(session::revoke_token),
        )
        .route(
            "/api/v1/{kind}",
            get(authorities::list).post(authorities::create),
        )
        .route(
            "/api/v1/{kind}/{id}",
            get(authorities::get)
                .put(authorities::put)
                .delete(authorities::delete),
        )
        .route("/api/v1/{kind}/{id}/history", get(authorities::history))
        .route("/api/v1/search", get(api::search::search))
        .route("/api/v1/search/suggest", get(api::search::suggest))
        .route("/api/v1/search/export.csv", get(api::search::export_csv))
        .route("/api/v1/search/status", get(api::search::status))
        .route("/api/v1/search/reindex", post(api::search::reindex))
        .route(
            "/api/v1/saved-searches",
            get(api::search::saved_list).post(api::search::saved_create),
        )
        .route(
            "/api/v1/saved-searches/{id}",
            delete(api::search::saved_delete),
        )
        .route("/api/public/v1/search", get(api::search::public_search))
        .route(
            "/api/public/v1/search/suggest",
            get(api::search::public_suggest),
        )
        .route("/api/public/v1/objects", get(api::public::list))
        .route("/api/public/v1/objects/{id}", get(api::public::get))
        .route(
            "/api/v1/sensors",
            get(api::environment::list_sensors).post(api::environment::create_sensor),
        )
        .route(
            "/api/v1/sensors/{id}",
            get(api::environment::get_sensor).put(api::environment::put_sensor),
        )
        .route(
            "/api/v1/sensors/{id}/placements",
            post(api::environment::place_sensor),
        )
        .route(
            "/api/v1/sensors/{id}/calibrations",
            post(api::environment::add_calibration),
        )
        .route(
            "/api/v1/sensors/{id}/series",
            get(api::environment::sensor_series),
        )
        .route(
            "/api/v1/sensors/{id}/series.csv",
            get(api::environment::sensor_series_csv),
        )
        .route("/api/v1/spaces", get(api::environment::spaces))
        .route(
            "/api/v1/spaces/{id}/series",
            get(api::environment::space_series),
        )
        .route(
            "/api/v1/spaces/{id}/series.csv",
            get(api::environment::space_series_csv),
        )
        .route(
            "/api/v1/spaces/{id}/target",
            put(api::environment::put_target),
        )
        // Control rules and their command log; static paths win over `/api/v1/{kind}`.
        .route(
            "/api/v1/rules",
            get(api::environment::list_rules).post(api::environment::create_rule),
        )
        .route(
            "/api/v1/rules/{id}",
            get(api::environment::get_rule)
                .put(api::environment::put_rule)
                .delete(api::environment::delete_rule),
        )
        .route(
            "/api/v1/rules/{id}/override",
            post(api::environment::override_rule),
        )
        .route("/api/v1/commands", get(api::environment::commands))
        .route(
            "/api/v1/environment/profiles",
            get(api::environment::profiles),
        )
        .route(
            "/api/v1/ingest-tokens",
            get(api::environment::list_tokens).post(api::environment::create_token),
        )
        .route(
            "/api/v1/ingest-tokens/{id}",
            delete(api::environment::revoke_token),
        )
        .route("/api/v1/media/reprocess", post(api::media::reprocess))
        .route(
            "/api/v1/media/{id}",
            get(api::media::get).put(api::media::put),
        )
        .route("/api/v1/media/{id}/objects", post(api::media::link))
        .route(
            "/api/v1/media/{id}/objects/{object}",
            delete(api::media::unlink),
        )
        .route(
            "/api/v1/objects/{id}/media",
            get(api::media::object_media).put(api::media::arrange),
        )
        .route("/api/openapi.json", get(openapi::json))
        .route("/api/docs", get(openapi::docs));
    // Reading batches are larger than forms; their own limit applies (gzip bodies are
    // checked again after decompression).
    let ingest = Router::new()
        .route("/write", post(api::ingest::write_v1))
        .route("/api/v2/write", post(api::ingest::write_v2))
        .route("/api/v1/readings", post(api::ingest::readings_json))
        .route(
            "/api/v1/sensors/{id}/logger-import",
            post(api::environment::logger_import),
        )
        .layer(DefaultBodyLimit::max(state.cfg.max_ingest_bytes));
    let uploads = Router::new()
        .route(
            "/api/v1/media",
            get(api::media::list).post(api::media::upload),
        )
        .route("/staff/media/upload", post(pages::media::upload))
        .layer(DefaultBodyLimit::max(state.cfg.max_upload_bytes));
    Router::new()
        .merge(api)
        .merge(ingest)
        .merge(uploads)
        .merge(iiif_routes())
        .route("/metrics", get(metrics::metrics))
        .merge(pages::routes())
        .merge(public::routes())
        .route("/healthz", get(healthz))
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

async fn not_found(
    State(st): State<AppState>,
    uri: Uri,
    headers: axum::http::HeaderMap,
) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        return Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no route {}", uri.path()),
        )
        .into_response();
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
