//! Search over HTTP on both engines: staff and public answers, every bad input a 400
//! naming its parameter, suggestions, CSV export, saved searches, index administration.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Site, object, sites};
use serde_json::json;

async fn seed(site: &Site, token: &str) -> String {
    let mut o = object("GDM-2016-00001");
    o["description"] = json!({"zh-Hans": "明代青花梅瓶。", "en": "A Ming blue-and-white vase."});
    let r = site
        .call("POST", "/api/v1/objects", Some(token), Some(o), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let mut hidden = object("GDM-2016-00002");
    hidden["public"] = json!(false);
    hidden["title"] = json!({"zh-Hans": "未公开青花碗", "en": "Unpublished bowl"});
    let r = site
        .call("POST", "/api/v1/objects", Some(token), Some(hidden), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(
        site.search
            .caught_up(Duration::from_secs(20))
            .await
            .unwrap()
    );
    r.json()["id"].as_str().unwrap().to_owned()
}

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_and_public_search_with_facets_snippets_and_suggestions() {
    for site in sites().await {
        let e = site.engine;
        let curator = site.token("curator").await;
        let hidden = seed(&site, &curator).await;
        let r = site
            .call(
                "GET",
                &format!("/api/v1/search?{}&lang=zh", enc("青花")),
                Some(&curator),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{e}: {}", r.text());
        let j = r.json();
        assert_eq!(j["total"], 2, "{e}: {j}");
        assert!(
            j["hits"][0]["snippet"]
                .as_str()
                .unwrap_or("")
                .contains("<mark>"),
            "{e}: {j}"
        );
        let dept = &j["facets"]["department"][0];
        assert_eq!(
            (
                dept["value"].as_str(),
                dept["label"].as_str(),
                dept["count"].as_u64()
            ),
            (Some("history"), Some("历史部"), Some(2)),
            "{e}: {j}"
        );
        // The public sees the published record only, and no suggestion of the other.
        let r = site
            .call(
                "GET",
                &format!("/api/public/v1/search?{}", enc("青花")),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.json()["total"], 1, "{e}: {}", r.text());
        let r = site
            .call(
                "GET",
                &format!("/api/public/v1/search?{}", enc("Storeroom")),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.json()["total"], 0, "{e}: locations are not public");
        let r = site
            .call(
                "GET",
                &format!("/api/public/v1/search/suggest?{}", enc("Unpub")),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.json(), json!([]), "{e}");
        let r = site
            .call(
                "GET",
                &format!("/api/v1/search/suggest?{}", enc("Unpub")),
                Some(&curator),
                None,
                &[],
            )
            .await;
        assert_eq!(r.json()[0]["id"], json!(hidden), "{e}: {}", r.text());
        // Anonymous callers cannot use the staff search.
        let r = site
            .call("GET", "/api/v1/search?q=x", None, None, &[])
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // The pages.
        let r = site
            .call(
                "GET",
                &format!("/search?{}&lang=en", enc("青花")),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.text().contains("<mark>青花</mark>") && !r.text().contains("未公开"),
            "{e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_search_input_is_a_400_naming_the_parameter() {
    for site in sites().await {
        let e = site.engine;
        let t = site.token("viewer").await;
        seed(&site, &site.token("curator").await).await;
        let long = "青".repeat(10_000);
        let cases = [
            ("q=".to_owned(), "q"),
            (format!("q={long}"), "q"),
            (enc("\"blue and"), "q"),
            (enc("colour:blue"), "q"),
            (enc("!!!"), "q"),
            ("q=a&colour=blue".to_owned(), "colour"),
            ("q=a&year_from=1900&year_to=1800".to_owned(), "year_to"),
            ("q=a&year_from=-".to_owned(), "year_from"),
            ("q=a&cursor=nonsense".to_owned(), "cursor"),
            ("q=a&sort=price".to_owned(), "sort"),
            ("q=a&material=abc".to_owned(), "material"),
            ("q=%FF".to_owned(), "q"),
        ];
        for (qs, field) in cases {
            for (path, token) in [
                ("/api/v1/search", Some(t.as_str())),
                ("/api/public/v1/search", None),
            ] {
                let r = site
                    .call("GET", &format!("{path}?{qs}"), token, None, &[])
                    .await;
                r.problem(400, field);
                let _ = e;
            }
        }
        // The pages say what was wrong instead of failing.
        let r = site
            .call(
                "GET",
                &format!("/search?{}", enc("colour:blue")),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("unknown field"), "{e}");
    }
}

/// The export streams through the gzip encoder to its end (it used to panic when the encoder
/// polled the finished stream again, cutting the body off).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_export_csv_gzip_stream_is_complete() {
    use std::io::Read;
    for site in sites().await {
        let e = site.engine;
        let curator = site.token("curator").await;
        seed(&site, &curator).await;
        let r = site
            .call(
                "GET",
                "/api/v1/search/export.csv?q=&lang=",
                Some(&curator),
                None,
                &[("accept-encoding", "gzip")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{e}");
        assert_eq!(r.header("content-encoding"), "gzip", "{e}");
        let mut csv = String::new();
        flate2::read::GzDecoder::new(&r.body[..])
            .read_to_string(&mut csv)
            .expect("a complete gzip stream");
        assert_eq!(csv.lines().count(), 3, "{e}: {csv}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_saved_searches_and_index_administration() {
    for site in sites().await {
        let e = site.engine;
        let curator = site.token("curator").await;
        seed(&site, &curator).await;
        let r = site
            .call(
                "GET",
                &format!("/api/v1/search/export.csv?{}", enc("青花")),
                Some(&curator),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{e}: {}", r.text());
        assert!(r.header("content-type").starts_with("text/csv"));
        let csv = r.text();
        assert_eq!(csv.lines().count(), 3, "{e}: {csv}");
        assert!(
            csv.contains("GDM-2016-00001") && csv.contains("Storeroom 3"),
            "{e}: {csv}"
        );
        // Saved searches belong to their owner.
        let body = json!({"name": "青花", "query": "q=青花&department=history"});
        let r = site
            .call(
                "POST",
                "/api/v1/saved-searches",
                Some(&curator),
                Some(body),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{e}: {}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let other = site.token("registrar").await;
        let r = site
            .call("GET", "/api/v1/saved-searches", Some(&other), None, &[])
            .await;
        assert_eq!(r.json(), json!([]), "{e}");
        let r = site
            .call(
                "DELETE",
                &format!("/api/v1/saved-searches/{id}"),
                Some(&other),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let bad = json!({"name": "x", "query": "colour=blue"});
        site.call(
            "POST",
            "/api/v1/saved-searches",
            Some(&curator),
            Some(bad),
            &[],
        )
        .await
        .problem(422, "query.colour");
        let r = site
            .call(
                "DELETE",
                &format!("/api/v1/saved-searches/{id}"),
                Some(&curator),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        // Only administrators rebuild; search keeps answering meanwhile.
        let r = site
            .call("POST", "/api/v1/search/reindex", Some(&curator), None, &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let admin = site.token("admin").await;
        let r = site
            .call("POST", "/api/v1/search/reindex", Some(&admin), None, &[])
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{e}: {}", r.text());
        let r = site
            .call(
                "GET",
                &format!("/api/v1/search?{}", enc("青花")),
                Some(&curator),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{e}: during a rebuild");
        for _ in 0..200 {
            let s = site
                .call("GET", "/api/v1/search/status", Some(&admin), None, &[])
                .await
                .json();
            if s["state"] == "ready" && s["staff_documents"] == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let s = site
            .call("GET", "/api/v1/search/status", Some(&admin), None, &[])
            .await
            .json();
        assert_eq!(
            (
                s["state"].as_str(),
                s["staff_documents"].as_u64(),
                s["public_documents"].as_u64()
            ),
            (Some("ready"), Some(2), Some(1)),
            "{e}: {s}"
        );
    }
}
