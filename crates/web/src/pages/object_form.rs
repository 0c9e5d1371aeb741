//! Creating and editing a catalogue record in the browser. A refused save shows the
//! form again with the person's edits and every field's message; a save that lost a
//! race with someone else shows what they changed and lets the person save again.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;
use vitrine_collections::model::{Department, DimensionKind, ObjectInput, ObjectStatus, Unit};
use vitrine_kernel::audit::{FieldChange, diff};
use vitrine_kernel::{Actor, Error, Permission, Principal};

use super::form::FormValues;
use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id};
use crate::state::AppState;

/// Repeatable row groups of the object form.
const ROWS: [&str; 3] = ["makers", "dimensions", "inscriptions"];

/// Inscription kinds offered in the form.
const INSCRIPTION_KINDS: [&str; 5] = ["inscription", "mark", "seal", "signature", "colophon"];
/// Maker roles offered in the form.
const MAKER_ROLES: [&str; 8] = [
    "maker",
    "painter",
    "calligrapher",
    "potter",
    "carver",
    "embroiderer",
    "workshop",
    "kiln",
];

#[derive(Template)]
#[template(path = "staff/object_form.html")]
struct FormPage<'a> {
    l: Layout<'a>,
    f: FormValues,
    id: Option<Uuid>,
    version: i64,
    can_confidential: bool,
    conflict: Option<Vec<FieldChange>>,
    problem: Option<String>,
    /// The saved record's number and title, for the breadcrumb (the form's own may be
    /// the field being corrected).
    name: String,
}

impl FormPage<'_> {
    fn departments(&self) -> &'static [Department] {
        Department::ALL
    }
    fn statuses(&self) -> &'static [ObjectStatus] {
        ObjectStatus::ALL
    }
    fn dimension_kinds(&self) -> &'static [DimensionKind] {
        DimensionKind::ALL
    }
    fn units(&self) -> &'static [Unit] {
        Unit::ALL
    }
    fn inscription_kinds(&self) -> &'static [&'static str] {
        &INSCRIPTION_KINDS
    }
    fn maker_roles(&self) -> &'static [&'static str] {
        &MAKER_ROLES
    }
    /// The offered codes, plus the record's own when it is not among them (a code set
    /// through the API or an import must not be lost by opening the form).
    fn options<'s>(&self, offered: &'static [&'static str], current: &'s str) -> Vec<&'s str> {
        let mut out: Vec<&'s str> = offered.to_vec();
        if !current.is_empty() && !offered.contains(&current) {
            out.push(current);
        }
        out
    }
    /// What a row holds that its inputs do not show, as hidden inputs.
    fn carry_row(&self, group: &str, i: impl std::fmt::Display) -> String {
        self.f.carry(&format!("{group}[{i}]."))
    }
    fn at(&self, group: &str, i: impl std::fmt::Display, field: &str) -> &str {
        self.f.val(&format!("{group}[{i}].{field}"))
    }
    fn err_at(&self, group: &str, i: impl std::fmt::Display, field: &str) -> Option<&str> {
        self.f.error(&format!("{group}[{i}].{field}"))
    }
    fn show(&self, v: &serde_json::Value) -> String {
        super::readable::html(v, &self.l.tr, &self.f.labels)
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/staff/objects/{id}/edit"),
            None => "/staff/objects/new".into(),
        }
    }
}

/// Labels for every id the form refers to, read from its values (a refused form may not
/// make a record, and still shows every lookup it had).
async fn with_labels(st: &AppState, actor: &Actor, mut f: FormValues) -> FormValues {
    if let Ok(l) = st.collections.labels(actor, &f.ids()).await {
        f.labels = l;
    }
    f
}

/// "GDM-1 青花瓶": how the breadcrumb names a saved record.
async fn record_name(st: &AppState, actor: &Actor, user: &Principal, id: Option<Uuid>) -> String {
    let Some(id) = id else { return String::new() };
    match st.collections.get_object(actor, id).await {
        Ok(r) => format!("{} {}", r.data.object_number, r.data.title.best(user.lang)),
        Err(_) => String::new(),
    }
}

fn page<'a>(
    st: &'a AppState,
    actor: &Actor,
    user: &Principal,
    f: FormValues,
    id: Option<Uuid>,
    version: i64,
) -> FormPage<'a> {
    let tr = st.i18n.tr(user.lang);
    let title = if id.is_some() {
        tr.t("form.edit_title")
    } else {
        tr.t("form.new_title")
    };
    FormPage {
        l: Layout::new(st, user, "objects", title),
        f,
        id,
        version,
        can_confidential: actor.can(Permission::ConfidentialRead),
        conflict: None,
        problem: None,
        name: String::new(),
    }
}

