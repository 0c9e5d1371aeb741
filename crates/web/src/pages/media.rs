//! The media library for staff: the browser (thumbnails, filters, search, uploads with
//! progress), one image's page (deep zoom, technical data, description and rights, the
//! objects it shows), and the image strip of an object's page (order, primary, remove).

use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;
use vitrine_kernel::{Error, LangText, Permission};
use vitrine_media::model::{RIGHTS, VIEWS};
use vitrine_media::service::AssetPage;
use vitrine_media::{Access, Asset, Description, Filter, Status};

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id, query_pairs, str_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/media.html")]
struct LibraryPage<'a> {
    l: Layout<'a>,
    f: Filter,
    page: AssetPage,
    can_edit: bool,
    /// The filter as a query string without offset (for the pager).
    qs: String,
}

impl LibraryPage<'_> {
    fn caption(&self, a: &Asset) -> String {
        caption(a, &self.l)
    }
    fn rights_label(&self, uri: &str) -> String {
        rights_label(uri, &self.l)
    }
    fn selected_status(&self, s: &str) -> bool {
        self.f.status.map(|x| x.as_str()) == Some(s)
    }
    fn selected_kind(&self, s: &str) -> bool {
        self.f.kind.map(|x| x.as_str()) == Some(s)
    }
    fn linked(&self) -> &'static str {
        match self.f.linked {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        }
    }
    fn next_offset(&self) -> Option<u64> {
        let next = self.f.offset + self.f.limit;
        (next < self.page.total as u64).then_some(next)
    }
    fn prev_offset(&self) -> Option<u64> {
        (self.f.offset > 0).then(|| self.f.offset.saturating_sub(self.f.limit))
    }
    fn thumb(&self, a: &Asset) -> String {
        a.thumb_url(240)
    }
}

/// What a caption line shows: the caption, else the first object's title, else the file.
fn caption(a: &Asset, l: &Layout) -> String {
    let c = a.description.caption.best(l.lang());
    if !c.is_empty() {
        return c.to_owned();
    }
    match a.objects.first() {
        Some(o) => format!("{} {}", o.object_number, o.title.best(l.lang())),
        None => a.original_name.clone(),
    }
}

fn rights_label(uri: &str, l: &Layout) -> String {
    if uri.is_empty() {
        return l.tr.t("media.no_rights").to_owned();
    }
    rights_name(uri, l.lang())
}

/// The name of a rights statement in a language (the URI itself when it is not one of
/// the statements the library offers).
pub fn rights_name(uri: &str, lang: vitrine_kernel::Lang) -> String {
    match RIGHTS.iter().find(|(u, _, _)| *u == uri) {
        Some((_, en, _)) if lang == vitrine_kernel::Lang::En => (*en).to_owned(),
        Some((_, _, zh)) => (*zh).to_owned(),
        None => uri.to_owned(),
    }
}

/// The IIIF image service of an asset (OpenSeadragon opens its `info.json`).
pub fn info_url(identifier: &str) -> String {
    format!(
        "/iiif/3/{}/info.json",
        vitrine_media::iiif::encode_identifier(identifier)
    )
}

fn filter_query(f: &Filter) -> String {
    let mut p: Vec<(&str, String)> = Vec::new();
    if !f.q.is_empty() {
        p.push(("q", f.q.clone()));
    }
    if let Some(s) = f.status {
        p.push(("status", s.as_str().into()));
    }
    if let Some(k) = f.kind {
        p.push(("kind", k.as_str().into()));
    }
    if let Some(l) = f.linked {
        p.push(("linked", if l { "yes" } else { "no" }.into()));
    }
    serde_urlencoded::to_string(p).unwrap_or_default()
}

/// `GET /staff/media`: the library.
pub async fn library(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    uri: Uri,
) -> Response {
    // The page reads its filter by the API's rules (48 images a page unless `limit=`).
    let f = match query_pairs(uri.query()).and_then(|p| Filter::from_pairs(str_pairs(&p))) {
        Ok(f) => f,
        Err(e) => return error_page(&st, &user, e),
    };
    match st.media.list(&actor, &f).await {
        Ok(page) => {
            let l = Layout::new(&st, &user, "media", st.i18n.tr(user.lang).t("nav.media"));
            render(&LibraryPage {
                qs: filter_query(&f),
                l,
                f,
                page,
                can_edit: actor.can(Permission::MediaEdit),
            })
        }
        Err(e) => error_page(&st, &user, e),
    }
}

