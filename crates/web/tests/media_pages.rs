//! The media pages on the real router, both engines: the library with its filters, an
//! image's page (description with a stale version refused and the edits kept), the image
//! strip of an object page (order, primary, remove), uploads without script, thumbnails in
//! staff lists and public cards, and the public object page showing only what it may.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Site, object, page, sites};
use serde_json::{Value, json};
use vitrine_media::iiif::Format;
use vitrine_media::raster::Raster;

/// A PNG of one colour (each colour is a different master).
fn png(shade: u8) -> Vec<u8> {
    let mut r = Raster::new(640, 400, 3);
    for (i, px) in r.data.chunks_exact_mut(3).enumerate() {
        px.copy_from_slice(&[shade, (i % 640) as u8, 90]);
    }
    vitrine_media::render::encode(&r, Format::Png).unwrap()
}

async fn upload(site: &Site, token: &str, query: &str, bytes: Vec<u8>) -> Value {
    let r = common::upload(site, token, query, bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()[0]["asset"].clone()
}

/// Posts an action of an object page's image strip as a signed-in browser.
async fn arrange(s: &Site, act: &str, cookie: &str, asset: &str, action: &str) -> common::Reply {
    s.send(page(
        "POST",
        act,
        cookie,
        Some(form(&[("asset", asset), ("action", action)])),
        "same-origin",
    ))
    .await
}

fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_arrange_describe_and_publish_images_through_the_pages() {
    for s in sites().await {
        let token = s.token("media").await;
        let reg = s.token("registrar").await;
        let mut o = object("PIC-1");
        o["public"] = json!(true);
        let made = s
            .call("POST", "/api/v1/objects", Some(&reg), Some(o), &[])
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let oid = made.json()["id"].as_str().unwrap().to_owned();
        let a = upload(
            &s,
            &token,
            "name=front.png&object=PIC-1&caption_en=Front",
            png(10),
        )
        .await;
        let b = upload(
            &s,
            &token,
            "name=back.png&object=PIC-1&rights=http://rightsstatements.org/vocab/InC/1.0/",
            png(200),
        )
        .await;
        let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
        common::media_ready(&s, &token, aid).await;
        common::media_ready(&s, &token, bid).await;
        let cookie = s.login("media").await;

        // The library lists both, and filters.
        let r = s
            .send(page("GET", "/staff/media", &cookie, None, "none"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let html = r.text();
        assert!(
            html.contains("front.png") || html.contains("Front"),
            "{html}"
        );
        assert!(
            html.contains("form class=\"dropzone\""),
            "media staff may upload"
        );
        let r = s
            .send(page(
                "GET",
                "/staff/media?q=back&kind=png",
                &cookie,
                None,
                "none",
            ))
            .await;
        assert!(r.text().contains(bid) && !r.text().contains(aid));
        let r = s
            .send(page(
                "GET",
                "/staff/media?status=bogus",
                &cookie,
                None,
                "none",
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "bad filters say so");

        // The object page shows the strip in order, the first primary, a viewer.
        let obj = format!("/staff/objects/{oid}");
        let html = s
            .send(page("GET", &obj, &cookie, None, "none"))
            .await
            .text();
        assert!(html.contains("class=\"deepzoom\""), "{html}");
        let (pa, pb) = (html.find(aid).unwrap(), html.find(bid).unwrap());
        assert!(pa < pb, "upload order");
        // Move the second earlier and make it primary.
        let act = format!("{obj}/images");
        for action in ["earlier", "primary"] {
            let r = arrange(&s, &act, &cookie, bid, action).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        }
        let images = s
            .call(
                "GET",
                &format!("/api/v1/objects/{oid}/media"),
                Some(&token),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(images[0]["id"], bid);
        let own = |i: usize| images[i]["objects"][0]["primary"].clone();
        assert_eq!((own(0), own(1)), (json!(true), json!(false)));
        let r = arrange(&s, &act, &cookie, bid, "sideways").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an unknown action"
        );

        // Describe with the version the form showed; a stale version keeps the edits.
        let asset_page = format!("/staff/media/{aid}");
        let ok = form(&[
            ("version", "1"),
            ("caption_zh", "正面"),
            ("caption_en", "Front view"),
            ("rights", "http://creativecommons.org/licenses/by/4.0/"),
            ("access", "open"),
        ]);
        let r = s
            .send(page(
                "POST",
                &asset_page,
                &cookie,
                Some(ok.clone()),
                "same-origin",
            ))
            .await;
        assert!(r.text().contains("class=\"notice\""), "{}", r.text());
        let r = s
            .send(page(
                "POST",
                &asset_page,
                &cookie,
                Some(ok.replace("Front+view", "Stale+edit")),
                "same-origin",
            ))
            .await;
        let html = r.text();
        assert!(
            html.contains("class=\"alert\"") && html.contains("Stale edit"),
            "{html}"
        );
        let now = s
            .call(
                "GET",
                &format!("/api/v1/media/{aid}"),
                Some(&token),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(now["caption"]["en"], "Front view");
        assert_eq!(now["version"], 2);
        let r = s
            .send(page(
                "POST",
                &asset_page,
                &cookie,
                Some(form(&[
                    ("version", "2"),
                    ("rights", "other"),
                    ("rights_other", "http://example.com/mine"),
                ])),
                "same-origin",
            ))
            .await;
        assert!(
            r.text().contains("class=\"alert\""),
            "an unknown rights URI is refused"
        );

        // A viewer sees the pages but gets no upload zone and no arrange buttons.
        let viewer = s.login("viewer").await;
        let html = s
            .send(page("GET", &obj, &viewer, None, "none"))
            .await
            .text();
        assert!(!html.contains("form class=\"dropzone\"") && !html.contains("value=\"primary\""));
        let r = arrange(&s, &act, &viewer, aid, "remove").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Thumbnails: the staff list and the public cards show the primary image.
        let html = s
            .send(page("GET", "/staff/objects?q=PIC-1", &cookie, None, "none"))
            .await
            .text();
        assert!(
            html.contains(&format!("/iiif/3/{bid}/full/")),
            "staff list thumbnail"
        );
        let html = s.call("GET", "/collection", None, None, &[]).await.text();
        assert!(
            html.contains(&format!("/iiif/3/{bid}/full/!200,200/")),
            "a thumbnail-only image is still a card's thumbnail"
        );

        // The public page: deep zoom on the open image, only a small one of the other.
        let html = s
            .call(
                "GET",
                &format!("/collection/{oid}?lang=en"),
                None,
                None,
                &[],
            )
            .await
            .text();
        assert!(
            html.contains(&format!("data-info=\"/iiif/3/{aid}/info.json\"")),
            "{html}"
        );
        assert!(
            !html.contains(&format!("/iiif/3/{bid}/info.json")),
            "no deep zoom of a thumbnail-only image"
        );
        assert!(html.contains(&format!("/iiif/3/{bid}/full/!200,200/")));
        assert!(html.contains("CC BY 4.0"), "the rights are named");
        let public = s
            .call(
                "GET",
                &format!("/api/v1/objects/{oid}/media"),
                None,
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(public.as_array().map(Vec::len), Some(2));
        for a in public.as_array().unwrap() {
            assert_eq!(
                (&a["created_by"], &a["original_name"]),
                (&json!(""), &json!(""))
            );
            assert_eq!(
                a["objects"].as_array().map(Vec::len),
                Some(1),
                "only this object"
            );
        }

        // The search index follows: both searches say the object has an image (the public
        // may see one: the open image).
        for (path, who) in [
            ("/api/public/v1/search?q=PIC-1&has_image=true", None),
            (
                "/api/v1/search?q=PIC-1&has_image=true",
                Some(token.as_str()),
            ),
        ] {
            let mut found = Value::Null;
            for _ in 0..100 {
                found = s.call("GET", path, who, None, &[]).await.json();
                if found["total"] == 1 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(found["total"], 1, "{path}: {found}");
        }

        // Removing from the page; an unpublished object's images leave the public page.
        let r = arrange(&s, &act, &cookie, aid, "remove").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = s
            .call("GET", &format!("/collection/{oid}"), None, None, &[])
            .await
            .text();
        assert!(!html.contains(aid));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_form_works_without_script_and_goes_back() {
    for s in sites().await {
        let cookie = s.login("media").await;
        let boundary = "XyZ";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photographer\"\r\n\r\nLi Hua\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"one.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&png(77));
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method("POST")
            .uri("/staff/media/upload?back=%2Fstaff%2Fmedia%3Fq%3Done")
            .header(header::COOKIE, &cookie)
            .header("sec-fetch-site", "same-origin")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let r = s.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.header("location"), "/staff/media?q=one");
        let html = s
            .send(page("GET", "/staff/media?q=one", &cookie, None, "none"))
            .await
            .text();
        assert!(html.contains("one.png"), "{html}");

        // Somewhere else than our own pages is not a place to go back to.
        let req = Request::builder()
            .method("POST")
            .uri("/staff/media/upload?back=https%3A%2F%2Fevil.example")
            .header(header::COOKIE, &cookie)
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(png(78)))
            .unwrap();
        let r = s.send(req).await;
        assert_eq!(r.header("location"), "/staff/media");
    }
}
