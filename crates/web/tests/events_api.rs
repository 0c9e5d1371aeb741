//! Events for integrators on both engines: changes read after a cursor, filtered by type
//! and by rights, long polling, and every bad cursor or type named.

mod common;

use axum::http::StatusCode;
use common::{Site, object, sites};
use serde_json::{Value, json};

async fn create(site: &Site, token: &str, number: &str) -> String {
    let r = site
        .call(
            "POST",
            "/api/v1/objects",
            Some(token),
            Some(object(number)),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn events(site: &Site, token: &str, query: &str) -> Value {
    let r = site
        .call(
            "GET",
            &format!("/api/v1/events?{query}"),
            Some(token),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn types(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_change_is_an_event_after_the_cursor_of_the_one_before() {
    for site in sites().await {
        let token = site.token("registrar").await;
        let start = events(&site, &token, "after=now").await["next"].clone();
        let id = create(&site, &token, "GDM-2026-00001").await;
        let page = events(&site, &token, &format!("after={}", start.as_str().unwrap())).await;
        assert_eq!(types(&page), ["object.created"], "{}: {page}", site.engine);
        let e = &page["events"][0];
        assert_eq!(e["data"]["id"], id.as_str());
        assert_eq!(e["data"]["entity"], "object");
        assert_eq!(e["id"], page["next"]);
        assert!(e["at"].is_string());
        // Nothing new after the last one.
        let again = events(
            &site,
            &token,
            &format!("after={}", page["next"].as_str().unwrap()),
        )
        .await;
        assert_eq!(again["events"], json!([]));
        assert_eq!(again["next"], page["next"]);
    }
}

#[tokio::test]
async fn types_keep_only_the_events_asked_for() {
    for site in sites().await {
        let token = site.token("registrar").await;
        let start = events(&site, &token, "after=now").await["next"].clone();
        let id = create(&site, &token, "GDM-2026-00002").await;
        let r = site
            .call(
                "PATCH",
                &format!("/api/v1/objects/{id}"),
                Some(&token),
                Some(json!({"title": {"en": "Renamed"}})),
                &[
                    ("if-match", "\"v1\""),
                    ("content-type", "application/merge-patch+json"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let after = start.as_str().unwrap();
        let page = events(
            &site,
            &token,
            &format!("after={after}&types=object.updated"),
        )
        .await;
        assert_eq!(types(&page), ["object.updated"], "{}", site.engine);
        let page = events(&site, &token, &format!("after={after}&types=object.*")).await;
        assert_eq!(
            types(&page),
            ["object.created", "object.updated"],
            "{}",
            site.engine
        );
        let page = events(&site, &token, &format!("after={after}&types=sensor.*")).await;
        assert_eq!(types(&page), Vec::<String>::new());
    }
}

#[tokio::test]
async fn a_long_poll_answers_with_the_event_that_arrives() {
    for site in sites().await {
        let token = site.token("registrar").await;
        let start = events(&site, &token, "after=now").await["next"].clone();
        let q = format!("after={}&wait=20", start.as_str().unwrap());
        let (page, _) = tokio::join!(events(&site, &token, &q), async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            create(&site, &token, "GDM-2026-00003").await
        });
        assert_eq!(types(&page), ["object.created"], "{}", site.engine);
    }
}

#[tokio::test]
async fn bad_cursors_limits_and_types_are_named() {
    for site in sites().await {
        let token = site.token("registrar").await;
        for (query, field) in [
            ("after=garbage", "after"),
            ("after=-4", "after"),
            ("after=99999999", "after"),
            ("types=object.exploded", "types"),
            ("limit=0", "limit"),
            ("wait=3600", "wait"),
            ("colour=red", "colour"),
        ] {
            site.call(
                "GET",
                &format!("/api/v1/events?{query}"),
                Some(&token),
                None,
                &[],
            )
            .await
            .problem(400, field);
        }
    }
}

#[tokio::test]
async fn the_public_reads_no_events() {
    for site in sites().await {
        let r = site.call("GET", "/api/v1/events", None, None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", site.engine);
    }
}

#[tokio::test]
async fn the_stream_asks_for_an_event_stream_accept_header() {
    for site in sites().await {
        let token = site.token("registrar").await;
        site.call(
            "GET",
            "/api/v1/events/stream",
            Some(&token),
            None,
            &[("accept", "application/json")],
        )
        .await
        .problem(406, "Accept");
    }
}

#[tokio::test]
async fn the_catalogue_lists_every_event_type() {
    for site in sites().await {
        let token = site.token("viewer").await;
        let r = site
            .call("GET", "/api/v1/events/types", Some(&token), None, &[])
            .await;
        let names: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            names.contains(&"object.updated".to_owned())
                && names.contains(&"sensor.created".to_owned())
        );
    }
}
