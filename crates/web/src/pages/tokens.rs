//! API tokens: made here, shown once, revocable.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_kernel::accounts::TokenInfo;

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/tokens.html")]
struct TokensPage<'a> {
    l: Layout<'a>,
    tokens: Vec<TokenInfo>,
    created: Option<String>,
    error: Option<String>,
}

async fn show(
    st: &AppState,
    actor: &vitrine_kernel::Actor,
    user: &vitrine_kernel::Principal,
    created: Option<String>,
    error: Option<String>,
) -> Response {
    match st.accounts.list_api_tokens(actor).await {
        Ok(tokens) => {
            let l = Layout::new(st, user, "tokens", st.i18n.tr(user.lang).t("nav.tokens"));
            render(&TokensPage {
                l,
                tokens,
                created,
                error,
            })
        }
        Err(e) => error_page(st, user, e),
    }
}

pub async fn list(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    show(&st, &actor, &user, None, None).await
}

pub async fn create(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    form: FormPairs,
) -> Response {
    let get = |k: &str| form.get(k).trim().to_owned();
    let days = get("days");
    let days = if days.is_empty() {
        Ok(None)
    } else {
        days.parse::<u32>().map(Some)
    };
    let res = match days {
        Ok(d) => st.accounts.create_api_token(&actor, &get("name"), d).await,
        Err(_) => Err(vitrine_kernel::Error::invalid(
            "days",
            "not_a_number",
            "a whole number of days",
        )),
    };
    match res {
        Ok((_, secret)) => show(&st, &actor, &user, Some(secret), None).await,
        Err(e) => show(&st, &actor, &user, None, Some(e.to_string())).await,
    }
}

pub async fn revoke(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = match parse_id(&id) {
        Ok(id) => st.accounts.revoke_api_token(&actor, id).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Redirect::to("/staff/tokens").into_response(),
        Err(e) => error_page(&st, &user, e),
    }
}
