//! Webhook subscriptions over HTTP (administrators): subscribe, list, rotate the secret,
//! turn on and off, read the delivery log, replay dead letters.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use vitrine_bus::webhooks::{CreatedWebhook, Delivery, NewWebhook, ReplayReport, Webhook};
use vitrine_kernel::Error;

use crate::extract::{ApiJson, Staff, parse_id, query_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The subscriptions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<Webhook>,
}

/// A subscription's deliveries.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeliveryList {
    /// Newest first (dead letters: oldest first).
    pub items: Vec<Delivery>,
}

/// Which dead letters to replay.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayInput {
    /// One dead letter (a delivery id); none replays them all, oldest first.
    #[serde(default)]
    pub delivery: Option<i64>,
}

/// Subscribes a URL to event types; the answer carries the signing secret, shown once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(input): ApiJson<NewWebhook>,
) -> ApiResult<Response> {
    let made = st.webhooks.create(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Every subscription.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(State(st): State<AppState>, Staff(actor): Staff) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList {
        items: st.webhooks.list(&actor).await?,
    }))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Webhook), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(st.webhooks.get(&actor, parse_id(&id)?).await?))
}

/// Ends a subscription.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.webhooks.delete(&actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret; deliveries carry signatures with the old one too for a day.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CreatedWebhook), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn rotate(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<CreatedWebhook>> {
    Ok(Json(st.webhooks.rotate(&actor, parse_id(&id)?).await?))
}

/// Turns a subscription on (after it was turned off for failing) or off.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/{switch}", tag = "webhooks",
    params(("id" = uuid::Uuid, Path), ("switch" = String, Path, description = "enable or disable")),
    responses((status = 200, body = Webhook), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn switch(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path((id, switch)): Path<(String, String)>,
) -> ApiResult<Json<Webhook>> {
    let on = match switch.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return Err(Error::NotFound { what: "route" }.into()),
    };
    Ok(Json(
        st.webhooks.set_enabled(&actor, parse_id(&id)?, on).await?,
    ))
}

/// The delivery log: status, latency and the start of each answer; `dead=true` lists the
/// dead letters.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = uuid::Uuid, Path), ("dead" = Option<bool>, Query), ("limit" = Option<u32>, Query, description = "1 to 1000, default 100")),
    responses((status = 200, body = DeliveryList), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    uri: Uri,
) -> ApiResult<Json<DeliveryList>> {
    let id = parse_id(&id)?;
    let (mut dead, mut limit) = (false, 100u64);
    for (k, v) in query_pairs(uri.query()).map_err(Error::into_parameters)? {
        match (k.as_str(), v.trim()) {
            ("dead", "true" | "1") => dead = true,
            ("dead", "false" | "0" | "") => dead = false,
            ("limit", n) if n.parse::<u64>().is_ok_and(|n| (1..=1_000).contains(&n)) => {
                limit = n.parse().unwrap_or(100)
            }
            (k @ ("dead" | "limit"), _) => {
                return Err(Error::invalid(
                    k,
                    "invalid_value",
                    "dead is true or false; limit 1 to 1000",
                )
                .into_parameters()
                .into());
            }
            (other, _) => {
                return Err(Error::invalid(
                    vitrine_kernel::excerpt::excerpt(other),
                    "unknown_parameter",
                    "use dead or limit",
                )
                .into_parameters()
                .into());
            }
        }
    }
    Ok(Json(DeliveryList {
        items: st.webhooks.deliveries(&actor, id, dead, limit).await?,
    }))
}

/// Delivers dead letters again: one (`delivery`) or all, oldest first.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/replay", tag = "webhooks", params(("id" = uuid::Uuid, Path)),
    request_body = ReplayInput,
    responses((status = 200, body = ReplayReport), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn replay(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReplayInput>,
) -> ApiResult<Json<ReplayReport>> {
    Ok(Json(
        st.webhooks
            .replay(&actor, parse_id(&id)?, input.delivery)
            .await?,
    ))
}
