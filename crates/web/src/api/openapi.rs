//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use axum::response::{Html, IntoResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{authorities, environment, ingest, objects, public, search, session};

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
    paths(
        objects::list, objects::create, objects::get, objects::put, objects::patch, objects::delete, objects::history,
        authorities::list, authorities::create, authorities::get, authorities::put, authorities::delete, authorities::history,
        session::login, session::logout, session::list_tokens, session::create_token, session::revoke_token,
        public::list, public::get,
        search::search, search::suggest, search::export_csv, search::status, search::reindex,
        search::saved_list, search::saved_create, search::saved_delete,
        search::public_search, search::public_suggest,
        ingest::write_v1, ingest::write_v2, ingest::readings_json,
        environment::list_sensors, environment::create_sensor, environment::get_sensor, environment::put_sensor,
        environment::place_sensor, environment::add_calibration, environment::sensor_series, environment::sensor_series_csv,
        environment::spaces, environment::space_series, environment::space_series_csv, environment::put_target,
        environment::profiles, environment::logger_import, environment::list_rules, environment::create_rule, environment::get_rule,
        environment::put_rule, environment::delete_rule, environment::override_rule, environment::commands, environment::list_tokens, environment::create_token, environment::revoke_token,
    ),
    modifiers(&Bearer),
    tags((name = "objects", description = "Catalogue records"), (name = "authorities", description = "People, places, terms, locations"),
         (name = "session", description = "Sign-in and API tokens"), (name = "public", description = "Published records, no sign-in"),
         (name = "search", description = "Full-text search with facets, suggestions, export, saved searches"),
         (name = "readings", description = "Sensor readings in: InfluxDB line protocol (1.x and 2.x paths) and JSON"),
         (name = "environment", description = "Sensors, spaces, targets, chart series, ingest tokens"))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
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
