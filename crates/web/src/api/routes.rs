//! The JSON API's route table. Every route is registered from its handler's
//! `#[utoipa::path]` (utoipa-axum's `routes!`), so the router and the OpenAPI document are
//! made from one list and cannot tell different stories.

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{
    authorities, environment, events, ingest, jobs, media, objects, public, search, session,
    webhooks,
};
use crate::state::AppState;

/// Body limits of the three kinds of request the API takes.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Reading batches (line protocol, JSON, logger files; gzip bodies are checked again
    /// after decompression).
    pub ingest: usize,
    /// Image uploads.
    pub upload: usize,
}

/// Every `/api` route with its description.
pub fn api(limits: Limits) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(catalogue())
        .merge(search())
        .merge(environment())
        .merge(media_library())
        .merge(background_jobs())
        .merge(readings().layer(DefaultBodyLimit::max(limits.ingest)))
        .merge(uploads().layer(DefaultBodyLimit::max(limits.upload)))
}

fn catalogue() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(objects::list, objects::create))
        .routes(routes!(
            objects::get,
            objects::put,
            objects::patch,
            objects::delete
        ))
        .routes(routes!(objects::history))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::list_tokens, session::create_token))
        .routes(routes!(session::revoke_token))
        // Static paths above and below win over `/api/v1/{kind}`.
        .routes(routes!(authorities::list, authorities::create))
        .routes(routes!(
            authorities::get,
            authorities::put,
            authorities::delete
        ))
        .routes(routes!(authorities::history))
        .routes(routes!(public::list))
        .routes(routes!(public::get))
}

fn search() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search::search))
        .routes(routes!(search::suggest))
        .routes(routes!(search::export_csv))
        .routes(routes!(search::status))
        .routes(routes!(search::reindex))
        .routes(routes!(search::saved_list, search::saved_create))
        .routes(routes!(search::saved_delete))
        .routes(routes!(search::public_search))
        .routes(routes!(search::public_suggest))
}

fn environment() -> OpenApiRouter<AppState> {
    use environment as e;
    OpenApiRouter::new()
        .routes(routes!(e::list_sensors, e::create_sensor))
        .routes(routes!(e::get_sensor, e::put_sensor))
        .routes(routes!(e::place_sensor))
        .routes(routes!(e::add_calibration))
        .routes(routes!(e::sensor_series))
        .routes(routes!(e::sensor_series_csv))
        .routes(routes!(e::spaces))
        .routes(routes!(e::space_series))
        .routes(routes!(e::space_series_csv))
        .routes(routes!(e::put_target))
        .routes(routes!(e::list_rules, e::create_rule))
        .routes(routes!(e::get_rule, e::put_rule, e::delete_rule))
        .routes(routes!(e::override_rule))
        .routes(routes!(e::commands))
        .routes(routes!(e::profiles))
        .routes(routes!(e::list_tokens, e::create_token))
        .routes(routes!(e::revoke_token))
}

fn media_library() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(media::reprocess))
        .routes(routes!(media::get, media::put))
        .routes(routes!(media::link))
        .routes(routes!(media::unlink))
        .routes(routes!(media::object_media, media::arrange))
}

fn background_jobs() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::retry))
        .routes(routes!(jobs::log))
        .routes(routes!(jobs::result))
        .routes(routes!(jobs::fixity))
        .routes(routes!(events::list))
        .routes(routes!(events::stream))
        .routes(routes!(events::types))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::get, webhooks::delete))
        .routes(routes!(webhooks::rotate))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::replay))
        .routes(routes!(webhooks::switch))
}

fn readings() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ingest::write_v1))
        .routes(routes!(ingest::write_v2))
        .routes(routes!(ingest::readings_json))
        .routes(routes!(environment::logger_import))
}

fn uploads() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(media::list, media::upload))
}
