//! `/api/v1/session` (sign in from a script) and `/api/v1/tokens` (long-lived API tokens).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::accounts::TokenInfo;
use vitrine_kernel::{Error, Role};

use crate::extract::{ApiJson, Staff, parse_id};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A session token for `Authorization: Bearer`.
#[derive(Serialize, ToSchema)]
pub struct SessionToken {
    /// The secret; valid for 12 hours after last use.
    pub token: String,
    /// The account's user name.
    pub username: String,
    /// The account's role.
    pub role: Role,
}

/// Signs in with a user name and password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Login,
    responses((status = 200, body = SessionToken), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    State(st): State<AppState>,
    ApiJson(l): ApiJson<Login>,
) -> ApiResult<Json<SessionToken>> {
    let (token, p) = st.accounts.login(&l.username, &l.password).await?;
    Ok(Json(SessionToken {
        token,
        username: p.username,
        role: p.role,
    }))
}

/// Ends the session whose bearer token made this request.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)), security(("bearer" = [])))]
pub async fn logout(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token = token.ok_or(Error::Unauthenticated)?;
    st.accounts.logout(token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new API token request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for, e.g. "nightly export".
    pub name: String,
    /// Days until it expires (none = until revoked).
    #[serde(default)]
    pub days: Option<u32>,
}

/// A freshly made API token; the secret is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// Id, to revoke it.
    pub id: Uuid,
    /// The secret for `Authorization: Bearer`.
    pub token: String,
}

/// Your API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "session", responses((status = 200, body = Vec<TokenInfo>)), security(("bearer" = [])))]
pub async fn list_tokens(
    State(st): State<AppState>,
    Staff(actor): Staff,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(st.accounts.list_api_tokens(&actor).await?))
}

/// Makes an API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "session", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn create_token(
    State(st): State<AppState>,
    Staff(actor): Staff,
    ApiJson(t): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let (id, token) = st
        .accounts
        .create_api_token(&actor, &t.name, t.days)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

/// Revokes one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "session", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(st): State<AppState>,
    Staff(actor): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    st.accounts.revoke_api_token(&actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
