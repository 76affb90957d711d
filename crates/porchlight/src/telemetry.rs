use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

/// Logs to stderr: readable on a terminal, JSON lines otherwise (for log collectors).
/// `PORCHLIGHT_LOG` (or `RUST_LOG`) sets the filter; the default is `info`.
pub fn init() {
    let filter = std::env::var("PORCHLIGHT_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info,sqlx=warn"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if std::io::stderr().is_terminal() {
        builder.compact().try_init()
    } else {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    };
    // A second call (tests) keeps the first subscriber.
    let _ = result;
}
