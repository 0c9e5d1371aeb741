//! Authority lists, forms and the pickers the object form uses.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;
use vitrine_collections::AuthorityPage;
use vitrine_collections::authority::{AuthorityInput, AuthoritySummary, Kind, vocabularies};
use vitrine_collections::query::AuthorityQuery;
use vitrine_kernel::{Actor, Error, Permission, Principal};

use super::form::FormValues;
use super::{Layout, Staff, error_page, render};
use crate::extract::{Caller, FormPairs, authority_kind, parse_id, query_pairs};
use crate::state::AppState;

const PAGE: u64 = 50;

#[derive(Template)]
#[template(path = "staff/authorities.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    kind: Kind,
    q: AuthorityQuery,
    page: AuthorityPage,
    /// The query string of this list without cursor (for page links).
    qs: String,
    can_edit: bool,
}

impl ListPage<'_> {
    fn segments(&self) -> [(&'static str, Kind); 4] {
        Kind::SEGMENTS
    }
    fn seg(&self) -> &'static str {
        self.kind.segment()
    }
    fn vocabularies(&self) -> &'static [&'static str] {
        vocabularies(self.kind)
    }
    fn is_vocabulary(&self, v: &str) -> bool {
        self.q.vocabulary.as_deref() == Some(v)
    }
}

/// The list query of a request.
fn list_query(uri: &Uri, limit: u64) -> Result<AuthorityQuery, Error> {
    let pairs = query_pairs(uri.query())?;
    let mut q = AuthorityQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    if !pairs.iter().any(|(k, _)| k == "limit") {
        q.limit = limit;
    }
    Ok(q)
}

pub async fn list(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(kind): Path<String>,
    uri: Uri,
) -> Response {
    let res = async {
        let kind = authority_kind(&kind)?;
        let q = list_query(&uri, PAGE)?;
        let page = st.collections.search_authorities(&actor, kind, &q).await?;
        Ok::<_, Error>((kind, q, page))
    }
    .await;
    match res {
        Ok((kind, q, page)) => {
            let tr = st.i18n.tr(user.lang);
            let title = tr.t(match kind {
                Kind::Agent => "authority.people",
                Kind::Place => "authority.places",
                Kind::Term => "authority.terms",
                Kind::Location => "authority.locations",
            });
            let l = Layout::new(&st, &user, "authorities", title);
            let can_edit = actor.can(Permission::AuthorityEdit);
            let qs = q.to_query_string();
            render(&ListPage {
                l,
                kind,
                q,
                page,
                qs,
                can_edit,
            })
        }
        Err(e) => error_page(&st, &user, e),
    }
}

#[derive(Template)]
#[template(path = "staff/pick.html")]
struct PickResults<'a> {
    l: Layout<'a>,
    items: Vec<AuthoritySummary>,
}

/// Picker suggestions: at most 12 entries matching what was typed.
pub async fn pick(
    State(st): State<AppState>,
    Caller(actor): Caller,
    Path(kind): Path<String>,
    uri: Uri,
) -> Response {
    // Fetched by the form's script: answer 401, not a redirect to the login page.
    let Actor::User(user) = actor.clone() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let res = async {
        let kind = authority_kind(&kind)?;
        let q = list_query(&uri, 12)?;
        st.collections.search_authorities(&actor, kind, &q).await
    }
    .await;
    match res {
        Ok(page) => render(&PickResults {
            l: Layout::new(&st, &user, "", ""),
            items: page.items,
        }),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "staff/authority_form.html")]
struct FormPage<'a> {
    l: Layout<'a>,
    kind: Kind,
    f: FormValues,
    id: Option<Uuid>,
    version: i64,
    problem: Option<String>,
}

impl FormPage<'_> {
    fn seg(&self) -> &'static str {
        self.kind.segment()
    }
    fn vocabularies(&self) -> &'static [&'static str] {
        vocabularies(self.kind)
    }
    fn is_kind(&self, k: &str) -> bool {
        self.kind.as_str() == k
    }
    fn variants_text(&self) -> String {
        self.f.all("variants").join("\n")
    }
    fn roles_text(&self) -> String {
        self.f.all("roles").join(", ")
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/staff/authorities/{}/{id}", self.seg()),
            None => format!("/staff/authorities/{}/new", self.seg()),
        }
    }
}

