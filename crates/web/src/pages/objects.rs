//! The object list, the record view and its history.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use uuid::Uuid;
use vitrine_collections::ObjectPage;
use vitrine_collections::model::{Department, ObjectRecord, ObjectStatus};
use vitrine_collections::query::{ObjectQuery, Sort};
use vitrine_kernel::audit::HistoryEntry;
use vitrine_kernel::{Error, LangText, Permission};

use super::{Layout, Staff, error_page, is_htmx, render};
use crate::extract::{parse_id, query_pairs};
use crate::state::AppState;

/// The primary image of each listed object, by object id.
type Thumbs = std::collections::HashMap<Uuid, vitrine_media::Thumb>;

#[derive(Template)]
#[template(path = "staff/objects.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    q: ObjectQuery,
    page: ObjectPage,
    thumbs: Thumbs,
    /// The query string of this list without cursor (for the next-page link).
    qs: String,
}

#[derive(Template)]
#[template(path = "staff/objects_rows.html")]
struct ListRows<'a> {
    l: Layout<'a>,
    page: ObjectPage,
    thumbs: Thumbs,
    qs: String,
}

impl ListPage<'_> {
    fn departments(&self) -> &'static [Department] {
        Department::ALL
    }
    fn statuses(&self) -> &'static [ObjectStatus] {
        ObjectStatus::ALL
    }
    fn sorts(&self) -> [(Sort, &'static str); 6] {
        Sort::NAMES
    }
    fn name(&self, t: &Option<LangText>) -> String {
        t.as_ref()
            .map(|t| t.best(self.l.lang()).to_owned())
            .unwrap_or_default()
    }
}

impl ListRows<'_> {
    fn name(&self, t: &Option<LangText>) -> String {
        t.as_ref()
            .map(|t| t.best(self.l.lang()).to_owned())
            .unwrap_or_default()
    }
}

pub async fn list(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let q = match query_pairs(uri.query())
        .and_then(|p| ObjectQuery::from_pairs(p.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
    {
        Ok(q) => q,
        Err(e) => return error_page(&st, &user, e),
    };
    let page = match st.collections.list_objects(&actor, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(&st, &user, e),
    };
    let ids: Vec<Uuid> = page.items.iter().map(|o| o.id).collect();
    let thumbs = match st.media.thumbnails(&actor, &ids).await {
        Ok(t) => t,
        Err(e) => return error_page(&st, &user, e),
    };
    let qs = q.to_query_string();
    let l = Layout::new(
        &st,
        &user,
        "objects",
        st.i18n.tr(user.lang).t("nav.objects"),
    );
    if is_htmx(&headers) {
        return render(&ListRows {
            l,
            page,
            qs,
            thumbs,
        });
    }
    render(&ListPage {
        l,
        q,
        page,
        qs,
        thumbs,
    })
}

#[derive(Template)]
#[template(path = "staff/object.html")]
struct ObjectPageView<'a> {
    l: Layout<'a>,
    o: ObjectRecord,
    can_edit: bool,
    can_edit_media: bool,
    images: Vec<vitrine_media::Asset>,
}

impl ObjectPageView<'_> {
    fn lbl(&self, id: &Uuid) -> String {
        self.o
            .labels
            .get(id)
            .map(|t| t.best(self.l.lang()).to_owned())
            .unwrap_or_else(|| id.to_string())
    }
    fn opt(&self, id: &Option<Uuid>) -> String {
        id.as_ref().map(|i| self.lbl(i)).unwrap_or_default()
    }
    fn t<'b>(&self, t: &'b LangText) -> &'b str {
        t.best(self.l.lang())
    }
    fn years(&self) -> String {
        let p = &self.o.data.production;
        let fmt = |y: i32| {
            if y < 0 {
                format!("{} BCE", -y)
            } else {
                y.to_string()
            }
        };
        match (p.earliest_year, p.latest_year) {
            (Some(a), Some(b)) if a == b => fmt(a),
            (Some(a), Some(b)) => format!("{} – {}", fmt(a), fmt(b)),
            (Some(a), None) => format!("{} –", fmt(a)),
            (None, Some(b)) => format!("– {}", fmt(b)),
            (None, None) => String::new(),
        }
    }
}

async fn load(
    st: &AppState,
    actor: &vitrine_kernel::Actor,
    id: &str,
) -> Result<ObjectRecord, Error> {
    let id = match parse_id(id) {
        Ok(id) => id,
        // People type object numbers into the address bar too.
        Err(_) => st.collections.find_object_by_number(actor, id).await?,
    };
    st.collections.get_object(actor, id).await
}

pub async fn show(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = async {
        let o = load(&st, &actor, &id).await?;
        let images = st.media.object_images(&actor, o.id).await?;
        Ok::<_, Error>((o, images))
    }
    .await;
    match res {
        Ok((o, images)) => {
            let l = Layout::new(
                &st,
                &user,
                "objects",
                format!("{} {}", o.data.object_number, o.data.title.best(user.lang)),
            );
            render(&ObjectPageView {
                l,
                can_edit: actor.can(Permission::CatalogueEdit),
                can_edit_media: actor.can(Permission::MediaEdit),
                images,
                o,
            })
        }
        Err(e) => error_page(&st, &user, e),
    }
}

#[derive(Template)]
#[template(path = "staff/history.html")]
struct HistoryPage<'a> {
    l: Layout<'a>,
    o: ObjectRecord,
    entries: Vec<HistoryEntry>,
    labels: super::readable::Labels,
}

impl HistoryPage<'_> {
    fn show(&self, v: &serde_json::Value) -> String {
        super::readable::html(v, &self.l.tr, &self.labels)
    }
}

pub async fn history(
    State(st): State<AppState>,
    Staff { actor, user }: Staff,
    Path(id): Path<String>,
) -> Response {
    let res = async {
        let o = load(&st, &actor, &id).await?;
        let entries = st.collections.object_history(&actor, o.id).await?;
        let values = entries
            .iter()
            .flat_map(|e| e.changes.iter())
            .flat_map(|c| [&c.before, &c.after]);
        let ids = super::readable::ids(values);
        let labels = st.collections.labels(&actor, &ids).await?;
        Ok::<_, Error>((o, entries, labels))
    }
    .await;
    match res {
        Ok((o, entries, labels)) => {
            let title = format!(
                "{} · {}",
                o.data.object_number,
                st.i18n.tr(user.lang).t("history.title")
            );
            render(&HistoryPage {
                l: Layout::new(&st, &user, "objects", title),
                o,
                entries,
                labels,
            })
        }
        Err(e) => error_page(&st, &user, e),
    }
}
