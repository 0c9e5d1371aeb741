//! The readings pipeline on both engines: line protocol in, unknown sensors registered,
//! queries before and after flushing, newest-wins duplicates, late data, restart without
//! a flush (what kill -9 leaves), calibration, placements and raw retention.

use vitrine_collections::Collections;
use vitrine_collections::authority::{AuthorityInput, Kind};
use vitrine_conservation::ingest::{IngestReport, Precision, parse_line_protocol};
use vitrine_conservation::model::{CalibrationInput, PlacementInput, SensorStatus};
use vitrine_conservation::{Conservation, Settings, Writer};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Db, LangText, Role};
use vitrine_testkit::{all_engines, as_role};
use vitrine_timeseries::rollup::HOUR_MS;

const SYSTEM: Actor = Actor::System("test");
/// 2026-11-01T00:00:00Z, a local (UTC+8) day boundary minus 8 h.
const T0: i64 = 1_793_491_200_000;

fn migrations() -> Vec<&'static [vitrine_kernel::migrate::Migration]> {
    vec![
        KERNEL_MIGRATIONS,
        vitrine_collections::MIGRATIONS,
        vitrine_timeseries::MIGRATIONS,
        vitrine_conservation::store::MIGRATIONS,
    ]
}

async fn open(db: &Db) -> Conservation {
    let c = Collections::new(db.clone());
    Conservation::open(db.clone(), c, Settings::default())
        .await
        .unwrap()
}

async fn send(svc: &Conservation, body: &str) -> IngestReport {
    let writer = svc.authorize_ingest(None, Some(SYSTEM)).await.unwrap();
    let mut rep = IngestReport::default();
    let now = T0 + 30 * 86_400_000;
    let incoming = parse_line_protocol(
        body.as_bytes(),
        Precision::Ms,
        now,
        svc.aliases(),
        None,
        &mut rep,
    );
    svc.ingest(
        &writer,
        vitrine_conservation::Path::LineProtocol,
        incoming,
        &mut rep,
    )
    .await
    .unwrap();
    rep
}

/// Two hours of one-minute readings from two sensors: t = 20 + i/100, rh = 50.
fn two_hours() -> String {
    let mut body = String::new();
    for i in 0..120 {
        for s in ["S1", "S2"] {
            body.push_str(&format!(
                "env,sensor={s},space=G01 t={:.2},rh=50 {}\n",
                20.0 + i as f64 / 100.0,
                T0 + i * 60_000
            ));
        }
    }
    body
}

