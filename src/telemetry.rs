//! Logging and metrics set-up: a tracing subscriber (text or JSON lines) and the process-wide
//! Prometheus recorder.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Logs go to stderr, so that stdout carries only what commands print for people and scripts.
/// Installs the global subscriber once; later calls (tests) are no-ops. Filter from `RUST_LOG`,
/// `info` by default.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_target(false)
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// How often histogram samples are folded into their summaries.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process-wide Prometheus recorder (installed on first use) and its render handle.
pub fn metrics_handle() -> PrometheusHandle {
    PROMETHEUS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder was installed first; the handle still renders ours.
            let _ = metrics::set_global_recorder(recorder);
            describe_metrics();
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// A recorder made by `build_recorder` keeps every histogram sample until something drains
/// it, which only a scrape of `/metrics` did: a server nobody scraped grew by every commit and
/// request it timed (the soak measured ~0.7 MB a minute). A thread of its own, so that it
/// does not depend on which runtime asked for the handle first.
fn spawn_upkeep(handle: PrometheusHandle) {
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            handle.run_upkeep();
        });
    if let Err(err) = started {
        tracing::warn!(error = %err, "metrics upkeep not started: histograms drain only when scraped");
    }
}

fn describe_metrics() {
    metrics::describe_counter!(
        "parley_http_requests_total",
        "HTTP requests answered, by route and status"
    );
    metrics::describe_histogram!(
        "parley_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request handling time, by route"
    );
    metrics::describe_gauge!(
        "parley_database_up",
        "1 when the last readiness check reached the database"
    );
}
