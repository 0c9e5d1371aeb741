//! A real router over a real database, and small helpers to call it.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use vitrine_collections::Collections;
use vitrine_kernel::accounts::{Accounts, NewUser};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Role};
use vitrine_testkit::{TestDb, all_engines};
use vitrine_web::{AppState, WebConfig};

pub const PASSWORD: &str = "correct horse battery";

/// A site on one engine, with an account per role.
pub struct Site {
    pub engine: &'static str,
    pub app: Router,
    pub db: TestDb,
    pub search: vitrine_search::Search,
    index_dir: std::path::PathBuf,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.index_dir);
        let _ = std::fs::remove_dir_all(self.index_dir.with_extension("media"));
    }
}

pub async fn sites() -> Vec<Site> {
    sites_with(WebConfig::default()).await
}

/// One site (SQLite), for checks of the router that do not depend on the engine.
#[allow(dead_code)]
pub async fn one_site() -> Site {
    sites().await.into_iter().next().expect("a test site")
}

pub async fn sites_with(cfg: WebConfig) -> Vec<Site> {
    let mut out = Vec::new();
    for t in all_engines(&[
        KERNEL_MIGRATIONS,
        vitrine_collections::MIGRATIONS,
        vitrine_search::MIGRATIONS,
        vitrine_timeseries::MIGRATIONS,
        vitrine_conservation::store::MIGRATIONS,
        vitrine_media::MIGRATIONS,
        vitrine_bus::MIGRATIONS,
    ])
    .await
    {
        let accounts = Accounts::new(t.db.clone());
        for role in Role::ALL {
            let u = NewUser {
                username: role.as_str().into(),
                display_name: role.as_str().into(),
                role,
                password: PASSWORD.into(),
            };
            accounts
                .create_user(&Actor::System("test"), u)
                .await
                .unwrap();
        }
        let collections = Collections::new(t.db.clone());
        let dir = std::env::temp_dir().join(format!("vt-web-index-{}", uuid::Uuid::now_v7()));
        let search = vitrine_search::Search::open(&dir, collections.clone())
            .await
            .unwrap();
        let conservation = vitrine_conservation::Conservation::open(
            t.db.clone(),
            collections.clone(),
            vitrine_conservation::Settings::default(),
        )
        .await
        .unwrap();
        let media = vitrine_media::Media::open(
            t.db.clone(),
            collections.clone(),
            dir.with_extension("media"),
            vitrine_media::Settings::default(),
        )
        .unwrap();
        // As the program wires them: the index asks the library which objects have images.
        let lookup = media.clone();
        search.set_image_lookup(std::sync::Arc::new(move |ids| {
            let m = lookup.clone();
            Box::pin(async move { m.image_presence(&ids).await })
        }));
        search.spawn_follower();
        // The jobs these routes start run on a worker of this "node", as under `serve`.
        let jobs = vitrine_kernel::jobs::Jobs::new(t.db.clone());
        let mut worker = vitrine_kernel::jobs::Worker::new(
            jobs.clone(),
            vitrine_kernel::jobs::WorkerSettings {
                poll: std::time::Duration::from_millis(50),
                ..Default::default()
            },
        );
        search.register_jobs(&mut worker);
        media.register_jobs(&mut worker);
        std::mem::forget(worker.spawn());
        let state = AppState::new(
            collections,
            accounts,
            search.clone(),
            conservation,
            media,
            jobs,
            vitrine_bus::webhooks::Webhooks::new(
                t.db.clone(),
                vitrine_bus::webhooks::WebhookSettings {
                    allow_private: true,
                    ..Default::default()
                },
            )
            .unwrap(),
            cfg.clone(),
        );
        out.push(Site {
            engine: t.engine,
            app: vitrine_web::router(state),
            search,
            index_dir: dir,
            db: t,
        });
    }
    out
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    }
    /// Asserts a problem document naming `field`.
    pub fn problem(&self, status: u16, field: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{}",
            self.text()
        );
        let p = self.json();
        if field.is_empty() {
            assert!(p.get("field").is_none(), "{p}");
        } else {
            assert_eq!(p["field"], json!(field), "{p}");
        }
        p
    }
}

