//! The public site at `/`: bilingual, anonymous, cacheable. Only published records and
//! public fields ever reach these pages (the service hands out `PublicObject`s).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;
use vitrine_collections::ObjectPage;
use vitrine_collections::model::Department;
use vitrine_collections::projection::PublicObject;
use vitrine_collections::query::ObjectQuery;
use vitrine_kernel::{Actor, Error, Lang, LangText};
use vitrine_media::{Access, Asset, Thumb};

use crate::extract::{parse_id, query_pairs, search_request};
use crate::i18n::Tr;
use crate::pages::{render, visitor_lang};
use crate::state::AppState;

/// Routes of the public site.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/collection", get(collection))
        .route("/collection/{id}", get(object))
        .route("/search", get(search))
}

/// What the public layout shows around every page.
pub struct PublicLayout<'a> {
    /// Strings.
    pub tr: Tr<'a>,
    /// Museum name.
    pub museum: String,
    /// Page title.
    pub title: String,
    /// This page's path and query, for the language switch.
    pub here: String,
    /// Asset version.
    pub v: &'static str,
}

impl PublicLayout<'_> {
    /// The other language's switch link.
    pub fn switch_href(&self) -> String {
        let other = self.tr.lang.other().tag();
        let (path, query) = self.here.split_once('?').unwrap_or((&self.here, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        if kept.is_empty() {
            format!("{path}?lang={other}")
        } else {
            format!("{path}?{}&lang={other}", kept.join("&"))
        }
    }
    /// The other language's name.
    pub fn switch_label(&self) -> &'static str {
        match self.tr.lang {
            Lang::ZhHans => "English",
            Lang::En => "中文",
        }
    }
}

/// The language of a public page: `?lang=` (remembered in a cookie), else the visitor's.
fn lang_of(uri: &Uri, headers: &HeaderMap) -> (Lang, bool) {
    let asked = query_pairs(uri.query())
        .ok()
        .and_then(|p| p.into_iter().find(|(k, _)| k == "lang"))
        .and_then(|(_, v)| Lang::parse(&v));
    match asked {
        Some(l) => (l, true),
        None => (visitor_lang(headers), false),
    }
}

fn layout<'a>(st: &'a AppState, lang: Lang, title: String, uri: &Uri) -> PublicLayout<'a> {
    PublicLayout {
        tr: st.i18n.tr(lang),
        museum: st.cfg.museum_name.best(lang).to_owned(),
        title,
        here: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into()),
        v: env!("CARGO_PKG_VERSION"),
    }
}

fn finish(resp: Response, lang: Lang, remember: bool) -> Response {
    let mut r = resp;
    if remember
        && let Ok(v) = HeaderValue::from_str(&format!(
            "vitrine_lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
            lang.tag()
        ))
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Language"),
    );
    if !remember && r.status().is_success() {
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
    }
    r
}

fn public_error(st: &AppState, lang: Lang, uri: &Uri, e: Error) -> Response {
    let p = crate::problem::Problem::from(e);
    let l = layout(st, lang, p.title.clone(), uri);
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        render(&PublicError {
            l,
            message: p.detail,
        }),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "public/error.html")]
struct PublicError<'a> {
    l: PublicLayout<'a>,
    message: String,
}

/// List query of the public pages: `lang` is the page's, not a filter.
fn list_query(uri: &Uri, limit: &str) -> Result<ObjectQuery, Error> {
    let mut pairs = query_pairs(uri.query())?;
    pairs.retain(|(k, _)| k != "lang");
    if !pairs.iter().any(|(k, _)| k == "limit") {
        pairs.push(("limit".into(), limit.into()));
    }
    ObjectQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The primary image of each object on a page, by object id.
type Thumbs = std::collections::HashMap<Uuid, Thumb>;

async fn thumbs_of(st: &AppState, page: &ObjectPage) -> Result<Thumbs, Error> {
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    st.media.thumbnails(&Actor::Anonymous, &ids).await
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct Home<'a> {
    l: PublicLayout<'a>,
    page: ObjectPage,
    thumbs: Thumbs,
}

impl Home<'_> {
    fn departments(&self) -> &'static [Department] {
        Department::ALL
    }
    fn t<'b>(&self, t: &'b LangText) -> &'b str {
        t.best(self.l.tr.lang)
    }
}

