//! Webhook subscriptions over HTTP on both engines: the contract's answers, who may
//! subscribe, and bad input named.

mod common;

use axum::http::StatusCode;
use common::sites;
use serde_json::json;

#[tokio::test]
async fn an_administrator_subscribes_and_sees_the_secret_only_once() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let body = json!({"url": "http://127.0.0.1:9/hooks", "events": ["object.updated", "media_asset.*"]});
        let r = site
            .call("POST", "/api/v1/webhooks", Some(&admin), Some(body), &[])
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "{}: {}",
            site.engine,
            r.text()
        );
        let made = r.json();
        assert!(made["secret"].as_str().unwrap().starts_with("whsec_"));
        let id = made["id"].as_str().unwrap();
        let list = site
            .call("GET", "/api/v1/webhooks", Some(&admin), None, &[])
            .await
            .json();
        assert_eq!(list["items"][0]["id"], id);
        assert!(
            list["items"][0].get("secret").is_none(),
            "the secret is shown once"
        );
        let d = site
            .call(
                "GET",
                &format!("/api/v1/webhooks/{id}/deliveries"),
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(d.status, StatusCode::OK);
        assert_eq!(d.json()["items"], json!([]));
        let r = site
            .call(
                "DELETE",
                &format!("/api/v1/webhooks/{id}"),
                Some(&admin),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn only_administrators_subscribe() {
    for site in sites().await {
        let curator = site.token("curator").await;
        let body = json!({"url": "https://example.org/hooks", "events": ["object.updated"]});
        let r = site
            .call("POST", "/api/v1/webhooks", Some(&curator), Some(body), &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", site.engine);
    }
}

#[tokio::test]
async fn a_bad_url_or_event_type_is_named() {
    for site in sites().await {
        let admin = site.token("admin").await;
        for (body, field) in [
            (
                json!({"url": "ftp://example.org/in", "events": ["object.updated"]}),
                "url",
            ),
            (
                json!({"url": "https://example.org/in", "events": ["object.exploded"]}),
                "events[0]",
            ),
            (
                json!({"url": "https://example.org/in", "events": []}),
                "events",
            ),
        ] {
            site.call("POST", "/api/v1/webhooks", Some(&admin), Some(body), &[])
                .await
                .problem(422, field);
        }
    }
}
