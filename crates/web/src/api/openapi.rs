//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::response::Html;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;

use crate::api::routes::{self, Limits};
use crate::state::AppState;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = api.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Vitrine API", description = "Collections, authorities and accounts of a Vitrine museum. \
        Writes need `If-Match` with the ETag you read; errors are RFC 9457 problem documents."),
    modifiers(&Bearer),
    tags((name = "objects", description = "Catalogue records"), (name = "authorities", description = "People, places, terms, locations"),
         (name = "session", description = "Sign-in and API tokens"), (name = "public", description = "Published records, no sign-in"),
         (name = "search", description = "Full-text search with facets, suggestions, export, saved searches"),
         (name = "readings", description = "Sensor readings in: InfluxDB line protocol (1.x and 2.x paths) and JSON"),
         (name = "environment", description = "Sensors, spaces, targets, chart series, ingest tokens"),
         (name = "jobs", description = "Background jobs: progress, log, cancel, retry, result files"),
         (name = "events", description = "Every change as an event: pages after a cursor, long polling, a server-sent event stream, the event catalogue"),
         (name = "webhooks", description = "Subscriptions of URLs to events, signed per Standard Webhooks; delivery log, dead letters, replay"))
)]
pub struct ApiDoc;

/// The API's router and its description, made from one route table.
pub fn api(limits: Limits) -> (axum::Router<AppState>, Value) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api(limits))
        .split_for_parts();
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    crate::api::document::finish(&mut doc);
    (router, doc)
}

/// `GET /api/openapi.json`.
pub fn json(doc: &Value) -> axum::routing::MethodRouter<AppState> {
    // Serialised once: the document does not change while the process runs.
    let body = bytes::Bytes::from(serde_json::to_vec(doc).unwrap_or_default());
    axum::routing::get(move || {
        let body = body.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }
    })
}

/// `GET /api/docs`: a readable page over the document (Swagger UI, served by us).
pub async fn docs() -> Html<String> {
    let v = env!("CARGO_PKG_VERSION");
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vitrine API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/swagger-ui.css?v={v}"></head>
<body><div id="api-docs"></div>
<script src="/assets/swagger-ui-bundle.js?v={v}"></script><script src="/assets/api-docs.js?v={v}"></script></body></html>"#
    ))
}
