//! The staff search page: the box with suggestions, facets, hits, saved searches, export.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use vitrine_search::SavedSearch;
use vitrine_search::request::SearchRequest;

use super::{Layout, Staff, error_page, render};
use crate::extract::{FormPairs, parse_id, query_pairs, search_request};
use crate::search_view::SearchView;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/search.html")]
struct SearchPage<'a> {
    l: Layout<'a>,
    v: SearchView,
    saved: Vec<SavedSearch>,
    suggest_url: &'static str,
    object_base: &'static str,
}

pub async fn page(State(st): State<AppState>, Staff { actor, user }: Staff, uri: Uri) -> Response {
    let tr = st.i18n.tr(user.lang);
    let v = match search_request(&uri, true) {
        Ok(mut req) => {
            req.lang = user.lang;
            let r = st.search.search(&actor, &req).await;
            SearchView::new("/staff/search", tr, &req, r)
                .with_thumbs(&st.media, &actor)
                .await
        }
        Err(e) => SearchView::refused("/staff/search", tr, e),
    };
    let saved = match st.search.saved_searches(&actor).await {
        Ok(s) => s,
        Err(e) => return error_page(&st, &user, e),
    };
    let l = Layout::new(&st, &user, "search", tr.t("search.title"));
    render(&SearchPage {
        l,
        v,
        saved,
        suggest_url: "/api/v1/search/suggest",
        object_base: "/staff/objects",
    })
}

pub async fn save(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    form: FormPairs,
) -> Response {
    let get = |k: &str| form.get(k);
    let query = get("query");
    let res = match query_pairs(Some(&query)).and_then(|p| SearchRequest::from_pairs(&p, true)) {
        Ok(req) => st.search.save_search(&actor, &get("name"), &req).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(s) => Redirect::to(&format!("/staff/search?{}", s.query)).into_response(),
        Err(e) => error_page(&st, &user, e),
    }
}

pub async fn delete(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = match parse_id(&id) {
        Ok(id) => st.search.delete_saved_search(&actor, id).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Redirect::to("/staff/search").into_response(),
        Err(e) => error_page(&st, &user, e),
    }
}