/// `POST /staff/media/upload`: the upload form without script (the page's script sends
/// each file to the API with a progress bar instead). Goes back to the page it came from.
pub async fn upload(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    req: Request,
) -> Response {
    let back = crate::extract::query_pairs(req.uri().query())
        .ok()
        .and_then(|p| p.into_iter().find(|(k, _)| k == "back").map(|(_, v)| v))
        .filter(|b| b.starts_with("/staff/"))
        .unwrap_or_else(|| "/staff/media".into());
    match crate::upload::receive(&st, &actor, req).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(&st, &user, e),
    }
}

#[derive(Template)]
#[template(path = "staff/media_asset.html")]
struct AssetView<'a> {
    l: Layout<'a>,
    a: Asset,
    d: Description,
    can_edit: bool,
    error: Option<String>,
    notice: Option<String>,
}

impl AssetView<'_> {
    fn caption(&self) -> String {
        caption(&self.a, &self.l)
    }
    fn info(&self) -> String {
        info_url(&self.a.identifier)
    }
    fn rights(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        &RIGHTS
    }
    fn custom_rights(&self) -> bool {
        !self.d.rights.is_empty() && !RIGHTS.iter().any(|(u, _, _)| *u == self.d.rights)
    }
    fn views(&self) -> &'static [&'static str] {
        &VIEWS
    }
    fn access(&self) -> Access {
        self.d.access.unwrap_or(Access::Open)
    }
    fn lt<'b>(&self, t: &'b LangText, tag: &str) -> &'b str {
        t.get(tag).unwrap_or("")
    }
    fn megapixels(&self) -> String {
        let mp = f64::from(self.a.technical.width) * f64::from(self.a.technical.height) / 1e6;
        format!("{mp:.1}")
    }
    fn bytes(&self) -> String {
        human_bytes(self.a.byte_size)
    }
    fn ready(&self) -> bool {
        self.a.status == Status::Ready
    }
}

/// `12.4 MB`.
pub fn human_bytes(n: i64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.1} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.0} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}

/// What the image page says after an action.
enum Outcome {
    /// Nothing was done: the page as it is.
    Shown,
    /// The description was saved.
    Saved,
    /// The action was refused: why, and the edits to keep in the form.
    Refused(String, Option<Description>),
}

async fn asset_page(st: &AppState, staff: &Staff, id: Uuid, outcome: Outcome) -> Response {
    let tr = st.i18n.tr(staff.user.lang);
    let (edited, error, notice) = match outcome {
        Outcome::Shown => (None, None, None),
        Outcome::Saved => (None, None, Some(tr.t("media.saved").to_owned())),
        Outcome::Refused(why, edited) => (edited, Some(why), None),
    };
    match st.media.get(&staff.actor, id).await {
        Ok(a) => {
            let l = Layout::new(st, &staff.user, "media", caption_title(&a, staff, st));
            render(&AssetView {
                l,
                d: edited.unwrap_or_else(|| a.description.clone()),
                a,
                can_edit: staff.actor.can(Permission::MediaEdit),
                error,
                notice,
            })
        }
        Err(e) => error_page(st, &staff.user, e),
    }
}

fn caption_title(a: &Asset, staff: &Staff, st: &AppState) -> String {
    let c = a.description.caption.best(staff.user.lang);
    if c.is_empty() {
        format!(
            "{} · {}",
            st.i18n.tr(staff.user.lang).t("nav.media"),
            a.original_name
        )
    } else {
        c.to_owned()
    }
}

