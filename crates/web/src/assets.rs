//! Static files compiled into the binary: our stylesheet and scripts, and the browser
//! libraries installed from npm (see `web/package.json`).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

macro_rules! npm {
    ($p:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/node_modules/",
            $p
        ))
    };
}

/// `(name, content type, bytes)` of every asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "vitrine.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vitrine.css"),
    ),
    (
        "vitrine.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vitrine.js"),
    ),
    (
        "search.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/search.js"),
    ),
    (
        "api-docs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/api-docs.js"),
    ),
    (
        "environment.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/environment.js"),
    ),
    (
        "media.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/media.js"),
    ),
    (
        "openseadragon.min.js",
        "text/javascript; charset=utf-8",
        npm!("openseadragon/build/openseadragon/openseadragon.min.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        npm!("echarts/dist/echarts.min.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        npm!("htmx.org/dist/htmx.min.js"),
    ),
    (
        "swagger-ui-bundle.js",
        "text/javascript; charset=utf-8",
        npm!("swagger-ui-dist/swagger-ui-bundle.js"),
    ),
    (
        "swagger-ui.css",
        "text/css; charset=utf-8",
        npm!("swagger-ui-dist/swagger-ui.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

/// Serves `/assets/{name}`. URLs carry `?v=<version>`, so a long cache is safe.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ctype, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=604800, immutable"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