async fn home(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let (lang, remember) = lang_of(&uri, &headers);
    let q = ObjectQuery {
        sort: vitrine_collections::query::Sort::UpdatedDesc,
        limit: 12,
        ..Default::default()
    };
    let res = async {
        let page = st.collections.list_public_objects(&q).await?;
        let thumbs = thumbs_of(&st, &page).await?;
        Ok::<_, Error>((page, thumbs))
    }
    .await;
    match res {
        Ok((page, thumbs)) => {
            let l = layout(&st, lang, st.cfg.museum_name.best(lang).to_owned(), &uri);
            finish(render(&Home { l, page, thumbs }), lang, remember)
        }
        Err(e) => public_error(&st, lang, &uri, e),
    }
}

#[derive(Template)]
#[template(path = "public/collection.html")]
struct Collection<'a> {
    l: PublicLayout<'a>,
    q: ObjectQuery,
    page: ObjectPage,
    qs: String,
    thumbs: Thumbs,
}

impl Collection<'_> {
    fn departments(&self) -> &'static [Department] {
        Department::ALL
    }
    fn t<'b>(&self, t: &'b LangText) -> &'b str {
        t.best(self.l.tr.lang)
    }
}

async fn collection(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let (lang, remember) = lang_of(&uri, &headers);
    let res = async {
        let q = list_query(&uri, "24")?;
        let page = st.collections.list_public_objects(&q).await?;
        let thumbs = thumbs_of(&st, &page).await?;
        Ok::<_, Error>((q, page, thumbs))
    }
    .await;
    match res {
        Ok((q, page, thumbs)) => {
            let l = layout(
                &st,
                lang,
                st.i18n.tr(lang).t("public.collection").to_owned(),
                &uri,
            );
            let qs = q.to_query_string();
            finish(
                render(&Collection {
                    l,
                    q,
                    page,
                    qs,
                    thumbs,
                }),
                lang,
                remember,
            )
        }
        Err(e) => public_error(&st, lang, &uri, e),
    }
}

#[derive(Template)]
#[template(path = "public/object.html")]
struct ObjectView<'a> {
    l: PublicLayout<'a>,
    o: PublicObject,
    /// The images the public may see, in the object's order.
    images: Vec<Asset>,
}

impl ObjectView<'_> {
    fn t<'b>(&self, t: &'b LangText) -> &'b str {
        t.best(self.l.tr.lang)
    }
    fn lbl(&self, id: &Uuid) -> String {
        self.o
            .labels
            .get(id)
            .map(|t| t.best(self.l.tr.lang).to_owned())
            .unwrap_or_default()
    }
    fn opt(&self, id: &Option<Uuid>) -> String {
        id.as_ref().map(|i| self.lbl(i)).unwrap_or_default()
    }
    /// The image deep zoom opens on: the first the public may see in full.
    fn zoomable(&self) -> Option<&Asset> {
        self.images.iter().find(|a| a.public_access == Access::Open)
    }
    fn info(&self, a: &Asset) -> String {
        crate::pages::media::info_url(&a.identifier)
    }
    fn rights(&self, uri: &str) -> String {
        crate::pages::media::rights_name(uri, self.l.tr.lang)
    }
}

async fn object(
    State(st): State<AppState>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = lang_of(&uri, &headers);
    let res = async {
        let id = parse_id(&id).map_err(|_| Error::NotFound { what: "object" })?;
        let o = st.collections.get_public_object(id).await?;
        let images = st.media.object_images(&Actor::Anonymous, id).await?;
        Ok::<_, Error>((o, images))
    }
    .await;
    match res {
        Ok((o, images)) => {
            let l = layout(&st, lang, o.title.best(lang).to_owned(), &uri);
            finish(render(&ObjectView { l, o, images }), lang, remember)
        }
        Err(e) => public_error(&st, lang, &uri, e),
    }
}

#[derive(Template)]
#[template(path = "public/search.html")]
struct SearchPage<'a> {
    l: PublicLayout<'a>,
    v: crate::search_view::SearchView,
    suggest_url: &'static str,
    object_base: &'static str,
}

async fn search(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    use crate::search_view::SearchView;
    let (lang, remember) = lang_of(&uri, &headers);
    let tr = st.i18n.tr(lang);
    let v = match search_request(&uri, true) {
        Ok(mut req) => {
            req.lang = lang;
            let r = st.search.search_public(&req).await;
            SearchView::new("/search", tr, &req, r)
                .with_thumbs(&st.media, &Actor::Anonymous)
                .await
        }
        Err(e) => SearchView::refused("/search", tr, e),
    };
    let l = layout(&st, lang, tr.t("search.title").to_owned(), &uri);
    finish(
        render(&SearchPage {
            l,
            v,
            suggest_url: "/api/public/v1/search/suggest",
            object_base: "/collection",
        }),
        lang,
        remember,
    )
}
