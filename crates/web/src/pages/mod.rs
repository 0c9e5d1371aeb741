//! Staff pages under `/staff`: server-rendered HTML with htmx for partial updates.

mod authorities;
mod dashboard;
pub mod environment;
mod form;
mod jobs;
mod login;
pub mod media;
mod object_form;
mod objects;
mod readable;
mod search;
mod tokens;
mod users;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use vitrine_kernel::{Actor, Error, Lang, Principal};

use crate::i18n::Tr;
use crate::state::AppState;

/// Routes of the staff area.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(dashboard::show))
        .route("/staff/login", get(login::form).post(login::submit))
        .route("/staff/logout", post(login::logout))
        .route("/staff/lang", post(login::set_lang))
        .route("/staff/objects", get(objects::list))
        .route(
            "/staff/objects/new",
            get(object_form::new_form).post(object_form::create),
        )
        .route("/staff/objects/{id}", get(objects::show))
        .route(
            "/staff/objects/{id}/edit",
            get(object_form::edit_form).post(object_form::save),
        )
        .route("/staff/objects/{id}/history", get(objects::history))
        .route("/staff/authorities/{kind}", get(authorities::list))
        .route(
            "/staff/authorities/{kind}/new",
            get(authorities::new_form).post(authorities::create),
        )
        .route(
            "/staff/authorities/{kind}/{id}",
            get(authorities::edit_form).post(authorities::save),
        )
        .route("/staff/pick/{kind}", get(authorities::pick))
        .route("/staff/search", get(search::page))
        .route("/staff/search/saved", post(search::save))
        .route("/staff/search/saved/{id}/delete", post(search::delete))
        .route("/staff/environment", get(environment::overview))
        .route("/staff/environment/events", get(environment::events))
        .route("/staff/environment/spaces/{id}", get(environment::space))
        .route(
            "/staff/environment/spaces/{id}/target",
            post(environment::set_target),
        )
        .route(
            "/staff/environment/sensors/{id}/edit",
            post(environment::edit_sensor),
        )
        .route(
            "/staff/environment/sensors/{id}/calibrations",
            post(environment::add_calibration),
        )
        .route(
            "/staff/environment/sensors/{id}/move",
            post(environment::move_sensor),
        )
        .route(
            "/staff/environment/rules",
            get(environment::rules).post(environment::create_rule),
        )
        .route(
            "/staff/environment/rules/{id}/override",
            post(environment::override_rule),
        )
        .route(
            "/staff/environment/rules/{id}/delete",
            post(environment::delete_rule),
        )
        .route(
            "/staff/environment/tokens",
            get(environment::gateway_tokens).post(environment::create_gateway_token),
        )
        .route(
            "/staff/environment/tokens/{id}/revoke",
            post(environment::revoke_gateway_token),
        )
        .route("/staff/environment/sensors", get(environment::sensors))
        .route("/staff/environment/sensors/{id}", get(environment::sensor))
        .route(
            "/staff/environment/sensors/{id}/place",
            post(environment::place),
        )
        .route("/staff/media", get(media::library))
        .route("/staff/media/{id}", get(media::show).post(media::describe))
        .route("/staff/media/{id}/objects", post(media::link))
        .route(
            "/staff/media/{id}/objects/{object}/remove",
            post(media::unlink),
        )
        .route("/staff/media/{id}/reprocess", post(media::reprocess))
        .route("/staff/objects/{id}/images", post(media::arrange))
        .route("/staff/jobs", get(jobs::list))
        .route("/staff/jobs/events", get(jobs::events))
        .route("/staff/jobs/start", post(jobs::start))
        .route("/staff/jobs/{id}", get(jobs::show))
        .route("/staff/jobs/{id}/result", get(jobs::result))
        .route("/staff/jobs/{id}/{action}", post(jobs::act))
        .route("/staff/tokens", get(tokens::list).post(tokens::create))
        .route("/staff/tokens/{id}/revoke", post(tokens::revoke))
        .route("/staff/users", get(users::list).post(users::create))
        .route(
            "/staff/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route("/staff/webhooks/{id}", get(webhooks::show))
        .route("/staff/webhooks/{id}/{action}", post(webhooks::act))
        .route("/staff/users/{id}", post(users::update))
}

/// What the staff layout shows around every page.
pub struct Layout<'a> {
    /// Interface strings.
    pub tr: Tr<'a>,
    /// The signed-in person.
    pub user: Principal,
    /// Page title.
    pub title: String,
    /// The museum's name.
    pub museum: String,
    /// Which nav entry is current.
    pub nav: &'static str,
    /// Asset version for cache-busting.
    pub v: &'static str,
    /// Whether to offer account management.
    pub is_admin: bool,
}

