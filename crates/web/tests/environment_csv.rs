//! The environment CSVs on both engines: no cell that came from something a person typed
//! (a sensor's code, a space's name, a sensor's model) reaches a spreadsheet as a formula.

mod common;

use axum::http::StatusCode;
use common::{Site, sites};
use serde_json::json;

/// Every cell of a CSV document (no quoted commas in these documents' text).
fn cells(csv: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .flat_map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// A cell a spreadsheet would evaluate: a formula sign first, unless it is a number.
fn live_formula(cell: &str) -> bool {
    let c = cell.trim_matches('"');
    c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err()
}

/// A space named like a formula, with a sensor whose code and model start with signs,
/// and two readings of it there; returns the space and the sensor.
async fn formula_named_space(site: &Site) -> (String, String) {
    let admin = site.token("admin").await;
    let cons = site.token("conservator").await;
    let label = json!({"zh-Hans": "=HYPERLINK(\"http://x\")", "en": "+SUM(1,2)"});
    let r = site
        .call(
            "POST",
            "/api/v1/locations",
            Some(&admin),
            Some(json!({"vocabulary": "showcase", "label": label, "code": "CSV-C1"})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let loc = r.json()["id"].as_str().unwrap().to_owned();
    let r = site
        .call(
            "POST",
            "/api/v1/sensors",
            Some(&cons),
            Some(json!({"code": "-S1", "model": "@cmd|' /C calc'!A0", "metrics": ["rh"]})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sensor = r.json()["id"].as_str().unwrap().to_owned();
    let etag = r.header("etag");
    let now = chrono::Utc::now().timestamp_millis();
    let r = site
        .call(
            "POST",
            &format!("/api/v1/sensors/{sensor}/placements"),
            Some(&cons),
            Some(json!({"location_id": loc, "at": chrono::DateTime::from_timestamp_millis(now - 3_600_000).unwrap()})),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let readings = json!({"readings": [
        {"sensor": "-S1", "metric": "rh", "value": 51.5, "time": now - 120_000},
        {"sensor": "-S1", "metric": "rh", "value": -0.5, "time": now - 60_000},
    ]});
    let r = site
        .call("POST", "/api/v1/readings", Some(&cons), Some(readings), &[])
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    (loc, sensor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_series_csvs_never_start_a_cell_with_a_formula_sign() {
    for site in sites().await {
        let (loc, sensor) = formula_named_space(&site).await;
        let viewer = site.token("viewer").await;
        for path in [
            format!("/api/v1/spaces/{loc}/series.csv?metric=rh"),
            format!("/api/v1/sensors/{sensor}/series.csv?metric=rh"),
        ] {
            let r = site.call("GET", &path, Some(&viewer), None, &[]).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            let text = r.text();
            let cells = cells(&text);
            assert!(cells.iter().any(|c| c == "'-S1"), "{path}: {text}");
            assert!(
                cells.iter().any(|c| c == "-0.5"),
                "numbers keep their sign: {text}"
            );
            let live: Vec<_> = cells.iter().filter(|c| live_formula(c)).collect();
            assert!(live.is_empty(), "{path}: {live:?}");
        }
    }
}
