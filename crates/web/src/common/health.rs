use axum::{extract::State, http::StatusCode};

use crate::AppState;

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: its database answers and takes writes (every sign-in writes, so a
/// database that answers reads on a full disk is not ready).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if let Err(error) = state.db.ping().await {
        tracing::warn!(error = %error, "readiness check failed: the database does not answer");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable");
    }
    match state.db.probe_writes().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed: the database takes no writes");
            (StatusCode::SERVICE_UNAVAILABLE, "database takes no writes")
        }
    }
}