impl<'a> Layout<'a> {
    /// The layout for a signed-in person.
    pub fn new(
        st: &'a AppState,
        user: &Principal,
        nav: &'static str,
        title: impl Into<String>,
    ) -> Self {
        Layout {
            tr: st.i18n.tr(user.lang),
            user: user.clone(),
            title: title.into(),
            museum: st.cfg.museum_name.best(user.lang).to_owned(),
            nav,
            v: env!("CARGO_PKG_VERSION"),
            is_admin: user.role == vitrine_kernel::Role::Admin,
        }
    }
    /// The language of the page.
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }
}

/// Renders a template into a response.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// A signed-in staff member; anyone else is sent to the login page, and comes back to
/// the page they asked for once signed in.
pub struct Staff {
    /// The caller, for the services.
    pub actor: Actor,
    /// The same person, for the layout.
    pub user: Principal,
}

impl<S> axum::extract::FromRequestParts<S> for Staff
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        let crate::extract::Caller(actor) =
            crate::extract::Caller::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        match &actor {
            Actor::User(p) => Ok(Staff {
                user: p.clone(),
                actor,
            }),
            _ => {
                // After signing in, go back to the page (a form's target is not a page).
                let next = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/staff")
                        .to_owned()
                } else {
                    "/staff".to_owned()
                };
                Err(Redirect::to(&format!(
                    "/staff/login?next={}",
                    vitrine_collections::query::percent(&next)
                ))
                .into_response())
            }
        }
    }
}

/// True when htmx asked for a fragment.
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-boosted")
}

/// A page that tells a person what went wrong, in their language, inside the normal
/// staff layout (menu included).
#[derive(Template)]
#[template(path = "staff/error.html")]
pub struct ErrorPage<'a> {
    l: Layout<'a>,
    status: u16,
    message: String,
    /// The service's own words, for IT (not shown for faults of ours).
    technical: Option<String>,
}

/// What to tell a person about an error, in their language (None: the service's words,
/// which name the rule that was broken, are the message).
fn error_message(tr: &Tr, user: &Principal, e: &Error) -> Option<String> {
    Some(match e {
        Error::NotFound { what } => tr
            .t("error.missing")
            .replace("{what}", &tr.code("what", what)),
        Error::Forbidden(_) => tr
            .t("error.forbidden")
            .replace("{role}", &tr.code("role", user.role.as_str())),
        Error::BadRequest(_) | Error::InvalidParameters(_) => tr.t("error.bad_request").into(),
        Error::Db(_) | Error::Internal(_) => tr.t("error.internal").into(),
        Error::VersionMismatch { .. } => tr.t("form.conflict_simple").into(),
        _ => return None,
    })
}

/// Turns a service error into an HTML page for a signed-in person.
pub fn error_page(st: &AppState, user: &Principal, e: Error) -> Response {
    let tr = st.i18n.tr(user.lang);
    let message = error_message(&tr, user, &e);
    let internal = matches!(e, Error::Db(_) | Error::Internal(_));
    let problem = crate::problem::Problem::from(e);
    let code = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let title = tr
        .code("error", &format!("title_{}", problem.status))
        .into_owned();
    let title = if title.starts_with("title_") {
        problem.title.clone()
    } else {
        title
    };
    let (message, technical) = match message {
        Some(m) => (m, (!internal).then_some(problem.detail)),
        None => (problem.detail, None),
    };
    let l = Layout::new(st, user, "", title);
    (
        code,
        render(&ErrorPage {
            l,
            status: problem.status,
            message,
            technical,
        }),
    )
        .into_response()
}

/// The language a visitor prefers: cookie, then `Accept-Language`, then Chinese.
pub fn visitor_lang(headers: &HeaderMap) -> Lang {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == "vitrine_lang")
        .and_then(|(_, v)| Lang::parse(v));
    cookie
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| Lang::parse(v.split(',').next()?))
        })
        .unwrap_or_default()
}

/// The 404 page for a path that does not exist.
pub async fn not_found_page(st: &AppState, headers: &HeaderMap) -> Response {
    let tr = st.i18n.tr(visitor_lang(headers));
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>404</title><link rel=\"stylesheet\" href=\"/assets/vitrine.css\"></head>\
         <body class=\"public\"><main class=\"narrow\"><h1>404</h1><p>{}</p><p><a href=\"/\">{}</a></p></main></body></html>",
        tr.tag(),
        tr.t("error.not_found"),
        tr.t("public.home")
    );
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}
