//! Request counts and latencies by route, in Prometheus' text format at `/metrics`, and the
//! audit chain's head, read from the database at each scrape.

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// The `metrics` facade records into one process-wide recorder; it is installed on first use.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".to_owned()),
                LATENCY_BUCKETS,
            )
            .expect("the latency buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (an embedding program's): then ours only
        // renders what it sees, which is nothing, and we say so in the log.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
        }
        keep_up(handle.clone());
        handle
    })
}

/// The request latencies' histogram buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often recorded latencies are folded into their histograms.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The recorder keeps every latency recorded until its upkeep folds them into the histograms:
/// without it, a server nobody scrapes grows by every request it answers. The upkeep runs on
/// a thread of its own, so that it outlives whichever runtime first answered a request.
fn keep_up(handle: PrometheusHandle) {
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            }
        });
    if let Err(error) = started {
        tracing::warn!(error = %error, "could not start the metrics upkeep thread");
    }
}

pub async fn track(request: Request, next: Next) -> Response {
    let _ = handle();
    // The route template, never the concrete path: paths can hold identifiers.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let mut text = handle().render();
    match state.db.audit_chain_head().await {
        Ok(head) => text.push_str(&audit_head_metrics(head.as_ref())),
        // The request metrics still serve; the missing head is itself the alert.
        Err(error) => tracing::warn!(error = %error, "could not read the audit head"),
    }
    match state.db.unsealed_audit().await {
        Ok(unsealed) => text.push_str(&unsealed_audit_metrics(&unsealed)),
        Err(error) => tracing::warn!(error = %error, "could not count the unsealed audit rows"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// The audit rows waiting to be sealed: a count that keeps growing, or an age past a few
/// seconds, means no instance seals them.
fn unsealed_audit_metrics(unsealed: &storage::UnsealedAudit) -> String {
    let age = unsealed.oldest.map_or(0.0, |oldest| {
        jiff::Timestamp::now()
            .duration_since(oldest)
            .as_secs_f64()
            .max(0.0)
    });
    format!(
        "# HELP porchlight_audit_unsealed_rows Audit rows written but not yet sealed into the chain.\n\
         # TYPE porchlight_audit_unsealed_rows gauge\n\
         porchlight_audit_unsealed_rows {}\n\
         # HELP porchlight_audit_unsealed_oldest_seconds How long the oldest unsealed audit row has waited.\n\
         # TYPE porchlight_audit_unsealed_oldest_seconds gauge\n\
         porchlight_audit_unsealed_oldest_seconds {age:.3}\n",
        unsealed.rows
    )
}

/// The audit chain's head, published so that rows cut from the end are caught: the row number
/// only grows (a drop means rows were cut), and the first 12 hex digits of the row's MAC, as a
/// number (`printf '%012x'` gives them back for `audit verify --expect-head SEQ:MAC`), tie a
/// number recorded by the scraper to the row that had it. Read from the database at each scrape,
/// not kept in the process-wide recorder: every instance shows the same head.
fn audit_head_metrics(head: Option<&storage::AuditHead>) -> String {
    let (seq, mac_prefix) = head.map_or((0, 0), |head| {
        let prefix = head.mac.get(..12).unwrap_or("0");
        (head.seq, u64::from_str_radix(prefix, 16).unwrap_or(0))
    });
    format!(
        "# HELP porchlight_audit_head_seq The number of the audit log's newest row.\n\
         # TYPE porchlight_audit_head_seq gauge\n\
         porchlight_audit_head_seq {seq}\n\
         # HELP porchlight_audit_head_mac_prefix The first 12 hex digits of the newest row's MAC, as a number.\n\
         # TYPE porchlight_audit_head_mac_prefix gauge\n\
         porchlight_audit_head_mac_prefix {mac_prefix}\n"
    )
}