pub async fn new_form(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    if let Err(e) = actor.require(Permission::CatalogueEdit) {
        return error_page(&st, &user, e);
    }
    let mut f = FormValues::from_pairs(
        vec![
            ("department".into(), "history".into()),
            ("number_of_parts".into(), "1".into()),
        ],
        user.lang,
    );
    f.labels = Default::default();
    render(&page(&st, &actor, &user, f, None, 0))
}

pub async fn edit_form(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let rec = match parse_id(&id) {
        Ok(id) => st.collections.get_object(&actor, id).await,
        Err(e) => Err(e),
    };
    let rec = match rec.and_then(|r| actor.require(Permission::CatalogueEdit).map(|_| r)) {
        Ok(r) => r,
        Err(e) => return error_page(&st, &user, e),
    };
    let json = serde_json::to_value(&rec.data).unwrap_or_default();
    let mut f = FormValues::from_json(&json, user.lang);
    f.labels = rec.labels.clone();
    let mut p = page(&st, &actor, &user, f, Some(rec.id), rec.version);
    p.name = format!(
        "{} {}",
        rec.data.object_number,
        rec.data.title.best(user.lang)
    );
    render(&p)
}

/// Reads the submitted form into a record.
fn parse(f: &FormValues) -> Result<ObjectInput, Error> {
    f.parse(&ROWS)
}

async fn refused(
    st: &AppState,
    actor: &Actor,
    user: &Principal,
    mut f: FormValues,
    id: Option<Uuid>,
    version: i64,
    e: Error,
) -> Response {
    let tr = st.i18n.tr(user.lang);
    let status = match &e {
        Error::Invalid(errs) => {
            f.set_errors(errs, &tr);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Error::Conflict {
            field: Some(field),
            message,
        } => {
            f.errors.insert(field.clone(), message.clone());
            StatusCode::CONFLICT
        }
        _ => return error_page(st, user, e),
    };
    let f = with_labels(st, actor, f).await;
    let name = record_name(st, actor, user, id).await;
    let mut p = page(st, actor, user, f, id, version);
    p.problem = Some(tr.t("form.fix_errors").to_owned());
    p.name = name;
    (status, render(&p)).into_response()
}

pub async fn create(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    FormPairs(pairs): FormPairs,
) -> Response {
    let f = FormValues::from_pairs(pairs, user.lang);
    let res = match parse(&f) {
        Ok(input) => st.collections.create_object(&actor, input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(rec) => Redirect::to(&format!("/staff/objects/{}", rec.id)).into_response(),
        Err(e) => refused(&st, &actor, &user, f, None, 0, e).await,
    }
}

pub async fn save(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
    FormPairs(pairs): FormPairs,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&st, &user, e),
    };
    let f = FormValues::from_pairs(pairs, user.lang);
    let version: i64 = f.val("version").parse().unwrap_or(0);
    let input = match parse(&f) {
        Ok(i) => i,
        Err(e) => return refused(&st, &actor, &user, f, Some(id), version, e).await,
    };
    match st
        .collections
        .update_object(&actor, id, version, input.clone())
        .await
    {
        Ok(rec) => Redirect::to(&format!("/staff/objects/{}", rec.id)).into_response(),
        Err(Error::VersionMismatch { current }) => {
            // Someone saved first. Keep this person's edits, show what the other person
            // changed, and base the next save on the current version.
            let now = match st.collections.get_object(&actor, id).await {
                Ok(r) => r,
                Err(e) => return error_page(&st, &user, e),
            };
            let theirs = serde_json::to_value(&now.data).unwrap_or_default();
            let mine = serde_json::to_value(&input).unwrap_or_default();
            let f = with_labels(&st, &actor, f).await;
            let mut p = page(&st, &actor, &user, f, Some(id), current);
            p.conflict = Some(diff(&theirs, &mine));
            p.name = format!(
                "{} {}",
                now.data.object_number,
                now.data.title.best(user.lang)
            );
            (StatusCode::PRECONDITION_FAILED, render(&p)).into_response()
        }
        Err(e) => refused(&st, &actor, &user, f, Some(id), version, e).await,
    }
}