#[tokio::test]
async fn readings_are_stored_queried_and_survive_a_restart() {
    for t in all_engines(&migrations()).await {
        let svc = open(&t.db).await;
        let rep = send(&svc, &two_hours()).await;
        assert_eq!(
            (rep.accepted, rep.rejected, rep.values),
            (240, 0, 480),
            "{}",
            t.engine
        );

        // Unknown sensors are registered as unassigned, with the space they said.
        let sensors = svc.list_sensors(&SYSTEM).await.unwrap();
        assert_eq!(sensors.len(), 2);
        assert_eq!(sensors[0].status, SensorStatus::Unassigned);
        assert_eq!(sensors[0].space_hint, "G01");
        let s1 = sensors[0].id;

        // Visible before any flush.
        let d = svc
            .sensor_series(&SYSTEM, s1, "temperature", T0, T0 + 2 * HOUR_MS)
            .await
            .unwrap();
        assert_eq!((d.chart.resolution.as_str(), d.chart.t.len()), ("raw", 120));
        assert_eq!(d.chart.v[119], 21.19);

        // Restart without flushing: the write-ahead rows bring everything back.
        drop(svc);
        let svc = open(&t.db).await;
        // (opening folds the replayed rows into day rows at once)
        let replayed = svc
            .readings()
            .stats()
            .values_flushed
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(replayed, 720, "{}", t.engine);
        let again = svc
            .sensor_series(&SYSTEM, s1, "temperature", T0, T0 + 2 * HOUR_MS)
            .await
            .unwrap();
        assert_eq!(again.chart.v, d.chart.v);

        // The same answer now comes from the day rows.
        assert_eq!(svc.readings().pending(), 0);
        let flushed = svc
            .sensor_series(&SYSTEM, s1, "temperature", T0, T0 + 2 * HOUR_MS)
            .await
            .unwrap();
        assert_eq!(flushed.chart.v, d.chart.v);

        // Hourly rollups are exact.
        let series = svc.readings();
        let sid = series_id(&t.db, s1, "temperature").await;
        let hours = series.hourly(sid, T0, T0 + 2 * HOUR_MS).await.unwrap();
        assert_eq!(hours.len(), 2);
        assert_eq!(hours[0].1.count, 60);
        assert!(
            (hours[0].1.mean() - 20.295).abs() < 1e-9,
            "{}",
            hours[0].1.mean()
        );
        assert_eq!(hours[1].1.min, 20.6);

        // The ageing rate's rollups give the time-weighted preservation index directly.
        let ageing = series_id(&t.db, s1, "ageing_rate").await;
        let day = series
            .daily(ageing, T0 - 86_400_000, T0 + 86_400_000)
            .await
            .unwrap();
        let r = vitrine_timeseries::rollup::combine(day.iter().map(|(_, r)| r)).unwrap();
        let twpi =
            vitrine_conservation::science::twpi_from_rollup(r.integral, r.covered_ms).unwrap();
        let (lo, hi) = (
            vitrine_conservation::science::preservation_index(21.19, 50.0),
            vitrine_conservation::science::preservation_index(20.0, 50.0),
        );
        assert!(twpi > lo && twpi < hi, "{lo} < {twpi} < {hi}");

        // A duplicate (same sensor, metric, time) replaces; a late reading is added; the
        // rollups stay exact, before and after the next flush.
        send(
            &svc,
            &format!(
                "env,sensor=S1 t=30 {}\nenv,sensor=S1 t=10 {}\n",
                T0,
                T0 - 60_000
            ),
        )
        .await;
        for _ in 0..2 {
            let hours = series
                .hourly(sid, T0 - HOUR_MS, T0 + 2 * HOUR_MS)
                .await
                .unwrap();
            assert_eq!(hours.len(), 3, "{}", t.engine);
            assert_eq!(hours[0].1.count, 1);
            assert_eq!(hours[1].1.count, 60);
            assert_eq!(hours[1].1.max, 30.0);
            assert!((hours[1].1.sum - (20.295 * 60.0 - 20.0 + 30.0)).abs() < 1e-9);
            let days = series
                .daily(sid, T0 - 86_400_000, T0 + 86_400_000)
                .await
                .unwrap();
            assert_eq!(days.iter().map(|(_, r)| r.count).sum::<u64>(), 121);
            series.flush().await.unwrap();
        }

        // Raw retention drops readings but keeps rollups; later readings add to them.
        series.purge_raw(T0 + 5 * 86_400_000).await.unwrap();
        assert!(
            series
                .raw(sid, T0, T0 + HOUR_MS)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        assert_eq!(
            series.hourly(sid, T0, T0 + HOUR_MS).await.unwrap()[0]
                .1
                .count,
            60
        );
        send(&svc, &format!("env,sensor=S1 t=5 {}\n", T0 + 30_000)).await;
        series.flush().await.unwrap();
        let h = series.hourly(sid, T0, T0 + HOUR_MS).await.unwrap();
        assert_eq!((h[0].1.count, h[0].1.min), (61, 5.0));
    }
}

async fn series_id(db: &Db, sensor: uuid::Uuid, metric: &str) -> i64 {
    vitrine_conservation::store::series(db.conn())
        .await
        .unwrap()
        .into_iter()
        .find(|(_, s, m)| *s == sensor && m == metric)
        .unwrap()
        .0
}

#[tokio::test]
async fn placements_calibrations_and_permissions() {
    for t in all_engines(&migrations()).await {
        let svc = open(&t.db).await;
        let coll = Collections::new(t.db.clone());
        let loc = |zh: &str, en: &str, code: &str| AuthorityInput {
            vocabulary: "gallery".into(),
            label: LangText::zh_en(zh, en),
            code: Some(code.into()),
            ..Default::default()
        };
        let g1 = coll
            .create_authority(&SYSTEM, Kind::Location, loc("一号展厅", "Gallery 1", "G01"))
            .await
            .unwrap()
            .id;
        let g2 = coll
            .create_authority(&SYSTEM, Kind::Location, loc("二号展厅", "Gallery 2", "G02"))
            .await
            .unwrap()
            .id;
        send(&svc, &two_hours()).await;
        let s1 = svc.list_sensors(&SYSTEM).await.unwrap()[0].clone();

        // Placed in G1 at T0, moved to G2 an hour later: each space keeps its hour.
        let conservator = as_role(Role::Conservator);
        let at = |ms: i64| Some(chrono::DateTime::from_timestamp_millis(ms).unwrap());
        let v = svc
            .place_sensor(
                &conservator,
                s1.id,
                s1.version,
                PlacementInput {
                    location_id: g1,
                    at: at(T0),
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        svc.place_sensor(
            &conservator,
            s1.id,
            v,
            PlacementInput {
                location_id: g2,
                at: at(T0 + HOUR_MS),
                note: "moved".into(),
            },
        )
        .await
        .unwrap();
        let in_g1 = svc
            .space_series(&conservator, g1, "temperature", T0, T0 + 2 * HOUR_MS)
            .await
            .unwrap();
        let in_g2 = svc
            .space_series(&conservator, g2, "temperature", T0, T0 + 2 * HOUR_MS)
            .await
            .unwrap();
        assert_eq!(in_g1.len(), 1);
        assert_eq!(in_g1[0].chart.t.len(), 60, "{}", t.engine);
        assert_eq!(in_g2[0].chart.t.len(), 60);
        assert_eq!(in_g2[0].chart.t[0], T0 + HOUR_MS);
        let (sensor, history) = svc.get_sensor(&conservator, s1.id).await.unwrap();
        assert_eq!(sensor.status, SensorStatus::Active);
        assert_eq!(history.len(), 2);
        assert_eq!(
            sensor.placement.unwrap().location_label.unwrap().get("en"),
            Some("Gallery 2")
        );

        // A calibration applies to readings from its time on, keeping their decimals.
        svc.add_calibration(
            &conservator,
            s1.id,
            CalibrationInput {
                metric: "temperature".into(),
                offset: -0.3,
                scale: 1.0,
                valid_from: at(T0 + 3 * HOUR_MS),
                note: String::new(),
            },
        )
        .await
        .unwrap();
        send(
            &svc,
            &format!(
                "env,sensor=S1 t=20.13 {}\nenv,sensor=S1 t=20.13 {}\n",
                T0 + 3 * HOUR_MS - 60_000,
                T0 + 3 * HOUR_MS
            ),
        )
        .await;
        let d = svc
            .sensor_series(
                &SYSTEM,
                s1.id,
                "temperature",
                T0 + 2 * HOUR_MS,
                T0 + 4 * HOUR_MS,
            )
            .await
            .unwrap();
        assert_eq!(d.chart.v, [20.13, 19.83]);

        // Roles: a viewer reads, cannot edit nor write readings; the public sees nothing.
        let viewer = as_role(Role::Viewer);
        assert!(svc.list_sensors(&viewer).await.is_ok());
        assert!(
            svc.add_calibration(
                &viewer,
                s1.id,
                CalibrationInput {
                    metric: "rh".into(),
                    offset: 1.0,
                    scale: 1.0,
                    valid_from: None,
                    note: String::new()
                }
            )
            .await
            .is_err()
        );
        assert!(svc.authorize_ingest(None, Some(viewer)).await.is_err());
        assert!(svc.list_sensors(&Actor::Anonymous).await.is_err());
        assert!(svc.authorize_ingest(Some("nope"), None).await.is_err());

        // A gateway token writes; revoked, it does not.
        let admin = as_role(Role::Admin);
        let (tok, secret) = svc.create_ingest_token(&admin, "gateway 1").await.unwrap();
        assert!(matches!(
            svc.authorize_ingest(Some(&secret), None).await.unwrap(),
            Writer::Gateway { .. }
        ));
        svc.revoke_ingest_token(&admin, tok.id).await.unwrap();
        assert!(svc.authorize_ingest(Some(&secret), None).await.is_err());
    }
}
