//! The staff home: the collection in numbers and the latest changes.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vitrine_collections::Dashboard;
use vitrine_collections::model::{Department, ObjectStatus};

use super::{Layout, Staff, error_page, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage<'a> {
    l: Layout<'a>,
    d: Dashboard,
}

impl DashboardPage<'_> {
    fn departments(&self) -> &'static [Department] {
        Department::ALL
    }
    fn statuses(&self) -> &'static [ObjectStatus] {
        ObjectStatus::ALL
    }
    fn count(&self, d: &Department, s: &ObjectStatus) -> u64 {
        self.d
            .counts
            .iter()
            .filter(|(a, b, _)| a == d && b == s)
            .map(|(_, _, n)| n)
            .sum()
    }
    fn dept_total(&self, d: &Department) -> u64 {
        self.d
            .counts
            .iter()
            .filter(|(a, _, _)| a == d)
            .map(|(_, _, n)| n)
            .sum()
    }
    fn status_total(&self, s: &ObjectStatus) -> u64 {
        self.d
            .counts
            .iter()
            .filter(|(_, b, _)| b == s)
            .map(|(_, _, n)| n)
            .sum()
    }
    fn total(&self) -> u64 {
        self.d.counts.iter().map(|(_, _, n)| n).sum()
    }
    fn title_of(&self, id: &uuid::Uuid) -> String {
        self.d
            .titles
            .get(id)
            .map(|(n, t)| format!("{n} · {}", t.best(self.l.lang())))
            .unwrap_or_else(|| id.to_string())
    }
}

pub async fn show(State(st): State<AppState>, Staff { actor, user }: Staff) -> Response {
    match st.collections.dashboard(&actor).await {
        Ok(d) => {
            let l = Layout::new(
                &st,
                &user,
                "dashboard",
                st.i18n.tr(user.lang).t("nav.dashboard"),
            );
            render(&DashboardPage { l, d })
        }
        Err(e) => error_page(&st, &user, e),
    }
}
