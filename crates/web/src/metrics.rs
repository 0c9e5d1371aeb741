//! `/metrics`: ingest and readings-store counters in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vitrine_conservation::Path;

use crate::state::AppState;

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, v) in samples {
        let _ = writeln!(out, "{name}{labels} {v}");
    }
}

fn one(v: u64) -> [(String, u64); 1] {
    [(String::new(), v)]
}

/// Jobs (queued and running across the nodes; attempts this node ended, with their
/// durations) and how far the search index is behind the outbox.
async fn jobs_and_events(st: &AppState, out: &mut String) {
    if let Ok(active) = st.jobs.active_counts().await {
        let samples: Vec<(String, u64)> = active
            .into_iter()
            .map(|(kind, state, n)| (format!("{{kind=\"{kind}\",state=\"{state}\"}}"), n))
            .collect();
        metric(
            out,
            "vitrine_jobs",
            "gauge",
            "Jobs queued and running, across every node.",
            &samples,
        );
    }
    let ended = st.jobs.ended();
    let labels = |k: &str, e: &str| format!("{{kind=\"{k}\",ending=\"{e}\"}}");
    metric(
        out,
        "vitrine_job_attempts_total",
        "counter",
        "Job attempts this node ended: succeeded, failed, cancelled or retried.",
        &ended
            .iter()
            .map(|(k, e, n, _)| (labels(k, e), *n))
            .collect::<Vec<_>>(),
    );
    let _ = writeln!(
        out,
        "# HELP vitrine_job_attempt_seconds_total Seconds this node spent in job attempts.\n# TYPE vitrine_job_attempt_seconds_total counter"
    );
    for (k, e, _, secs) in &ended {
        let _ = writeln!(
            out,
            "vitrine_job_attempt_seconds_total{} {secs:.3}",
            labels(k, e)
        );
    }
    if let Ok(s) = st.search.status().await {
        metric(
            out,
            "vitrine_outbox_seq",
            "gauge",
            "Position of the newest event in the outbox.",
            &one(s.outbox_seq.max(0) as u64),
        );
        metric(
            out,
            "vitrine_search_outbox_lag",
            "gauge",
            "Events this node's search index has not applied yet.",
            &one((s.outbox_seq - s.indexed_seq).max(0) as u64),
        );
    }
}

/// The counters, as Prometheus scrapes them (no restricted data: counts only).
pub async fn metrics(State(st): State<AppState>) -> Response {
    let i = st.conservation.ingest_stats();
    let r = st.conservation.readings().stats();
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let mut out = String::new();
    let by_path = |arr: &[std::sync::atomic::AtomicU64; 4]| -> Vec<(String, u64)> {
        Path::ALL
            .iter()
            .map(|p| {
                (
                    format!("{{path=\"{}\"}}", p.as_str()),
                    load(&arr[*p as usize]),
                )
            })
            .collect()
    };
    metric(
        &mut out,
        "vitrine_ingest_batches_total",
        "counter",
        "Reading batches received (requests, messages, files).",
        &by_path(&i.batches),
    );
    metric(
        &mut out,
        "vitrine_ingest_rejected_total",
        "counter",
        "Lines or items refused, with the reason reported to the sender.",
        &by_path(&i.rejected_by_path),
    );
    metric(
        &mut out,
        "vitrine_ingest_auth_failures_total",
        "counter",
        "Reading batches refused for missing or wrong credentials.",
        &one(load(&i.auth_failures)),
    );
    metric(
        &mut out,
        "vitrine_ingest_refused_batches_total",
        "counter",
        "Whole batches refused before reading a line (too big, unreadable encoding, bad parameters).",
        &one(load(&i.refused_batches)),
    );
    metric(
        &mut out,
        "vitrine_sensors_discovered_total",
        "counter",
        "Sensors registered as unassigned because they reported unannounced.",
        &one(load(&i.sensors_discovered)),
    );
    metric(
        &mut out,
        "vitrine_readings_written_total",
        "counter",
        "Readings durably stored.",
        &one(load(&r.values_written)),
    );
    metric(
        &mut out,
        "vitrine_readings_wal_rows_total",
        "counter",
        "Write-ahead rows committed.",
        &one(load(&r.wal_rows)),
    );
    metric(
        &mut out,
        "vitrine_readings_flushes_total",
        "counter",
        "Flushes of the in-memory head into day rows.",
        &one(load(&r.flushes)),
    );
    metric(
        &mut out,
        "vitrine_readings_flushed_total",
        "counter",
        "Readings folded into day rows.",
        &one(load(&r.values_flushed)),
    );
    metric(
        &mut out,
        "vitrine_readings_flush_errors_total",
        "counter",
        "Flushes that failed and were retried.",
        &one(load(&r.flush_errors)),
    );
    metric(
        &mut out,
        "vitrine_readings_pending",
        "gauge",
        "Readings in memory, not yet in day rows (durable in the write-ahead rows).",
        &one(st.conservation.readings().pending() as u64),
    );
    jobs_and_events(&st, &mut out).await;
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
