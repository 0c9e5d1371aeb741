//! Monitoring over HTTP on both engines: line protocol on the InfluxDB paths (tokens,
//! gzip, precision, per-line errors), JSON batches, sensors, placements, targets, series
//! (JSON and CSV), the overview and `/metrics`; every bad input a clear 4xx.

mod common;

use std::io::Write;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Site, sites};
use serde_json::json;

async fn write(
    site: &Site,
    path: &str,
    auth: Option<&str>,
    body: Vec<u8>,
    gzip: bool,
) -> common::Reply {
    let mut b = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "text/plain");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    let body = if gzip {
        b = b.header(header::CONTENT_ENCODING, "gzip");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&body).unwrap();
        e.finish().unwrap()
    } else {
        body
    };
    site.send(b.body(Body::from(body)).unwrap()).await
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_write_line_protocol_and_staff_read_series() {
    for site in sites().await {
        let admin = site.token("admin").await;
        let secret = site.ingest_token("gateway A").await;
        let tok = format!("Token {secret}");

        // 60 one-minute readings of two sensors, gzip, seconds precision (2.x path).
        let t0 = (now_s() / 60 - 120) * 60;
        let mut body = String::from("# from the gateway\n");
        for i in 0..60 {
            for s in ["C-01", "C-02"] {
                body.push_str(&format!(
                    "env,sensor={s},space=G01 t={:.2},humidity=55.5,lux=50i {}\n",
                    20.0 + i as f64 / 10.0,
                    t0 + i * 60
                ));
            }
        }
        let r = write(
            &site,
            "/api/v2/write?bucket=museum&org=x&precision=s",
            Some(&tok),
            body.into_bytes(),
            true,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::NO_CONTENT,
            "{} {}",
            site.engine,
            r.text()
        );

        // Bad lines are reported by number; good ones in the same batch are kept (1.x path).
        let ns = (t0 + 3600) * 1_000_000_000;
        let mixed = format!(
            "env,sensor=C-01 t=21 {ns}\nenv,sensor=C-01 t=NaN {ns}\nenv t=1 {ns}\nnot a line\nenv,sensor=C-01 t=1 {far}\n",
            far = (now_s() + 3 * 86_400) * 1_000_000_000
        );
        let r = write(
            &site,
            "/write?db=museum",
            Some(&tok),
            mixed.into_bytes(),
            false,
        )
        .await;
        let p = r.problem(400, "body");
        assert_eq!(
            (p["accepted"].as_u64(), p["rejected"].as_u64()),
            (Some(1), Some(4)),
            "{p}"
        );
        let lines: Vec<u64> = p["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .contains("4 of 5 lines refused")
        );

        // Credentials and parameters.
        write(
            &site,
            "/api/v2/write",
            Some("Token wrong"),
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(401, "");
        write(
            &site,
            "/api/v2/write",
            None,
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(401, "");
        write(
            &site,
            "/api/v2/write",
            Some("Basic abc"),
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(400, "");
        let viewer = site.token("viewer").await;
        write(
            &site,
            "/api/v2/write",
            Some(&format!("Bearer {viewer}")),
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(403, "");
        write(
            &site,
            "/api/v2/write?precision=weeks",
            Some(&tok),
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(400, "precision");
        write(
            &site,
            "/api/v2/write?precision=h",
            Some(&tok),
            b"env,sensor=X t=1".to_vec(),
            false,
        )
        .await
        .problem(400, "precision");
        let r = site
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/api/v2/write")
                    .header(header::AUTHORIZATION, &tok)
                    .header(header::CONTENT_ENCODING, "br")
                    .body(Body::from("x"))
                    .unwrap(),
            )
            .await;
        r.problem(415, "Content-Encoding");
        write(
            &site,
            "/api/v2/write",
            Some(&tok),
            b"not gzip at all".to_vec(),
            false,
        )
        .await
        .problem(400, "body");
        let r = site
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/api/v2/write")
                    .header(header::AUTHORIZATION, &tok)
                    .header(header::CONTENT_ENCODING, "gzip")
                    .body(Body::from("definitely not gzip"))
                    .unwrap(),
            )
            .await;
        r.problem(400, "Content-Encoding");
        // A small gzip body that inflates past the limit (a bomb) is refused, not inflated.
        let bomb = vec![b'#'; 40 * 1024 * 1024];
        write(&site, "/api/v2/write", Some(&tok), bomb, true)
            .await
            .problem(413, "body");

        // A staff conservator sends JSON; aliases and RFC 3339 times work; bad items are listed.
        let cons = site.token("conservator").await;
        let at = chrono::DateTime::from_timestamp(t0 + 7200, 0)
            .unwrap()
            .to_rfc3339();
        let r = site
            .call(
                "POST",
                "/api/v1/readings",
                Some(&cons),
                Some(json!({"readings": [
                    {"sensor": "C-01", "metric": "temp", "value": 22.5, "time": at},
                    {"sensor": "C-01", "metric": "Bad Name", "value": 1},
                    {"sensor": "bad code!", "metric": "rh", "value": 1},
                ]})),
                &[],
            )
            .await;
        let p = r.problem(400, "body");
        assert_eq!(p["accepted"], json!(1));
        let r = site
            .call(
                "POST",
                "/api/v1/readings",
                Some(&cons),
                Some(json!({"readings": [{"sensor": "C-01", "metric": "rh", "value": 50}]})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["values"], json!(1));
        site.call(
            "POST",
            "/api/v1/readings",
            Some(&cons),
            Some(json!({"rows": []})),
            &[],
        )
        .await
        .problem(400, "rows");

        // Sensors that reported unannounced are listed as unassigned.
        let r = site
            .call("GET", "/api/v1/sensors", Some(&viewer), None, &[])
            .await;
        let sensors = r.json();
        let c1 = sensors
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == "C-01")
            .unwrap()
            .clone();
        assert_eq!(c1["status"], "unassigned");
        assert_eq!(c1["space_hint"], "G01");
        let id = c1["id"].as_str().unwrap();
        site.call("GET", "/api/v1/sensors", None, None, &[])
            .await
            .problem(401, "");

        // Series: raw readings with min/max, metric aliases resolved at ingest.
        let q = format!("metric=rh&from={}&to={}", t0 * 1000, (t0 + 3600) * 1000);
        let r = site
            .call(
                "GET",
                &format!("/api/v1/sensors/{id}/series?{q}"),
                Some(&viewer),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let s = r.json();
        assert_eq!(
            (s["resolution"].as_str(), s["t"].as_array().unwrap().len()),
            (Some("raw"), 60)
        );
        assert_eq!(s["unit"], "%");
        let r = site
            .call(
                "GET",
                &format!("/api/v1/sensors/{id}/series.csv?{q}"),
                Some(&viewer),
                None,
                &[],
            )
            .await;
        assert!(r.header("content-type").starts_with("text/csv"));
        assert_eq!(r.text().lines().count(), 61);
        for (bad, field) in [
            ("metric=rh&from=yesterday", "from"),
            ("from=0", "metric"),
            ("metric=rh&from=10&to=5", "to"),
            ("metric=rh&colour=red", "colour"),
            ("metric=R H", "metric"),
        ] {
            let uri = format!("/api/v1/sensors/{id}/series?{}", bad.replace(' ', "%20"));
            site.call("GET", &uri, Some(&viewer), None, &[])
                .await
                .problem(400, field);
        }

        // Place it, give the space a target; the overview judges values against it.
        let r = site.call("POST", "/api/v1/locations", Some(&admin), Some(json!({"vocabulary": "showcase", "label": {"zh-Hans": "一号展柜", "en": "Case 1"}, "code": "G01-C1"})), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let loc = r.json()["id"].as_str().unwrap().to_owned();
        let etag = site
            .call(
                "GET",
                &format!("/api/v1/sensors/{id}"),
                Some(&cons),
                None,
                &[],
            )
            .await
            .header("etag");
        let at = chrono::DateTime::from_timestamp(t0 - 60, 0)
            .unwrap()
            .to_rfc3339();
        let r = site
            .call(
                "POST",
                &format!("/api/v1/sensors/{id}/placements"),
                Some(&cons),
                Some(json!({"location_id": loc, "at": at})),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["status"], "active");
        site.call(
            "POST",
            &format!("/api/v1/sensors/{id}/placements"),
            Some(&cons),
            Some(json!({"location_id": loc})),
            &[("if-match", &etag)],
        )
        .await
        .problem(412, "If-Match");
        site.call(
            "PUT",
            &format!("/api/v1/spaces/{loc}/target"),
            Some(&cons),
            Some(json!({"profile": "museum-ish"})),
            &[],
        )
        .await
        .problem(422, "profile");
        site.call(
            "PUT",
            &format!("/api/v1/spaces/{loc}/target"),
            Some(&cons),
            Some(json!({"ranges": {"rh": {"min": 60, "max": 40}}})),
            &[],
        )
        .await
        .problem(422, "ranges.rh");
        let r = site
            .call(
                "PUT",
                &format!("/api/v1/spaces/{loc}/target"),
                Some(&cons),
                Some(json!({"profile": "paper_textiles", "ranges": {"lux": {"max": 100}}})),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = site
            .call("GET", "/api/v1/spaces", Some(&viewer), None, &[])
            .await;
        let spaces = r.json();
        let space = spaces
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["location_id"] == json!(loc))
            .unwrap();
        assert_eq!(space["label"]["en"], "Case 1");
        let values = space["sensors"][0]["values"].as_array().unwrap();
        let rh = values.iter().find(|v| v["metric"] == "rh").unwrap();
        assert_eq!(
            (rh["value"].as_f64(), rh["in_range"].as_bool()),
            (Some(50.0), Some(true))
        );
        let lux = values.iter().find(|v| v["metric"] == "lux").unwrap();
        assert_eq!(lux["in_range"], json!(true));
        let r = site
            .call(
                "GET",
                &format!("/api/v1/spaces/{loc}/series?{q}"),
                Some(&viewer),
                None,
                &[],
            )
            .await;
        assert_eq!(r.json()[0]["sensor_code"], "C-01");

        // Counters for Prometheus.
        let r = site.call("GET", "/metrics", None, None, &[]).await;
        let m = r.text();
        // 4 lines of the mixed batch, 1 of the plain text sent as if it were gzip.
        assert!(
            m.contains("vitrine_ingest_rejected_total{path=\"line_protocol\"} 5"),
            "{m}"
        );
        // unknown precision twice, unknown encoding, broken gzip, the bomb, the JSON without readings
        assert!(m.contains("vitrine_ingest_refused_batches_total 6"), "{m}");
        assert!(m.contains("vitrine_ingest_auth_failures_total 3"), "{m}");
        assert!(
            m.contains("vitrine_ingest_rejected_total{path=\"json\"} 2"),
            "{m}"
        );
        assert!(m.contains("vitrine_sensors_discovered_total 2"), "{m}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logger_files_are_previewed_then_imported() {
    for site in sites().await {
        let cons = site.token("conservator").await;
        let r = site.call("POST", "/api/v1/sensors", Some(&cons), Some(json!({"code": "MEACO-3", "model": "Meaco 868", "metrics": ["temperature", "rh"]})), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let file = b"RECEIVER,TRANSMITTER,DATE,TEMPERATURE,HUMIDITY\n1,3,2025-11-21 08:00,20.5,51.2\n1,3,2025-11-21 08:15,20.4,oops\n1,3,2025-11-21 08:30,20.3,51.0\n".to_vec();
        let url = format!("/api/v1/sensors/{id}/logger-import");
        let r = site
            .raw(
                "POST",
                &format!("{url}?preview=true"),
                &cons,
                "text/csv",
                file.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let j = r.json();
        assert_eq!(
            (
                j["stored"].as_u64(),
                j["preview"]["format"].as_str(),
                j["preview"]["rejected"].as_u64()
            ),
            (Some(0), Some("meaco"), Some(1))
        );
        assert_eq!(j["preview"]["errors"][0]["line"], 3);
        let r = site.raw("POST", &url, &cons, "text/csv", file).await;
        assert_eq!(r.json()["stored"], 4, "{}", r.text());
        // 08:00 in the museum's time (UTC+8) is midnight UTC.
        let q = "metric=rh&from=2025-11-21T00:00:00Z&to=2025-11-21T01:00:00Z";
        let s = site
            .call(
                "GET",
                &format!("/api/v1/sensors/{id}/series?{q}"),
                Some(&cons),
                None,
                &[],
            )
            .await
            .json();
        assert_eq!(s["v"], json!([51.2, 51.0]));
        // A file nothing can be read from, and a mapping that names no column.
        site.raw(
            "POST",
            &url,
            &cons,
            "text/csv",
            b"just some words\n".to_vec(),
        )
        .await
        .problem(422, "mapping");
        site.raw(
            "POST",
            &format!("{url}?columns=nope"),
            &cons,
            "text/csv",
            b"x".to_vec(),
        )
        .await
        .problem(400, "columns");
        site.raw(
            "POST",
            &format!("{url}?colour=red"),
            &cons,
            "text/csv",
            b"x".to_vec(),
        )
        .await
        .problem(400, "colour");
        let viewer = site.token("viewer").await;
        site.raw("POST", &url, &viewer, "text/csv", b"x".to_vec())
            .await
            .problem(403, "");
    }
}