fn form_page<'a>(
    st: &'a AppState,
    user: &Principal,
    kind: Kind,
    f: FormValues,
    id: Option<Uuid>,
    version: i64,
) -> FormPage<'a> {
    let tr = st.i18n.tr(user.lang);
    let title = if id.is_some() {
        tr.t("authority.edit")
    } else {
        tr.t("authority.new")
    };
    FormPage {
        l: Layout::new(st, user, "authorities", title),
        kind,
        f,
        id,
        version,
        problem: None,
    }
}

pub async fn new_form(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(kind): Path<String>,
) -> Response {
    match authority_kind(&kind).and_then(|k| actor.require(Permission::AuthorityEdit).map(|_| k)) {
        Ok(k) => render(&form_page(
            &st,
            &user,
            k,
            FormValues::from_pairs(Vec::new(), user.lang),
            None,
            0,
        )),
        Err(e) => error_page(&st, &user, e),
    }
}

pub async fn edit_form(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let res = async {
        let k = authority_kind(&kind)?;
        let a = st
            .collections
            .get_authority(&actor, k, parse_id(&id)?)
            .await?;
        Ok::<_, Error>((k, a))
    }
    .await;
    match res {
        Ok((k, a)) => {
            let mut f = FormValues::from_json(
                &serde_json::to_value(&a.data).unwrap_or_default(),
                user.lang,
            );
            if let (Some(p), Some(l)) = (a.data.parent_id, a.parent_label.clone()) {
                f.labels.insert(p, l);
            }
            render(&form_page(&st, &user, k, f, Some(a.id), a.version))
        }
        Err(e) => error_page(&st, &user, e),
    }
}

/// Text areas hold one variant per line and roles separated by commas; the JSON wants lists.
fn split_lists(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "variants" => out.extend(
                v.lines()
                    .map(|l| ("variants".to_owned(), l.trim().to_owned())),
            ),
            "roles" => out.extend(
                v.split([',', '，'])
                    .map(|l| ("roles".to_owned(), l.trim().to_owned())),
            ),
            _ => out.push((k, v)),
        }
    }
    out
}

async fn submit(
    st: &AppState,
    actor: &Actor,
    user: &Principal,
    kind: Kind,
    id: Option<Uuid>,
    pairs: Vec<(String, String)>,
) -> Response {
    let mut f = FormValues::from_pairs(split_lists(pairs), user.lang);
    let version: i64 = f.val("version").parse().unwrap_or(0);
    // Parsed before the awaits: the form values are not shared across threads.
    let parsed: Result<AuthorityInput, Error> = f.parse(&[]);
    let res = async {
        let input = parsed?;
        match id {
            Some(id) => {
                st.collections
                    .update_authority(actor, kind, id, version, input)
                    .await
            }
            None => st.collections.create_authority(actor, kind, input).await,
        }
    }
    .await;
    match res {
        Ok(a) => Redirect::to(&format!(
            "/staff/authorities/{}?q={}",
            kind.segment(),
            vitrine_collections::query::percent(a.data.label.best(user.lang))
        ))
        .into_response(),
        Err(Error::Invalid(errs)) => {
            f.set_errors(&errs, &st.i18n.tr(user.lang));
            if let Ok(l) = st.collections.labels(actor, &f.ids()).await {
                f.labels = l;
            }
            let mut p = form_page(st, user, kind, f, id, version);
            p.problem = Some(st.i18n.tr(user.lang).t("form.fix_errors").to_owned());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response()
        }
        Err(Error::VersionMismatch { current }) => {
            if let Ok(l) = st.collections.labels(actor, &f.ids()).await {
                f.labels = l;
            }
            let mut p = form_page(st, user, kind, f, id, current);
            p.problem = Some(st.i18n.tr(user.lang).t("form.conflict_simple").to_owned());
            (StatusCode::PRECONDITION_FAILED, render(&p)).into_response()
        }
        Err(e) => error_page(st, user, e),
    }
}

pub async fn create(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(kind): Path<String>,
    FormPairs(pairs): FormPairs,
) -> Response {
    match authority_kind(&kind) {
        Ok(k) => submit(&st, &actor, &user, k, None, pairs).await,
        Err(e) => error_page(&st, &user, e),
    }
}

pub async fn save(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path((kind, id)): Path<(String, String)>,
    FormPairs(pairs): FormPairs,
) -> Response {
    match authority_kind(&kind).and_then(|k| parse_id(&id).map(|i| (k, i))) {
        Ok((k, i)) => submit(&st, &actor, &user, k, Some(i), pairs).await,
        Err(e) => error_page(&st, &user, e),
    }
}
