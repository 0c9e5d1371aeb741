//! Accounts, for administrators: list, add, change role, disable.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_kernel::accounts::{NewUser, UserSummary};
use vitrine_kernel::{Actor, Error, Permission, Principal, Role};

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersPage<'a> {
    l: Layout<'a>,
    users: Vec<UserSummary>,
    error: Option<String>,
    added: Option<String>,
}

impl UsersPage<'_> {
    fn roles(&self) -> [Role; 9] {
        Role::ALL
    }
}

fn field<'a>(f: &'a [(String, String)], k: &str) -> &'a str {
    f.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

async fn show(
    st: &AppState,
    actor: &Actor,
    user: &Principal,
    status: StatusCode,
    error: Option<String>,
    added: Option<String>,
) -> Response {
    match st.accounts.list_users(actor).await {
        Ok(users) => {
            let l = Layout::new(st, user, "users", st.i18n.tr(user.lang).t("nav.users"));
            (
                status,
                render(&UsersPage {
                    l,
                    users,
                    error,
                    added,
                }),
            )
                .into_response()
        }
        Err(e) => error_page(st, user, e),
    }
}

/// The page again, with what was refused.
async fn refused(st: &AppState, actor: &Actor, user: &Principal, e: Error) -> Response {
    show(
        st,
        actor,
        user,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(e.to_string()),
        None,
    )
    .await
}

pub async fn list(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    show(&st, &actor, &user, StatusCode::OK, None, None).await
}

pub async fn create(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    FormPairs(f): FormPairs,
) -> Response {
    let res = match Role::parse(field(&f, "role")) {
        Some(role) => {
            let name = field(&f, "username").trim().to_owned();
            let display = field(&f, "display_name").trim();
            let new = NewUser {
                display_name: if display.is_empty() {
                    name.clone()
                } else {
                    display.to_owned()
                },
                username: name,
                role,
                password: field(&f, "password").to_owned(),
            };
            st.accounts.create_user(&actor, new).await
        }
        None => Err(Error::invalid("role", "unknown_role", "choose a role")),
    };
    match res {
        Ok(_) => {
            show(
                &st,
                &actor,
                &user,
                StatusCode::OK,
                None,
                Some(field(&f, "username").trim().to_owned()),
            )
            .await
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict { .. })) => {
            refused(&st, &actor, &user, e).await
        }
        Err(e) => error_page(&st, &user, e),
    }
}

pub async fn update(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    FormPairs(f): FormPairs,
) -> Response {
    let res = async {
        actor.require(Permission::UsersManage)?;
        let id = parse_id(&id)?;
        let role = Role::parse(field(&f, "role"))
            .ok_or_else(|| Error::invalid("role", "unknown_role", "choose a role"))?;
        st.accounts
            .update_user(&actor, id, role, field(&f, "disabled") == "true")
            .await
    }
    .await;
    match res {
        Ok(()) => Redirect::to("/staff/users").into_response(),
        Err(e @ Error::Invalid(_)) => refused(&st, &actor, &user, e).await,
        Err(e) => error_page(&st, &user, e),
    }
}
