//! Control rules over HTTP on both engines: the documented routes exist (list, create, read,
//! replace with If-Match, override, the command log, delete) and `POST /api/v1/rules` is a
//! rule, not an authority list.

mod common;

use axum::http::StatusCode;
use common::{Site, sites};
use serde_json::{Value, json};

/// A showcase to hang rules on.
async fn showcase(site: &Site, admin: &str) -> String {
    let label = json!({"zh-Hans": "规则展柜", "en": "Rule case"});
    let body = json!({"vocabulary": "showcase", "label": label, "code": "RULE-C1"});
    let r = site
        .call("POST", "/api/v1/locations", Some(admin), Some(body), &[])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

fn dehumidifier(location: &str, threshold: f64) -> Value {
    json!({
        "name": "Dehumidifier, case 1",
        "location_id": location,
        "metric": "rh",
        "op": "above",
        "threshold": threshold,
        "hysteresis": 2.0,
        "topic": "museum/case1/dehumidifier",
        "on_payload": "ON",
        "off_payload": "OFF"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_control_rules_have_a_working_api() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let cons = site.token("conservator").await;
        let loc = showcase(&site, &admin).await;
        let r = site
            .call(
                "POST",
                "/api/v1/rules",
                Some(&cons),
                Some(dehumidifier(&loc, 60.0)),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/rules/{id}");
        let list = site
            .call("GET", "/api/v1/rules", Some(&cons), None, &[])
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text());
        assert!(
            list.json()
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id.as_str())
        );
        let one = site.call("GET", &path, Some(&cons), None, &[]).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text());
        let etag = one.header("etag");
        let put = site
            .call(
                "PUT",
                &path,
                Some(&cons),
                Some(dehumidifier(&loc, 58.0)),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text());
        site.call(
            "PUT",
            &path,
            Some(&cons),
            Some(dehumidifier(&loc, 57.0)),
            &[("if-match", &etag)],
        )
        .await
        .problem(412, "If-Match");
        let held = site
            .call(
                "POST",
                &format!("{path}/override"),
                Some(&cons),
                Some(json!({"state": "on", "minutes": 10})),
                &[],
            )
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.text());
        let log = site
            .call(
                "GET",
                &format!("/api/v1/commands?rule={id}"),
                Some(&cons),
                None,
                &[],
            )
            .await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.text());
        assert!(log.json().is_array());
        let gone = site.call("DELETE", &path, Some(&cons), None, &[]).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text());
        site.call("GET", &path, Some(&cons), None, &[])
            .await
            .problem(404, "");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_post_rules_is_a_rule_not_an_authority_list() {
    for site in sites().await {
        let cons = site.token("conservator").await;
        let r = site
            .call("POST", "/api/v1/rules", Some(&cons), Some(json!({})), &[])
            .await;
        // Read as a rule: the rule's first field is missing (not an authority's vocabulary).
        assert_eq!(r.status.as_u16(), 400, "{}", r.text());
        assert!(r.text().contains("missing field `name`"), "{}", r.text());
    }
}
