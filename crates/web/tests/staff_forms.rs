//! The staff forms and pages around them: a refused save keeps everything the person
//! had, history reads as labelled values, error pages stay in the person's language
//! with the menu, and small things (grouped sums, copy buttons).

mod common;

use common::{Site, form_fields, object, sites};
use serde_json::json;

/// Rows of a group shown in a page (the `<template>` row excluded).
fn rows(html: &str, group: &str) -> usize {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("[data-row=\"{group}\"]")).unwrap();
    doc.select(&sel)
        .filter(|e| {
            !e.ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .any(|a| a.value().name() == "template")
        })
        .count()
}

/// A record with a maker and a material, and its edit form as a browser submits it.
async fn record_with_lookups(s: &Site, t: &str) -> (String, Vec<(String, String)>, String) {
    let maker = s.authority(t, "people", "person", "Tang Ying").await;
    let material = s.authority(t, "terms", "material", "porcelain").await;
    let mut body = object("LOOK-1");
    body["material_ids"] = json!([material]);
    body["production"] = json!({"makers": [{"agent_id": maker, "role": "potter"}]});
    let r = s
        .call("POST", "/api/v1/objects", Some(t), Some(body), &[])
        .await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let cookie = s.login("registrar").await;
    let html = s
        .get_page(&cookie, &format!("/staff/objects/{id}/edit"))
        .await;
    (id, form_fields(&html.text()), cookie)
}

fn without_number(fields: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| match k.as_str() {
            "object_number" => (k.clone(), String::new()),
            _ => (k.clone(), v.clone()),
        })
        .collect()
}

async fn refuse(s: &Site, cookie: &str, id: &str, fields: &[(String, String)]) -> String {
    let r = s
        .post_form(cookie, &format!("/staff/objects/{id}/edit"), fields)
        .await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text());
    r.text()
}

#[tokio::test]
async fn test_a_refused_save_keeps_lookup_labels() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let (id, fields, cookie) = record_with_lookups(&s, &t).await;
        let html = refuse(&s, &cookie, &id, &without_number(&fields)).await;
        assert!(html.contains("value=\"Tang Ying\""), "maker label kept");
        assert!(html.contains("porcelain <button"), "material chip kept");
    }
}

#[tokio::test]
async fn test_a_refused_save_marks_the_field_and_lists_it_in_the_summary() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let (id, fields, cookie) = record_with_lookups(&s, &t).await;
        let html = refuse(&s, &cookie, &id, &without_number(&fields)).await;
        assert!(html.contains("id=\"e-object_number\""), "field marked");
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"e-object_number\""));
        assert!(
            html.contains("data-field=\"object_number\">藏品编号</a>: 必填。"),
            "summary names the field in the page's language"
        );
    }
}

#[tokio::test]
async fn test_a_refused_save_does_not_grow_blank_rows() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let (id, fields, cookie) = record_with_lookups(&s, &t).await;
        let first = refuse(&s, &cookie, &id, &without_number(&fields)).await;
        let again = refuse(&s, &cookie, &id, &form_fields(&first)).await;
        assert_eq!(rows(&first, "makers"), 2, "the maker and one blank row");
        assert_eq!(rows(&again, "makers"), 2);
        assert_eq!(rows(&again, "dimensions"), 1);
    }
}

#[tokio::test]
async fn test_a_refused_save_keeps_the_record_name_in_the_breadcrumb() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let (id, fields, cookie) = record_with_lookups(&s, &t).await;
        let html = refuse(&s, &cookie, &id, &without_number(&fields)).await;
        assert!(
            html.contains(&format!(
                "<a href=\"/staff/objects/{id}\">LOOK-1 青花缠枝莲纹梅瓶</a>"
            )),
            "{html}"
        );
    }
}

#[tokio::test]
async fn test_history_shows_labels_and_lists_not_codes_and_json() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let r = s
            .call(
                "POST",
                "/api/v1/objects",
                Some(&t),
                Some(object("HIST-1")),
                &[],
            )
            .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let patch = json!({"inscriptions": [{"kind": "seal", "text": "大清乾隆年制", "position": {"en": "base"}}]});
        let r = s
            .call(
                "PATCH",
                &format!("/api/v1/objects/{id}"),
                Some(&t),
                Some(patch),
                &[
                    ("If-Match", "\"1\""),
                    ("Content-Type", "application/merge-patch+json"),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text());
        let cookie = s.login("registrar").await;
        let html = s
            .get_page(&cookie, &format!("/staff/objects/{id}/history"))
            .await
            .text();
        assert!(html.contains(">款识与铭文</th>"), "field label in Chinese");
        assert!(
            html.contains("<ol class=\"readable\"><li>"),
            "a list, not JSON"
        );
        assert!(
            !html.contains("{&quot;") && !html.contains("[{"),
            "no raw JSON"
        );
    }
}

#[tokio::test]
async fn test_unknown_staff_address_gets_the_staff_layout_in_the_users_language() {
    for s in sites().await {
        let cookie = s.login("curator").await;
        let r = s.get_page(&cookie, "/staff/no-such-page").await;
        assert_eq!(r.status.as_u16(), 404);
        let html = r.text();
        assert!(
            html.contains("未找到") && html.contains("此地址没有页面"),
            "{html}"
        );
        assert!(html.contains("href=\"/staff/objects\""), "the menu stays");
    }
}

#[tokio::test]
async fn test_missing_record_page_names_what_is_missing_in_chinese() {
    for s in sites().await {
        let cookie = s.login("curator").await;
        let uri = format!("/staff/objects/{}", uuid::Uuid::now_v7());
        let html = s.get_page(&cookie, &uri).await.text();
        assert!(html.contains("此地址没有藏品记录"), "{html}");
        assert!(
            !html.contains("object not found</p>"),
            "no developer text as the message"
        );
    }
}

#[tokio::test]
async fn test_forbidden_page_names_the_role_in_the_users_language() {
    for s in sites().await {
        let cookie = s.login("curator").await;
        let r = s.get_page(&cookie, "/staff/users").await;
        assert_eq!(r.status.as_u16(), 403);
        let html = r.text();
        assert!(
            html.contains("无权操作") && html.contains("您的角色"),
            "{html}"
        );
        assert!(html.contains("href=\"/staff/objects\""), "the menu stays");
    }
}

#[tokio::test]
async fn test_valuations_are_shown_with_grouped_digits() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let mut body = object("VAL-1");
        body["confidential"] = json!({"valuation": {"amount": 6475000, "currency": "CNY"}});
        let r = s
            .call("POST", "/api/v1/objects", Some(&t), Some(body), &[])
            .await;
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let cookie = s.login("registrar").await;
        let html = s
            .get_page(&cookie, &format!("/staff/objects/{id}"))
            .await
            .text();
        assert!(html.contains("6,475,000 CNY"), "{html}");
    }
}

#[tokio::test]
async fn test_a_new_token_comes_with_a_copy_button() {
    for s in sites().await {
        let cookie = s.login("curator").await;
        let fields = [
            ("name".into(), "laptop".into()),
            ("days".into(), "30".into()),
        ];
        let r = s.post_form(&cookie, "/staff/tokens", &fields).await;
        let html = r.text();
        assert!(html.contains("data-copy=\"new-token\""), "{html}");
    }
}
