//! Webhooks, for administrators: subscribe a URL to event types (the secret shown once),
//! see each subscription's delivery log, replay its dead letters, rotate its secret, turn
//! it on or off, end it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_bus::CATALOGUE;
use vitrine_bus::webhooks::{Delivery, NewWebhook, Webhook};
use vitrine_kernel::Error;

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/webhooks.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    hooks: Vec<Webhook>,
    /// (entity, its types) for the event checkboxes.
    entities: Vec<(String, Vec<&'static str>)>,
    error: Option<String>,
    url: String,
}

#[derive(Template)]
#[template(path = "staff/webhook.html")]
struct HookPage<'a> {
    l: Layout<'a>,
    hook: Webhook,
    deliveries: Vec<Delivery>,
    dead: usize,
    /// A secret just made (subscription or rotation), shown this once.
    secret: Option<String>,
    notice: Option<String>,
}

fn entities() -> Vec<(String, Vec<&'static str>)> {
    let mut out: Vec<(String, Vec<&'static str>)> = Vec::new();
    for t in CATALOGUE {
        let e = vitrine_bus::catalogue::entity_of(t.name).to_owned();
        match out.iter_mut().find(|(x, _)| *x == e) {
            Some((_, v)) => v.push(t.name),
            None => out.push((e, vec![t.name])),
        }
    }
    out
}

async fn show_list(st: &AppState, staff: &Staff, error: Option<String>, url: String) -> Response {
    match st.webhooks.list(&staff.actor).await {
        Ok(hooks) => render(&ListPage {
            l: Layout::new(
                st,
                &staff.user,
                "webhooks",
                st.i18n.tr(staff.user.lang).t("nav.webhooks"),
            ),
            hooks,
            entities: entities(),
            error,
            url,
        }),
        Err(e) => error_page(st, &staff.user, e),
    }
}

async fn show_hook(
    st: &AppState,
    staff: &Staff,
    id: &str,
    secret: Option<String>,
    notice: Option<String>,
) -> Response {
    let found = async {
        let id = parse_id(id)?;
        let hook = st.webhooks.get(&staff.actor, id).await?;
        let deliveries = st.webhooks.deliveries(&staff.actor, id, false, 200).await?;
        let dead = st
            .webhooks
            .deliveries(&staff.actor, id, true, 1_000)
            .await?
            .len();
        Ok::<_, Error>((hook, deliveries, dead))
    }
    .await;
    match found {
        Ok((hook, deliveries, dead)) => {
            let title = format!(
                "{} · {}",
                hook.url,
                st.i18n.tr(staff.user.lang).t("nav.webhooks")
            );
            render(&HookPage {
                l: Layout::new(st, &staff.user, "webhooks", title),
                hook,
                deliveries,
                dead,
                secret,
                notice,
            })
        }
        Err(e) => error_page(st, &staff.user, e),
    }
}

/// `GET /staff/webhooks`.
pub async fn list(State(st): State<AppState>, staff: Staff) -> Response {
    show_list(&st, &staff, None, String::new()).await
}

/// `POST /staff/webhooks`: subscribes; the new subscription's page shows its secret once.
pub async fn create(State(st): State<AppState>, staff: Staff, form: FormPairs) -> Response {
    let url = form.get("url").trim().to_owned();
    let events: Vec<String> = form
        .0
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    match st
        .webhooks
        .create(
            &staff.actor,
            NewWebhook {
                url: url.clone(),
                events,
            },
        )
        .await
    {
        Ok(made) => {
            let id = made.webhook.id.to_string();
            show_hook(&st, &staff, &id, Some(made.secret), None).await
        }
        Err(Error::Invalid(errors)) => {
            let tr = st.i18n.tr(staff.user.lang);
            let text = errors
                .iter()
                .map(|e| format!("{}: {}", tr.code("webhooks.field", &e.field), e.message))
                .collect::<Vec<_>>()
                .join(" · ");
            show_list(&st, &staff, Some(text), url).await
        }
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// `GET /staff/webhooks/{id}`.
pub async fn show(State(st): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    show_hook(&st, &staff, &id, None, None).await
}

/// `POST /staff/webhooks/{id}/{action}`: replay, rotate, enable, disable, delete.
pub async fn act(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let hook = match parse_id(&id) {
        Ok(h) => h,
        Err(e) => return error_page(&st, &staff.user, e),
    };
    let tr = st.i18n.tr(staff.user.lang);
    let a = &staff.actor;
    let done = match action.as_str() {
        "replay" => st.webhooks.replay(a, hook, None).await.map(|r| {
            let notice = tr
                .t("webhooks.replayed")
                .replace("{ok}", &r.delivered.to_string())
                .replace("{failed}", &r.failed.to_string());
            (None, Some(notice))
        }),
        "rotate" => st
            .webhooks
            .rotate(a, hook)
            .await
            .map(|c| (Some(c.secret), None)),
        "enable" | "disable" => st
            .webhooks
            .set_enabled(a, hook, action == "enable")
            .await
            .map(|_| (None, None)),
        "delete" => {
            return match st.webhooks.delete(a, hook).await {
                Ok(()) => Redirect::to("/staff/webhooks").into_response(),
                Err(e) => error_page(&st, &staff.user, e),
            };
        }
        _ => Err(Error::NotFound { what: "page" }),
    };
    match done {
        Ok((secret, notice)) => show_hook(&st, &staff, &id, secret, notice).await,
        Err(e) => error_page(&st, &staff.user, e),
    }
}