/// `GET /staff/media/{id}`.
pub async fn show(State(st): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    match parse_id(&id) {
        Ok(id) => asset_page(&st, &staff, id, Outcome::Shown).await,
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// The description the image page's form sends (`rights=other` takes `rights_other`).
fn description_from(form: &FormPairs) -> Result<Description, Error> {
    let mut d = Description::default();
    for (k, v) in &form.0 {
        d.set_field(k, v)?;
    }
    if d.rights == "other" {
        d.rights = form.get("rights_other").trim().to_owned();
    }
    Ok(d)
}

/// `POST /staff/media/{id}`: description and rights, against the version the form showed.
pub async fn describe(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&st, &staff.user, e),
    };
    let d = match description_from(&form) {
        Ok(d) => d,
        Err(e) => return asset_page(&st, &staff, id, Outcome::Refused(e.to_string(), None)).await,
    };
    let version = form.get("version").parse::<i64>().unwrap_or(0);
    let outcome = match st
        .media
        .describe(&staff.actor, id, version, d.clone())
        .await
    {
        Ok(_) => Outcome::Saved,
        Err(Error::VersionMismatch { .. }) => {
            let why = st.i18n.tr(staff.user.lang).t("media.stale").to_owned();
            Outcome::Refused(why, Some(d))
        }
        Err(e) => Outcome::Refused(e.to_string(), Some(d)),
    };
    asset_page(&st, &staff, id, outcome).await
}

/// `POST /staff/media/{id}/objects`: show the image with an object (by number).
pub async fn link(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&st, &staff.user, e),
    };
    let res = async {
        let object = crate::upload::object_id(&st, &staff.actor, &form.get("object")).await?;
        st.media.link(&staff.actor, id, object).await
    }
    .await;
    match res {
        Ok(_) => Redirect::to(&format!("/staff/media/{id}")).into_response(),
        Err(e) => asset_page(&st, &staff, id, Outcome::Refused(e.to_string(), None)).await,
    }
}

/// `POST /staff/media/{id}/objects/{object}/remove`.
pub async fn unlink(
    State(st): State<AppState>,
    staff: Staff,
    Path((id, object)): Path<(String, String)>,
) -> Response {
    let res = async {
        let id = parse_id(&id)?;
        let object = parse_id(&object)?;
        st.media.unlink(&staff.actor, id, object).await
    }
    .await;
    match res {
        Ok(a) => Redirect::to(&format!("/staff/media/{}", a.id)).into_response(),
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// `POST /staff/media/{id}/reprocess`: remake the pyramid from the master.
pub async fn reprocess(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = async {
        let id = parse_id(&id)?;
        st.media.reprocess(&staff.actor, &[id]).await?;
        Ok::<_, Error>(id)
    }
    .await;
    match res {
        Ok(id) => Redirect::to(&format!("/staff/media/{id}")).into_response(),
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// `POST /staff/objects/{id}/images`: move an image earlier or later, make it the
/// primary image, or stop showing it (`action` = `earlier`, `later`, `primary`, `remove`).
pub async fn arrange(
    State(st): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    form: FormPairs,
) -> Response {
    let res = async {
        let object = parse_id(&id)?;
        let asset = parse_id(&form.get("asset"))?;
        let images = st.media.object_images(&staff.actor, object).await?;
        let mut order: Vec<Uuid> = images.iter().map(|a| a.id).collect();
        let mut primary = images.iter().find(|a| is_primary(a, &object)).map(|a| a.id);
        let at = order
            .iter()
            .position(|a| *a == asset)
            .ok_or(Error::NotFound {
                what: "image of this object",
            })?;
        match form.get("action").as_str() {
            "earlier" if at > 0 => order.swap(at, at - 1),
            "later" if at + 1 < order.len() => order.swap(at, at + 1),
            "earlier" | "later" => {}
            "primary" => primary = Some(asset),
            "remove" => {
                st.media.unlink(&staff.actor, asset, object).await?;
                return Ok(object);
            }
            _ => {
                return Err(Error::invalid(
                    "action",
                    "unknown",
                    "action is earlier, later, primary or remove",
                ));
            }
        }
        st.media
            .arrange(&staff.actor, object, &order, primary)
            .await?;
        Ok(object)
    }
    .await;
    match res {
        Ok(object) => Redirect::to(&format!("/staff/objects/{object}#images")).into_response(),
        Err(e) => error_page(&st, &staff.user, e),
    }
}

/// True when the image is the object's primary image.
pub fn is_primary(a: &Asset, object: &Uuid) -> bool {
    a.objects
        .iter()
        .any(|l| l.object_id == *object && l.primary)
}
