//! Background jobs over HTTP on both engines: maintenance starts a job, the job is
//! followed to its result, people see their own jobs, bad filters name their parameter.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Site, sites};
use serde_json::Value;

/// Follows a job's `Location` until it has finished (at most 20 s).
async fn finished(site: &Site, token: &str, location: &str) -> Value {
    for _ in 0..400 {
        let j = site
            .call("GET", location, Some(token), None, &[])
            .await
            .json();
        if ["succeeded", "failed", "cancelled"].contains(&j["state"].as_str().unwrap_or("")) {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the job at {location} never finished");
}

/// Starts a maintenance job at `path`; returns the answer (202) and the job's location.
async fn start(site: &Site, token: &str, path: &str) -> (common::Reply, String) {
    let r = site.call("POST", path, Some(token), None, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::ACCEPTED,
        "{}: {}",
        site.engine,
        r.text()
    );
    let location = r.header("location");
    (r, location)
}

#[tokio::test]
async fn reindex_answers_a_job_that_is_followed_to_its_report() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let (r, location) = start(&site, &admin, "/api/v1/search/reindex").await;
        assert!(location.starts_with("/api/v1/jobs/"), "{location}");
        assert_eq!(r.json()["kind"], "search.reindex");
        assert_eq!(r.json()["node"], "local");
        let j = finished(&site, &admin, &location).await;
        assert_eq!(j["state"], "succeeded", "{}: {j}", site.engine);
        assert!(j["result"]["generation"].is_string(), "{j}");
        assert!(j["progress"]["done"].is_i64(), "{j}");
    }
}

#[tokio::test]
async fn fixity_job_leaves_a_csv_report_to_download() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let (_, location) = start(&site, &admin, "/api/v1/media/fixity").await;
        let j = finished(&site, &admin, &location).await;
        assert_eq!(j["state"], "succeeded", "{}: {j}", site.engine);
        assert_eq!(j["result"]["problems"], 0);
        assert_eq!(j["has_file"], true);
        let f = site
            .call(
                "GET",
                &format!("{location}/result"),
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(f.status, StatusCode::OK);
        assert!(f.header("content-type").starts_with("text/csv"));
        assert!(
            f.text().contains("problem,identifier,id,path"),
            "{}",
            f.text()
        );
    }
}

#[tokio::test]
async fn maintenance_jobs_are_for_administrators() {
    for site in sites().await {
        let curator = site.token("curator").await;
        for path in ["/api/v1/search/reindex", "/api/v1/media/fixity"] {
            let r = site.call("POST", path, Some(&curator), None, &[]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: {path}", site.engine);
        }
    }
}

#[tokio::test]
async fn people_see_only_the_jobs_they_started() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let curator = site.token("curator").await;
        let (_, location) = start(&site, &admin, "/api/v1/media/fixity").await;
        let mine = site
            .call("GET", "/api/v1/jobs", Some(&curator), None, &[])
            .await;
        assert_eq!(
            mine.json()["items"],
            serde_json::json!([]),
            "{}",
            site.engine
        );
        let theirs = site.call("GET", &location, Some(&curator), None, &[]).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let all = site
            .call(
                "GET",
                "/api/v1/jobs?kind=media.fixity",
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(all.json()["items"].as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn finished_job_cannot_be_cancelled_and_a_succeeded_one_not_retried() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let (_, location) = start(&site, &admin, "/api/v1/media/fixity").await;
        finished(&site, &admin, &location).await;
        for action in ["cancel", "retry"] {
            site.call(
                "POST",
                &format!("{location}/{action}"),
                Some(&admin),
                None,
                &[],
            )
            .await
            .problem(409, "state");
        }
    }
}

#[tokio::test]
async fn job_list_names_a_bad_filter() {
    for site in sites().await {
        let admin = site.token("admin").await;
        site.call("GET", "/api/v1/jobs?state=asleep", Some(&admin), None, &[])
            .await
            .problem(400, "state");
        site.call("GET", "/api/v1/jobs?limit=100000", Some(&admin), None, &[])
            .await
            .problem(400, "limit");
    }
}

#[tokio::test]
async fn metrics_count_the_jobs_this_node_ended_and_the_outbox_lag() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let (_, location) = start(&site, &admin, "/api/v1/media/fixity").await;
        finished(&site, &admin, &location).await;
        let m = site.call("GET", "/metrics", None, None, &[]).await.text();
        assert!(
            m.contains("vitrine_job_attempts_total{kind=\"media.fixity\",ending=\"succeeded\"} 1"),
            "{}: {m}",
            site.engine
        );
        assert!(m.contains("# TYPE vitrine_search_outbox_lag gauge"), "{m}");
        assert!(m.contains("# TYPE vitrine_jobs gauge"), "{m}");
    }
}
