//! Error answers never grow with the input: a problem document quotes an excerpt of what
//! was sent (marked as cut) and lists a bounded number of field errors with a count.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::one_site as site;

#[tokio::test]
async fn test_a_10_mb_line_gets_a_short_problem() {
    let s = site().await;
    let token = s.ingest_token("gateway").await;
    let line = format!("env,sensor={} t=21", "x".repeat(10 << 20));
    let req = Request::builder()
        .method("POST")
        .uri("/write?db=museum")
        .header(header::AUTHORIZATION, format!("Token {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(line))
        .unwrap();
    let r = s.send(req).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text().len());
    assert!(r.body.len() < 4096, "{} bytes", r.body.len());
    assert!(r.text().contains("cut"), "{}", r.text());
}

#[tokio::test]
async fn test_thousands_of_unknown_parameters_get_fifty_errors_and_a_count() {
    let s = site().await;
    let query: Vec<String> = (0..5000).map(|i| format!("u{i}=1")).collect();
    let r = s
        .call(
            "GET",
            &format!("/api/public/v1/search?{}", query.join("&")),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text());
    let p = r.json();
    assert_eq!(p["errors"].as_array().unwrap().len(), 50, "{p}");
    assert_eq!(p["errors_omitted"], 4950, "{p}");
    assert!(r.body.len() < 16 * 1024, "{} bytes", r.body.len());
}

#[tokio::test]
async fn test_a_long_parameter_name_is_quoted_as_an_excerpt() {
    let s = site().await;
    let name = "q".repeat(5000) + "z";
    let r = s
        .call(
            "GET",
            &format!("/api/public/v1/search?{name}=1"),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text());
    let p = r.json();
    let field = p["errors"][0]["field"].as_str().unwrap();
    assert!(
        field.chars().count() < 150 && field.contains("cut"),
        "{field}"
    );
    assert!(r.body.len() < 4096, "{} bytes", r.body.len());
}
