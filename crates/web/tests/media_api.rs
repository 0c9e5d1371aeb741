//! The media library and IIIF over HTTP on both engines: uploads (raw and multipart), bad
//! files refused with nothing stored, public access following the object and the rights,
//! IIIF headers (CORS, preflight, ETag/304, Link), parameter errors, manifests.

mod common;

use axum::http::StatusCode;
use common::{object, sites};
use serde_json::json;
use vitrine_media::iiif::Format;
use vitrine_media::raster::Raster;

/// A 700 × 300 PNG: red left, blue right.
fn png() -> Vec<u8> {
    let mut r = Raster::new(700, 300, 3);
    for (i, px) in r.data.chunks_exact_mut(3).enumerate() {
        px.copy_from_slice(if i % 700 < 350 {
            &[200, 30, 30]
        } else {
            &[30, 30, 200]
        });
    }
    vitrine_media::render::encode(&r, Format::Png).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_become_iiif_images_the_public_sees_only_through_public_objects() {
    for site in sites().await {
        let media = site.token("media").await;
        let viewer = site.token("viewer").await;
        let r = common::upload(&site, &viewer, "name=a.png", png()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers may not upload");

        let r = common::upload(&site, &media, "name=vase.png&caption_en=Front%20view&rights=https://creativecommons.org/licenses/by/4.0", png()).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "{}: {}",
            site.engine,
            r.text()
        );
        let a = &r.json()[0]["asset"];
        let (id, identifier) = (
            a["id"].as_str().unwrap().to_owned(),
            a["identifier"].as_str().unwrap().to_owned(),
        );
        assert_eq!(a["technical"]["width"], 700);
        assert_eq!(a["rights"], "http://creativecommons.org/licenses/by/4.0/");
        assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
        let a = common::media_ready(&site, &media, &id).await;
        assert_eq!(a["public_access"], "closed", "not on any public object yet");

        // The same bytes again: the existing image, nothing new stored.
        let again = common::upload(&site, &media, "name=copy.png", png()).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.json()[0]["duplicate"], true);
        assert_eq!(again.json()[0]["asset"]["id"], id.as_str());

        let info = format!("/iiif/3/{identifier}/info.json");
        let r = site.call("GET", &info, None, None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anonymous, unpublished");
        assert_eq!(
            r.header("access-control-allow-origin"),
            "*",
            "errors carry CORS too"
        );
        let r = site.call("GET", &info, Some(&viewer), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["width"], 700);

        // Linked to a public object, the public sees it.
        let reg = site.token("registrar").await;
        let o = site
            .call(
                "POST",
                "/api/v1/objects",
                Some(&reg),
                Some(object("IMG-1")),
                &[],
            )
            .await;
        let object_id = o.json()["id"].as_str().unwrap().to_owned();
        let r = site
            .call(
                "POST",
                &format!("/api/v1/media/{id}/objects"),
                Some(&media),
                Some(json!({"object": "IMG-1"})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["public_access"], "open");
        assert_eq!(r.json()["objects"][0]["primary"], true);

        let r = site.call("GET", &info, None, None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", site.engine, r.text());
        let doc = r.json();
        assert_eq!(doc["id"], format!("http://localhost/iiif/3/{identifier}"));
        assert_eq!(doc["type"], "ImageService3");
        assert!(r.header("link").contains("level2.json"));
        let tag = r.header("etag");
        let r = site
            .call("GET", &info, None, None, &[("if-none-match", &tag)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);

        let tile = format!("/iiif/3/{identifier}/0,0,512,300/512,/0/default.jpg");
        let r = site.call("GET", &tile, None, None, &[]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), "image/jpeg");
        assert!(r.header("link").contains("rel=\"canonical\""));
        assert_eq!(&r.body[..2], &[0xFF, 0xD8]);
        let r = site
            .call(
                "OPTIONS",
                &tile,
                None,
                None,
                &[("access-control-request-headers", "if-none-match")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(r.header("access-control-allow-origin"), "*");

        for (bad, field) in [
            ("full/max/0/default.gif", "format"),
            ("full/full/0/default.jpg", "size"),
            ("0,0,0,0/max/0/default.jpg", "region"),
            ("full/max/400/default.jpg", "rotation"),
            ("full/2000,/0/default.jpg", "size"),
        ] {
            let r = site
                .call(
                    "GET",
                    &format!("/iiif/3/{identifier}/{bad}"),
                    None,
                    None,
                    &[],
                )
                .await;
            r.problem(400, field);
        }
        let r = site
            .call("GET", "/iiif/3/no-such-image/info.json", None, None, &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = site
            .call("GET", &format!("/iiif/3/{identifier}"), None, None, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);

        // In-copyright: the public gets a thumbnail only.
        let r = site
            .call(
                "GET",
                &format!("/api/v1/media/{id}"),
                Some(&media),
                None,
                &[],
            )
            .await;
        let etag = r.header("etag");
        let r = site
            .call(
                "PUT",
                &format!("/api/v1/media/{id}"),
                Some(&media),
                Some(json!({"rights": "http://rightsstatements.org/vocab/InC/1.0/", "caption": {"en": "Front"}})),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["public_access"], "thumbnail");
        let r = site.call("GET", &info, None, None, &[]).await;
        assert_eq!(r.json()["maxWidth"], 200);
        assert!(r.json().get("tiles").is_none());
        let r = site
            .call(
                "GET",
                &format!("/iiif/3/{identifier}/full/max/0/default.jpg"),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = site
            .call(
                "GET",
                &format!("/iiif/3/{identifier}/full/700,/0/default.jpg"),
                None,
                None,
                &[],
            )
            .await;
        r.problem(400, "size");
        let r = site
            .call(
                "GET",
                &format!("/iiif/3/{identifier}/full/700,/0/default.jpg"),
                Some(&viewer),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "staff see it whole");

        let r = site
            .call(
                "GET",
                &format!("/iiif/3/manifest/{object_id}"),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let m = r.json();
        assert_eq!(m["type"], "Manifest");
        assert_eq!(m["items"].as_array().unwrap().len(), 1);
        assert_eq!(m["rights"], "http://rightsstatements.org/vocab/InC/1.0/");
        let r = site
            .call("GET", "/iiif/3/collection/history", None, None, &[])
            .await;
        assert_eq!(
            r.json()["items"][0]["id"],
            format!("http://localhost/iiif/3/manifest/{object_id}")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_refused_and_nothing_is_kept() {
    for site in sites().await {
        let media = site.token("media").await;
        // Named .jpg, holds a PNG.
        common::upload(&site, &media, "name=photo.jpg", png())
            .await
            .problem(422, "file");
        // Truncated.
        let mut cut = png();
        cut.truncate(cut.len() / 3);
        common::upload(&site, &media, "name=cut.png", cut)
            .await
            .problem(422, "file");
        // Not an image we keep.
        common::upload(&site, &media, "name=a.gif", b"GIF89a....".to_vec())
            .await
            .problem(415, "file");
        common::upload(&site, &media, "name=empty.png", Vec::new())
            .await
            .problem(415, "file");
        // A header claiming 100000 × 100000 pixels.
        let mut bomb = png();
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let r = common::upload(&site, &media, "name=bomb.png", bomb).await;
        assert!(matches!(r.status.as_u16(), 413 | 422), "{}", r.text());
        // Unknown fields and bad rights name the field.
        common::upload(&site, &media, "name=a.png&colour=red", png())
            .await
            .problem(400, "colour");
        common::upload(
            &site,
            &media,
            "name=a.png&rights=all%20rights%20reserved",
            png(),
        )
        .await
        .problem(422, "rights");
        let list = site
            .call("GET", "/api/v1/media", Some(&media), None, &[])
            .await;
        assert_eq!(
            list.json()["total"],
            0,
            "{}: nothing half-stored",
            site.engine
        );
        site.call("GET", "/api/v1/media?status=lost", Some(&media), None, &[])
            .await
            .problem(400, "status");
    }
}
