//! The JSON API on the real router, on both engines.

mod common;

use common::{Site, object, sites, sites_with};
use serde_json::json;
use vitrine_web::WebConfig;

async fn create(site: &Site, token: &str, body: serde_json::Value) -> serde_json::Value {
    let r = site
        .call("POST", "/api/v1/objects", Some(token), Some(body), &[])
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}: {}", site.engine, r.text());
    assert_eq!(r.header("etag"), "\"v1\"");
    r.json()
}

#[tokio::test]
async fn anonymous_callers_see_public_records_and_fields_only() {
    for s in sites().await {
        let reg = s.token("registrar").await;
        let mut o = object("PUB-1");
        o["confidential"] = json!({"valuation": {"amount": 880000, "currency": "CNY"}, "source_contact": "donor@example.org"});
        let public = create(&s, &reg, o).await;
        let mut hidden = object("PRIV-1");
        hidden["public"] = json!(false);
        let hidden = create(&s, &reg, hidden).await;

        let list = s
            .call("GET", "/api/public/v1/objects", None, None, &[])
            .await;
        assert_eq!(list.status.as_u16(), 200);
        assert_eq!(list.json()["total"], 1, "{}", s.engine);
        let one = s
            .call(
                "GET",
                &format!("/api/public/v1/objects/{}", public["id"].as_str().unwrap()),
                None,
                None,
                &[],
            )
            .await;
        let text = one.text();
        for secret in [
            "Storeroom",
            "fragile",
            "880000",
            "donor@",
            "current_location",
            "confidential",
        ] {
            assert!(
                !text.contains(secret),
                "{}: public API leaks {secret}: {text}",
                s.engine
            );
        }
        let missing = s
            .call(
                "GET",
                &format!("/api/public/v1/objects/{}", hidden["id"].as_str().unwrap()),
                None,
                None,
                &[],
            )
            .await;
        missing.problem(404, "");
        // The public pages show the published record and hide the rest.
        let page = s
            .call(
                "GET",
                &format!("/collection/{}", public["id"].as_str().unwrap()),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(page.status.as_u16(), 200);
        assert!(page.text().contains("青花缠枝莲纹梅瓶") && !page.text().contains("Storeroom"));
        let page = s
            .call(
                "GET",
                &format!("/collection/{}", hidden["id"].as_str().unwrap()),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(page.status.as_u16(), 404);
        // Staff endpoints need credentials.
        s.call("GET", "/api/v1/objects", None, None, &[])
            .await
            .problem(401, "");
        s.call("GET", "/api/v1/objects", Some("vtk_forged"), None, &[])
            .await
            .problem(401, "");
    }
}

#[tokio::test]
async fn each_role_gets_what_it_may() {
    for s in sites().await {
        let reg = s.token("registrar").await;
        let mut o = object("ROLE-1");
        o["confidential"] = json!({"valuation": {"amount": 5000, "currency": "CNY"}});
        let rec = create(&s, &reg, o).await;
        let path = format!("/api/v1/objects/{}", rec["id"].as_str().unwrap());
        for role in ["admin", "registrar"] {
            let t = s.token(role).await;
            assert!(
                s.call("GET", &path, Some(&t), None, &[])
                    .await
                    .json()
                    .get("confidential")
                    .is_some(),
                "{}: {role}",
                s.engine
            );
        }
        for role in [
            "curator",
            "conservator",
            "media",
            "visitor_services",
            "outreach",
            "licensing",
            "viewer",
        ] {
            let t = s.token(role).await;
            let r = s.call("GET", &path, Some(&t), None, &[]).await;
            assert_eq!(r.status.as_u16(), 200);
            assert!(
                r.json().get("confidential").is_none(),
                "{}: {role} sees valuation",
                s.engine
            );
            // Look for the field, not the digits: ids and times may hold "5000" by chance.
            assert!(!r.text().contains("valuation"), "{role}");
            let h = s
                .call("GET", &format!("{path}/history"), Some(&t), None, &[])
                .await;
            assert!(
                !h.text().contains("valuation"),
                "{}: {role} sees valuation in history",
                s.engine
            );
        }
        for role in [
            "conservator",
            "media",
            "visitor_services",
            "outreach",
            "licensing",
            "viewer",
        ] {
            let t = s.token(role).await;
            let r = s
                .call(
                    "PATCH",
                    &path,
                    Some(&t),
                    Some(json!({"number_of_parts": 2})),
                    &[("if-match", "\"v1\"")],
                )
                .await;
            r.problem(403, "");
            s.call(
                "POST",
                "/api/v1/objects",
                Some(&t),
                Some(object(&format!("X-{role}"))),
                &[],
            )
            .await
            .problem(403, "");
        }
        let cur = s.token("curator").await;
        s.call("DELETE", &path, Some(&cur), None, &[("if-match", "\"v1\"")])
            .await
            .problem(403, "");
        let r = s
            .call(
                "PATCH",
                &path,
                Some(&cur),
                Some(json!({"number_of_parts": 2})),
                &[("if-match", "\"v1\"")],
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text());
        let r = s
            .call("DELETE", &path, Some(&reg), None, &[("if-match", "\"v2\"")])
            .await;
        assert_eq!(r.status.as_u16(), 204, "{}", r.text());
        s.call("GET", &path, Some(&reg), None, &[])
            .await
            .problem(404, "");
        let h = s
            .call("GET", &format!("{path}/history"), Some(&reg), None, &[])
            .await
            .json();
        assert_eq!(h.as_array().unwrap().len(), 3, "create, patch, delete");
    }
}

#[tokio::test]
async fn test_if_match_star_matches_an_existing_record() {
    for s in sites().await {
        let t = s.token("curator").await;
        let rec = create(&s, &t, object("ETAG-STAR")).await;
        let path = format!("/api/v1/objects/{}", rec["id"].as_str().unwrap());
        let mut edit = object("ETAG-STAR");
        edit["title"]["en"] = json!("Edited whatever its version");
        let r = s
            .call("PUT", &path, Some(&t), Some(edit), &[("if-match", "*")])
            .await;
        assert_eq!(
            (r.status.as_u16(), r.header("etag")),
            (200, "\"v2\"".to_owned()),
            "{}",
            r.text()
        );
        let missing = format!("/api/v1/objects/{}", uuid::Uuid::now_v7());
        s.call("DELETE", &missing, Some(&t), None, &[("if-match", "*")])
            .await
            .problem(404, "");
    }
}

#[tokio::test]
async fn test_foreign_entity_tag_is_a_version_mismatch() {
    for s in sites().await {
        let t = s.token("curator").await;
        let rec = create(&s, &t, object("ETAG-FOREIGN")).await;
        let path = format!("/api/v1/objects/{}", rec["id"].as_str().unwrap());
        for tag in ["W/\"xyz\"", "v1", "\"v0\""] {
            let body = Some(object("ETAG-FOREIGN"));
            let p = s
                .call("PUT", &path, Some(&t), body, &[("if-match", tag)])
                .await
                .problem(412, "If-Match");
            assert_eq!(p["current_version"], 1, "{tag}");
        }
    }
}

#[tokio::test]
async fn test_path_id_that_is_not_a_uuid_is_not_found() {
    for s in sites().await {
        let t = s.token("viewer").await;
        for path in [
            "/api/v1/objects/not-an-id",
            "/api/v1/media/x",
            "/api/v1/sensors/1",
        ] {
            s.call("GET", path, Some(&t), None, &[])
                .await
                .problem(404, "");
        }
    }
}

#[tokio::test]
async fn writes_need_the_version_read_and_stale_ones_change_nothing() {
    for s in sites().await {
        let t = s.token("curator").await;
        let rec = create(&s, &t, object("ETAG-1")).await;
        let path = format!("/api/v1/objects/{}", rec["id"].as_str().unwrap());
        let mut edit = object("ETAG-1");
        edit["title"]["en"] = json!("Meiping vase, first edit");
        s.call("PUT", &path, Some(&t), Some(edit.clone()), &[])
            .await
            .problem(428, "If-Match");
        s.call(
            "PUT",
            &path,
            Some(&t),
            Some(edit.clone()),
            &[("if-match", "\"someone-else's\"")],
        )
        .await
        .problem(412, "If-Match");
        let r = s
            .call(
                "PUT",
                &path,
                Some(&t),
                Some(edit),
                &[("if-match", "\"v1\"")],
            )
            .await;
        assert_eq!(
            (r.status.as_u16(), r.header("etag")),
            (200, "\"v2\"".to_owned()),
            "{}",
            r.text()
        );
        let mut stale = object("ETAG-1");
        stale["title"]["en"] = json!("Second tab's edit");
        let p = s
            .call(
                "PUT",
                &path,
                Some(&t),
                Some(stale),
                &[("if-match", "\"v1\"")],
            )
            .await
            .problem(412, "If-Match");
        assert_eq!(p["current_version"], 2);
        let now = s.call("GET", &path, Some(&t), None, &[]).await;
        assert_eq!(
            now.json()["title"]["en"],
            "Meiping vase, first edit",
            "{}",
            s.engine
        );
        let r = s
            .call("GET", &path, Some(&t), None, &[("if-none-match", "\"v2\"")])
            .await;
        assert_eq!(r.status.as_u16(), 304);
        let h = s
            .call("GET", &format!("{path}/history"), Some(&t), None, &[])
            .await
            .json();
        assert_eq!(h[0]["changes"][0]["field"], "title.en");
        assert_eq!(h[0]["changes"][0]["before"], "Blue-and-white meiping vase");
        assert_eq!(h.as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn bad_input_gets_a_problem_naming_the_field_and_writes_nothing() {
    let cfg = WebConfig {
        max_body_bytes: 4096,
        ..WebConfig::default()
    };
    for s in sites_with(cfg).await {
        let t = s.token("registrar").await;
        create(&s, &t, object("DUP-1")).await;
        let raw = |body: &'static [u8]| body.to_vec();
        s.raw(
            "POST",
            "/api/v1/objects",
            &t,
            "application/json",
            raw(b"{\"object_number\": "),
        )
        .await
        .problem(400, "body");
        s.raw(
            "POST",
            "/api/v1/objects",
            &t,
            "application/json",
            raw(b"\xff\xfe{}"),
        )
        .await
        .problem(400, "body");
        s.raw("POST", "/api/v1/objects", &t, "text/plain", raw(b"{}"))
            .await
            .problem(415, "Content-Type");
        let big = format!(
            "{{\"object_number\":\"B-1\",\"title\":{{\"en\":\"{}\"}},\"department\":\"history\"}}",
            "x".repeat(8000)
        );
        s.raw(
            "POST",
            "/api/v1/objects",
            &t,
            "application/json",
            big.into_bytes(),
        )
        .await
        .problem(413, "body");
        let mut o = object("BAD-1");
        o["colour"] = json!("blue");
        s.call("POST", "/api/v1/objects", Some(&t), Some(o), &[])
            .await
            .problem(400, "colour");
        let mut o = object("BAD-2");
        o["production"] = json!({"earliest_year": "Ming"});
        s.call("POST", "/api/v1/objects", Some(&t), Some(o), &[])
            .await
            .problem(400, "production.earliest_year");
        let mut o = object("BAD-3");
        o["production"] = json!({"earliest_year": 1500, "latest_year": 1400});
        s.call("POST", "/api/v1/objects", Some(&t), Some(o), &[])
            .await
            .problem(422, "production.earliest_year");
        let mut o = object("BAD-4");
        o["object_name_id"] = json!("0192e3a4-0000-7000-8000-000000000000");
        s.call("POST", "/api/v1/objects", Some(&t), Some(o), &[])
            .await
            .problem(422, "object_name_id");
        s.call(
            "POST",
            "/api/v1/objects",
            Some(&t),
            Some(object("DUP-1")),
            &[],
        )
        .await
        .problem(409, "object_number");
        s.call(
            "POST",
            "/api/v1/objects",
            Some(&t),
            Some(object("has space")),
            &[],
        )
        .await
        .problem(422, "object_number");
        s.call("GET", "/api/v1/objects/not-a-uuid", Some(&t), None, &[])
            .await
            .problem(404, "");
        s.call("GET", "/api/v1/objects?limit=0", Some(&t), None, &[])
            .await
            .problem(422, "limit");
        s.call("GET", "/api/v1/objects?colour=red", Some(&t), None, &[])
            .await
            .problem(422, "colour");
        s.call(
            "GET",
            "/api/v1/objects?updated_since=yesterday",
            Some(&t),
            None,
            &[],
        )
        .await
        .problem(422, "updated_since");
        s.call("GET", "/api/v1/objects?q=%FF", Some(&t), None, &[])
            .await
            .problem(422, "q");
        s.call("GET", "/api/v1/nothing-here", Some(&t), None, &[])
            .await
            .problem(404, "");
        s.call("GET", "/api/nothing", None, None, &[])
            .await
            .problem(404, "");
        s.call("DELETE", "/api/v1/objects", Some(&t), None, &[])
            .await
            .problem(405, "");
        s.call(
            "POST",
            "/api/v1/terms",
            Some(&t),
            Some(json!({"vocabulary": "colour", "label": {"en": "red"}})),
            &[],
        )
        .await
        .problem(422, "vocabulary");
        let list = s
            .call("GET", "/api/v1/objects", Some(&t), None, &[])
            .await
            .json();
        assert_eq!(
            list["total"], 1,
            "{}: a refused request wrote something",
            s.engine
        );
    }
}

#[tokio::test]
async fn lists_filter_and_page_through_the_api() {
    for s in sites().await {
        let t = s.token("curator").await;
        let term = s.call("POST", "/api/v1/terms", Some(&t), Some(json!({"vocabulary": "material", "label": {"zh-Hans": "瓷", "en": "porcelain"}})), &[]).await;
        assert_eq!(term.status.as_u16(), 201, "{}", term.text());
        let tid = term.json()["id"].as_str().unwrap().to_owned();
        for i in 0..7 {
            let mut o = object(&format!("L-{i}"));
            o["material_ids"] = json!([tid]);
            if i % 2 == 1 {
                o["department"] = json!("fine_arts");
            }
            create(&s, &t, o).await;
        }
        let p1 = s
            .call(
                "GET",
                "/api/v1/objects?limit=3&sort=-object_number",
                Some(&t),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(
            (
                p1["total"].as_u64(),
                p1["items"][0]["object_number"].as_str()
            ),
            (Some(7), Some("L-6"))
        );
        let cur = p1["next_cursor"].as_str().unwrap();
        let p2 = s
            .call(
                "GET",
                &format!("/api/v1/objects?limit=3&sort=-object_number&cursor={cur}"),
                Some(&t),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(p2["items"][0]["object_number"], "L-3");
        let fa = s
            .call(
                "GET",
                "/api/v1/objects?department=fine_arts",
                Some(&t),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(fa["total"], 3);
        let terms = s
            .call(
                "GET",
                "/api/v1/terms?vocabulary=material&q=porc",
                Some(&t),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(terms["total"], 1, "{}", s.engine);
        let del = s
            .call(
                "DELETE",
                &format!("/api/v1/terms/{tid}"),
                Some(&t),
                None,
                &[("if-match", "\"v1\"")],
            )
            .await;
        del.problem(409, "");
    }
}

#[tokio::test]
async fn tokens_sessions_health_and_openapi() {
    for s in sites().await {
        let r = s
            .call(
                "POST",
                "/api/v1/session",
                None,
                Some(json!({"username": "viewer", "password": "wrong"})),
                &[],
            )
            .await;
        r.problem(401, "");
        let t = s.token("viewer").await;
        let made = s
            .call(
                "POST",
                "/api/v1/tokens",
                Some(&t),
                Some(json!({"name": "nightly export", "days": 30})),
                &[],
            )
            .await;
        assert_eq!(made.status.as_u16(), 201, "{}", made.text());
        let api = made.json()["token"].as_str().unwrap().to_owned();
        assert_eq!(
            s.call("GET", "/api/v1/objects", Some(&api), None, &[])
                .await
                .status
                .as_u16(),
            200
        );
        let listed = s.call("GET", "/api/v1/tokens", Some(&t), None, &[]).await;
        assert!(
            !listed.text().contains(&api),
            "the secret must never be listed"
        );
        let id = made.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            s.call(
                "DELETE",
                &format!("/api/v1/tokens/{id}"),
                Some(&t),
                None,
                &[]
            )
            .await
            .status
            .as_u16(),
            204
        );
        s.call("GET", "/api/v1/objects", Some(&api), None, &[])
            .await
            .problem(401, "");
        assert_eq!(
            s.call("DELETE", "/api/v1/session", Some(&t), None, &[])
                .await
                .status
                .as_u16(),
            204
        );
        s.call("GET", "/api/v1/objects", Some(&t), None, &[])
            .await
            .problem(401, "");

        let h = s.call("GET", "/healthz", None, None, &[]).await;
        assert_eq!(h.json()["status"], "ok");
        let doc = s
            .call("GET", "/api/openapi.json", None, None, &[])
            .await
            .json();
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        for p in [
            "/api/v1/objects",
            "/api/v1/objects/{id}",
            "/api/v1/session",
            "/api/public/v1/objects",
        ] {
            assert!(doc["paths"].get(p).is_some(), "OpenAPI lacks {p}");
        }
        let docs = s.call("GET", "/api/docs", None, None, &[]).await;
        assert!(docs.text().contains("/assets/swagger-ui-bundle.js"));
        assert_eq!(
            s.call("GET", "/assets/swagger-ui-bundle.js", None, None, &[])
                .await
                .status
                .as_u16(),
            200
        );
    }
}

#[tokio::test]
async fn readyz_says_ready_once_the_database_answers_and_the_index_is_built() {
    for s in sites().await {
        let mut last = None;
        for _ in 0..200 {
            let r = s.call("GET", "/readyz", None, None, &[]).await;
            if r.status.as_u16() == 200 {
                last = Some(r.json());
                break;
            }
            assert_eq!(r.status.as_u16(), 503, "{}", r.text());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let body = last.unwrap_or_else(|| panic!("{}: never ready", s.engine));
        assert_eq!(body["checks"]["database"], "ok");
        assert_eq!(body["checks"]["search"], "ready");
    }
}