async fn read(r: Response<Body>) -> Reply {
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// A request as a browser on our own pages sends it: the session cookie, `Sec-Fetch-Site`
/// (`same-origin`, or `cross-site` to test the CSRF check) and an optional form body.
pub fn page(
    method: &str,
    uri: &str,
    cookie: &str,
    form: Option<String>,
    site: &str,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", site);
    if form.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    }
    b.body(form.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap()
}

impl Site {
    /// Signs in with the staff login form; the session cookie (`name=value`).
    pub async fn login(&self, user: &str) -> String {
        let req = Request::builder()
            .method("POST")
            .uri("/staff/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(format!(
                "username={user}&password={}&next=%2Fstaff%2Fobjects",
                PASSWORD.replace(' ', "+")
            )))
            .unwrap();
        let r = self.send(req).await;
        assert_eq!(r.status.as_u16(), 303, "{}", r.text());
        assert_eq!(r.header("location"), "/staff/objects");
        let cookie = r.header("set-cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        cookie.split(';').next().unwrap().to_owned()
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        read(self.app.clone().oneshot(req).await.unwrap()).await
    }

    /// A bearer token for a role.
    pub async fn token(&self, role: &str) -> String {
        let r = self
            .call(
                "POST",
                "/api/v1/session",
                None,
                Some(json!({"username": role, "password": PASSWORD})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    /// The secret of a new gateway (ingest) token, made by the admin.
    #[allow(dead_code)]
    pub async fn ingest_token(&self, name: &str) -> String {
        let admin = self.token("admin").await;
        let r = self
            .call(
                "POST",
                "/api/v1/ingest-tokens",
                Some(&admin),
                Some(json!({"name": name})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["secret"].as_str().unwrap().to_owned()
    }

    /// A JSON call with an optional token and extra headers.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let has_ct = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if body.is_some() && !has_ct {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = body
            .map(|v| Body::from(serde_json::to_vec(&v).unwrap()))
            .unwrap_or_else(Body::empty);
        self.send(b.body(body).unwrap()).await
    }

    /// A raw body call.
    pub async fn raw(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        ctype: &str,
        body: Vec<u8>,
    ) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }
}

/// A minimal valid record.
pub fn object(number: &str) -> Value {
    json!({
        "object_number": number,
        "title": {"zh-Hans": "青花缠枝莲纹梅瓶", "en": "Blue-and-white meiping vase"},
        "department": "history",
        "public": true,
        "current_location": "Storeroom 3, cabinet 12",
        "storage_notes": "fragile: two-person lift",
    })
}

/// Sends an image's raw bytes to `POST /api/v1/media?{query}`.
pub async fn upload(site: &Site, token: &str, query: &str, bytes: Vec<u8>) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/media?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap();
    site.send(req).await
}

/// Waits until an image's pyramid is ready; its record.
pub async fn media_ready(site: &Site, token: &str, id: &str) -> Value {
    for _ in 0..200 {
        let r = site
            .call(
                "GET",
                &format!("/api/v1/media/{id}"),
                Some(token),
                None,
                &[],
            )
            .await;
        let a = r.json();
        if a["status"] == "ready" {
            return a;
        }
        assert_ne!(a["status"], "failed", "{a}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("pyramid never became ready");
}

/// What a browser submits for the first `form.record-form` of a page: each named
/// input, select and text area outside `<template>`, as the HTML form submission
/// algorithm sends it (unchecked boxes absent, a select's selected or first option,
/// newlines stripped from one-line inputs, CRLF line breaks in text areas).
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    use scraper::{ElementRef, Html, Selector};
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form.record-form").unwrap();
    let field_sel = Selector::parse("input[name], select[name], textarea[name]").unwrap();
    let option_sel = Selector::parse("option").unwrap();
    let form = doc.select(&form_sel).next().expect("a record form");
    let in_template = |e: &ElementRef| {
        e.ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| a.value().name() == "template")
    };
    let mut out = Vec::new();
    for el in form.select(&field_sel).filter(|e| !in_template(e)) {
        let v = el.value();
        if v.attr("disabled").is_some() {
            continue;
        }
        let name = v.attr("name").unwrap_or_default().to_owned();
        let value = match v.name() {
            "textarea" => el.text().collect::<String>().replace('\n', "\r\n"),
            "select" => {
                let opts: Vec<ElementRef> = el.select(&option_sel).collect();
                let chosen = opts
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(opts.first());
                match chosen {
                    Some(o) => o
                        .value()
                        .attr("value")
                        .map(str::to_owned)
                        .unwrap_or_else(|| o.text().collect()),
                    None => continue,
                }
            }
            _ => match v.attr("type").unwrap_or("text") {
                "checkbox" | "radio" if v.attr("checked").is_none() => continue,
                "checkbox" | "radio" => v.attr("value").unwrap_or("on").to_owned(),
                "submit" | "button" | "reset" | "image" | "file" => continue,
                _ => v
                    .attr("value")
                    .unwrap_or_default()
                    .replace(['\r', '\n'], ""),
            },
        };
        out.push((name, value));
    }
    out
}

/// A form body of name/value pairs.
pub fn form_body(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// `n` values of a strategy, the same on every run (a failure names its case).
pub fn samples<S: proptest::strategy::Strategy>(strategy: S, n: usize) -> Vec<S::Value> {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

impl Site {
    /// A page fetched as the signed-in browser with `cookie`.
    pub async fn get_page(&self, cookie: &str, uri: &str) -> Reply {
        self.send(page("GET", uri, cookie, None, "same-origin"))
            .await
    }

    /// A form posted from our own page.
    pub async fn post_form(&self, cookie: &str, uri: &str, fields: &[(String, String)]) -> Reply {
        let body = Some(form_body(fields));
        self.send(page("POST", uri, cookie, body, "same-origin"))
            .await
    }

    /// The id of a new authority (`people`, `terms`, ...) labelled the same in both languages.
    pub async fn authority(
        &self,
        token: &str,
        kind: &str,
        vocabulary: &str,
        label: &str,
    ) -> String {
        let body = json!({"vocabulary": vocabulary, "label": {"zh-Hans": label, "en": label}});
        let uri = format!("/api/v1/{kind}");
        let r = self.call("POST", &uri, Some(token), Some(body), &[]).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_owned()
    }
}
