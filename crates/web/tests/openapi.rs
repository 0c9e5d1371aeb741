//! `/api/openapi.json` tells the truth about the router: every documented operation is
//! routed, no other method answers on a documented path, ids are unique, enums are
//! documented as sent, and a staff route checks the caller before it reads the body.

mod common;

use common::{Site, one_site as site};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(site: &Site) -> Value {
    let r = site.call("GET", "/api/openapi.json", None, None, &[]).await;
    assert_eq!(r.status.as_u16(), 200);
    r.json()
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

/// A concrete URI for a templated path: an authority list for `{kind}`, a UUID for ids.
fn concrete(path: &str) -> String {
    path.replace("{kind}", "people")
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                "6b0d3c56-52c8-4b07-8a4e-2a1c3e0f9d11"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The media type a body of this operation is documented with.
fn body_type(op: &Value) -> Option<String> {
    op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.keys().next().cloned())
}

fn is_route_fallback(status: u16, body: &Value) -> bool {
    status == 405
        || (status == 404
            && body["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("no route")))
}

#[tokio::test]
async fn test_operation_ids_are_unique() {
    let s = site().await;
    let doc = document(&s).await;
    let mut ids: Vec<String> = operations(&doc)
        .iter()
        .map(|(m, p, op)| {
            op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{m} {p} has no operationId"))
                .to_owned()
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicated operationIds");
}

#[tokio::test]
async fn test_every_documented_operation_is_routed() {
    let s = site().await;
    let doc = document(&s).await;
    for (method, path, _) in operations(&doc) {
        let r = s
            .call(&method.to_uppercase(), &concrete(&path), None, None, &[])
            .await;
        let body = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        assert!(
            !is_route_fallback(r.status.as_u16(), &body),
            "{method} {path} is documented but not routed: {} {body}",
            r.status
        );
    }
}

#[tokio::test]
async fn test_undocumented_methods_on_documented_paths_are_refused() {
    let s = site().await;
    let doc = document(&s).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_none()) {
            let r = s
                .call(&method.to_uppercase(), &concrete(path), None, None, &[])
                .await;
            assert_eq!(
                r.status.as_u16(),
                405,
                "{method} {path} answers but is not documented: {}",
                r.text()
            );
        }
    }
}

#[tokio::test]
async fn test_anonymous_bad_bodies_on_staff_routes_get_401() {
    let s = site().await;
    let doc = document(&s).await;
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        // Staff routes: a bearer token is required (no empty requirement `{}` beside it).
        let staff_only = op["security"].as_array().is_some_and(|reqs| {
            reqs.iter()
                .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
        if !staff_only {
            continue;
        }
        let uri = concrete(&path);
        let r = match body_type(&op) {
            Some(ctype) => {
                let req = axum::http::Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&uri)
                    .header("content-type", ctype)
                    .body(axum::body::Body::from("{\"object_number\": [ not json"))
                    .unwrap();
                s.send(req).await
            }
            None => s.call(&method.to_uppercase(), &uri, None, None, &[]).await,
        };
        assert_eq!(
            r.status.as_u16(),
            401,
            "anonymous {method} {path} must be refused before its input is read: {}",
            r.text()
        );
        assert_eq!(r.header("content-type"), "application/problem+json");
        checked += 1;
    }
    assert!(checked > 40, "only {checked} staff operations documented");
}

#[tokio::test]
async fn test_kind_parameter_lists_the_authority_lists() {
    let s = site().await;
    let doc = document(&s).await;
    let op = &doc["paths"]["/api/v1/{kind}"]["get"];
    let kind = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "kind")
        .unwrap();
    let values = kind["schema"]["enum"].as_array().unwrap();
    assert!(values.contains(&Value::from("people")), "{kind}");
    assert!(values.contains(&Value::from("places")), "{kind}");
}

#[tokio::test]
async fn test_enums_are_documented_as_the_server_sends_them() {
    let s = site().await;
    let doc = document(&s).await;
    let dept = &doc["components"]["schemas"]["Department"]["enum"];
    assert!(
        dept.as_array().unwrap().contains(&Value::from("fine_arts")),
        "{dept}"
    );
}

#[tokio::test]
async fn test_error_statuses_are_documented_as_problems() {
    let s = site().await;
    let doc = document(&s).await;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        let mut want = vec!["400"];
        if op.get("security").is_some() {
            want.push("401");
        }
        if path.contains('{') {
            want.push("404");
        }
        if op.get("requestBody").is_some() {
            want.extend(["415", "422"]);
        }
        let if_match = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
        if if_match {
            want.extend(["412", "428"]);
        }
        for code in want {
            let content = &responses
                .get(code)
                .unwrap_or_else(|| panic!("{method} {path} does not document {code}"))["content"];
            assert!(
                content.get("application/problem+json").is_some(),
                "{method} {path} {code}: {content}"
            );
        }
    }
}

/// The API's routes come from the route table (`api/routes.rs`, each from its handler's
/// description): no `.route("/api…")` elsewhere but the document and its page.
#[test]
fn test_api_routes_are_only_added_through_the_route_table() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut stray = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for line in text.lines() {
                let l = line.trim();
                let adds_api = [".route(\"/api", ".route(\"/write"]
                    .iter()
                    .any(|r| l.starts_with(r));
                let allowed = l.starts_with(".route(\"/api/openapi.json\"")
                    || l.starts_with(".route(\"/api/docs\"");
                if adds_api && !allowed {
                    stray.push(format!("{}: {l}", p.display()));
                }
            }
        }
    }
    assert!(stray.is_empty(), "routes outside the table: {stray:#?}");
}
