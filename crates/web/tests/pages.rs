//! Staff and public pages on the real router: sign-in, CSRF, forms and the conflict page.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::{object, page, sites};

fn enc(s: &str) -> String {
    vitrine_collections::query::percent(s)
}

#[tokio::test]
async fn staff_pages_need_sign_in_and_refuse_cross_site_posts() {
    for s in sites().await {
        let r = s.call("GET", "/staff/objects", None, None, &[]).await;
        assert_eq!(
            (r.status.as_u16(), r.header("location")),
            (303, "/staff/login?next=%2Fstaff%2Fobjects".to_owned())
        );
        let bad = s
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/staff/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("username=curator&password=nope"))
                    .unwrap(),
            )
            .await;
        assert_eq!(bad.status.as_u16(), 401);
        let cookie = s.login("curator").await;
        for path in [
            "/staff",
            "/staff/objects",
            "/staff/objects/new",
            "/staff/authorities/terms",
            "/staff/tokens",
        ] {
            let r = s
                .send(page("GET", path, &cookie, None, "same-origin"))
                .await;
            assert_eq!(r.status.as_u16(), 200, "{}: {path}: {}", s.engine, r.text());
        }
        let form = "object_number=CSRF-1&title.en=Vase&department=history&version=0".to_owned();
        let r = s
            .send(page(
                "POST",
                "/staff/objects/new",
                &cookie,
                Some(form.clone()),
                "cross-site",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 403, "{}", r.text());
        let r = s
            .send(page(
                "POST",
                "/staff/objects/new",
                &cookie,
                Some(form),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        // htmx asks for the rows only.
        let mut req = page("GET", "/staff/objects?q=csrf", &cookie, None, "same-origin");
        req.headers_mut()
            .insert("hx-request", "true".parse().unwrap());
        let rows = s.send(req).await.text();
        assert!(rows.contains("CSRF-1") && !rows.contains("<html"), "{rows}");
    }
}

#[tokio::test]
async fn the_form_keeps_edits_on_errors_and_shows_conflicts() {
    for s in sites().await {
        let t = s.token("curator").await;
        let rec = s
            .call(
                "POST",
                "/api/v1/objects",
                Some(&t),
                Some(object("FORM-1")),
                &[],
            )
            .await
            .json();
        let id = rec["id"].as_str().unwrap();
        let cookie = s.login("curator").await;
        let edit = s
            .send(page(
                "GET",
                &format!("/staff/objects/{id}/edit"),
                &cookie,
                None,
                "same-origin",
            ))
            .await
            .text();
        assert!(
            edit.contains("name=\"version\" value=\"1\"") && edit.contains("FORM-1"),
            "{edit}"
        );

        // Year order refused: 422, the person's text is kept and the field is marked.
        let base = format!(
            "object_number=FORM-1&title.zh-Hans={}&title.en={}&department=history&status=in_collection&number_of_parts=1",
            enc("青花梅瓶"),
            enc("My edit")
        );
        let bad =
            format!("{base}&version=1&production.earliest_year=1500&production.latest_year=1400");
        let r = s
            .send(page(
                "POST",
                &format!("/staff/objects/{id}/edit"),
                &cookie,
                Some(bad),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.text());
        assert!(r.text().contains("value=\"My edit\"") && r.text().contains("class=\"err\""));

        // Another tab saves first; this save gets the conflict page with the edits kept.
        let other = format!("{base}&version=1")
            .replace("My+edit", "Other")
            .replace("My%20edit", "Other");
        let r = s
            .send(page(
                "POST",
                &format!("/staff/objects/{id}/edit"),
                &cookie,
                Some(other),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        let mine = format!("{base}&version=1");
        let r = s
            .send(page(
                "POST",
                &format!("/staff/objects/{id}/edit"),
                &cookie,
                Some(mine),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 412, "{}", s.engine);
        let html = r.text();
        assert!(
            html.contains("id=\"conflict\"")
                && html.contains("value=\"My edit\"")
                && html.contains("name=\"version\" value=\"2\""),
            "{html}"
        );
        // Saving again on the new version keeps this person's edit.
        let again = format!("{base}&version=2");
        let r = s
            .send(page(
                "POST",
                &format!("/staff/objects/{id}/edit"),
                &cookie,
                Some(again),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 303);
        let now = s
            .call("GET", &format!("/api/v1/objects/{id}"), Some(&t), None, &[])
            .await
            .json();
        assert_eq!(now["title"]["en"], "My edit");
        let hist = s
            .send(page(
                "GET",
                &format!("/staff/objects/{id}/history"),
                &cookie,
                None,
                "same-origin",
            ))
            .await
            .text();
        assert!(
            hist.contains("title.en") && hist.contains("My edit"),
            "{hist}"
        );
    }
}

#[tokio::test]
async fn public_pages_are_bilingual() {
    for s in sites().await {
        let t = s.token("curator").await;
        s.call(
            "POST",
            "/api/v1/objects",
            Some(&t),
            Some(object("WEB-1")),
            &[],
        )
        .await;
        let zh = s
            .call("GET", "/", None, None, &[("accept-language", "zh-CN")])
            .await
            .text();
        assert!(zh.contains("lang=\"zh-Hans\"") && zh.contains("青花缠枝莲纹梅瓶"));
        let en = s.call("GET", "/collection?lang=en", None, None, &[]).await;
        assert!(en.header("set-cookie").contains("vitrine_lang=en"));
        assert!(
            en.text().contains("lang=\"en\"") && en.text().contains("Blue-and-white meiping vase")
        );
        let nf = s.call("GET", "/no/such/page", None, None, &[]).await;
        assert_eq!(nf.status.as_u16(), 404);
        assert!(nf.header("content-type").starts_with("text/html"));
    }
}

#[tokio::test]
async fn administrators_manage_accounts_in_the_browser_and_others_cannot() {
    for s in sites().await {
        let cookie = s.login("curator").await;
        let r = s
            .send(page("GET", "/staff/users", &cookie, None, "same-origin"))
            .await;
        assert_eq!(r.status.as_u16(), 403, "{}", s.engine);
        let form = "username=newcomer&display_name=New&role=curator&password=correct+horse+battery"
            .to_owned();
        let r = s
            .send(page(
                "POST",
                "/staff/users",
                &cookie,
                Some(form.clone()),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 403);

        let admin = s.login("admin").await;
        let r = s
            .send(page("GET", "/staff/users", &admin, None, "same-origin"))
            .await;
        assert!(r.status.is_success() && r.text().contains("visitor_services"));
        let r = s
            .send(page(
                "POST",
                "/staff/users",
                &admin,
                Some(form.clone()),
                "same-origin",
            ))
            .await;
        assert!(
            r.status.is_success() && r.text().contains("newcomer"),
            "{}",
            r.text()
        );
        let r = s
            .send(page(
                "POST",
                "/staff/users",
                &admin,
                Some(form),
                "same-origin",
            ))
            .await;
        assert_eq!(r.status.as_u16(), 422, "a taken name is refused");
        let short = "username=shorty&role=viewer&password=short".to_owned();
        assert_eq!(
            s.send(page(
                "POST",
                "/staff/users",
                &admin,
                Some(short),
                "same-origin"
            ))
            .await
            .status
            .as_u16(),
            422
        );
        let token = s.token("newcomer").await;
        assert_eq!(
            s.call("GET", "/api/v1/objects", Some(&token), None, &[])
                .await
                .status
                .as_u16(),
            200
        );
    }
}
