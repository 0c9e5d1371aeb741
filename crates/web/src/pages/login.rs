//! Signing in and out, and the language switch.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vitrine_kernel::{Error, Lang};

use super::{render, visitor_lang};
use crate::extract::{Caller, FormPairs, SESSION_COOKIE, same_origin, session_secret};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage<'a> {
    tr: Tr<'a>,
    museum: String,
    next: String,
    username: String,
    error: Option<String>,
    v: &'static str,
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only our own staff pages are valid places to return to (no open redirect).
fn safe_next(n: Option<&str>) -> String {
    match n {
        Some(n) if n.starts_with("/staff") && !n.starts_with("//") && !n.contains("\\") => {
            n.to_owned()
        }
        _ => "/staff".to_owned(),
    }
}

fn page(
    st: &AppState,
    lang: Lang,
    next: String,
    username: String,
    error: Option<String>,
) -> LoginPage<'_> {
    LoginPage {
        tr: st.i18n.tr(lang),
        museum: st.cfg.museum_name.best(lang).to_owned(),
        next,
        username,
        error,
        v: env!("CARGO_PKG_VERSION"),
    }
}

pub async fn form(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(n): Query<Next>,
) -> Response {
    render(&page(
        &st,
        visitor_lang(&headers),
        safe_next(n.next.as_deref()),
        String::new(),
        None,
    ))
}

fn cookie(st: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.cfg.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub async fn submit(State(st): State<AppState>, parts: Parts, form: FormPairs) -> Response {
    let get = |k: &str| form.get(k);
    let lang = visitor_lang(&parts.headers);
    let next = safe_next(Some(&get("next")));
    if !same_origin(&parts) {
        return (StatusCode::FORBIDDEN, "cross-site sign-in refused").into_response();
    }
    match st
        .accounts
        .login(get("username").trim(), &get("password"))
        .await
    {
        Ok((secret, _)) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                cookie(&st, SESSION_COOKIE, &secret, 12 * 3600),
            );
            r
        }
        Err(e) => {
            let tr = st.i18n.tr(lang);
            let (status, msg) = match e {
                Error::RateLimited { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    tr.t("login.locked").to_owned(),
                ),
                Error::Unauthenticated => {
                    (StatusCode::UNAUTHORIZED, tr.t("login.failed").to_owned())
                }
                other => (StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
            };
            (
                status,
                render(&page(&st, lang, next, get("username"), Some(msg))),
            )
                .into_response()
        }
    }
}

pub async fn logout(State(st): State<AppState>, parts: Parts) -> Response {
    if let Some(s) = session_secret(&parts) {
        if !same_origin(&parts) {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
        if let Err(e) = st.accounts.logout(&s).await {
            tracing::warn!(error = %e, "logout failed");
        }
    }
    let mut r = Redirect::to("/staff/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, cookie(&st, SESSION_COOKIE, "", 0));
    r
}

pub async fn set_lang(
    State(st): State<AppState>,
    Caller(actor): Caller,
    form: FormPairs,
) -> Response {
    let get = |k: &str| form.get(k);
    let lang = Lang::parse(&get("lang")).unwrap_or_default();
    if actor.user_id().is_some()
        && let Err(e) = st.accounts.set_lang(&actor, lang).await
    {
        tracing::warn!(error = %e, "could not save language");
    }
    let back = get("back");
    let back = if back.starts_with('/') && !back.starts_with("//") {
        back
    } else {
        "/staff".into()
    };
    let mut r = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "vitrine_lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.tag()
    )) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
