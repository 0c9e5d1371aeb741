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
    fn inscription_kinds(&self) -> [&'static str; 5] {
        INSCRIPTION_KINDS
    }
    fn maker_roles(&self) -> [&'static str; 8] {
        MAKER_ROLES
    }
    fn at(&self, group: &str, i: impl std::fmt::Display, field: &str) -> &str {
        self.f.val(&format!("{group}[{i}].{field}"))
    }
    fn at_tr(&self, group: &str, i: impl std::fmt::Display, field: &str) -> &str {
        self.f
            .val(&format!("{group}[{i}].{field}.{}", self.l.tr.tag()))
    }
    fn err_at(&self, group: &str, i: impl std::fmt::Display, field: &str) -> Option<&str> {
        self.f.error(&format!("{group}[{i}].{field}"))
    }
    fn show(&self, v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::Null => "—".into(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/staff/objects/{id}/edit"),
            None => "/staff/objects/new".into(),
        }
    }
}

/// Labels for every id the form refers to.
async fn with_labels(
    st: &AppState,
    actor: &Actor,
    mut f: FormValues,
    input: Option<&ObjectInput>,
) -> FormValues {
    let ids: Vec<Uuid> = match input {
        Some(i) => i.references().into_iter().map(|(_, id, _)| id).collect(),
        None => Vec::new(),
    };
    if let Ok(l) = st.collections.labels(actor, &ids).await {
        f.labels = l;
    }
    f
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
    render(&page(&st, &actor, &user, f, Some(rec.id), rec.version))
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
    let status = match &e {
        Error::Invalid(errs) => {
            f.set_errors(errs);
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
    let input = parse(&f).ok();
    let f = with_labels(st, actor, f, input.as_ref()).await;
    let mut p = page(st, actor, user, f, id, version);
    p.problem = Some(st.i18n.tr(user.lang).t("form.fix_errors").to_owned());
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
            let f = with_labels(&st, &actor, f, Some(&input)).await;
            let mut p = page(&st, &actor, &user, f, Some(id), current);
            p.conflict = Some(diff(&theirs, &mine));
            (StatusCode::PRECONDITION_FAILED, render(&p)).into_response()
        }
        Err(e) => refused(&st, &actor, &user, f, Some(id), version, e).await,
    }
}
